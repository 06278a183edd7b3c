/**
 * The Google Research author page (data/001_…): title, one co-author per line (the page owner
 * is not listed), venue/year line, "Preview abstract … View details". Four entries carry only
 * their abstract.
 */
import { describe, expect, it } from 'vitest';
import { isAuthorPage, parseAuthorPage, parseVenueLine } from '../src/corpus/authorPage.ts';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { RawPaperSchema } from '../src/corpus/schema.ts';
import { F000, F001, copyData, readData, tempDir, write } from './fixtures/corpus/data.ts';

const raw = readData(F001);
const { records, issues } = parseAuthorPage(raw, F001);

describe('author page, data/001', () => {
  it('has 10 entries: 6 titled, 4 untitled, at their lines', () => {
    expect(records).toHaveLength(10);
    expect(records.filter((r) => r.title !== null)).toHaveLength(6);
    expect(records.filter((r) => r.title === null)).toHaveLength(4);
    expect(records.map((r) => [r.line, r.title])).toEqual([
      [11, 'Noise2Music: Text-conditioned Music Generation with Diffusion Models'],
      [24, null],
      [25, 'LaMDA: Language Models for Dialog Applications'],
      [61, 'Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning'],
      [73, 'Sparsely Activated Language Models are Efficient In-Context Learners'],
      [90, null],
      [91, 'GShard: Scaling Giant Models With Conditional Computation and Automatic Sharding'],
      [100, 'A Streaming On-Device End-to-End Model Surpassing Server-Side Conventional Model Quality and Latency'],
      [119, null],
      [120, null],
    ]);
    for (const r of records) RawPaperSchema.parse(r);
  });

  it('reads venue and year from the venue line', () => {
    expect(records.filter((r) => r.title).map((r) => [r.venue, r.date])).toEqual([
      [null, '2023'],
      ['arXiv', '2022'],
      ['16th USENIX Symposium on Operating Systems Design and Implementation (OSDI 22), USENIX Association, pp. 559-578', '2022'],
      [null, '2022'],
      ['ICLR 2021 (to appear)', '2020'],
      ['ICASSP', '2020'],
    ]);
  });

  it('parseVenueLine handles each shape', () => {
    expect(parseVenueLine('arXiv(2022)')).toEqual({ venue: 'arXiv', year: '2022' });
    expect(parseVenueLine('ICASSP(2020)')).toEqual({ venue: 'ICASSP', year: '2020' });
    expect(parseVenueLine('(2023)')).toEqual({ venue: null, year: '2023' });
    expect(parseVenueLine('ICLR 2021(2020) (to appear)')).toEqual({ venue: 'ICLR 2021 (to appear)', year: '2020' });
    expect(parseVenueLine('16th USENIX Symposium on Operating Systems Design and Implementation (OSDI 22), USENIX Association(2022), pp. 559-578')).toEqual({
      venue: '16th USENIX Symposium on Operating Systems Design and Implementation (OSDI 22), USENIX Association, pp. 559-578',
      year: '2022',
    });
    expect(parseVenueLine('Qingqing Huang')).toBeNull();
  });

  it('lists every co-author line, the odd names as printed, the page owner not among them', () => {
    const byTitle = new Map(records.filter((r) => r.title).map((r) => [r.title!, r]));
    const lamda = byTitle.get('LaMDA: Language Models for Dialog Applications')!;
    expect(lamda.authors).toHaveLength(33);
    expect(lamda.authors.slice(0, 3)).toEqual(['Aaron Daniel Cohen', 'Alena Butryna', 'Alicia Jin']);
    expect(lamda.authors.at(-1)).toBe('Yuanzhong Xu');
    expect(lamda.authors).toEqual(expect.arrayContaining(['Dmitry (Dima) Lepikhin', 'Daniel De Freitas Adiwardana', 'Chung-ching Chang', 'Romal Thoppilan']));
    const streaming = byTitle.get('A Streaming On-Device End-to-End Model Surpassing Server-Side Conventional Model Quality and Latency')!;
    expect(streaming.authors).toEqual([
      'Ruoming Pang', 'Antoine Bruguier', 'Wei Li', 'Raziel Alvarez', 'Chung-Cheng Chiu', 'David Garcia', 'Kevin Hu', 'Minho Jin',
      'Qiao Liang', 'Cal Peyser', 'David Rybach', '(June) Yuan Shangguan', 'Yash Sheth', 'Mirkó Visontai', 'Yu Zhang', 'Ding Zhao',
    ]);
    expect(byTitle.get('GShard: Scaling Giant Models With Conditional Computation and Automatic Sharding')!.authors).toEqual([
      'Dehao Chen', 'Dmitry (Dima) Lepikhin', 'HyoukJoong Lee', 'Maxim Krikun', 'Noam Shazeer', 'Yuanzhong Xu',
    ]);
    expect(records.map((r) => r.authors.length)).toEqual([10, 0, 33, 9, 14, 0, 6, 16, 0, 0]);
    for (const r of records) {
      expect(r.pageOwner).toBe('Zhifeng Chen');
      expect(r.authors).not.toContain('Zhifeng Chen');
      expect(r.source).toBe(F001);
    }
  });

  it('keeps the abstract without "Preview abstract" and "View details"', () => {
    for (const r of records) {
      expect(r.abstract).toBeTruthy();
      expect(r.abstract).not.toMatch(/^Preview abstract|View details$/);
    }
    expect(records[0]!.abstract).toMatch(/^We introduce Noise2Music, where a series of diffusion models are trained/);
    expect(records[1]!.abstract).toMatch(/^The development of language models have moved from encoder-decoder to decoder-only designs\./);
  });

  it('untitled entries: no title, no authors, an unknown (truncated) author list, a warning each', () => {
    for (const r of records.filter((x) => x.title === null)) {
      expect(r.authors).toEqual([]);
      expect(r.authorsTruncated).toBe(true);
      expect(r.date).toBeNull();
    }
    expect(issues.map((i) => [i.file, i.line])).toEqual([[F001, 24], [F001, 90], [F001, 119], [F001, 120]]);
    for (const i of issues) expect(i.message).toMatch(/abstract only/);
  });

  it('is recognised as an author page; the listings are not', () => {
    expect(isAuthorPage(raw.split('\n'))).toBe(true);
    expect(isAuthorPage(readData(F000).split('\n'))).toBe(false);
  });
});

