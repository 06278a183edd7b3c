/**
 * CSL-JSON: a Zotero "Export Library… → CSL JSON" file (tab-indented, years as strings in
 * `date-parts`, rich-text markup in titles, literal names), cut into its elements so that a broken
 * element is a warning naming its line and every other one loads.
 */
import { describe, expect, it } from 'vitest';
import { isCslJson, parseCslJson, splitJsonArray } from '../src/corpus/cslJson.ts';
import { detectFormat, isCorpusCandidate } from '../src/corpus/load.ts';
import { RawPaperSchema, type RawPaper } from '../src/corpus/schema.ts';
import { DATA_FILES, readData } from './fixtures/corpus/data.ts';
import { ARXIV_JSON, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON, readImport } from './fixtures/imports/files.ts';

const text = readImport(ZOTERO_JSON);
const zotero = parseCslJson(text, ZOTERO_JSON);
const items = JSON.parse(text) as { title: string; DOI?: string }[];

describe('recognising CSL-JSON by content', () => {
  it('an array of CSL items is CSL-JSON; nothing else is', () => {
    expect(detectFormat(text)).toBe('csl-json');
    for (const f of DATA_FILES) expect(isCslJson(readData(f)), f).toBe(false);
    for (const f of [ZOTERO_BIB, BIBLATEX_BIB, LIBRARY_RIS, ARXIV_JSON]) expect(isCslJson(readImport(f)), f).toBe(false);
    expect(isCslJson(readData('sources.json'))).toBe(false);
    expect(isCslJson('[1, 2, 3]')).toBe(false);
    expect(isCslJson('[{"type": "book", "title": "T"}, {"broken": ')).toBe(true); // the first element decides
  });

  it('JSON files are corpus input; the manifest is not', () => {
    expect(isCorpusCandidate(ZOTERO_JSON)).toBe(true);
    expect(isCorpusCandidate('sources.json')).toBe(false);
  });
});

describe('a Zotero CSL-JSON export', () => {
  it('one record per item, in order, with the line its object starts on, and no warning', () => {
    expect(zotero.issues).toEqual([]);
    expect(zotero.records).toHaveLength(items.length);
    const starts = text.split('\n').flatMap((l, i) => (l === '\t{' ? [i + 1] : []));
    expect(zotero.records.map((r) => r.line)).toEqual(starts);
    for (const r of zotero.records) expect(RawPaperSchema.parse(r)).toEqual(r);
  });

  it('titles, names, dates, venues and identifiers', () => {
    const row = (r: RawPaper) => [r.title, r.authors.length, r.date, r.venue, r.doi ?? null, r.arxivId ?? null];
    expect(zotero.records.map(row)).toEqual([
      ['Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity', 3, '2022-06-16', 'arXiv', '10.48550/arxiv.2101.03961', '2101.03961'],
      ['Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer', 9, '2020', 'Journal of Machine Learning Research', null, null],
      ['GShard: Scaling Giant Models with Conditional Computation and Automatic Sharding', 9, '2021', 'International Conference on Learning Representations', null, null],
      ['LaMDA: Language Models for Dialog Applications', 5, '2022-02-10', 'arXiv', '10.48550/arxiv.2201.08239', '2201.08239'],
      ['Instant neural graphics primitives with a multiresolution hash encoding', 4, '2022-07-22', 'ACM Transactions on Graphics', '10.1145/3528223.3530127', null],
      ['GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism', 11, '2019-07-25', 'arXiv', '10.48550/arxiv.1811.06965', '1811.06965'],
      ['∞-former: Infinite Memory Transformer', 3, '2022', 'Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)', '10.18653/v1/2022.acl-long.375', null],
      ['Gemini: A Family of Highly Capable Multimodal Models', 3, '2023-12-19', 'Google DeepMind', '10.48550/arxiv.2312.11805', '2312.11805'],
      ['Deep Learning', 3, '2016', 'MIT Press', null, null],
      ['Efficient BackProp', 4, '1998', 'Neural Networks: Tricks of the Trade', '10.1007/3-540-49430-8_2', null],
      ['Learning-Based Methods for Comparing Sequences, with Applications to Audio-to-MIDI Alignment and Matching', 1, '2016', 'Columbia University', null, null],
    ]);
    // `<span class="nocase">` is markup, not title.
    expect(items[5]!.title).toContain('<span class="nocase">GPipe</span>');
    // Literal names, particles kept in place, non-ASCII as written.
    expect(zotero.records[7]!.authors).toEqual(['Gemini Team', 'Rohan Anil', 'Sebastian Borgeaud']);
    expect(zotero.records[3]!.authors.slice(0, 2)).toEqual(['Romal Thoppilan', 'Daniel De Freitas']);
    expect(zotero.records[9]!.authors).toEqual(['Yann LeCun', 'Léon Bottou', 'Genevieve B. Orr', 'Klaus-Robert Müller']);
    // Every DOI of the file, normalised.
    expect(zotero.records.flatMap((r) => (r.doi ? [r.doi] : []))).toEqual(items.flatMap((i) => (i.DOI ? [i.DOI.toLowerCase()] : [])));
  });
});

