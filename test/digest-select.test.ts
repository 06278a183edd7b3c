import { describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { CONTENT_LIMIT, digestToText, EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT, formatDigest } from '../src/digest/format.ts';
import { authorMatches, matchPaper, selectDigest } from '../src/digest/select.ts';
import type { DigestSelection } from '../src/digest/select.ts';
import type { SeenPaper, SubscriptionFilters } from '../src/store/types.ts';

function paper(id: string, over: Partial<Paper> = {}): Paper {
  return {
    id,
    title: `Paper ${id}`,
    aliases: [],
    authors: ['Ada Lovelace'],
    date: '2025-11-01',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: null,
    sources: ['000_x.txt'],
    categoryName: null,
    authorsTruncated: false,
    authorIds: [],
    year: 2025,
    ...over,
  };
}

const noFilters: SubscriptionFilters = { categories: [], authors: [], keywords: [], excludeKeywords: [] };
const T0 = new Date('2025-11-20T08:00:00Z');
const T1 = new Date('2025-11-21T08:00:00Z');
const T2 = new Date('2025-11-22T08:00:00Z');
const seen = (id: string, at: Date, title: string | null = `Paper ${id}`): SeenPaper => ({
  paperId: id,
  firstSeenAt: at,
  title,
  date: null,
});

describe('matchPaper', () => {
  it('authors match case- and diacritic-insensitively, by whole words', () => {
    expect(authorMatches('Nan Du', 'nan du')).toBe(true);
    expect(authorMatches('José Ñúñez', 'jose nunez')).toBe(true);
    expect(authorMatches('Łukasz Kaiser', 'lukasz kaiser')).toBe(true);
    expect(authorMatches('Geoffrey Hinton', 'Hinton')).toBe(true);
    expect(authorMatches('Nandu Smith', 'Nan Du')).toBe(false);
  });

  it('keywords: any, in title or abstract, word boundary, case-insensitive; excludes win', () => {
    const p = paper('a', { title: 'Robust Speech Recognition', abstract: 'We study ASR in noisy rooms.' });
    expect(matchPaper(p, { ...noFilters, keywords: ['speech'] })).toEqual(['keyword: speech']);
    expect(matchPaper(p, { ...noFilters, keywords: ['SPEECH recognition', 'asr'] })).toEqual([
      'keyword: SPEECH recognition',
      'keyword: asr',
    ]);
    expect(matchPaper(p, { ...noFilters, keywords: ['spee'] })).toBeNull();
    expect(matchPaper(p, { ...noFilters, keywords: ['room'] })).toBeNull();
    expect(matchPaper(p, { ...noFilters, keywords: ['speech'], excludeKeywords: ['noisy'] })).toBeNull();
  });

  it('filters of different kinds all apply; why names each reason', () => {
    const p = paper('a', { category: 'AS', authors: ['Nan Du', 'B'], title: 'Speech tokens' });
    expect(matchPaper(p, { categories: ['AS'], authors: ['nan du'], keywords: ['speech'], excludeKeywords: [] })).toEqual([
      'category AS',
      'author Nan Du',
      'keyword: speech',
    ]);
    expect(matchPaper(p, { ...noFilters, categories: ['CL'], keywords: ['speech'] })).toBeNull();
  });
});

describe('selectDigest', () => {
  const corpus = [
    paper('old1', { date: '2025-10-01' }),
    paper('old2', { date: '2025-11-15' }),
    paper('old3', { date: '2025' }),
    paper('old4', { date: null }),
    paper('new1', { date: '2025-11-20', category: 'LG' }),
    paper('new2', { date: '2025-11-21', title: 'Speech for all' }),
  ];
  const seenRows = [
    seen('old1', T0),
    seen('old2', T0),
    seen('old3', T0),
    seen('old4', T0),
    seen('new1', T2),
    seen('new2', T2),
  ];

  it('first digest: the latest papers by date (undated last), flagged firstDigest', () => {
    const sel = selectDigest({ papers: corpus.slice(0, 4), seen: seenRows, filters: noFilters, maxPapers: 3, since: null, until: T1 });
    expect(sel.firstDigest).toBe(true);
    expect(sel.papers.map((p) => p.paper.id)).toEqual(['old2', 'old1', 'old3']);
    expect(sel).toMatchObject({ total: 4, trimmed: 1 });
    expect(sel.papers[0]?.why).toEqual(['latest paper']);
  });

  it('later digests: exactly the papers first seen after the last digest, newest first', () => {
    const sel = selectDigest({ papers: corpus, seen: seenRows, filters: noFilters, maxPapers: 10, since: T1, until: T2 });
    expect(sel.firstDigest).toBe(false);
    expect(sel.papers.map((p) => p.paper.id)).toEqual(['new2', 'new1']);
    expect(sel.papers.map((p) => p.why)).toEqual([['new paper'], ['new paper']]);
    // Nothing new since T2.
    expect(selectDigest({ papers: corpus, seen: seenRows, filters: noFilters, maxPapers: 10, since: T2, until: T2 }).papers).toEqual([]);
    // Papers seen after the cut-off wait for the next digest.
    expect(selectDigest({ papers: corpus, seen: seenRows, filters: noFilters, maxPapers: 10, since: T0, until: T1 }).papers).toEqual([]);
  });

  it('applies filters and explains why', () => {
    const sel = selectDigest({
      papers: corpus,
      seen: seenRows,
      filters: { ...noFilters, categories: ['CL'], keywords: ['speech'] },
      maxPapers: 10,
      since: T1,
      until: T2,
    });
    expect(sel.papers.map((p) => [p.paper.id, p.why])).toEqual([['new2', ['category CL', 'keyword: speech']]]);
  });

  it('dedupes by id and by normalised title; a re-keyed old paper is not new', () => {
    const papers = [
      paper('x1', { title: 'Attention Is All You Need', date: '2025-11-21' }),
      paper('x1', { title: 'Attention Is All You Need', date: '2025-11-21' }),
      paper('x2', { title: 'attention is all you need!', date: '2025-11-20' }),
      paper('x3', { title: 'Old Paper, New Id', date: '2025-11-21' }),
      paper('x4', { title: 'Something', aliases: ['Old paper new ID'], date: '2025-11-19' }),
    ];
    const rows = [seen('x1', T2), seen('x2', T2), seen('x3', T2), seen('x4', T2), seen('gone', T0, 'Old paper — new id')];
    const sel = selectDigest({ papers, seen: rows, filters: noFilters, maxPapers: 10, since: T1, until: T2 });
    expect(sel.papers.map((p) => p.paper.id)).toEqual(['x1']);
  });
});

function selection(n: number, over: (i: number) => Partial<Paper> = () => ({}), firstDigest = false): DigestSelection {
  const papers = Array.from({ length: n }, (_, i) => ({
    paper: paper(`p${i}`, { date: '2025-11-24', ...over(i) }),
    why: ['keyword: speech'],
    firstSeenAt: T1,
  }));
  return { papers, total: n, trimmed: 0, firstDigest };
}

describe('formatDigest', () => {
  it('title, full titles as text, first 3 authors + et al., category and why', () => {
    const longTitle = `A ${'very '.repeat(60)}long title that must never be truncated`;
    const sel = selection(3, (i) =>
      i === 0
        ? { title: longTitle, authors: ['A One', 'B Two', 'C Three', 'D Four'] }
        : i === 1
          ? { title: 'Under_scores *and* stars', authors: ['Solo Author'], category: 'AS' }
          : {},
    );
    const msg = formatDigest(sel, { localDate: '2025-11-24' });
    expect(msg.title).toBe('Papers for Mon 24 Nov 2025 — 3 new');
    expect(msg.lines[0]?.title).toBe(longTitle);
    expect(msg.chunks.join('\n')).toContain(longTitle);
    expect(msg.lines[0]?.authors).toBe('A One, B Two, C Three et al.');
    expect(msg.lines[0]?.text).toContain('A One, B Two, C Three et al. · CL · 2025-11-24');
    expect(msg.lines[0]?.text).toContain('keyword: speech');
    // Titles with markdown characters are left exactly as they are (not escaped, not bolded).
    expect(msg.lines[1]?.text.startsWith('2. Under_scores *and* stars\n')).toBe(true);
    expect(msg.lines[1]?.authors).toBe('Solo Author');
    expect(msg).toMatchObject({ shown: 3, total: 3, trimmed: 0, showAllNeeded: false, footer: null, empty: false });
    expect(msg.paperIds).toEqual(['p0', 'p1', 'p2']);
  });

  it('a first digest says so', () => {
    const msg = formatDigest(selection(2, () => ({}), true), { localDate: '2025-11-24' });
    expect(msg.title).toBe('Papers for Mon 24 Nov 2025 — 2 latest');
    expect(msg.intro).toMatch(/First digest.*latest papers by date/);
    expect(digestToText(msg)).toMatch(/First digest/);
  });

  it('chunks fit embed descriptions and the message total; the text fits 2,000 characters; overflow sets showAllNeeded', () => {
    const title = (i: number): string => `Paper number ${i}: ${'a long and descriptive title segment '.repeat(5)}`;
    const sel = selection(25, (i) => ({ title: title(i), authors: ['First Author', 'Second Author', 'Third Author', 'Fourth'] }));
    const msg = formatDigest(sel, { localDate: '2025-11-24' });
    for (const c of msg.chunks) expect(c.length).toBeLessThanOrEqual(EMBED_DESCRIPTION_LIMIT);
    const total = msg.title.length + msg.chunks.reduce((n, c) => n + c.length, 0) + (msg.footer?.length ?? 0);
    expect(total).toBeLessThanOrEqual(EMBED_TOTAL_LIMIT);
    expect(msg.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(msg.shown).toBeLessThan(25);
    expect(msg.shown).toBeGreaterThan(5);
    expect(msg.showAllNeeded).toBe(true);
    expect(msg.footer).toBe(`Showing ${msg.shown} of 25 matching papers. Press Show all to see every one.`);
    // Every shown paper's full title is in the text (one per line) and in the chunks, whole; no other title is.
    const textLines = msg.content.split('\n');
    for (let i = 0; i < msg.shown; i += 1) {
      expect(textLines).toContain(`${i + 1}. ${title(i)}`);
      expect(msg.chunks.some((c) => c.includes(title(i)))).toBe(true);
    }
    expect(msg.content).not.toContain(title(msg.shown));
    expect(textLines.at(-1)).toBe(`…and ${25 - msg.shown} more matching papers: press Show all to see them.`);
    expect(msg.lines).toHaveLength(25);

    const small = formatDigest(selection(5), { localDate: '2025-11-24', maxChunkChars: 80 });
    expect(small.chunks.length).toBe(5);
    expect(small.showAllNeeded).toBe(false);
  });

  it('trimmed by max papers → showAllNeeded with the total', () => {
    const sel: DigestSelection = { ...selection(3), total: 7, trimmed: 4 };
    const msg = formatDigest(sel, { localDate: '2025-11-24' });
    expect(msg.title).toBe('Papers for Mon 24 Nov 2025 — 7 new');
    expect(msg).toMatchObject({ shown: 3, total: 7, trimmed: 4, showAllNeeded: true });
  });

  it('an empty digest', () => {
    const msg = formatDigest({ papers: [], total: 0, trimmed: 0, firstDigest: false }, { localDate: '2025-11-25' });
    expect(msg.title).toBe('Papers for Tue 25 Nov 2025 — nothing new');
    expect(msg.empty).toBe(true);
    expect(msg.chunks).toEqual(['No new papers matched this digest today.']);
  });
});
