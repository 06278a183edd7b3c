/**
 * The merger over the real files: deduplicated papers (same title up to case, or same
 * abstract), merged author lists, author variants, the two Zhifeng Chens, posts' mentions,
 * and the totals — each total derived here from the parsed records, not only pinned.
 */
import { describe, expect, it } from 'vitest';
import { parseAuthorPage } from '../src/corpus/authorPage.ts';
import { parseInlineListing } from '../src/corpus/inlineListing.ts';
import { parseLineListing } from '../src/corpus/lineListing.ts';
import { buildCorpus } from '../src/corpus/load.ts';
import { mergeAuthorLists, mergeCorpus, samePersonInPaper } from '../src/corpus/merge.ts';
import type { Author, Paper, RawPaper } from '../src/corpus/schema.ts';
import { nameKey, titleKey } from '../src/corpus/text.ts';
import { F000, F001, F002, F003, dataFiles, dataManifest, readData } from './fixtures/corpus/data.ts';

const { corpus, issues } = buildCorpus(dataFiles(), dataManifest());
const paper = (title: string): Paper => {
  const found = corpus.papers.filter((p) => p.title !== null && titleKey(p.title) === titleKey(title));
  expect(found, title).toHaveLength(1);
  return found[0]!;
};
const authorsNamed = (name: string): Author[] => corpus.authors.filter((a) => a.name === name);
const authorOf = (name: string): Author => {
  const found = corpus.authors.filter((a) => a.variants.includes(name));
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

const raws: RawPaper[] = [
  ...parseInlineListing(readData(F000), { source: F000, pageOwner: 'Zhifeng Chen' }).records,
  ...parseAuthorPage(readData(F001), F001).records,
  ...parseLineListing(readData(F002), F002).records,
];

describe('merged corpus of data/', () => {
  it('totals: 75 papers, 20 posts, 213 authors', () => {
    expect(corpus.papers).toHaveLength(75);
    expect(corpus.posts).toHaveLength(20);
    expect(corpus.authors).toHaveLength(213);
  });

  it('75 papers is right: 76 distinct titles, one of them an alias of GLaM, and the 4 untitled entries recovered', () => {
    expect(raws).toHaveLength(90);
    const titleKeys = new Set(raws.filter((r) => r.title).map((r) => titleKey(r.title!)));
    expect(titleKeys.size).toBe(76); // 50 (000) + 30 (002) − 5 in both + 1 ("Sparsely Activated …", 001 only)
    expect(corpus.papers.filter((p) => p.aliases.length).map((p) => [p.title, p.aliases])).toEqual([
      ['GLaM: Efficient Scaling of Language Models with Mixture-of-Experts', ['Sparsely Activated Language Models are Efficient In-Context Learners']],
    ]);
    expect(corpus.papers.filter((p) => p.title === null)).toEqual([]);
    expect(corpus.papers.filter((p) => p.sources.length === 3).map((p) => p.title).sort()).toEqual([
      'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts',
      'LaMDA: Language Models for Dialog Applications',
    ]);
  });

  it('213 authors is right: distinct name keys, one prefix merge, one homonym split', () => {
    const keys = new Set(raws.flatMap((r) => [...r.authors, ...(r.pageOwner ? [r.pageOwner] : [])]).map(nameKey));
    // Spelling variants already share a key (Sercan Arik ×3, Dmitry Lepikhin ×2) ...
    expect(keys.size).toBe(213);
    // ... `Daniel De Freitas` / `… Adiwardana` are one person (−1), there are two Zhifeng Chens (+1).
    expect(keys.has('daniel de freitas') && keys.has('daniel de freitas adiwardana')).toBe(true);
    expect(authorsNamed('Zhifeng Chen')).toHaveLength(2);
  });

  it('GShard `With` / `with`: one paper from 000 and 001, no alias, 001 venue, 000 date', () => {
    const gshard = paper('GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding');
    expect(gshard.sources).toEqual([F000, F001]);
    expect(gshard.aliases).toEqual([]);
    expect(gshard.venue).toBe('ICLR 2021 (to appear)');
    expect([gshard.date, gshard.year, gshard.category, gshard.categoryName]).toEqual(['2020-06-30', 2020, 'CL', 'Computation and Language']);
    expect(gshard.authors).toEqual(['Dmitry (Dima) Lepikhin', 'HyoukJoong Lee', 'Yuanzhong Xu', 'Dehao Chen', 'Maxim Krikun', 'Noam Shazeer', 'Zhifeng Chen']);
    expect(gshard.authorsTruncated).toBe(false);
  });

  it('GLaM: the 001 entry under its earlier title is the same paper (by abstract), kept as alias', () => {
    const glam = paper('GLaM: Efficient Scaling of Language Models with Mixture-of-Experts');
    expect(glam.sources).toEqual([F000, F001, F002]);
    expect(glam.aliases).toEqual(['Sparsely Activated Language Models are Efficient In-Context Learners']);
    expect(glam.date).toBe('2021-12-13');
    expect(glam.authors.slice(0, 4)).toEqual(['Nan Du', 'Yanping Huang', 'Andrew M. Dai', 'Barret Richard Zoph']);
    expect(glam.authors).toHaveLength(18);
    expect(glam.authors).toEqual(expect.arrayContaining(['Zhifeng Chen', 'Yanqi Zhou']));
    expect(corpus.papers.filter((p) => p.title === 'Sparsely Activated Language Models are Efficient In-Context Learners')).toEqual([]);
  });

  it('LaMDA in three sources: the aggregator\'s leading order, then the full 001 list, then the page owners', () => {
    const lamda = paper('LaMDA: Language Models for Dialog Applications');
    expect(lamda.sources).toEqual([F000, F001, F002]);
    const from001 = raws.find((r) => r.source === F001 && r.title?.startsWith('LaMDA'))!.authors;
    const lead = ['Romal Thoppilan', 'Daniel De Freitas', 'Jamie Hall'];
    const rest = from001.filter((a) => !['Romal Thoppilan', 'Daniel De Freitas Adiwardana', 'Jamie Hall'].includes(a));
    expect(lamda.authors).toEqual([...lead, ...rest, 'Yanqi Zhou', 'Zhifeng Chen']);
    expect(lamda.authors).toHaveLength(35);
    expect(lamda.authors[0]).toBe('Romal Thoppilan');
    expect(lamda.authors).not.toContain('Daniel De Freitas Adiwardana');
    expect([lamda.venue, lamda.date, lamda.authorsTruncated]).toEqual(['arXiv', '2022-01-20', false]);
  });

  it('papers in 000 and 002 appear once', () => {
    for (const t of ['Brainformers: Trading Simplicity for Efficiency', 'Lifelong Language Pretraining with Distribution-Specialized Experts', 'Mixture-of-Experts with Expert Choice Routing']) {
      const p = paper(t);
      expect(p.sources).toEqual([F000, F002]);
      expect(p.authors).toEqual(expect.arrayContaining(['Yanqi Zhou', 'Zhifeng Chen']));
      expect(p.authorsTruncated).toBe(true);
    }
    expect(paper('Brainformers: Trading Simplicity for Efficiency').authors).toEqual(['Yanqi Zhou', 'Nan Du', 'Yanping Huang', 'Zhifeng Chen']);
  });

  it('recovered untitled entries add their source; an entry with an unknown author list stays truncated', () => {
    for (const t of ['MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks', 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism']) {
      const p = paper(t);
      expect(p.sources).toEqual([F000, F001]);
      expect(p.authorsTruncated).toBe(true);
    }
    expect(paper('MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks').authors).toEqual(['Weicheng Kuo', 'AJ Piergiovanni', 'Dahun Kim', 'Zhifeng Chen']);
  });

  it('Alpa: the 001 venue with pages, the Code flag of 000', () => {
    const alpa = paper('Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning');
    expect(alpa.venue).toBe('16th USENIX Symposium on Operating Systems Design and Implementation (OSDI 22), USENIX Association, pp. 559-578');
    expect(alpa.hasCode).toBe(true);
    expect(alpa.authors.slice(0, 3)).toEqual(['Lianmin Zheng', 'Zhuohan Li', 'Hao Zhang']);
    expect(alpa.authors.at(-1)).toBe('Zhifeng Chen');
  });

  it('the page owner is an author of every paper of his or her page', () => {
    for (const p of corpus.papers) {
      if (p.sources.includes(F000) || p.sources.includes(F001)) expect(p.authors, p.title ?? p.id).toContain('Zhifeng Chen');
      if (p.sources.includes(F002)) expect(p.authors, p.title ?? p.id).toContain('Yanqi Zhou');
    }
  });
});

describe('authors', () => {
  it('spelling variants are one author: Sercan Arik, Dmitry Lepikhin, Daniel De Freitas', () => {
    const sercan = authorOf('Sercan Arik');
    expect(sercan.variants).toEqual(['Sercan Arik', 'Sercan O. Arik', 'Sercan Ö. Arık']);
    expect(sercan.paperIds).toHaveLength(4);
    const dmitry = authorOf('Dmitry Lepikhin');
    expect(dmitry.variants).toEqual(['Dmitry (Dima) Lepikhin', 'Dmitry Lepikhin']);
    expect(dmitry.name).toBe('Dmitry (Dima) Lepikhin');
    expect(dmitry.paperIds.map((id) => corpus.papers.find((p) => p.id === id)!.title!.split(':')[0]).sort()).toEqual(['GLaM', 'GShard', 'LaMDA']);
    const daniel = authorOf('Daniel De Freitas Adiwardana');
    expect(daniel.variants).toEqual(['Daniel De Freitas', 'Daniel De Freitas Adiwardana']);
    expect(daniel.name).toBe('Daniel De Freitas');
    for (const variant of ['Sercan O. Arik', 'Sercan Ö. Arık', 'Dmitry Lepikhin', 'Daniel De Freitas Adiwardana']) {
      expect(corpus.authors.filter((a) => a.name === variant)).toEqual([]);
    }
  });

  it('similar names stay different people', () => {
    for (const [a, b] of [['Chung-Cheng Chiu', 'Chung-ching Chang'], ['Zhifeng Chen', 'Zhaolin Chen'], ['Wei Han', 'Wei Li']] as const) {
      const ida = corpus.authors.filter((x) => x.variants.includes(a)).map((x) => x.id);
      const idb = corpus.authors.filter((x) => x.variants.includes(b)).map((x) => x.id);
      expect(ida.length).toBeGreaterThan(0);
      expect(idb.length).toBeGreaterThan(0);
      expect(ida.filter((id) => idb.includes(id))).toEqual([]);
    }
    expect(authorOf('Chung-Cheng Chiu').paperIds).toHaveLength(2);
    expect(authorOf('Chung-ching Chang').paperIds).toHaveLength(1);
  });

  it('two people named Zhifeng Chen: ML systems and medical imaging, told apart', () => {
    const [main, other] = authorsNamed('Zhifeng Chen').sort((a, b) => b.paperIds.length - a.paperIds.length);
    expect(main!.id).not.toBe(other!.id);
    expect(main!.disambiguation).toBeTruthy();
    expect(other!.disambiguation).toMatch(/Mevan Ekanayake/);
    const titles = (a: Author) => a.paperIds.map((id) => corpus.papers.find((p) => p.id === id)!.title);
    expect(titles(other!).sort()).toEqual([
      'CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI Reconstruction',
      'Optimize Flip Angle Schedules In MR Fingerprinting Using Reinforcement Learning',
      'SeCo-INR: Semantically Conditioned Implicit Neural Representations for Improved Medical Image Super-Resolution',
    ]);
    expect(titles(main!)).toEqual(expect.arrayContaining([
      'GShard: Scaling Giant Models With Conditional Computation and Automatic Sharding',
      'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism',
      'LaMDA: Language Models for Dialog Applications',
      'TensorFlow: A system for large-scale machine learning',
    ]));
    expect(main!.paperIds).toHaveLength(47);
    // Each paper points at the right one.
    const cl = paper('CL-MRI: Self-Supervised Contrastive Learning to Improve the Accuracy of Undersampled MRI Reconstruction');
    expect(cl.authorIds[cl.authors.indexOf('Zhifeng Chen')]).toBe(other!.id);
    const fp = paper('Optimize Flip Angle Schedules In MR Fingerprinting Using Reinforcement Learning');
    expect(fp.authors).toEqual(['Shenjun Zhong', 'Zhifeng Chen', 'Zhaolin Chen']);
    expect(fp.authorIds[1]).toBe(other!.id);
    const gpipe = paper('GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism');
    expect(gpipe.authorIds[gpipe.authors.indexOf('Zhifeng Chen')]).toBe(main!.id);
  });

  it('Yanqi Zhou stays one person, with the profile of the 002 header', () => {
    const yanqi = authorsNamed('Yanqi Zhou');
    expect(yanqi).toHaveLength(1);
    expect(yanqi[0]!.disambiguation).toBeNull();
    expect(yanqi[0]!.paperIds).toHaveLength(30);
    expect(yanqi[0]!.profile).toEqual({ name: 'Yanqi Zhou', field: 'LG', hIndex: 117, paperCount: 30, citations: 36306, source: F002 });
  });

  it('names as the corpus lists them', () => {
    expect(authorOf('(June) Yuan Shangguan').name).toBe('(June) Yuan Shangguan');
    expect(authorOf('HyoukJoong Lee').paperIds).toHaveLength(2);
    expect(authorOf('AJ Piergiovanni').name).toBe('AJ Piergiovanni');
  });

  it('authorIds parallel authors; every author\'s papers list that author', () => {
    const byId = new Map(corpus.authors.map((a) => [a.id, a]));
    expect(byId.size).toBe(corpus.authors.length);
    for (const p of corpus.papers) {
      expect(p.authorIds).toHaveLength(p.authors.length);
      expect(new Set(p.authorIds).size).toBe(p.authorIds.length);
      p.authorIds.forEach((id, i) => {
        expect(byId.get(id)?.name).toBe(p.authors[i]);
        expect(byId.get(id)!.paperIds).toContain(p.id);
      });
    }
    const paperIds = new Set(corpus.papers.map((p) => p.id));
    for (const a of corpus.authors) for (const id of a.paperIds) expect(paperIds.has(id)).toBe(true);
  });
});

describe('posts', () => {
  const byTitle = (t: string) => corpus.posts.find((p) => p.title === t)!;

  it('mentions link posts to the corpus papers they cite', () => {
    expect(byTitle('Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate').mentions).toEqual([
      paper('Building Machine Translation Systems for the Next Thousand Languages').id,
    ]);
    expect(byTitle('Alpa: Automated Model-Parallel Deep Learning').mentions).toEqual([
      paper('Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning').id,
    ]);
    // No other post cites a paper of the corpus.
    expect(corpus.posts.filter((p) => p.mentions.length).map((p) => p.title).sort()).toEqual([
      'Alpa: Automated Model-Parallel Deep Learning',
      'Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate',
    ]);
  });

  it('keep body, cited titles, acknowledgements and source', () => {
    const p = byTitle('Deep Learning with Label Differential Privacy');
    expect(p.sources).toEqual([F003]);
    expect(p.body.split('\n\n')[0]).toMatch(/^Over the last several years/);
    expect(p.citedTitles).toEqual(['Deep Learning with Label Differential Privacy']);
    expect(p.acknowledged).toEqual(['Badih Ghazi', 'Noah Golowich', 'Ravi Kumar', 'Sami Torbey']);
    expect(new Set(corpus.posts.map((x) => x.id)).size).toBe(20);
  });

  it('the same post in two archives is one post with both sources', () => {
    const files = [...dataFiles(), { name: '005_copy.txt', text: readData(F003) }];
    const { corpus: c } = buildCorpus(files, dataManifest());
    expect(c.posts).toHaveLength(20);
    expect(c.posts.find((p) => p.title === 'Alpa: Automated Model-Parallel Deep Learning')!.sources).toEqual([F003, '005_copy.txt']);
  });
});

describe('merge issues', () => {
  it('only the four untitled 001 entries are reported, once each (their recovery), in line order', () => {
    expect(issues.map((i) => [i.file, i.line])).toEqual([[F001, 24], [F001, 90], [F001, 119], [F001, 120]]);
    expect(issues.every((i) => /recovered as/.test(i.message))).toBe(true);
  });
});

describe('mergeAuthorLists / samePersonInPaper', () => {
  const rec = (authors: string[], truncated: boolean, pageOwner: string | null = null): RawPaper => ({
    title: 'T', authors, authorsTruncated: truncated, date: null, category: null, venue: null, orgs: [], hasCode: false, abstract: null, source: 's', line: 1, pageOwner,
  });

  it('the prefix rule: a shorter form is the same person as a fuller one', () => {
    expect(samePersonInPaper('Daniel De Freitas', 'Daniel De Freitas Adiwardana')).toBe(true);
    expect(samePersonInPaper('Sercan Ö. Arık', 'Sercan Arik')).toBe(true);
    expect(samePersonInPaper('Wei Han', 'Wei Li')).toBe(false);
    expect(samePersonInPaper('Wei', 'Wei Li')).toBe(false);
  });

  it('truncated lists lead, complete lists follow, page owners last; fuller spelling kept', () => {
    const m = mergeAuthorLists([rec(['Ann Lee', 'Bo Li', 'Cy Young', 'Daniel De Freitas Adiwardana'], false, 'Pat Owner'), rec(['Bo Li', 'Daniel De Freitas'], true)]);
    expect(m.names).toEqual(['Bo Li', 'Daniel De Freitas Adiwardana', 'Ann Lee', 'Cy Young', 'Pat Owner']);
    expect(m.truncated).toBe(false);
    expect(m.links).toEqual([['Daniel De Freitas', 'Daniel De Freitas Adiwardana']]);
  });

  it('never joins two names of one list by the prefix rule', () => {
    const m = mergeAuthorLists([rec(['Wei Li', 'Wei Li Chen'], false)]);
    expect(m.names).toEqual(['Wei Li', 'Wei Li Chen']);
    expect(m.links).toEqual([]);
  });

  it('is linear: a 5,000-author paper merges fast', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `Person Number${i} Surname${i}`);
    const t = performance.now();
    const m = mergeAuthorLists([rec(names.slice(0, 3), true), rec(names, false), rec([...names].reverse(), false, 'Pat Owner')]);
    expect(m.names).toHaveLength(5001);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});

describe('mergeCorpus', () => {
  it('does not depend on the order of its input records', () => {
    const input = { papers: raws, posts: [], profiles: [] };
    const a = mergeCorpus(input).corpus;
    const shuffled = [...raws].reverse();
    shuffled.push(shuffled.shift()!);
    const b = mergeCorpus({ ...input, papers: shuffled }).corpus;
    expect(b).toEqual(a);
  });

  it('an untitled entry joins only its closest match, never bridging two papers', () => {
    const rec = (title: string | null, abstract: string, line: number): RawPaper => ({
      title, authors: title ? ['Ann Lee'] : [], authorsTruncated: !title, date: '2020', category: null, venue: null, orgs: [], hasCode: false, abstract, source: 's.txt', line, pageOwner: null,
    });
    const x = 'we train a very large sparse mixture of experts language model on one trillion tokens of web text and dialog data';
    const y = 'our compiler partitions dataflow graphs across many accelerator chips using a learned cost model and beam search';
    const untitled = `${x} and we also evaluate ${y.split(' ').slice(0, 12).join(' ')}`;
    const { corpus: c, issues: is } = mergeCorpus({ papers: [rec('Paper X', x, 1), rec('Paper Y', y, 2), rec(null, untitled, 3)], posts: [], profiles: [] });
    expect(c.papers.map((p) => [p.title, p.sources.length, p.abstract]).sort()).toEqual([
      ['Paper X', 1, untitled],
      ['Paper Y', 1, y],
    ]);
    expect(is).toEqual([expect.objectContaining({ line: 3, message: 'untitled entry recovered as "Paper X" by its abstract' })]);
  });

  it('an empty input is an empty corpus', () => {
    expect(mergeCorpus({ papers: [], posts: [], profiles: [] })).toEqual({ corpus: { papers: [], posts: [], authors: [] }, issues: [] });
  });
});