describe('malformed elements: a warning naming the line; the rest loads', () => {
  const broken = [
    '[', // 1
    '  {"id": "a", "type": "book", "title": "First Good", "issued": {"date-parts": [["2020"]]}},', // 2
    '  {"id": "b", "type": "book", "title": "Broken", "author": [{"family": "X"}', // 3 (missing a bracket)
    '  ,{"id": "c", "type": "book", "title": "Second Good"}', // 4
    '  {"id": "d", "type": "book", "title": "No comma before me"},', // 5
    '  {"id": "e", "type": "book", "author": "not a list"},', // 6
    '  {"id": "f", "type": "article", "title": "Bad date", "issued": {"date-parts": [["spring"]]}},', // 7
    '  {"id": "g", "type": "article", "title": "Cut', // 8
  ].join('\n');
  const r = parseCslJson(broken, 'broken.json');

  it('each problem once, with its line', () => {
    expect(r.issues.map((i) => [i.line, i.message])).toEqual([
      [3, expect.stringMatching(/^entry is not valid JSON \(.+\); skipped$/)],
      [6, 'entry e: not a CSL item (author: Invalid input: expected array, received string); skipped'],
      [7, 'entry f: date {"date-parts":[["spring"]]} not understood; left out'],
      [8, expect.stringMatching(/^entry is not valid JSON/)],
      [8, 'the array is not closed (file cut short?)'],
    ]);
  });

  it('every readable element loads', () => {
    expect(r.records.map((x) => [x.line, x.title, x.date])).toEqual([
      [2, 'First Good', '2020'],
      [4, 'Second Good', null],
      [5, 'No comma before me', null],
      [7, 'Bad date', null],
    ]);
  });

  it('in a Zotero file, a deleted bracket costs its own item only', () => {
    const lines = text.split('\n');
    const lamda = zotero.records.findIndex((x) => x.title?.startsWith('LaMDA'));
    const start = zotero.records[lamda]!.line;
    const close = lines.findIndex((l, i) => i >= start && l === '\t\t],'); // the end of its author list
    const r = parseCslJson([...lines.slice(0, close), ...lines.slice(close + 1)].join('\n'), 'edited.json');
    expect(r.issues).toEqual([expect.objectContaining({ file: 'edited.json', line: start, message: expect.stringMatching(/^entry is not valid JSON/) })]);
    expect(r.records.map((x) => x.title)).toEqual(zotero.records.filter((_, i) => i !== lamda).map((x) => x.title));
  });

  it('cuts an array into its elements without parsing them (strings and nesting respected)', () => {
    const split = splitJsonArray('\ufeff[ {"a": "x}],\\"{"}, [1, [2]], "s,t" ,\n 3 ]')!;
    expect(split.elements.map((e) => [e.text, e.line, e.column])).toEqual([
      ['{"a": "x}],\\"{"}', 1, 3],
      ['[1, [2]]', 1, 21],
      ['"s,t" ', 1, 31],
      ['3 ', 2, 1],
    ]);
    expect([split.closed, split.endLine]).toEqual([true, 2]);
    expect(splitJsonArray('{"not": "an array"}')).toBeNull();
    expect(splitJsonArray('[')).toEqual({ elements: [], closed: false, endLine: 1 });
    expect(splitJsonArray('[1, 2, 3]', { limit: 1 })!.elements.map((e) => e.text)).toEqual(['1']);
  });
});