describe('author page, malformed input', () => {
  const page = (...entries: string[]) => ['Jane Roe', '', 'Authored Publications', 'Sort By', '  • Title', ...entries].join('\n');
  const entry = (title: string, authors: string[], venue: string | null, abstract: string) =>
    [`    ${title}`, ...authors.map((a) => `    ${a}`), ...(venue ? [`    ${venue}`] : []), `    Preview abstract ${abstract} View details`].join('\n');

  it('an entry without venue line is warned about (file and line) and still kept', () => {
    const text = page(entry('First Paper Title', ['Ann Lee'], 'arXiv(2021)', 'First abstract.'), entry('Second Paper Title', ['Bo Li', 'Cy Young'], null, 'Second abstract.'));
    const r = parseAuthorPage(text, 'p.txt');
    expect(r.records.map((x) => x.title)).toEqual(['First Paper Title', 'Second Paper Title']);
    expect(r.records[1]!.date).toBeNull();
    // Named at the line where the venue/year line was expected.
    expect(r.issues).toEqual([{ level: 'warn', file: 'p.txt', line: 12, message: 'entry has no venue/year line' }]);
  });

  it('a file cut before an entry\'s abstract: the lines are reported and ignored, earlier entries kept', () => {
    const text = `${page(entry('First Paper Title', ['Ann Lee'], 'arXiv(2021)', 'First abstract.'))}\n    Second Paper Title\n    Bo Li`;
    const r = parseAuthorPage(text, 'p.txt');
    expect(r.records.map((x) => x.title)).toEqual(['First Paper Title']);
    expect(r.issues).toEqual([expect.objectContaining({ file: 'p.txt', line: 10, message: expect.stringContaining('without an abstract') })]);
  });

  it('the page owner is the first line of the page', () => {
    const r = parseAuthorPage(page(entry('First Paper Title', ['Ann Lee'], 'arXiv(2021)', 'First abstract.')), 'p.txt');
    expect(r.records[0]!.pageOwner).toBe('Jane Roe');
  });
});

describe('untitled entries through the loader', () => {
  it('an abstract-only entry that matches no other source stays untitled (never an invented title)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyData(dir, [F000]);
      write(dir, 'sources.json', readData('sources.json'));
      const abstract =
        'We study the migration patterns of alpine butterflies across seven valleys, combining citizen observations with weather records over twelve summers to estimate how altitude and temperature shape the timing of flights.';
      write(dir, 'page.txt', ['Jane Roe', '', 'Authored Publications', 'Sort By', '  • Title', `    Preview abstract ${abstract} View details`].join('\n'));
      const { corpus, issues } = await loadCorpusDir(dir);
      const untitled = corpus.papers.filter((p) => p.title === null);
      expect(untitled).toHaveLength(1);
      expect(untitled[0]!.abstract).toBe(abstract);
      expect(untitled[0]!.aliases).toEqual([]);
      expect(untitled[0]!.sources).toEqual(['page.txt']);
      expect(untitled[0]!.authors).toEqual(['Jane Roe']);
      expect(untitled[0]!.id).toMatch(/^untitled-/);
      expect(issues).toContainEqual(expect.objectContaining({ file: 'page.txt', line: 6, message: expect.stringContaining('kept untitled') }));
      expect(corpus.papers).toHaveLength(51);
    } finally {
      cleanup();
    }
  });

  it('the four untitled entries of 001 are recovered by abstract', async () => {
    const { dir, cleanup } = tempDir();
    try {
      copyData(dir, [F000, F001, 'sources.json']);
      const { corpus, issues } = await loadCorpusDir(dir);
      expect(corpus.papers.filter((p) => p.title === null)).toEqual([]);
      const recovered = issues.filter((i) => i.file === F001 && /recovered/.test(i.message)).map((i) => [i.line, i.message.match(/"(.*)"/)![1]]);
      expect(recovered).toEqual([
        [24, 'MaMMUT: A Simple Architecture for Joint Learning for MultiModal Tasks'],
        [90, 'Building Machine Translation Systems for the Next Thousand Languages'],
        [119, 'Massively Multilingual Neural Machine Translation in the Wild: Findings and Challenges'],
        [120, 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism'],
      ]);
      for (const [, title] of recovered) {
        const p = corpus.papers.find((x) => x.title === title)!;
        expect(p.sources).toEqual([F000, F001]);
        expect(p.aliases).toEqual([]);
      }
    } finally {
      cleanup();
    }
  });
});
