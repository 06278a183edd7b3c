/**
 * Identity across sources: DOIs and arXiv ids (version stripped) join records before titles do.
 * The same paper from an aggregator listing, a Zotero .bib (saved under its first arXiv title)
 * and the arXiv metadata dump is one record; two arXiv submissions under one title stay two.
 */
import { describe, expect, it } from 'vitest';
import { arxivCategoryCode, categoryFromKeywords, categoryName } from '../src/corpus/categories.ts';
import { arxivIdFromDoi, findArxivId, normaliseArxivId, normaliseDoi } from '../src/corpus/identity.ts';
import { buildCorpus, type SourceFile } from '../src/corpus/load.ts';
import { mergeCorpus } from '../src/corpus/merge.ts';
import type { Paper, RawPaper } from '../src/corpus/schema.ts';
import { titleKey } from '../src/corpus/text.ts';
import { F002, dataFiles, dataManifest, readData } from './fixtures/corpus/data.ts';
import { ARXIV_JSON, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON, readImport } from './fixtures/imports/files.ts';

const file = (name: string): SourceFile => ({ name, text: readImport(name) });
const only = (papers: Paper[], title: string): Paper => {
  const found = papers.filter((p) => [p.title, ...p.aliases].some((t) => t !== null && titleKey(t) === titleKey(title)));
  expect(found, title).toHaveLength(1);
  return found[0]!;
};

describe('identifiers', () => {
  it('arXiv ids lose their version, URL and prefix; old-style ids their subject class', () => {
    expect(['2101.03961v2', 'arXiv:2101.03961', 'https://arxiv.org/abs/2101.03961v3', 'http://arxiv.org/pdf/2101.03961v1.pdf', '0704.0001', 'hep-th/9901001v1', 'math.DG/0211159'].map(normaliseArxivId))
      .toEqual(['2101.03961', '2101.03961', '2101.03961', '2101.03961', '0704.0001', 'hep-th/9901001', 'math/0211159']);
    expect(['', '2101.0396', '1412.00001', '2113.00001', 'doi:10.1/x', 'arXiv preprint'].map(normaliseArxivId)).toEqual(Array(6).fill(null));
  });

  it('DOIs lose their resolver prefix and compare lower-case; arXiv DOIs name an arXiv id', () => {
    expect(['10.1137/16M1080173', 'https://doi.org/10.1137/16M1080173', 'doi:10.1137/16m1080173.', 'http://dx.doi.org/10.1137/16M1080173'].map(normaliseDoi)).toEqual(Array(4).fill('10.1137/16m1080173'));
    expect(normaliseDoi('not a doi')).toBeNull();
    expect(arxivIdFromDoi('10.48550/arXiv.2305.14705')).toBe('2305.14705');
    expect(arxivIdFromDoi('10.1145/3528223.3530127')).toBeNull();
  });

  it('finds an arXiv id only where the text says it is one', () => {
    expect(findArxivId([null, 'arXiv:2101.03961 [cs]'])).toBe('2101.03961');
    expect(findArxivId(['arXiv preprint arXiv:1706.03762'])).toBe('1706.03762');
    expect(findArxivId(['http://arxiv.org/abs/2305.14705v1'])).toBe('2305.14705');
    expect(findArxivId(['Technical report 2101.03961', 'pages 1706.03762'])).toBeNull();
  });
});

describe('categories', () => {
  it('arXiv categories and the subject keywords reference managers save name the listings’ codes', () => {
    expect(['cs.CL', 'cs.LG', 'eess.AS', 'stat.ML', 'math.DG', 'hep-th'].map(arxivCategoryCode)).toEqual(['CL', 'LG', 'AS', 'ML', 'math.DG', 'hep-th']);
    expect(categoryFromKeywords('Computer Science - Computation and Language, Computer Science - Machine Learning')).toBe('CL');
    expect(categoryFromKeywords('Computer Science - Distributed, Parallel, and Cluster Computing')).toBe('DC');
    expect(categoryFromKeywords('Statistics - Machine Learning')).toBe('ML');
    expect(categoryFromKeywords('Electrical Engineering and Systems Science - Audio and Speech Processing')).toBe('AS');
    expect(categoryFromKeywords('transformers; cs.CL')).toBe('CL');
    expect(categoryFromKeywords('Physics - Optics, deep learning, Computer Science - Cooking')).toBeNull();
  });
});

describe('a listing, a .bib and the arXiv dump: one paper', () => {
  // data/002 lists the paper under its final title; the Zotero export kept the title it had when
  // saved (arXiv v1, "Flan-MoE: …") with the arXiv DOI; the dump has the final title and the id.
  const { corpus, issues } = buildCorpus([{ name: F002, text: readData(F002) }, file(ZOTERO_BIB), file(ARXIV_JSON)]);
  const paper = only(corpus.papers, 'Mixture-of-Experts Meets Instruction Tuning: A Winning Combination for Large Language Models');

  it('joined through the arXiv id, whatever the titles', () => {
    expect(issues).toEqual([]);
    expect(paper.sources).toEqual([F002, ARXIV_JSON, ZOTERO_BIB]);
    expect(paper.title).toBe('Mixture-of-Experts Meets Instruction Tuning: A Winning Combination for Large Language Models');
    expect(paper.aliases).toEqual(['Flan-MoE: Scaling Instruction-Finetuned Language Models with Sparse Mixture of Experts']);
    expect(paper.arxivId).toBe('2305.14705');
    expect(paper.doi).toBe('10.48550/arxiv.2305.14705');
  });

  it('the listing’s date and code; the full author list (the listing shows three "et al.")', () => {
    expect([paper.date, paper.category, categoryName(paper.category)]).toEqual(['2023-05-24', 'CL', 'Computation and Language']);
    expect(paper.authors).toHaveLength(20);
    expect(paper.authors.slice(0, 3)).toEqual(['Sheng Shen', 'Le Hou', 'Yanqi Zhou']);
    expect(paper.authorsTruncated).toBe(false);
  });

  it('without the dump the .bib entry is a paper of its own (nothing else says it is the same)', () => {
    const apart = buildCorpus([{ name: F002, text: readData(F002) }, file(ZOTERO_BIB)]).corpus;
    expect(apart.papers.filter((p) => p.title?.startsWith('Flan-MoE') || p.title?.startsWith('Mixture-of-Experts Meets'))).toHaveLength(2);
  });

  it('the same whatever the file names and order', () => {
    const renamed = buildCorpus([file(ARXIV_JSON), file(ZOTERO_BIB), { name: F002, text: readData(F002) }].reverse().map((f, i) => ({ name: `in-${i}`, text: f.text })));
    const again = only(renamed.corpus.papers, paper.title!);
    expect({ ...again, sources: [] }).toEqual({ ...paper, sources: [] });
  });
});

