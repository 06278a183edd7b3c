/**
 * The follow matcher (src/digest/follows.ts) on the real corpus in data/: what `/follow` names
 * (authors by the library's ids and names, categories, searches), which newly arrived papers match
 * (author ids or name, category, the library's search with full coverage), what is not new (papers
 * that were there before the follow, papers re-keyed by the merger, papers gone), and the alert message.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { alertTitle, arrivedPapers, formatFollowAlert, matchFollows, resolveFollow, searchMatches } from '../src/digest/follows.ts';
import { CONTENT_LIMIT } from '../src/digest/format.ts';
import { UserError } from '../src/errors.ts';
import { Library } from '../src/search/library.ts';
import type { Follow, PaperArrival, SeenPaper } from '../src/store/types.ts';
import { realLibrary } from './helpers/corpus.ts';

/** A data file in the aggregator's line-listing format (what a data drop looks like). */
function lineListing(owner: string, papers: readonly { title: string; authors: string[]; category: string; date: string; abstract: string }[]): string {
  const entries = papers.map((p) => `${p.category}${p.date}\n${p.title}\n\n${p.authors.join(', ')}\n\n${p.abstract}\n`);
  return `${owner}\n\nCL\nh-index12\n${papers.length}papers\n100citations\n\n${papers.length} Papers\n\n${entries.join('\n')}`;
}

const NEW_BY_ZHOU = 'Routing Tokens to Experts Without Load Balancing Losses';
const NEW_SPEECH = 'Streaming Speech Recognition for Very Long Recordings';
const NEW_STRANGER = 'A Survey of Tokenizer Drift by a Newcomer';

let lib: Library;
let after: Library;
let dir: string;

