/**
 * Blog archive dumps (data/003_…, data/004_…): posts separated by `Source: Google AI Blog`.
 * Pins the post titles, the people named in acknowledgements (spot checks read off the raw
 * text), and the paper titles each post cites in quotes.
 */
import { describe, expect, it } from 'vitest';
import { acknowledgedNames, isBlogArchive, parseBlogArchive, quotedTitles } from '../src/corpus/blogArchive.ts';
import { RawPostSchema, type RawPost } from '../src/corpus/schema.ts';
import { F000, F003, F004, readData } from './fixtures/corpus/data.ts';

const p003 = parseBlogArchive(readData(F003), F003);
const p004 = parseBlogArchive(readData(F004), F004);
const all = [...p003.records, ...p004.records];
const post = (title: string): RawPost => {
  const p = all.find((x) => x.title === title);
  expect(p, title).toBeDefined();
  return p!;
};

describe('blog archives, data/003 and data/004', () => {
  it('003 has 10 posts, 004 has 10 posts, titled and placed as in the raw files', () => {
    expect(p003.records.map((p) => [p.line, p.title])).toEqual([
      [5, 'Deep Learning with Label Differential Privacy'],
      [44, 'Image-Text Pre-training with Contrastive Captioners'],
      [86, 'Vector-Quantized Image Modeling with Improved VQGAN'],
      [140, 'Contextual Rephrasing in Google Assistant'],
      [183, 'Challenges in Multi-objective Optimization for Automatic Wireless Network Planning'],
      [238, 'Language Models Perform Reasoning via Chain of Thought'],
      [275, 'Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate'],
      [319, 'Learning Locomotion Skills Safely in the Real World'],
      [374, 'GraphWorld: Advances in Graph Benchmarking'],
      [419, 'Alpa: Automated Model-Parallel Deep Learning'],
    ]);
    expect(p004.records.map((p) => [p.line, p.title])).toEqual([
      [3, 'An NLU-Powered Tool to Explore COVID-19 Scientific Literature'],
      [40, 'Fast and Easy Infinitely Wide Networks with Neural Tangents'],
      [69, 'Understanding Transfer Learning for Medical Imaging'],
      [115, 'Exploring Weight Agnostic Neural Networks'],
      [155, 'Parrotron: New Research into Improving Verbal Communication for People with Speech Impairments'],
      [209, 'SpecAugment: A New Data Augmentation Method for Automatic Speech Recognition'],
      [244, 'MorphNet: Towards Faster and Smaller Neural Networks'],
      [287, 'Reducing the Need for Labeled Data in Generative Adversarial Networks'],
      [315, 'Measuring the Limits of Data Parallel Training for Neural Networks'],
      [346, 'An All-Neural On-Device Speech Recognizer'],
    ]);
    expect(p003.issues).toEqual([]);
    expect(p004.issues).toEqual([]);
    for (const p of all) RawPostSchema.parse(p);
  });

  it('drops the archive header, keeps paragraphs (headings and captions too) in order', () => {
    const first = p003.records[0]!;
    expect(first.paragraphs[0]).toMatch(/^Over the last several years, there has been an increased focus on developing differential privacy/);
    expect(first.paragraphs).toContain('A Multi-stage Training Algorithm');
    expect(first.paragraphs.at(-1)).toMatch(/^This work was carried out in collaboration with Badih Ghazi/);
    for (const p of all) {
      expect(p.paragraphs.join(' ')).not.toMatch(/Category Archives|Tag Archives|The latest news on Google Research|Source: Google AI Blog/);
    }
  });

  it('names the people of the acknowledgements (spot checks)', () => {
    expect(post('Deep Learning with Label Differential Privacy').acknowledged).toEqual(['Badih Ghazi', 'Noah Golowich', 'Ravi Kumar', 'Sami Torbey']);
    expect(post('GraphWorld: Advances in Graph Benchmarking').acknowledged).toEqual(['Brandon Mayer', 'Bryan Perozzi', 'Tom Small']);
    expect(post('Language Models Perform Reasoning via Chain of Thought').acknowledged).toEqual([
      'Xuezhi Wang', 'Dale Schuurmans', 'Maarten Bosma', 'Ed Chi', 'Sharan Narang', 'Aakanksha Chowdhery', 'Quoc Le',
    ]);
    expect(post('Measuring the Limits of Data Parallel Training for Neural Networks').acknowledged).toEqual([
      'Chris Shallue', 'Jaehoon Lee', 'Joe Antognini', 'Jascha Sohl-Dickstein', 'Roy Frostig', 'George Dahl',
    ]);
    expect(post('Understanding Transfer Learning for Medical Imaging').acknowledged).toEqual(['Samy Bengio', 'Jon Kleinberg', 'Geoffrey Hinton']);
    expect(post('Learning Locomotion Skills Safely in the Real World').acknowledged).toEqual(['Tingnan Zhang', 'Linda Luu', 'Sehoon Ha', 'Jie Tan', 'Wenhao Yu']);
    // A post without acknowledgements.
    expect(post('Exploring Weight Agnostic Neural Networks').acknowledged).toEqual([]);

    const alpa = post('Alpa: Automated Model-Parallel Deep Learning').acknowledged;
    expect(alpa).toHaveLength(23);
    expect(alpa).toEqual(expect.arrayContaining(['Lianmin Zheng', 'Joseph E. Gonzalez', 'Ion Stoica', 'Shibo Wang', 'Zhifeng Chen', 'Laurent El Shafey', 'Skye Wanderman-Milne', 'David Majnemer']));
    expect(alpa).not.toContain('Joseph E');

    const coca = post('Image-Text Pre-training with Contrastive Captioners').acknowledged;
    expect(coca).toEqual(expect.arrayContaining(['Vijay Vasudevan', 'Yonghui Wu', 'Yi-Ting Chen', 'Zhifeng Chen', 'Andrew Dai', 'Tom Small']));
    expect(coca).toHaveLength(39);

    const tangents = post('Fast and Easy Infinitely Wide Networks with Neural Tangents').acknowledged;
    expect(tangents).toEqual(expect.arrayContaining(['Lechao Xiao', 'Samuel S. Schoenholz', 'Sergey Ioffe', 'Tom Small']));
    expect(tangents).not.toContain('Neural Tangents');

    const unlocking = post('Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate').acknowledged;
    expect(unlocking).toEqual(expect.arrayContaining(['Julia Kreutzer', 'Daan van Esch', 'Macduff Hughes', 'Yasser Salah Eddine Bouchareb', 'Fauzia van der Leeuw', 'D.J. Abuy', 'Daniel Virtheim']));

    expect(post('Parrotron: New Research into Improving Verbal Communication for People with Speech Impairments').acknowledged[0]).toBe('Fadi Biadsy');
    expect(post('SpecAugment: A New Data Augmentation Method for Automatic Speech Recognition').acknowledged[0]).toBe('Chung-Cheng Chiu');
    const allNeural = post('An All-Neural On-Device Speech Recognizer').acknowledged;
    expect(allNeural).toHaveLength(29);
    expect(allNeural).toEqual(expect.arrayContaining(['Raziel Alvarez', 'Haşim Sak', 'June Yuan Shangguan', 'Mirkó Visontai', 'Dan Zivkovic']));
  });

  it('never takes teams, organisations or the post\'s subject for people', () => {
    const names = all.flatMap((p) => p.acknowledged);
    for (const bad of ['Brain Team', 'Google Research', 'Google Brain', 'ETH Zürich', 'Neural Tangents', 'Compare GAN', 'Robotics', 'ALS-TDI']) expect(names).not.toContain(bad);
    for (const n of names) expect(n.split(' ').length, n).toBeGreaterThanOrEqual(2);
  });

  it('collects the paper titles cited in quotes, not quoted questions or phrases', () => {
    expect(all.map((p) => [p.title, p.citedTitles])).toEqual([
      ['Deep Learning with Label Differential Privacy', ['Deep Learning with Label Differential Privacy']],
      ['Image-Text Pre-training with Contrastive Captioners', ['CoCa: Contrastive Captioners are Image-Text Foundation Models']],
      ['Vector-Quantized Image Modeling with Improved VQGAN', ['Vector-Quantized Image Modeling with Improved VQGAN']],
      ['Contextual Rephrasing in Google Assistant', []],
      ['Challenges in Multi-objective Optimization for Automatic Wireless Network Planning', []],
      ['Language Models Perform Reasoning via Chain of Thought', ['Chain of Thought Prompting Elicits Reasoning in Large Language Models']],
      ['Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate', ['Building Machine Translation Systems for the Next Thousand Languages']],
      ['Learning Locomotion Skills Safely in the Real World', ['Safe Reinforcement Learning for Legged Locomotion']],
      ['GraphWorld: Advances in Graph Benchmarking', ['GraphWorld: Fake Graphs Bring Real Insights for GNNs']],
      ['Alpa: Automated Model-Parallel Deep Learning', ['Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning']],
      ['An NLU-Powered Tool to Explore COVID-19 Scientific Literature', []],
      ['Fast and Easy Infinitely Wide Networks with Neural Tangents', []],
      ['Understanding Transfer Learning for Medical Imaging', ['Transfusion: Understanding Transfer Learning for Medical Imaging']],
      ['Exploring Weight Agnostic Neural Networks', ['Weight Agnostic Neural Networks']],
      ['Parrotron: New Research into Improving Verbal Communication for People with Speech Impairments', []],
      ['SpecAugment: A New Data Augmentation Method for Automatic Speech Recognition', ['SpecAugment: A Simple Data Augmentation Method for Automatic Speech Recognition']],
      ['MorphNet: Towards Faster and Smaller Neural Networks', ['MorphNet: Fast & Simple Resource-Constrained Structure Learning of Deep Networks']],
      ['Reducing the Need for Labeled Data in Generative Adversarial Networks', ['High-Fidelity Image Generation With Fewer Labels', 'Self-Supervised Generative Adversarial Networks']],
      ['Measuring the Limits of Data Parallel Training for Neural Networks', ['Measuring the Effects of Data Parallelism in Neural Network Training']],
      ['An All-Neural On-Device Speech Recognizer', ['Streaming End-to-End Speech Recognition for Mobile Devices']],
    ]);
    const cited = all.flatMap((p) => p.citedTitles);
    for (const q of ['Who wrote Romeo and Juliet?', 'When did William Shakespeare write Romeo and Juliet?', 'What regulates ACE2 expression?', 'How many COVID-19 cases are there in the United States?', 'Hey Google', 'great gray owl', 'safe recovery policy']) {
      expect(cited).not.toContain(q);
      expect(cited).not.toContain(q.replace(/\?$/, ''));
    }
  });

  it('is recognised by its separators; a listing is not', () => {
    expect(isBlogArchive(readData(F003).split('\n'))).toBe(true);
    expect(isBlogArchive(readData(F000).split('\n'))).toBe(false);
  });
});