describe('every export together with data/', () => {
  const all = buildCorpus([...dataFiles(), ...[ZOTERO_BIB, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_JSON, ARXIV_JSON].map(file)], dataManifest());

  it('loads without a warning about the exports', () => {
    expect(all.issues.filter((i) => !/^00\d_/.test(i.file))).toEqual([]);
    expect(all.files.slice(5).map((f) => [f.name, f.format, f.papers])).toEqual([
      [ARXIV_JSON, 'arxiv-dump', 50],
      [BIBLATEX_BIB, 'bibtex', 7],
      [LIBRARY_RIS, 'ris', 8],
      [ZOTERO_BIB, 'bibtex', 13],
      [ZOTERO_JSON, 'csl-json', 11],
    ]);
  });

  it('one paper per DOI and per arXiv id', () => {
    for (const key of ['doi', 'arxivId'] as const) {
      const ids = all.corpus.papers.flatMap((p) => (p[key] ? [p[key]] : []));
      expect(new Set(ids).size, key).toBe(ids.length);
    }
    // A DOI joins five exports' copies of one article (two spell its title in lower case).
    const ngp = only(all.corpus.papers, 'Instant Neural Graphics Primitives with a Multiresolution Hash Encoding');
    expect(ngp.sources).toEqual([ARXIV_JSON, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON]);
    expect([ngp.doi, ngp.arxivId]).toEqual(['10.1145/3528223.3530127', '2201.05989']);
    // The arXiv DOI, the `eprint` field and the dump line name one Switch Transformers.
    expect(only(all.corpus.papers, 'Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity').sources).toEqual([ARXIV_JSON, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON]);
  });

  it('arXiv categories and the listings’ codes agree (cs.CL in the dump is the listings’ CL)', () => {
    const gshard = only(all.corpus.papers, 'GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding');
    expect(gshard.sources).toContain(ARXIV_JSON);
    expect(gshard.sources).toContain('000_64853e7269fb9e95.txt');
    expect(gshard.category).toBe('CL');
    // Every paper in both a listing and the dump has one code, the listing's.
    const listed = buildCorpus(dataFiles(), dataManifest()).corpus.papers;
    for (const p of all.corpus.papers.filter((x) => x.sources.includes(ARXIV_JSON))) {
      const before = listed.find((l) => l.id === p.id);
      if (before) expect(p.category, p.title!).toBe(before.category);
    }
  });

  it('data/ alone has no identifiers (its corpus is what it was)', () => {
    const listed = buildCorpus(dataFiles(), dataManifest()).corpus.papers;
    expect(listed.filter((p) => 'doi' in p || 'arxivId' in p)).toEqual([]);
  });
});

describe('identity before titles', () => {
  const raw = (over: Partial<RawPaper>): RawPaper => ({
    title: 'Attention Is All You Need', authors: [], authorsTruncated: false, date: null, category: null, venue: null,
    orgs: [], hasCode: false, abstract: null, source: 'a.bib', line: 1, pageOwner: null, ...over,
  });

  it('the same DOI joins different titles', () => {
    const { corpus } = mergeCorpus({ papers: [raw({ doi: '10.1/x' }), raw({ title: 'Attention is all you need (extended)', doi: '10.1/x', source: 'b.ris' })], posts: [], profiles: [] });
    expect(corpus.papers.map((p) => [p.title, p.aliases, p.sources])).toEqual([['Attention Is All You Need', ['Attention is all you need (extended)'], ['a.bib', 'b.ris']]]);
  });

  it('two arXiv ids under one title are two papers; a record without an id joins one of them', () => {
    const { corpus } = mergeCorpus({
      papers: [raw({ arxivId: '1706.03762', line: 1 }), raw({ arxivId: '2401.00001', line: 2 }), raw({ source: 'listing.txt' })],
      posts: [], profiles: [],
    });
    expect(corpus.papers.map((p) => [p.arxivId, p.sources.length]).sort()).toEqual([['1706.03762', 2], ['2401.00001', 1]]);
    expect(new Set(corpus.papers.map((p) => p.id)).size).toBe(2);
  });

  it('two DOIs under one title are one paper (a preprint and its published version)', () => {
    const { corpus } = mergeCorpus({ papers: [raw({ doi: '10.48550/arxiv.1706.03762', arxivId: '1706.03762' }), raw({ doi: '10.5555/3295222.3295349', source: 'b.bib' })], posts: [], profiles: [] });
    expect(corpus.papers).toHaveLength(1);
    expect([corpus.papers[0]!.doi, corpus.papers[0]!.arxivId]).toEqual(['10.5555/3295222.3295349', '1706.03762']); // the published DOI first
  });
});
