/**
 * arXiv metadata in JSON lines, as in the public arXiv metadata snapshot: 50 lines, each checked
 * against its own raw JSON (id without version, first version's date, primary category mapped to
 * the listings' code, LaTeX decoded, wrapped title and abstract joined), then bad lines.
 */
import { describe, expect, it } from 'vitest';
import { isArxivDump, parseArxivDump } from '../src/corpus/arxivDump.ts';
import { CATEGORY_NAMES, arxivCategoryCode } from '../src/corpus/categories.ts';
import { detectFormat } from '../src/corpus/load.ts';
import { RawPaperSchema } from '../src/corpus/schema.ts';
import { squash } from '../src/corpus/text.ts';
import { DATA_FILES, readData } from './fixtures/corpus/data.ts';
import { ARXIV_JSON, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON, readImport } from './fixtures/imports/files.ts';

interface Line {
  id: string;
  authors: string;
  title: string;
  abstract: string;
  categories: string;
  versions: { version: string; created: string }[];
  doi: string | null;
  'journal-ref': string | null;
  authors_parsed: string[][];
}

const text = readImport(ARXIV_JSON);
const raw = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
const dump = parseArxivDump(text, ARXIV_JSON);
const record = (id: string) => dump.records.find((r) => r.arxivId === id)!;

describe('recognising arXiv metadata lines by content', () => {
  it('the slice is arXiv metadata (under a .json name); nothing else is', () => {
    expect(detectFormat(text)).toBe('arxiv-dump');
    const lines = (t: string) => t.split(/\r?\n/);
    for (const f of DATA_FILES) expect(isArxivDump(lines(readData(f))), f).toBe(false);
    for (const f of [ZOTERO_BIB, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_JSON]) expect(isArxivDump(lines(readImport(f))), f).toBe(false);
    expect(isArxivDump(lines(readData('sources.json')))).toBe(false);
    expect(isArxivDump(['{"id": "x", "name": "not arXiv"}'])).toBe(false);
  });
});