describe('acknowledgedNames / quotedTitles', () => {
  it('takes the names after the lead-in of each sentence', () => {
    expect(acknowledgedNames('We would like to thank our co-authors Ann Lee, Bo Li, and Cy Young who helped. We also thank Dee Ray for feedback.')).toEqual(['Ann Lee', 'Bo Li', 'Cy Young', 'Dee Ray']);
    expect(acknowledgedNames('Neural Widgets is being developed by Ann Lee and Joseph E. Gonzalez.')).toEqual(['Ann Lee', 'Joseph E. Gonzalez']);
    expect(acknowledgedNames('Thanks to Ann Lee (Greek), Daan van Esch and others in the Google Brain team.')).toEqual(['Ann Lee', 'Daan van Esch']);
    expect(acknowledgedNames('This work builds on “Some Quoted Paper Title” with Ann Lee.')).toEqual(['Ann Lee']);
    expect(acknowledgedNames('No names in this sentence at all.')).toEqual([]);
    // Names before any lead-in are kept.
    expect(acknowledgedNames('Ann Lee, Bo Li and Cy Young contributed to the design of the system.')).toEqual(['Ann Lee', 'Bo Li', 'Cy Young']);
  });

  it('accepts quoted titles, rejects questions, short phrases and lower-case phrases', () => {
    expect(quotedTitles('In “GraphWorld: Fake Graphs Bring Real Insights for GNNs”, we present')).toEqual(['GraphWorld: Fake Graphs Bring Real Insights for GNNs']);
    expect(quotedTitles('In “Chain of Thought Prompting Elicits Reasoning in Large Language Models,” we')).toEqual(['Chain of Thought Prompting Elicits Reasoning in Large Language Models']);
    expect(quotedTitles('a query like “Who wrote Romeo and Juliet?” and then “Where was he born?”')).toEqual([]);
    expect(quotedTitles('say "Hey Google" or a “safe recovery policy”')).toEqual([]);
  });
});

describe('blog archive, malformed input', () => {
  it('text after the last separator is parsed as a post with a warning; an empty post is skipped with one', () => {
    const text = ['First Post Title', '', 'Body one.', '', 'Source: Google AI Blog', '', 'Source: Google AI Blog', 'Half-Written Post', '', 'Body cut sh'].join('\n');
    const r = parseBlogArchive(text, 'b.txt');
    expect(r.records.map((p) => p.title)).toEqual(['First Post Title', 'Half-Written Post']);
    expect(r.issues).toEqual([
      expect.objectContaining({ file: 'b.txt', line: 7, message: expect.stringContaining('empty post') }),
      expect.objectContaining({ file: 'b.txt', line: 8, message: expect.stringContaining('after the last "Source:" separator') }),
    ]);
  });
});
