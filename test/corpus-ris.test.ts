/**
 * RIS: a Zotero export (one record per reference type papertalk meets: journal article,
 * conference paper, preprint, book, chapter, thesis) plus a record in the older tags Mendeley and
 * EndNote write (T1, A1, Y1, JF, N2), read record by record through Citation.js's RIS plugin.
 */
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../src/corpus/load.ts';
import { isRis, parseRis } from '../src/corpus/ris.ts';
import { RawPaperSchema, type RawPaper } from '../src/corpus/schema.ts';
import { DATA_FILES, readData } from './fixtures/corpus/data.ts';
import { ARXIV_JSON, BIBLATEX_BIB, LIBRARY_RIS, ZOTERO_BIB, ZOTERO_JSON, readImport } from './fixtures/imports/files.ts';

const lines = (text: string) => text.split(/\r?\n/);
const library = parseRis(readImport(LIBRARY_RIS), LIBRARY_RIS);

describe('recognising RIS by content', () => {
  it('the export is RIS; nothing else is', () => {
    expect(detectFormat(readImport(LIBRARY_RIS))).toBe('ris');
    expect(isRis(lines(readImport(LIBRARY_RIS).replace(/\n/g, '\r\n')))).toBe(true);
    for (const f of DATA_FILES) expect(isRis(lines(readData(f))), f).toBe(false);
    for (const f of [ZOTERO_BIB, BIBLATEX_BIB, ZOTERO_JSON, ARXIV_JSON]) expect(isRis(lines(readImport(f))), f).toBe(false);
    expect(isRis(['TY  - JOUR', 'TI  - no end'])).toBe(false);
    // Publishers' downloads start with a header.
    expect(isRis(['Provider: Elsevier', 'Database: ScienceDirect', 'Content: text/plain; charset="UTF-8"', '', 'TY  - JOUR', 'TI  - x', 'ER  - '])).toBe(true);
    expect(isRis(['AU  - Doe, J.', 'TY  - JOUR', 'ER  - '])).toBe(false);
  });
});

describe('a Zotero RIS export', () => {
  it('every record loads, with the line of its TY tag, and no warning', () => {
    expect(library.issues).toEqual([]);
    const row = (r: RawPaper) => [r.line, r.title, r.authors[0], r.authors.length, r.date, r.venue, r.doi ?? null, r.arxivId ?? null, r.category];
    expect(library.records.map(row)).toEqual([
      [1, 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer', 'Colin Raffel', 9, '2020', 'Journal of Machine Learning Research', null, null, null],
      [25, 'Mixture-of-Experts with Expert Choice Routing', 'Yanqi Zhou', 10, '2022-12-06', 'Advances in Neural Information Processing Systems', null, null, null],
      [46, 'Instant neural graphics primitives with a multiresolution hash encoding', 'Thomas Müller', 4, '2022-07-22', 'ACM Transactions on Graphics', '10.1145/3528223.3530127', null, null],
      [64, 'Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity', 'William Fedus', 3, '2022-06-16', 'arXiv', '10.48550/arxiv.2101.03961', '2101.03961', 'LG'],
      [80, 'Deep Learning', 'Ian Goodfellow', 3, '2016', 'MIT Press', null, null, null],
      [92, 'Efficient BackProp', 'Yann LeCun', 4, '1998', 'Neural Networks: Tricks of the Trade', '10.1007/3-540-49430-8_2', null, null],
      [110, 'Learning-Based Methods for Comparing Sequences, with Applications to Audio-to-MIDI Alignment and Matching', 'Colin Raffel', 1, '2016', 'Columbia University', null, null, null],
      [120, 'Optimization Methods for Large-Scale Machine Learning', 'Léon Bottou', 3, '2018', 'SIAM Review', '10.1137/16m1080173', null, null],
    ]);
    for (const r of library.records) expect(RawPaperSchema.parse(r)).toEqual(r);
  });

  it('names, editors and abstracts', () => {
    // Authors only (A2 editors are not authors), UTF-8 as written.
    expect(library.records[5]!.authors).toEqual(['Yann LeCun', 'Léon Bottou', 'Genevieve B. Orr', 'Klaus-Robert Müller']);
    expect(library.records[3]!.abstract).toBe(
      'In deep learning, models typically reuse the same parameters for all inputs. Mixture of Experts (MoE) defies this and instead selects different parameters for each incoming example. The result is a sparsely-activated model – with outrageous numbers of parameters – but a constant computational cost.',
    );
    // N2 is the older tag for the abstract.
    expect(library.records[7]!.abstract).toMatch(/^This paper provides a review and commentary/);
  });
});

describe('malformed records: a warning naming the line (and the ID); the rest loads', () => {
  const text = [
    'Provider: Some Database', // 1  a header line publishers' downloads start with
    'AU  - Stray, Tag', // 2  a tag before any record
    'TY  - JOUR', // 3
    'TI  - First Good', // 4
    'AU  - Doe, Jane', // 5
    'AB  - An abstract', // 6
    'continued on a second line.', // 7
    'PY  - 2020', // 8
    'ER  - ', // 9
    'ER  - ', // 10 a second end
    'stray text', // 11
    'TY  - PREPRINT', // 12 a type the RIS specification does not have
    'TI  - Second Good', // 13
    'DA  - 2023/05/24/', // 14
    'UR  - https://arxiv.org/abs/2305.14705v2', // 15
    'ER  - ', // 16
    'TY  - JOUR', // 17
    'AU  - Nobody, A.', // 18
    'ID  - untitled-1', // 19
    'ER  - ', // 20
    'TY  - JOUR', // 21
    'TI  - Third Good', // 22
    'PY  - someday', // 23
    'ER  - ', // 24
    'TY  - CONF', // 25
    'TI  - Cut Short', // 26
    'AU  - Last, Ann', // 27
  ].join('\n');
  const r = parseRis(text, 'broken.ris');

  it('each problem once, with its line', () => {
    expect(r.issues.map((i) => [i.line, i.message])).toEqual([
      [2, 'line outside a record (no TY before it): "AU  - Stray, Tag"; ignored'],
      [10, 'ER line without a record; ignored'],
      [11, 'line outside a record (no TY before it): "stray text"; ignored'],
      [17, 'entry untitled-1: no title; skipped'],
      [21, 'entry: date {"raw":"someday"} not understood; left out'],
      [25, 'entry: record not closed by an ER line (file cut short?)'],
    ]);
  });

  it('every readable record loads', () => {
    expect(r.records.map((x) => [x.line, x.title, x.authors, x.date, x.abstract, x.arxivId ?? null])).toEqual([
      [3, 'First Good', ['Jane Doe'], '2020', 'An abstract continued on a second line.', null],
      [12, 'Second Good', [], '2023-05-24', null, '2305.14705'],
      [21, 'Third Good', [], null, null, null],
      [25, 'Cut Short', ['Ann Last'], null, null, null],
    ]);
  });
});
