/**
 * Understanding through the real Engine over the real corpus, with the clock at 2026-12-02:
 * one case per class the understanding issue names (dates, order, aggregates, several people,
 * attributes, papers named by description, blog posts, negation, precision), each asserting the
 * answer the corpus makes right. These are the issue's own examples, not the evaluation sets.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { Engine } from '../src/conversation/engine.ts';
import type { Answer } from '../src/conversation/types.ts';
import { Library } from '../src/search/library.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let lib: Library;
let n = 0;
beforeAll(async () => {
  lib = Library.build((await loadCorpusDir(path.join(root, 'data'))).corpus);
}, 60_000);

const clock = () => new Date('2026-12-02T12:00:00Z');
const ask = (q: string): Answer => new Engine({ library: lib, clock }).ask(q, `u${n++}`);
const id = (prefix: string) => [...lib.papers.values()].find((p) => p.title?.startsWith(prefix))!.id;
const papers = () => [...lib.papers.values()];
const byDate = (a: { date: string | null }, b: { date: string | null }) => (a.date ?? '').localeCompare(b.date ?? '');

describe('dates beyond "in 2021"', () => {
  it('this year, after, before, ranges and past N years filter by date', () => {
    const a = ask('anything from this year?');
    expect(a.papers).toEqual([]);
    expect(a.text).toMatch(/nothing matches/i);
    const after = ask('papers after 2021 on retrieval');
    expect(after.papers.length).toBeGreaterThan(0);
    expect(after.papers.every((p) => p.date >= '2022')).toBe(true);
    const older = ask('work older than 2018');
    expect(older.papers.length).toBeGreaterThan(0);
    expect(older.papers.every((p) => p.date < '2018')).toBe(true);
    const range = ask('from 2019 to 2021');
    expect(range.text).toContain(String(papers().filter((p) => p.year !== null && p.year >= 2019 && p.year <= 2021).length));
    const since = ask('papers since 2023');
    expect(since.frame.from).toBe('2023-01-01');
    expect(since.frame.topic).toBeUndefined();
  });
});

describe('order and superlatives', () => {
  it("Nan Du's oldest paper, the newest CV paper", () => {
    const nanDu = [...lib.authors.values()].find((a) => a.name === 'Nan Du')!;
    const oldest = nanDu.paperIds.map((x) => lib.papers.get(x)!).sort(byDate)[0]!;
    expect(ask("Nan Du's oldest paper").papers.map((p) => p.id)).toEqual([oldest.id]);
    const cv = papers().filter((p) => p.category === 'CV').sort(byDate).pop()!;
    expect(ask('the newest CV paper').papers[0]!.id).toBe(cv.id);
  });
});

describe('"Did you mean" only when two readings are close', () => {
  it('offers the runner-up reading of an ambiguous question, never for a clear one', () => {
    expect(ask('who wrote GPipe?').text).not.toMatch(/Did you mean/);
    expect(ask('papers about speech recognition').suggestions).toEqual([]);
    // A yes/no question that is also a listing: whether there are any, and which.
    const a = ask('are there any papers from 2026?');
    expect(a.text).toMatch(/Did you mean: “.+”\?$/);
    expect(a.suggestions[0]).toBeTruthy();
  });
});

describe('over a previous answer', () => {
  it('"which of those came first?", "how many of them have code?", "the newest of them"', () => {
    const engine = new Engine({ library: lib, clock });
    const first = engine.ask('papers about speech synthesis', 's');
    const shown = first.papers.map((p) => lib.papers.get(p.id)!);
    const b = engine.ask('how many of them have code?', 's');
    expect(b.intent).toBe('count');
    expect(b.frame.within?.sort()).toEqual(shown.map((p) => p.id).sort());
    expect(b.text).toMatch(new RegExp(`^(No papers|${shown.filter((p) => p.hasCode).length} paper)`));
    const a = engine.ask('which of those came first?', 's');
    expect(a.papers.map((p) => p.id)).toEqual([[...shown].sort(byDate)[0]!.id]);
    expect(a.rewritten).toBe(true);
    const c = engine.ask('and the newest of them?', 's');
    expect(c.papers.map((p) => p.id)).toEqual([[...shown].sort(byDate).pop()!.id]);
  });
});

describe('aggregates and listings', () => {
  it('counts, top authors, papers per year, venues', () => {
    expect(ask('how many CV papers are there?').text).toMatch(new RegExp(`\\b${papers().filter((p) => p.category === 'CV').length} papers`));
    expect(ask('how many authors do you know?').text).toMatch(/\b212 authors/);
    const top = ask('who publishes most?');
    expect(top.intent).toBe('top_authors');
    expect(top.authors[0]).toBe('Zhifeng Chen');
    const perYear = ask('papers per year');
    expect(perYear.intent).toBe('breakdown');
    expect(perYear.text).toMatch(/2023: 16/);
    expect(ask('which venues appear?').text).toMatch(/ICASSP[\s\S]*ICLR|ICLR[\s\S]*ICASSP/);
  });
});

describe('several people', () => {
  it('"A and B" wrote together; "A or B" either; "A without B" leaves B out', () => {
    const both = ask('papers Ron Weiss and Yu Zhang co-wrote');
    expect(both.frame.authorMode).toBe('all');
    for (const p of both.papers) expect(p.authors).toEqual(expect.arrayContaining(['Ron J. Weiss', 'Yu Zhang']));
    const either = ask('papers by Ron Weiss or Nan Du');
    expect(either.frame.authorMode).toBe('any');
    expect(either.text).toMatch(/\b8 papers/);
    const without = ask('papers by Sercan Arik without Yanqi Zhou');
    expect(without.papers).toEqual([]);
  });
});

describe('attributes', () => {
  it('code, first and last author, number of authors, profile facts', () => {
    expect(ask('does GShard have code?').text).toMatch(/^No\b/);
    expect(ask('who is the first author of GLaM?').authors).toEqual(['Nan Du']);
    expect(ask('how many authors does GShard have?').text).toMatch(/\b7 authors/);
    expect(ask("what is Yanqi Zhou's h-index?").text).toMatch(/h-index 117/);
    const withCode = ask('papers with code from 2022');
    expect(withCode.papers.length).toBeGreaterThan(0);
    expect(withCode.papers.every((p) => lib.papers.get(p.id)!.hasCode && p.date.startsWith('2022'))).toBe(true);
  });
});

describe('papers named by description', () => {
  it('answers one clear match and says how it was read', () => {
    const a = ask('the paper about flip angles');
    expect(a.papers[0]!.id).toBe(id('Optimize Flip Angle'));
    expect(a.text).toMatch(/Reading “flip angles” as/);
    expect(ask('the PaLM 2 report').papers[0]!.id).toBe(id('PaLM 2'));
    expect(ask('the Apollo paper').papers[0]!.id).toBe(id('Apollo'));
  });
});

describe('blog posts', () => {
  it('a post named alone, posts about a paper, posts that cite corpus papers', () => {
    const parrotron = [...lib.posts.values()].find((p) => p.title.startsWith('Parrotron'))!;
    expect(ask('what did the blog say about Parrotron?').posts.map((p) => p.id)).toEqual([parrotron.id]);
    expect(ask('Parrotron').posts.map((p) => p.id)).toEqual([parrotron.id]);
    const citing = ask('which posts cite corpus papers?');
    expect(citing.posts.map((p) => p.id).sort()).toEqual([...lib.posts.values()].filter((p) => p.mentions.length).map((p) => p.id).sort());
  });
});

describe('negation and precision', () => {
  it("speech papers that aren't about synthesis exclude synthesis", () => {
    const a = ask("speech papers that aren't about synthesis");
    expect(a.frame.excludeTopic).toBe('synthesis');
    expect(a.papers.length).toBeGreaterThan(0);
    expect(a.papers.every((p) => !/synthesis/i.test(p.title))).toBe(true);
  });
  it('blog posts about a paper no post discusses: says so, lists none', () => {
    const engine = new Engine({ library: lib, clock });
    engine.ask('GPipe', 'k');
    const a = engine.ask('any blog posts about it?', 'k');
    expect(a.posts).toEqual([]);
    expect(a.text).toMatch(/No blog post/);
  });
  it('typos are corrected, words the corpus never uses are not', () => {
    const a = ask('anything on mixtrue of experts?');
    expect(a.papers.map((p) => p.id)).toContain(id('GLaM'));
    expect(a.text).toMatch(/searched for “mixture of experts”/);
    expect(ask('any chess engine papers?').papers).toEqual([]);
  });
  it('a topic the corpus never uses matches nothing', () => {
    const a = ask('federated learning');
    expect(a.papers).toEqual([]);
    expect(a.text).toMatch(/Nothing matches/);
  });
});
