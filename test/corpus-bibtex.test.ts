/**
 * BibTeX / BibLaTeX: a Zotero export (braces on capitals, accents as `{\"u}`, `{\'i}`, `{\i}`,
 * math in titles, `{\&}`, `{\textendash}`, month macros) and a hand-kept BibLaTeX file (`@string`
 * macros, quotes, `#`, `( … )` entries, `@comment`, `@preamble`, `and others`, `eprint` fields),
 * read through Citation.js; malformed entries are warnings naming line and key, the rest loads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isBibtex, parseBibtex, splitBibtex } from '../src/corpus/bibtex.ts';
import { detectFormat, loadCorpusDir } from '../src/corpus/load.ts';
import { RawPaperSchema, type RawPaper } from '../src/corpus/schema.ts';
import { DATA_FILES, readData, tempDir, write } from './fixtures/corpus/data.ts';
import { ARXIV_JSON, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON, readImport } from './fixtures/imports/files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const zotero = parseBibtex(readImport(ZOTERO_BIB), ZOTERO_BIB);
const biblatex = parseBibtex(readImport(BIBLATEX_BIB), BIBLATEX_BIB);
const byTitle = (records: RawPaper[], start: string): RawPaper => {
  const found = records.filter((r) => r.title?.startsWith(start));
  expect(found, start).toHaveLength(1);
  return found[0]!;
};

describe('recognising BibTeX by content', () => {
  it('both .bib files are BibTeX; no page, RIS, CSL-JSON or arXiv file is', () => {
    expect(detectFormat(readImport(ZOTERO_BIB))).toBe('bibtex');
    expect(detectFormat(readImport(BIBLATEX_BIB))).toBe('bibtex');
    for (const f of DATA_FILES) expect(isBibtex(readData(f)), f).toBe(false);
    for (const f of [LIBRARY_RIS, ZOTERO_JSON, ARXIV_JSON]) expect(isBibtex(readImport(f)), f).toBe(false);
    expect(isBibtex('@string{acl = "ACL"}\n')).toBe(false); // macros alone are no bibliography
    expect(isBibtex('\ufeff@Article{key1,\n title = {x}}')).toBe(true);
  });
});

describe('a Zotero BibTeX export', () => {
  it('every entry loads, with the line it starts on, and no warning', () => {
    expect(zotero.issues).toEqual([]);
    expect(zotero.records.map((r) => [r.line, r.title])).toEqual([
      [2, 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer'],
      [16, 'Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity'],
      [31, 'Flan-MoE: Scaling Instruction-Finetuned Language Models with Sparse Mixture of Experts'],
      [45, 'GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding'],
      [53, 'Deep Voice 2: Multi-Speaker Neural Text-to-Speech'],
      [63, 'TensorFlow: A System for Large-Scale Machine Learning'],
      [73, 'Instant Neural Graphics Primitives with a Multiresolution Hash Encoding'],
      [88, '∞-former: Infinite Memory Transformer'],
      [102, 'O(n) Connections are Expressive Enough: Universal Approximability of Sparse Transformers'],
      [112, 'Optimization Methods for Large-Scale Machine Learning'],
      [126, 'Deep Learning'],
      [135, 'FLuRKA: Fast and accurate unified Low-Rank & Kernel Attention'],
      [145, 'Learning-Based Methods for Comparing Sequences, with Applications to Audio-to-MIDI Alignment and Matching'],
    ]);
    for (const r of zotero.records) {
      expect(RawPaperSchema.parse(r)).toEqual(r);
      expect(r.source).toBe(ZOTERO_BIB);
    }
  });

  it('LaTeX accents become letters in names: {\\i}, {\\"O}, {\\\'i}, {\\"u}, {\\\'e}', () => {
    expect(byTitle(zotero.records, 'Deep Voice 2').authors.slice(0, 2)).toEqual(['Sercan Ö. Arık', 'Gregory Diamos']);
    expect(byTitle(zotero.records, 'TensorFlow').authors[0]).toBe('Martín Abadi');
    expect(byTitle(zotero.records, 'Instant Neural').authors).toEqual(['Thomas Müller', 'Alex Evans', 'Christoph Schied', 'Alexander Keller']);
    expect(byTitle(zotero.records, '∞-former').authors).toEqual(['Pedro Henrique Martins', 'Zita Marinho', 'André F. T. Martins']);
    expect(byTitle(zotero.records, 'Optimization Methods').authors).toEqual(['Léon Bottou', 'Frank E. Curtis', 'Jorge Nocedal']);
    // "Last, First" → "First Last", in order, every one of them.
    expect(byTitle(zotero.records, 'TensorFlow').authors).toHaveLength(22);
  });

  it('math, escapes and dashes: $\\infty$, {$O(n)$}, $\\mathcal{O}(1/k)$, {\\&}, {\\textendash}', () => {
    expect(byTitle(zotero.records, 'Optimization Methods').abstract).toContain('the O(1/k) rate it attains');
    expect(byTitle(zotero.records, 'Switch Transformers').abstract).toContain('a sparsely-activated model – with outrageous numbers of parameters – but');
    expect(byTitle(zotero.records, 'Exploring the Limits').abstract).toContain('natural language processing (NLP).');
    for (const r of zotero.records) expect(`${r.title} ${r.abstract ?? ''}`, r.title!).not.toMatch(/[{}\\$]/);
  });

  it('venues, dates (year; the month alone is not a date), DOIs, arXiv ids and subjects', () => {
    const fields = (r: RawPaper) => [r.venue, r.date, r.doi ?? null, r.arxivId ?? null, r.category];
    expect(fields(byTitle(zotero.records, 'Exploring the Limits'))).toEqual(['Journal of Machine Learning Research', '2020', null, null, null]);
    // An arXiv preprint as Zotero saves it: publisher arXiv, the arXiv DOI, `arXiv:… [cs]` in the note, subjects as keywords.
    expect(fields(byTitle(zotero.records, 'Switch Transformers'))).toEqual(['arXiv', '2022', '10.48550/arxiv.2101.03961', '2101.03961', 'LG']);
    expect(fields(byTitle(zotero.records, 'Flan-MoE'))).toEqual(['arXiv', '2023', '10.48550/arxiv.2305.14705', '2305.14705', 'CL']);
    expect(fields(byTitle(zotero.records, 'Instant Neural'))).toEqual(['ACM Transactions on Graphics', '2022', '10.1145/3528223.3530127', null, null]);
    expect(fields(byTitle(zotero.records, 'Optimization Methods'))[2]).toBe('10.1137/16m1080173'); // DOIs compare lower-case
    expect(fields(byTitle(zotero.records, 'Deep Learning'))).toEqual(['MIT Press', '2016', null, null, null]); // a book's publisher
    expect(byTitle(zotero.records, 'Learning-Based Methods').venue).toBe('Columbia University'); // a thesis's school
    expect(byTitle(zotero.records, 'FLuRKA')).toEqual(expect.objectContaining({ venue: 'arXiv', category: 'LG' }));
  });
});

describe('a hand-kept BibLaTeX file', () => {
  it('loads every entry; @string, @comment and @preamble are no papers', () => {
    expect(biblatex.issues).toEqual([]);
    expect(biblatex.records.map((r) => [r.line, r.title])).toEqual([
      [15, 'Mixture-of-Experts with Expert Choice Routing'],
      [25, 'Brainformers: Trading Simplicity for Efficiency'],
      [35, 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts'],
      [45, 'Gemini: A Family of Highly Capable Multimodal Models'],
      [55, 'Xception: Deep Learning with Depthwise Separable Convolutions'],
      [65, 'Optimization Methods for Large-Scale Machine Learning'],
      [79, 'The entropy formula for the Ricci flow and its geometric applications'],
    ]);
  });

  it('macros, quotes, `#` and an entry in parentheses', () => {
    const moe = byTitle(biblatex.records, 'Mixture-of-Experts');
    expect(moe.venue).toBe('Advances in Neural Information Processing Systems 35'); // neurips # " 35"
    expect(moe.authors[0]).toBe('Yanqi Zhou'); // a quoted author list
    expect(byTitle(biblatex.records, 'Brainformers')).toEqual(expect.objectContaining({ venue: 'International Conference on Machine Learning', date: '2023' }));
    // A macro defined with another macro, and one used in a later entry only.
    const nested = parseBibtex('@string{pmlr = "PMLR"}\n@string{pmlr202 = pmlr # ", vol.~202"}\n@inproceedings{k, title = {T}, booktitle = pmlr202}\n', 'nested.bib');
    expect(nested.issues).toEqual([]);
    expect(nested.records[0]!.venue).toBe('PMLR, vol. 202');
  });

  it('BibLaTeX fields: date, journaltitle, eprint with eprinttype/archivePrefix, eprintclass/primaryClass', () => {
    const fields = (r: RawPaper) => [r.date, r.arxivId ?? null, r.category, r.venue, r.authorsTruncated];
    expect(fields(byTitle(biblatex.records, 'Mixture-of-Experts'))).toEqual(['2022', '2202.09368', 'LG', 'Advances in Neural Information Processing Systems 35', false]); // version stripped
    expect(fields(byTitle(biblatex.records, 'GLaM'))).toEqual(['2021', '2112.06905', 'CL', 'arXiv', true]); // arXiv's own export, "and others"
    expect(fields(byTitle(biblatex.records, 'Gemini'))).toEqual(['2023-12-19', '2312.11805', null, 'Google DeepMind', true]);
    expect(fields(byTitle(biblatex.records, 'Xception'))).toEqual(['2016-10-07', '1610.02357', 'CV', 'arXiv', false]);
    expect(fields(byTitle(biblatex.records, 'The entropy formula'))).toEqual(['2002-11-11', 'math/0211159', null, 'arXiv', false]); // old-style id, subject class dropped
    expect(byTitle(biblatex.records, 'Gemini').authors).toEqual(['Gemini Team', 'Rohan Anil', 'Sebastian Borgeaud']);
    expect(byTitle(biblatex.records, 'GLaM').authors).toHaveLength(10);
    expect(byTitle(biblatex.records, 'Xception').authors).toEqual(['François Chollet']);
    const bottou = byTitle(biblatex.records, 'Optimization Methods');
    expect(bottou.authors[0]).toBe('Léon Bottou'); // \'{e}
    expect(bottou.doi).toBe('10.1137/16m1080173'); // a doi.org URL in the doi field
    expect(bottou.abstract).toBe('A review of stochastic gradient methods — their theory, their practice and their O(n log n) cousins — for large-scale learning, 1998–2016.'); // `---`, `--`
  });
});

describe('malformed entries: a warning naming line and key; the rest loads', () => {
  const text = [
    '@article{good1, title = {First Good}, author = {Doe, Jane}, year = 2020}', // 1
    '', // 2
    '@article{missingcomma,', // 3
    '  title = {Missing Comma}', // 4
    '  author = {Roe, Richard},', // 5
    '}', // 6
    '@article{unclosed,', // 7
    '  title = {Unclosed Entry},', // 8
    '@misc{good2,', // 9
    '  title = {Second Good},', // 10
    '  abstract = {Costs $O(n) with a stray dollar},', // 11
    '}', // 12
    '@misc{notitle, author = {Nobody, A.}, year = 2020}', // 13
    '@misc{badenv, title = {T \\begin{x} a \\end{y}}}', // 14
    '@string{broken = {unclosed}', // 15
    '@misc{good3, title = {Third \\{ Good}, note = {mail me@example.org}}', // 16
    '@misc{good4, title = {Fourth Good}}', // 17
  ].join('\n');
  const r = parseBibtex(text, 'broken.bib');

  it('each problem once, with its line', () => {
    expect(r.issues.map((i) => [i.file, i.line, i.message])).toEqual([
      ['broken.bib', 5, 'entry missingcomma: expected "rbrace", got "identifier"; skipped'],
      ['broken.bib', 7, 'entry unclosed: not closed before the next entry or the end of the file; skipped'],
      ['broken.bib', 9, 'entry good2: field abstract cannot be read (expected "text", got EOF); left out'],
      ['broken.bib', 13, 'entry notitle: no title; skipped'],
      ['broken.bib', 14, 'entry badenv: environment started with "x", ended with "y"; skipped'],
      ['broken.bib', 15, '@string macro: not closed before the next entry or the end of the file; skipped'],
    ]);
  });

  it('every good entry loads, whatever comes before it', () => {
    expect(r.records.map((x) => [x.line, x.title, x.abstract])).toEqual([
      [1, 'First Good', null],
      [9, 'Second Good', null],
      [16, 'Third { Good', null],
      [17, 'Fourth Good', null],
    ]);
  });

  it('cuts a file into its blocks by brace depth (escaped braces are text)', () => {
    expect(splitBibtex(text).map((b) => [b.type, b.line, b.key, b.closed])).toEqual([
      ['article', 1, 'good1', true],
      ['article', 3, 'missingcomma', true],
      ['article', 7, 'unclosed', false],
      ['misc', 9, 'good2', true],
      ['misc', 13, 'notitle', true],
      ['misc', 14, 'badenv', true],
      ['string', 15, null, false],
      ['misc', 16, 'good3', true],
      ['misc', 17, 'good4', true],
    ]);
  });
});

describe('in the data directory', () => {
  it('is recognised by content under any name; the other files still load', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const bib = readImport(ZOTERO_BIB);
    write(t.dir, 'library.bib', bib);
    write(t.dir, 'export-2024-03-02', bib.replace(/^@/gm, ' @').replace('title = {Deep {Learning}}', 'title = {Deep {Learning}'));
    const loaded = await loadCorpusDir(t.dir);
    expect(loaded.files.map((f) => [f.name, f.format, f.papers])).toEqual([
      ['export-2024-03-02', 'bibtex', 12],
      ['library.bib', 'bibtex', 13],
    ]);
    expect(loaded.issues).toEqual([expect.objectContaining({ file: 'export-2024-03-02', line: 126, message: expect.stringContaining('entry goodfellow_deep_2016') })]);
    expect(loaded.corpus.papers).toHaveLength(13);
    expect(loaded.corpus.papers.find((p) => p.title === 'Deep Learning')!.sources).toEqual(['library.bib']);
  });
});