describe('50 lines of the arXiv metadata snapshot', () => {
  it('one record per line, on its line, without a warning', () => {
    expect(raw).toHaveLength(50);
    expect(dump.issues).toEqual([]);
    expect(dump.records.map((r) => r.line)).toEqual(raw.map((_, i) => i + 1));
    for (const r of dump.records) expect(RawPaperSchema.parse(r)).toEqual(r);
  });

  it('every record follows its line: id, first-version date, primary category, venue, DOI, title', () => {
    dump.records.forEach((r, i) => {
      const line = raw[i]!;
      expect(r.arxivId).toBe(line.id);
      expect(r.source).toBe(ARXIV_JSON);
      const v1 = new Date(line.versions.find((v) => v.version === 'v1')!.created);
      expect(r.date, line.id).toBe(v1.toISOString().slice(0, 10));
      expect(r.category).toBe(arxivCategoryCode(line.categories.split(' ')[0]!));
      expect(r.venue).toBe(line['journal-ref'] ?? 'arXiv');
      expect(r.doi ?? null).toBe(line.doi?.toLowerCase() ?? null);
      if (!/[\\{$]/.test(line.title)) expect(r.title).toBe(squash(line.title));
      expect(r.abstract).toBe(r.abstract!.trim());
      expect(r.authors).toHaveLength(line.authors_parsed.length);
      expect(r.authorsTruncated).toBe(false);
    });
  });

  it('arXiv categories map to the listings’ codes (cs.CL → CL, eess.AS → AS); others stay as arXiv writes them', () => {
    const codes = new Set(dump.records.map((r) => r.category));
    expect([...codes].sort()).toEqual(['AS', 'CL', 'CV', 'DC', 'LG', 'PF', 'SD', 'math.DG']);
    for (const c of codes) if (c !== 'math.DG') expect(CATEGORY_NAMES.has(c!), c!).toBe(true);
    expect(record('1909.05330').category).toBe('AS'); // eess.AS
  });

  it('LaTeX in titles, abstracts and names becomes text', () => {
    expect(record('2109.00301').title).toBe('∞-former: Infinite Memory Transformer');
    expect(record('2109.00301').abstract).toContain('We propose the ∞-former,');
    expect(record('2109.00301').authors).toEqual(['Pedro Henrique Martins', 'Zita Marinho', 'André F. T. Martins']);
    expect(record('1802.06006').authors[0]).toBe('Sercan Ö. Arık'); // `Sercan \"O.` / `Ar\i{}k` in authors_parsed
    expect(record('2201.05989').authors[0]).toBe('Thomas Müller');
    expect(record('1603.04467').authors[0]).toBe('Martín Abadi');
  });

  it('wrapped titles are one line; the venue is the journal reference when there is one; old-style ids', () => {
    expect(raw.find((l) => l.id === '1603.04467')!.title).toContain('\n  ');
    expect(record('1603.04467').title).toBe('TensorFlow: Large-Scale Machine Learning on Heterogeneous Distributed Systems');
    expect(record('2201.05989')).toEqual(expect.objectContaining({ venue: 'ACM Trans. Graph. 41, 4, Article 102 (July 2022), 15 pages', doi: '10.1145/3528223.3530127' }));
    expect(record('math/0211159')).toEqual(expect.objectContaining({ date: '2002-11-11', category: 'math.DG', authors: ['Grisha Perelman'] }));
  });
});

describe('bad lines: a warning naming the line (and the id); the rest loads', () => {
  const good = JSON.stringify(raw[0]);
  const lines = [
    good, // 1
    '', // 2 blank lines are nothing
    '{"id": "2101.00001", "title": "Cut short', // 3
    JSON.stringify({ id: '2101.00002', authors: 'A. Person', categories: 'cs.CL' }), // 4 no title
    JSON.stringify({ id: 'not-an-id', title: 'T', categories: 'cs.CL' }), // 5
    JSON.stringify({ id: '2101.00003v2', title: 'No versions, no parsed authors', authors: 'Ann Able, Bob Baker and Cy Cole', categories: 'cs.LG stat.ML', doi: '10.1000/ABC 10.1000/def' }), // 6
    JSON.stringify({ id: '2312.11805', title: 'Gemini', authors: 'Gemini Team: Rohan Anil, Sebastian Borgeaud, et al. (1350 additional authors not shown)', authors_parsed: [['Team', 'Gemini', ''], ['Anil', 'Rohan', ''], ['Borgeaud', 'Sebastian', ''], ['al.', 'et', '']], categories: 'cs.CL', versions: [{ version: 'v1', created: 'Tue, 19 Dec 2023 02:39:27 GMT' }] }), // 7
    '[1, 2]', // 8
  ];
  const r = parseArxivDump(lines.join('\n'), 'slice.json');

  it('each problem once, with its line', () => {
    expect(r.issues.map((i) => [i.line, i.message])).toEqual([
      [3, expect.stringMatching(/^line is not valid JSON \(.+\); skipped$/)],
      [4, 'arXiv 2101.00002: not an arXiv metadata record (title: Invalid input: expected string, received undefined); skipped'],
      [5, 'arXiv not-an-id: "not-an-id" is not an arXiv id; skipped'],
      [8, 'line: not an arXiv metadata record (value: Invalid input: expected object, received array); skipped'],
    ]);
  });

  it('every readable line loads; missing fields are filled as far as the line allows', () => {
    expect(r.records.map((x) => x.line)).toEqual([1, 6, 7]);
    expect(r.records[1]).toEqual(expect.objectContaining({
      arxivId: '2101.00003', title: 'No versions, no parsed authors', authors: ['Ann Able', 'Bob Baker', 'Cy Cole'],
      date: '2021', category: 'LG', doi: '10.1000/abc', authorsTruncated: false,
    }));
    expect(r.records[2]).toEqual(expect.objectContaining({ authors: ['Gemini Team', 'Rohan Anil', 'Sebastian Borgeaud'], authorsTruncated: true, date: '2023-12-19' }));
  });
});