beforeAll(async () => {
  lib = (await realLibrary()).lib;
  dir = mkdtempSync(join(tmpdir(), 'papertalk-follows-match-'));
  cpSync('data', dir, { recursive: true, filter: (src) => !/\.sqlite|\.cache/.test(src) });
  writeFileSync(
    join(dir, '005_drop.txt'),
    lineListing('Ada Example', [
      { title: NEW_BY_ZHOU, authors: ['Yanqi Zhou', 'Ada Example'], category: 'LG', date: 'Nov 24, 2025', abstract: 'A mixture of experts whose router needs no auxiliary loss; experts specialise by themselves.' },
      { title: NEW_SPEECH, authors: ['Ada Example', 'Ben Sample'], category: 'CL', date: 'Nov 23, 2025', abstract: 'Speech recognition models that transcribe recordings of several hours without drifting.' },
      { title: NEW_STRANGER, authors: ['Zed Newcomer'], category: 'AI', date: 'Nov 22, 2025', abstract: 'Tokenizers change over time; we measure how much.' },
    ]),
  );
  after = Library.build((await loadCorpusDir(dir)).corpus);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byTitle = (l: Library, title: string): Paper => l.corpus.papers.find((p) => p.title === title)!;

/** The drop's papers as arrivals (seq 101…), the shipped corpus as seen before. */
function dropArrivals(): { arrivals: PaperArrival[]; seen: SeenPaper[] } {
  const at = new Date('2025-11-24T12:00:00Z');
  const fresh = after.corpus.papers.filter((p) => !lib.papers.has(p.id));
  const arrivals = fresh.map((p, i) => ({ seq: 101 + i, paperId: p.id, seenAt: at }));
  const seen: SeenPaper[] = [
    ...lib.corpus.papers.map((p) => ({ paperId: p.id, firstSeenAt: new Date('2025-11-20T00:00:00Z'), title: p.title, date: p.date })),
    ...fresh.map((p) => ({ paperId: p.id, firstSeenAt: at, title: p.title, date: p.date })),
  ];
  return { arrivals, seen };
}

function asFollow(id: number, r: ReturnType<typeof resolveFollow>, afterSeq = 100): Follow {
  return { ...r, id, userId: 'u', channelId: 'dm', guildId: null, afterSeq, createdAt: new Date(0), lastAlertAt: null };
}

describe('resolving what /follow names', () => {
  it('an author by name or by the id autocomplete gives: the library\'s ids and name keys', () => {
    const zhou = lib.authors.get('a-yanqi-zhou')!;
    const r = resolveFollow('author', '  Yanqi   Zhou ', lib);
    expect(r).toMatchObject({ kind: 'author', query: 'Yanqi Zhou', label: 'Yanqi Zhou', key: 'name:yanqi zhou', unknownAuthor: null, existing: zhou.paperIds.length });
    expect(r.target.authorIds).toEqual(['a-yanqi-zhou']);
    expect(r.target.nameKeys).toContain('yanqi zhou');
    expect(resolveFollow('author', 'a-yanqi-zhou', lib).key).toBe(r.key);
    // A typo is followed as typed, with the close names for the confirmation to offer.
    expect(resolveFollow('author', 'Yanqi Zhuo', lib).unknownAuthor?.suggestions).toContain('Yanqi Zhou');
  });

  it('a shared name follows every person of it; one of them picked by id follows that person only', () => {
    const both = resolveFollow('author', 'Zhifeng Chen', lib);
    expect(both.target.authorIds).toEqual(['a-zhifeng-chen', 'a-zhifeng-chen-2']);
    expect(both.authors).toHaveLength(2);
    const one = resolveFollow('author', 'a-zhifeng-chen-2', lib);
    expect(one.target).toEqual({ authorIds: ['a-zhifeng-chen-2'], nameKeys: [] });
    expect(one.label).toBe('Zhifeng Chen (Image and Video Processing; with Mevan Ekanayake)');
    expect(one.key).toBe('id:a-zhifeng-chen-2');
  });

  it('a name the corpus does not know is followed by name (with close names); several different names are asked about', () => {
    const r = resolveFollow('author', 'Zed Newcomer', lib);
    expect(r.unknownAuthor).not.toBeNull();
    expect(r.target).toEqual({ authorIds: [], nameKeys: ['zed newcomer'] });
    expect(r.existing).toBe(0);
    expect(() => resolveFollow('author', 'Zhou', lib)).toThrow(/Several authors match “Zhou”: .*Yanqi Zhou/);
    expect(() => resolveFollow('author', '!!! ???', lib)).toThrow(UserError);
    expect(() => resolveFollow('author', '   ', lib)).toThrow(/Which author\?/);
    expect(() => resolveFollow('author', 'x'.repeat(201), lib)).toThrow(/at most 200/);
  });

  it('a topic names a category (code or name, known to the corpus or not) or else is a search', () => {
    expect(resolveFollow('topic', 'cl', lib)).toMatchObject({ label: 'Computation and Language (CL)', key: 'cat:CL', target: { category: 'CL' }, existing: 23 });
    expect(resolveFollow('topic', 'Machine Learning', lib).target).toEqual({ category: 'LG' });
    const free = resolveFollow('topic', 'speech recognition', lib);
    expect(free).toMatchObject({ kind: 'topic', label: '“speech recognition”', target: { query: 'speech recognition' } });
    expect(free.existing).toBeGreaterThan(0);
    expect(resolveFollow('search', 'Mixture of Experts', lib)).toMatchObject({ kind: 'search', key: 'q:mixture of experts', target: { query: 'Mixture of Experts' }, existing: 6 });
    expect(() => resolveFollow('search', 'the of and', lib)).toThrow(/no words I can search for/);
  });
});

describe('which new papers match', () => {
  it('the drop brings three new papers; nothing of the shipped corpus is new', () => {
    const { arrivals, seen } = dropArrivals();
    const arrived = arrivedPapers(after, arrivals, seen).map((a) => a.paper.title);
    expect(arrived.sort()).toEqual([NEW_STRANGER, NEW_SPEECH, NEW_BY_ZHOU].sort());
  });

  it('author, category, free topic and search follows each get exactly their papers, with why', () => {
    const { arrivals, seen } = dropArrivals();
    const arrived = arrivedPapers(after, arrivals, seen);
    const follows = [
      asFollow(1, resolveFollow('author', 'Yanqi Zhou', lib)),
      asFollow(2, resolveFollow('topic', 'CL', lib)),
      asFollow(3, resolveFollow('topic', 'speech recognition', lib)),
      asFollow(4, resolveFollow('search', 'mixture of experts', lib)),
      asFollow(5, resolveFollow('search', 'mixture of speech', lib)), // not every word in one paper
      asFollow(6, resolveFollow('author', 'Zed Newcomer', lib)), // unknown when followed, by name
      asFollow(7, resolveFollow('author', 'Nan Du', lib)),
    ];
    const got = matchFollows(follows, arrived, after).map((m) => [m.followId, after.papers.get(m.paperId)!.title, m.why]);
    expect(got).toEqual([
      [1, NEW_BY_ZHOU, ['author Yanqi Zhou']],
      [2, NEW_SPEECH, ['category CL']],
      [3, NEW_SPEECH, ['topic “speech recognition”']],
      [4, NEW_BY_ZHOU, ['search “mixture of experts”']],
      [6, NEW_STRANGER, ['author Zed Newcomer']],
    ]);
    // The new paper by Yanqi Zhou is hers by the library's author id too.
    expect(byTitle(after, NEW_BY_ZHOU).authorIds).toContain('a-yanqi-zhou');
  });

  it('a follow created after a paper arrived does not get it', () => {
    const { arrivals, seen } = dropArrivals();
    const arrived = arrivedPapers(after, arrivals, seen);
    const late = asFollow(1, resolveFollow('author', 'Yanqi Zhou', lib), 200);
    expect(matchFollows([late], arrived, after)).toEqual([]);
  });

  it('a re-keyed paper (known before under another id, same title) and a paper gone from the library are not new', () => {
    const { arrivals, seen } = dropArrivals();
    const zhou = byTitle(after, NEW_BY_ZHOU);
    // The store knew this title under an older id.
    const rekeyed = [...seen.filter((s) => s.paperId !== zhou.id), { paperId: 'old-id-of-the-same-paper', firstSeenAt: new Date('2025-11-01T00:00:00Z'), title: NEW_BY_ZHOU, date: null }];
    const titles = arrivedPapers(after, [...arrivals, { seq: 999, paperId: 'no-such-paper', seenAt: new Date() }], rekeyed).map((a) => a.paper.title);
    expect(titles).not.toContain(NEW_BY_ZHOU);
    expect(titles).toHaveLength(2);
  });

  it('search with full coverage: a paper matches when the library\'s search finds every query term in it, whatever else arrived with it', () => {
    const all = new Set(lib.corpus.papers.map((p) => p.id));
    const full = searchMatches(lib, 'mixture of experts', all);
    // The same as asking the library about each paper alone (no paper is lost to a stronger one's relative score cut-off).
    const alone = lib.corpus.papers.filter((p) => lib.search('mixture of experts', { kinds: ['paper'], within: new Set([p.id]) }, { cache: false }).hits.some((h) => h.coverage >= 1));
    expect([...full].sort()).toEqual(alone.map((p) => p.id).sort());
    // Everything /search lists with full coverage is in it.
    for (const h of lib.search('mixture of experts', { kinds: ['paper'] }, { limit: 100 }).hits) if (h.coverage >= 1) expect(full).toContain(h.id);
    const one = [...full][0]!;
    expect([...searchMatches(lib, 'mixture of experts', new Set([one]))]).toEqual([one]);
    // One word no paper has: nothing (every word must match).
    expect(searchMatches(lib, 'speech recognition xylophone', all).size).toBe(0);
    expect(searchMatches(lib, 'speech recognition', all).size).toBeGreaterThan(0);
  });
});

describe('the alert message', () => {
  it('one message: heading, full titles newest first, details with why (escaped), the rest left to Show all', () => {
    const papers = lib.latest(14).map((paper) => ({ paper, why: ['search “*bold*”'], firstSeenAt: null }));
    const m = formatFollowAlert(papers, { now: new Date('2025-11-24T12:00:00Z'), escape: (s) => s.replace(/\*/g, '\\*') });
    expect(m.title).toBe(alertTitle(14));
    expect(m.content.split('\n')[0]).toBe('**14 new papers for your follows**');
    expect(m.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(m.shown).toBe(10);
    expect(m.showAllNeeded).toBe(true);
    expect(m.content).toMatch(/…and 4 more matching papers: press Show all/);
    const listed = m.content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));
    expect(listed).toEqual(lib.latest(10).map((p) => p.title));
    expect(m.chunks.join('\n')).toContain('↳ search “\\*bold\\*”');
    const single = formatFollowAlert(papers.slice(0, 1), { now: new Date('2025-11-24T12:00:00Z') });
    expect(single.content.split('\n')[0]).toBe('**1 new paper for your follows**');
    expect(single.showAllNeeded).toBe(false);
  });
});
