/**
 * The aggregator's inline listing (data/000_…): category+date line, title glued to its author
 * list, abstract. Every one of the 50 entries is pinned: title, authors, "et al.", orgs,
 * category, date, Code flag — transcribed by hand from the raw file, and checked against the
 * raw lines themselves before being used to check the parser.
 */
import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../src/corpus/load.ts';
import { inlineListingScore, parseInlineListing } from '../src/corpus/inlineListing.ts';
import { RawPaperSchema } from '../src/corpus/schema.ts';
import { nameKey, titleKey } from '../src/corpus/text.ts';
import { F000, dataFiles, dataManifest, readData } from './fixtures/corpus/data.ts';

type Expected = [category: string, date: string, code: boolean, title: string, authors: string[], etAl: boolean, orgs?: string[]];

/** In file order. Dates as ISO; the header line is rebuilt from them and compared with the raw line. */
const EXPECTED: Expected[] = [
  ['CL', '2022-07-13', true, 'N-Grammer: Augmenting Transformers with latent n-grams', ['Aurko Roy', 'Rohan Anil', 'Guangda Lai'], true, ['deepmind']],
  ['CL', '2022-05-09', false, 'Building Machine Translation Systems for the Next Thousand Languages', ['Ankur Bapna', 'Isaac Caswell', 'Julia Kreutzer'], true, ['deepmind']],
  ['SD', '2023-02-08', false, 'Noise2Music: Text-conditioned Music Generation with Diffusion Models', ['Qingqing Huang', 'Daniel S. Park', 'Tao Wang'], true],
  ['CV', '2023-03-29', false, 'MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks', ['Weicheng Kuo', 'AJ Piergiovanni', 'Dahun Kim'], true],
  ['LG', '2023-10-25', false, 'Controlled Decoding from Language Models', ['Sidharth Mudgal', 'Jong Lee', 'Harish Ganapathy'], true],
  ['CL', '2023-02-17', false, 'Massively Multilingual Shallow Fusion with Large Language Models', ['Ke Hu', 'Tara N. Sainath', 'Bo Li'], true],
  ['IV', '2023-06-01', false, 'CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI Reconstruction', ['Mevan Ekanayake', 'Zhifeng Chen', 'Mehrtash Harandi'], true],
  ['CL', '2023-11-26', false, 'Learning to Skip for Language Modeling', ['Dewen Zeng', 'Nan Du', 'Tao Wang'], true],
  ['IV', '2024-09-02', false, 'SeCo-INR: Semantically Conditioned Implicit Neural Representations for Improved Medical Image Super-Resolution', ['Mevan Ekanayake', 'Zhifeng Chen', 'Gary Egan'], true],
  ['CV', '2024-04-29', true, 'Stylus: Automatic Adapter Selection for Diffusion Models', ['Michael Luo', 'Justin Wong', 'Brandon Trabucco'], true],
  ['CV', '2025-09-19', true, 'MANZANO: A Simple and Scalable Unified Multimodal Model with a Hybrid Vision Tokenizer', ['Yanghao Li', 'Rui Qian', 'Bowen Pan'], true],
  ['CV', '2025-11-23', true, 'SO-Bench: A Structural Output Evaluation of Multimodal LLMs', ['Di Feng', 'Kaixin Ma', 'Feng Nan'], true],
  ['LG', '2022-01-28', true, 'Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning', ['Lianmin Zheng', 'Zhuohan Li', 'Hao Zhang'], true],
  ['DC', '2016-05-27', true, 'TensorFlow: A system for large-scale machine learning', ['Martín Abadi', 'Paul Barham', 'Jianmin Chen'], true],
  ['DC', '2016-03-14', true, 'TensorFlow: Large-Scale Machine Learning on Heterogeneous Distributed Systems', ['Martín Abadi', 'Ashish Agarwal', 'Paul Barham'], true],
  ['LG', '2025-02-19', false, 'Autellix: An Efficient Serving Engine for LLM Agents as General Programs', ['Michael Luo', 'Xiaoxiang Shi', 'Colin Cai'], true],
  ['LG', '2025-07-17', false, 'Apple Intelligence Foundation Language Models: Tech Report 2025', ['Ethan Li', 'Anders Boesen Lindbo Larsen', 'Chen Zhang'], true, ['apple-ml', 'cmu']],
  ['AI', '2025-09-26', false, 'Hilbert: Recursively Building Formal Proofs with Informal Reasoning', ['Sumanth Varambally', 'Thomas Voice', 'Yanchao Sun'], true],
  ['LG', '2025-11-25', false, 'Optimize Flip Angle Schedules In MR Fingerprinting Using Reinforcement Learning', ['Shenjun Zhong', 'Zhifeng Chen', 'Zhaolin Chen'], false],
  ['CL', '2023-12-19', false, 'Gemini: A Family of Highly Capable Multimodal Models', ['Gemini Team', 'Rohan Anil', 'Sebastian Borgeaud'], true],
  ['LG', '2023-05-29', false, 'Brainformers: Trading Simplicity for Efficiency', ['Yanqi Zhou', 'Nan Du', 'Yanping Huang'], true],
  ['CL', '2023-05-20', false, 'Lifelong Language Pretraining with Distribution-Specialized Experts', ['Wuyang Chen', 'Yanqi Zhou', 'Nan Du'], true],
  ['CL', '2023-05-17', false, 'PaLM 2 Technical Report', ['Rohan Anil', 'Andrew M. Dai', 'Orhan Firat'], true],
  ['LG', '2023-02-22', false, 'AlpaServe: Statistical Multiplexing with Model Parallelism for Deep Learning Serving', ['Zhuohan Li', 'Lianmin Zheng', 'Yinmin Zhong'], true],
  ['LG', '2022-02-18', false, 'Mixture-of-Experts with Expert Choice Routing', ['Yanqi Zhou', 'Tao Lei', 'Hanxiao Liu'], true],
  ['CL', '2022-01-20', false, 'LaMDA: Language Models for Dialog Applications', ['Romal Thoppilan', 'Daniel De Freitas', 'Jamie Hall'], true],
  ['CL', '2021-12-13', false, 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts', ['Nan Du', 'Yanping Huang', 'Andrew M. Dai'], true],
  ['AS', '2021-09-27', false, 'BigSSL: Exploring the Frontier of Large-Scale Semi-Supervised Learning for Automatic Speech Recognition', ['Yu Zhang', 'Daniel S. Park', 'Wei Han'], true],
  ['CV', '2021-06-15', false, 'Scene Transformer: A unified architecture for predicting multiple agent trajectories', ['Jiquan Ngiam', 'Benjamin Caine', 'Vijay Vasudevan'], true],
  ['DC', '2021-05-10', false, 'GSPMD: General and Scalable Parallelization for ML Computation Graphs', ['Yuanzhong Xu', 'HyoukJoong Lee', 'Dehao Chen'], true],
  ['CV', '2021-03-30', false, '3D-MAN: 3D Multi-frame Attention Network for Object Detection', ['Zetong Yang', 'Yin Zhou', 'Zhifeng Chen'], true],
  ['CV', '2021-03-02', false, 'Pseudo-labeling for Scalable 3D Object Detection', ['Benjamin Caine', 'Rebecca Roelofs', 'Vijay Vasudevan'], true],
  ['CV', '2021-03-01', false, 'Scalable Scene Flow from Point Clouds in the Real World', ['Philipp Jund', 'Chris Sweeney', 'Nichola Abdo'], true],
  ['NE', '2021-01-03', false, 'Computing Cliques and Cavities in Networks', ['Dinghua Shi', 'Zhifeng Chen', 'Xiang Sun'], true],
  ['CL', '2020-06-30', false, 'GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding', ['Dmitry Lepikhin', 'HyoukJoong Lee', 'Yuanzhong Xu'], true],
  ['CV', '2020-05-04', false, 'Streaming Object Detection for 3-D Point Clouds', ['Wei Han', 'Zhengdong Zhang', 'Benjamin Caine'], true],
  ['CL', '2020-03-28', false, 'A Streaming On-Device End-to-End Model Surpassing Server-Side Conventional Model Quality and Latency', ['Tara N. Sainath', 'Yanzhang He', 'Bo Li'], true],
  ['CV', '2019-12-10', false, 'Scalability in Perception for Autonomous Driving: Waymo Open Dataset', ['Pei Sun', 'Henrik Kretzschmar', 'Xerxes Dotiwalla'], true],
  ['AS', '2019-11-06', false, 'A comparison of end-to-end models for long-form speech recognition', ['Chung-Cheng Chiu', 'Wei Han', 'Yu Zhang'], true],
  ['AS', '2019-09-11', false, 'Large-Scale Multilingual Speech Recognition with a Streaming End-to-End Model', ['Anjuli Kannan', 'Arindrima Datta', 'Tara N. Sainath'], true],
  ['CV', '2019-08-29', false, 'StarNet: Targeted Computation for Object Detection in Point Clouds', ['Jiquan Ngiam', 'Benjamin Caine', 'Wei Han'], true],
  ['CL', '2019-07-11', false, 'Massively Multilingual Neural Machine Translation in the Wild: Findings and Challenges', ['Naveen Arivazhagan', 'Ankur Bapna', 'Orhan Firat'], true],
  ['CL', '2019-07-09', false, 'Learning to Speak Fluently in a Foreign Language: Multilingual Speech Synthesis and Cross-Language Voice Cloning', ['Yu Zhang', 'Ron J. Weiss', 'Heiga Zen'], true],
  ['CL', '2019-05-17', false, 'Gmail Smart Compose: Real-Time Assisted Writing', ['Mia Xu Chen', 'Benjamin N Lee', 'Gagan Bansal'], true],
  ['CL', '2019-04-12', false, 'Direct speech-to-speech translation with a sequence-to-sequence model', ['Ye Jia', 'Ron J. Weiss', 'Fadi Biadsy'], true],
  ['SD', '2019-04-05', false, 'LibriTTS: A Corpus Derived from LibriSpeech for Text-to-Speech', ['Heiga Zen', 'Viet Dang', 'Rob Clark'], true],
  ['LG', '2019-02-21', false, 'Lingvo: a Modular and Scalable Framework for Sequence-to-Sequence Modeling', ['Jonathan Shen', 'Patrick Nguyen', 'Yonghui Wu'], true],
  ['CV', '2018-11-16', false, 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism', ['Yanping Huang', 'Youlong Cheng', 'Ankur Bapna'], true],
  ['CL', '2018-10-16', false, 'Hierarchical Generative Modeling for Controllable Speech Synthesis', ['Wei-Ning Hsu', 'Yu Zhang', 'Ron J. Weiss'], true],
  ['CL', '2018-06-12', false, 'Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech Synthesis', ['Ye Jia', 'Yu Zhang', 'Ron J. Weiss'], true],
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function headerLine([category, date, code]: Expected): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${category}${MONTHS[m - 1]} ${d}, ${y}${code ? 'Code' : ''}`;
}

function gluedLine([, , , title, authors, etAl, orgs]: Expected): string {
  return `${title}${authors.join(', ')}${etAl ? ' et al.' : ''}${orgs ? ` · ${orgs.join(', ')}` : ''}`;
}

const raw = readData(F000);
const rawLines = raw.split('\n');

describe('inline listing, data/000', () => {
  it('the hand transcription matches the raw file line by line (3 lines per entry)', () => {
    expect(rawLines).toHaveLength(EXPECTED.length * 3);
    EXPECTED.forEach((e, i) => {
      expect(rawLines[i * 3], `header of entry ${i + 1}`).toBe(headerLine(e));
      expect(rawLines[i * 3 + 1], `title line of entry ${i + 1}`).toBe(gluedLine(e));
    });
  });

  const parsed = parseInlineListing(raw, { source: F000, pageOwner: 'Zhifeng Chen' });

  it('parses 50 entries without issues', () => {
    expect(parsed.records).toHaveLength(50);
    expect(parsed.issues).toEqual([]);
    for (const r of parsed.records) RawPaperSchema.parse(r);
  });

  it('splits every title from its authors exactly (parser alone, no context from other files)', () => {
    expect(parsed.records.map((r) => r.title)).toEqual(EXPECTED.map((e) => e[3]));
    expect(parsed.records.map((r) => r.authors[0])).toEqual(EXPECTED.map((e) => e[4][0]));
    expect(parsed.records.map((r) => r.authors)).toEqual(EXPECTED.map((e) => e[4]));
  });

  it('splits the same inside the loader (names and vocabulary from the other files)', () => {
    const { corpus, issues } = buildCorpus(dataFiles(), dataManifest());
    expect(issues.filter((i) => i.file === F000)).toEqual([]);
    for (const [, , , title, authors] of EXPECTED) {
      const paper = corpus.papers.find((p) => p.title === title || p.aliases.includes(title) || (p.title !== null && titleKey(p.title) === titleKey(title)));
      expect(paper, title).toBeDefined();
      // Truncated lists lead the merged list, so the first listed authors come first.
      expect(paper!.authors.slice(0, authors.length).map(nameKey), title).toEqual(authors.map(nameKey));
    }
  });

  it('reads category, date, Code flag, "et al." and org tags of every entry', () => {
    expect(parsed.records.map((r) => [r.category, r.date, r.hasCode, r.authorsTruncated, r.orgs])).toEqual(
      EXPECTED.map((e) => [e[0], e[1], e[2], e[5], e[6] ?? []]),
    );
  });

  it('pins the hard cases', () => {
    const byTitle = new Map(parsed.records.map((r) => [r.title, r]));
    const get = (title: string) => {
      const r = byTitle.get(title);
      expect(r, title).toBeDefined();
      return r!;
    };
    expect(get('GSPMD: General and Scalable Parallelization for ML Computation Graphs').authors[1]).toBe('HyoukJoong Lee');
    expect(get('GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding').authors[1]).toBe('HyoukJoong Lee');
    expect(get('MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks').authors).toContain('AJ Piergiovanni');
    expect(get('Hierarchical Generative Modeling for Controllable Speech Synthesis').authors[0]).toBe('Wei-Ning Hsu');
    expect(get('A comparison of end-to-end models for long-form speech recognition').authors[0]).toBe('Chung-Cheng Chiu');
    expect(get('Transfer Learning from Speaker Verification to Multispeaker Text-To-Speech Synthesis').authors[0]).toBe('Ye Jia');
    expect(get('SO-Bench: A Structural Output Evaluation of Multimodal LLMs').authors[0]).toBe('Di Feng');
    expect(get('CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI Reconstruction').authors[0]).toBe('Mevan Ekanayake');
    const apple = get('Apple Intelligence Foundation Language Models: Tech Report 2025');
    expect(apple.authors).toEqual(['Ethan Li', 'Anders Boesen Lindbo Larsen', 'Chen Zhang']);
    expect(apple.orgs).toEqual(['apple-ml', 'cmu']);
    const ngrammer = get('N-Grammer: Augmenting Transformers with latent n-grams');
    expect([ngrammer.category, ngrammer.date, ngrammer.hasCode, ngrammer.orgs, ngrammer.authorsTruncated]).toEqual(['CL', '2022-07-13', true, ['deepmind'], true]);
    // The only entry whose list is complete.
    expect(parsed.records.filter((r) => !r.authorsTruncated).map((r) => r.title)).toEqual(['Optimize Flip Angle Schedules In MR Fingerprinting Using Reinforcement Learning']);
  });

  it('keeps the abstract, the 1-based header line, the source and the page owner', () => {
    parsed.records.forEach((r, i) => {
      expect(r.line).toBe(i * 3 + 1);
      expect(r.abstract).toBe(rawLines[i * 3 + 2]);
      expect(r.source).toBe(F000);
      expect(r.pageOwner).toBe('Zhifeng Chen');
      expect(r.venue).toBeNull();
    });
  });

  it('the loader gets the page owner of the headerless listing from sources.json', () => {
    const { corpus } = buildCorpus(dataFiles(), dataManifest());
    const n = corpus.papers.find((p) => p.title === 'N-Grammer: Augmenting Transformers with latent n-grams')!;
    expect(n.authors).toEqual(['Aurko Roy', 'Rohan Anil', 'Guangda Lai', 'Zhifeng Chen']);
  });

  it('scores as an inline listing; a blog archive does not', () => {
    expect(inlineListingScore(rawLines)).toBe(50);
    expect(inlineListingScore(readData('003_95ab6b4c6175ff8d.txt').split('\n'))).toBe(0);
  });

  it('CRLF line ends parse the same', () => {
    const crlf = parseInlineListing(raw.replace(/\n/g, '\r\n'), { source: F000, pageOwner: 'Zhifeng Chen' });
    expect(crlf.records).toEqual(parsed.records);
  });
});

describe('inline listing, malformed input', () => {
  const entry = (header: string, glued: string, abstract: string) => `${header}\n${glued}\n${abstract}`;
  const good = entry('CLJul 13, 2022Code', 'N-Grammer: Augmenting Transformers with latent n-gramsAurko Roy, Rohan Anil et al.', 'An abstract about n-grams.');

  it('a category/date line with no title line is skipped with a warning naming the line', () => {
    const text = `CLMay 9, 2022\n${good}`;
    const r = parseInlineListing(text, { source: 'x.txt', pageOwner: null });
    expect(r.records.map((x) => x.title)).toEqual(['N-Grammer: Augmenting Transformers with latent n-grams']);
    expect(r.issues).toEqual([expect.objectContaining({ level: 'warn', file: 'x.txt', line: 1, message: expect.stringContaining('no title') })]);
  });

  it('a category/date line followed by the abstract (title line missing) gives no invented entry', () => {
    const text = `${good}\nCLMay 9, 2022\nIn this paper we share findings from our effort to build practical machine translation (MT) systems capable of translating across over one thousand languages.`;
    const r = parseInlineListing(text, { source: 'x.txt', pageOwner: null });
    expect(r.records).toHaveLength(1);
    expect(r.issues).toEqual([expect.objectContaining({ file: 'x.txt', line: 5 })]);
  });

  it('a file cut in the middle of a title: that entry is skipped with a warning, the rest kept', () => {
    const text = `${good}\nDCMay 10, 2021\nGSPMD: General and Scalable Pa`;
    const r = parseInlineListing(text, { source: 'x.txt', pageOwner: null });
    expect(r.records.map((x) => x.title)).toEqual(['N-Grammer: Augmenting Transformers with latent n-grams']);
    expect(r.issues).toEqual([expect.objectContaining({ file: 'x.txt', line: 5, message: expect.stringContaining('skipped') })]);
  });

  it('a file cut in a category/date line or in an author list is warned about', () => {
    const cutHeader = parseInlineListing(`${good}\nDCMay 10`, { source: 'x.txt', pageOwner: null });
    expect(cutHeader.records).toHaveLength(1);
    expect(cutHeader.records[0]!.abstract).toBe('An abstract about n-grams.');
    expect(cutHeader.issues).toEqual([expect.objectContaining({ file: 'x.txt', line: 4, message: expect.stringContaining('incomplete category/date line') })]);

    const cutAuthors = parseInlineListing(`${good}\nDCMay 10, 2021\nGSPMD: General and Scalable Parallelization for ML Computation GraphsYuanzhong Xu, Hyouk`, { source: 'x.txt', pageOwner: null });
    expect(cutAuthors.records).toHaveLength(2);
    expect(cutAuthors.records[1]!.title).toBe('GSPMD: General and Scalable Parallelization for ML Computation Graphs');
    expect(cutAuthors.issues).toEqual([expect.objectContaining({ file: 'x.txt', line: 4, message: expect.stringContaining('no abstract') })]);
  });

  it('an invalid date is warned about and left null', () => {
    const r = parseInlineListing(entry('CLFeb 30, 2022', 'Some Title of a PaperJane Doe, John Roe', 'Abstract.'), { source: 'x.txt', pageOwner: null });
    expect(r.records[0]!.date).toBeNull();
    expect(r.issues).toEqual([expect.objectContaining({ line: 1, message: expect.stringContaining('invalid date') })]);
  });
});
