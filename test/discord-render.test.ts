/**
 * Unit tests of the Discord layer's pure parts: limits.ts, text.ts, render.ts (long abstracts,
 * author lists, titles and hostile text never exceed a Discord limit), state.ts customIds,
 * the rate limiter and autocomplete helpers.
 */
import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/conversation/types.ts';
import type { Author, Corpus, Paper, Post } from '../src/corpus/schema.ts';
import { formatDigest } from '../src/digest/format.ts';
import { listPage } from '../src/discord/lists.ts';
import { clampChoices, clampComponents, clampEmbed, clampEmbeds, clampSelectOptions, embedLength, joinWithin, LIMITS, truncate } from '../src/discord/limits.ts';
import { listChoices } from '../src/discord/lookup.ts';
import { RateLimiter } from '../src/discord/rateLimit.ts';
import {
  answerText,
  perYear,
  renderAbout,
  renderAnswer,
  renderAuthorCard,
  renderAuthorChoice,
  renderDigest,
  renderHelp,
  renderListPage,
  renderPaperAuthors,
  renderPaperCard,
  renderPostCard,
  renderSimilar,
  renderSubscriptions,
  describeRun,
  sparkline,
} from '../src/discord/render.ts';
import { StateStore, type KvLike } from '../src/discord/state.ts';
import { neutralizeMentions, safe } from '../src/discord/text.ts';
import type { Reply } from '../src/discord/types.ts';
import { Library } from '../src/search/library.ts';
import type { DigestRun, Subscription } from '../src/store/types.ts';

// ------------------------------------------------------------------------------------------ fixtures

const HOSTILE = '@everyone <@123456789012345678> ```js\nalert(1)\n``` **b** ||s||\n# h\n> q [x](http://e.vil) ';

function paper(over: Partial<Paper> & { id: string }): Paper {
  return {
    title: `Paper ${over.id}`,
    aliases: [],
    authors: [],
    date: '2023-05-01',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: 'We study things. We find results that matter a great deal.',
    sources: ['000_test.txt'],
    categoryName: 'Computation and Language',
    authorsTruncated: false,
    authorIds: [],
    year: 2023,
    ...over,
  };
}

/** A corpus built to break limits: a paper with 3,000 long author names, a 60k-char abstract, a 1,000-char title. */
function monsterCorpus(): Corpus {
  const papers: Paper[] = [];
  const authors: Author[] = [];
  const many = Array.from({ length: 3000 }, (_, i) => `Author Number ${i} With A Rather Long Hyphenated-Surname-${'x'.repeat(i % 40)}`);
  const manyIds = many.map((_, i) => `a-many-${i}`);
  const longWords = 'mixture of experts '.repeat(4000);
  papers.push(
    paper({
      id: 'monster',
      title: `${HOSTILE}${'Giant Title '.repeat(90)}`,
      aliases: Array.from({ length: 40 }, (_, i) => `Alias ${i} ${'y'.repeat(80)}`),
      authors: many,
      authorIds: manyIds,
      authorsTruncated: true,
      abstract: `${HOSTILE} ${longWords}. Second sentence ${'z'.repeat(5000)}.`,
      orgs: Array.from({ length: 200 }, (_, i) => `Org ${i} ${'o'.repeat(30)}`),
      sources: Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}_${'f'.repeat(16)}.txt`),
      venue: 'V'.repeat(2000),
      hasCode: true,
    }),
  );
  // One prolific author with 400 long-titled papers over 30 years.
  const prolificPapers: string[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `p${i}`;
    prolificPapers.push(id);
    papers.push(
      paper({
        id,
        title: `Mixture of experts study ${i}: ${'w'.repeat(150)} ${HOSTILE}`,
        authors: ['Prolific Person', many[i]!],
        authorIds: ['a-prolific', manyIds[i]!],
        date: `${1995 + (i % 30)}-01-0${1 + (i % 9)}`,
        year: 1995 + (i % 30),
        category: ['CL', 'LG', 'CV', 'DC'][i % 4]!,
      }),
    );
  }
  authors.push({ id: 'a-prolific', name: 'Prolific Person', paperIds: prolificPapers, variants: ['Prolific Person', 'P. Person'], disambiguation: null, profile: { name: 'Prolific Person', field: 'LG', hIndex: 99, paperCount: 400, citations: 123456, source: 'x' } });
  many.forEach((name, i) => authors.push({ id: manyIds[i]!, name, paperIds: i < 400 ? ['monster', `p${i}`] : ['monster'], variants: [name], disambiguation: i < 2 ? `Field ${i}; with ${'q'.repeat(200)}` : null, profile: null }));
  const posts: Post[] = Array.from({ length: 120 }, (_, i) => ({
    id: `post${i}`,
    title: `Blog post ${i} about mixture of experts ${'t'.repeat(120)} ${HOSTILE}`,
    body: `${HOSTILE}\n${'Body text about mixture of experts. '.repeat(300)}`,
    mentions: ['monster', 'p1'],
    citedTitles: Array.from({ length: 50 }, (_, j) => `Cited ${j} ${'c'.repeat(60)}`),
    acknowledged: [],
    sources: ['003_blog.txt'],
  }));
  return { papers, posts, authors };
}

const lib = Library.build(monsterCorpus());

/** Every Discord limit a message payload must respect. */
function expectWithinLimits(r: Reply): void {
  if (r.content !== undefined) expect(r.content.length).toBeLessThanOrEqual(2000);
  const embeds = r.embeds ?? [];
  expect(embeds.length).toBeLessThanOrEqual(10);
  let total = 0;
  for (const e of embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(256);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(4096);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(25);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
    expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
    total += embedLength(e);
  }
  expect(total).toBeLessThanOrEqual(6000);
  const rows = r.components ?? [];
  expect(rows.length).toBeLessThanOrEqual(5);
  for (const row of rows) {
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const c of row.components) {
      if ('custom_id' in c) expect(c.custom_id.length).toBeLessThanOrEqual(100);
      if (c.type === 2 && 'label' in c) expect(c.label!.length).toBeLessThanOrEqual(80);
      if (c.type === 3) {
        expect(c.options.length).toBeGreaterThan(0);
        expect(c.options.length).toBeLessThanOrEqual(25);
        expect(new Set(c.options.map((o) => o.value)).size).toBe(c.options.length);
        for (const o of c.options) {
          expect(o.label.length).toBeLessThanOrEqual(100);
          expect(o.value.length).toBeLessThanOrEqual(100);
          expect(o.description?.length ?? 0).toBeLessThanOrEqual(100);
        }
      }
    }
  }
}

/** No raw mention or unescaped code fence survives in rendered text. */
function expectNeutral(text: string): void {
  expect(text).not.toMatch(/@everyone|<@\d/);
  expect(text).not.toMatch(/(^|[^\\])```/);
}

function allText(r: Reply): string {
  const parts = [r.content ?? ''];
  for (const e of r.embeds ?? []) parts.push(e.title ?? '', e.description ?? '', ...(e.fields ?? []).flatMap((f) => [f.name, f.value]), e.footer?.text ?? '');
  return parts.join('\n');
}

function answer(over: Partial<Answer>): Answer {
  return { input: 'q', rephrased: 'q', intent: 'search', papers: [], authors: [], posts: [], text: 'text', rewritten: false, authorIds: [], total: 0, snippets: {}, choices: [], suggestions: [], frame: { intent: 'search' }, ...over };
}

// ------------------------------------------------------------------------------------------ limits.ts

describe('limits.ts', () => {
  it('truncate cuts with "…", never splits a surrogate pair or leaves a dangling escape', () => {
    expect(truncate('hello', 10)).toBe('hello');
    expect(truncate('hello world', 8)).toBe('hello w…');
    expect(truncate('hello world', 8)).toHaveLength(8);
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc\\*def', 5)).toBe('abc…');
    expect(truncate('x', 0)).toBe('');
    expect(truncate('xyz', 1)).toBe('…');
  });

  it('joinWithin keeps whole items and says how many are left out', () => {
    expect(joinWithin(['a', 'b', 'c'], ', ', 100)).toBe('a, b, c');
    const items = Array.from({ length: 100 }, (_, i) => `item${i}`);
    const s = joinWithin(items, ', ', 60);
    expect(s.length).toBeLessThanOrEqual(60);
    expect(s).toMatch(/^item0, item1, .*, …and \d+ more$/);
    const shown = s.split(', ').length - 1;
    expect(s).toContain(`…and ${100 - shown} more`);
    expect(joinWithin(['x'.repeat(500)], ', ', 50)).toHaveLength(50);
    expect(joinWithin(['x'.repeat(500), 'y'], ', ', 50)).toMatch(/^x+…, …and 1 more$/);
    expect(joinWithin(['x'.repeat(500), 'y'], ', ', 50)).toHaveLength(50);
    expect(joinWithin([], ', ', 50)).toBe('');
  });

  it('clampEmbed enforces every per-embed limit and the 6,000 total', () => {
    const e: APIEmbed = {
      title: 't'.repeat(1000),
      description: 'd'.repeat(10_000),
      fields: Array.from({ length: 40 }, (_, i) => ({ name: `n${i}`.repeat(100), value: 'v'.repeat(3000) })),
      footer: { text: 'f'.repeat(5000) },
    };
    const c = clampEmbed(e);
    expectWithinLimits({ embeds: [c] });
    expect(c.title!.endsWith('…')).toBe(true);
    expect(c.fields!.length).toBeLessThanOrEqual(25);
    const empty = clampEmbed({ fields: [{ name: '', value: '' }] });
    expect(empty.fields).toEqual([{ name: '\u200b', value: '\u200b' }]);
  });

  it('clampEmbeds shares the 6,000 characters over all embeds of a message', () => {
    const embeds = Array.from({ length: 14 }, () => ({ description: 'x'.repeat(4000) }));
    const c = clampEmbeds(embeds);
    expect(c.length).toBeLessThanOrEqual(10);
    expect(c.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(6000);
  });

  it('choices and select options: ≤ 25, names/labels cut, long values dropped, duplicates removed', () => {
    const choices = clampChoices([
      { name: 'n'.repeat(300), value: 'ok' },
      { name: 'dup', value: 'ok' },
      { name: 'long value', value: 'v'.repeat(101) },
      ...Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, value: i })),
    ]);
    expect(choices).toHaveLength(25);
    expect(choices[0]!.name).toHaveLength(100);
    expect(choices.some((c) => c.name === 'long value' || c.name === 'dup')).toBe(false);
    const options = clampSelectOptions(Array.from({ length: 30 }, (_, i) => ({ label: `l${i}`.repeat(60), value: i === 1 ? 'x'.repeat(101) : `v${i}`, description: 'd'.repeat(300) })));
    expect(options).toHaveLength(25);
    expect(options.every((o) => o.label.length <= 100 && (o.description?.length ?? 0) <= 100 && o.value.length <= 100)).toBe(true);
  });

  it('clampComponents keeps ≤ 5 rows of ≤ 5 and drops empty selects', () => {
    const button = (i: number) => ({ type: 2 as const, style: 2 as const, custom_id: `b${i}`, label: 'L'.repeat(120) });
    const rows = Array.from({ length: 7 }, () => ({ type: 1 as const, components: Array.from({ length: 7 }, (_, i) => button(i)) }));
    const c = clampComponents([{ type: 1, components: [{ type: 3, custom_id: 's', options: [] }] }, ...rows]);
    expect(c).toHaveLength(5);
    expect(c.every((r) => r.components.length === 5)).toBe(true);
    expectWithinLimits({ components: c });
  });
});

// ------------------------------------------------------------------------------------------ text.ts

describe('text.ts', () => {
  it('neutralises every kind of mention', () => {
    expect(neutralizeMentions('@everyone @here <@1234567> <@!1234567> <@&1234567> <#1234567> </cmd:123>')).toBe(
      '@\u200beveryone @\u200bhere <\u200b@1234567> <\u200b@!1234567> <\u200b@&1234567> <\u200b#1234567> <\u200b/cmd:123>',
    );
  });

  it('escapes markdown so text cannot change the formatting around it', () => {
    const s = safe(HOSTILE);
    expectNeutral(s);
    expect(s).toContain('\\`\\`\\`js');
    expect(s).toContain('\\*\\*b\\*\\*');
    expect(s).toContain('\\|\\|s\\|\\|');
    expect(s).toContain('\n\\# h');
    expect(s).toContain('\n\\> q');
    expect(s).toContain('\\[x](http');
    expect(safe('Mixture-of-Experts_v2 a*b')).toBe('Mixture-of-Experts\\_v2 a\\*b');
  });
});

// ------------------------------------------------------------------------------------------ render.ts

describe('render.ts never exceeds a Discord limit', () => {
  it('sparkline and per-year counts', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▅▆▇█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([1, 0, 1])).toBe('█▁█');
    expect(sparkline([])).toBe('');
    const py = perYear([paper({ id: 'a', year: 2019 }), paper({ id: 'b', year: 2021 }), paper({ id: 'c', year: 2021 }), paper({ id: 'd', year: null })]);
    expect(py).toEqual({ from: 2019, to: 2021, counts: [1, 0, 2] });
    expect(perYear([])).toBeNull();
  });

  it('a paper with a 60k-character abstract, 3,000 authors, 40 aliases, 300 sources and 120 blog posts', () => {
    const p = lib.papers.get('monster')!;
    const r = renderPaperCard(p, lib);
    expectWithinLimits(r);
    expectNeutral(allText(r));
    const e = r.embeds![0]!;
    expect(e.title!.endsWith('…')).toBe(true);
    const authors = e.fields!.find((f) => f.name.startsWith('Authors'))!;
    expect(authors.name).toBe('Authors (3000+)');
    expect(authors.value).toMatch(/…and \d+ more et al\. \(the sources list only the first authors\)$/);
    expect(e.fields!.map((f) => f.name).slice(0, 7)).toEqual(['Authors (3000+)', 'Date', 'Category', 'Venue', 'Organisations', 'Code', 'Sources']);
    expect(e.fields!.find((f) => f.name === 'Code')!.value).toBe('available');
    expect(r.components![0]!.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['Authors', 'More like this', 'Ask a follow-up']);
    expectWithinLimits(renderPaperAuthors(p, lib));
    expectWithinLimits(renderSimilar(p, lib));
    expectWithinLimits(renderPostCard(lib.posts.get('post0')!, lib));
    expectNeutral(allText(renderPostCard(lib.posts.get('post0')!, lib)));
  });

  it('a customId that would exceed 100 characters is stored instead', () => {
    const kv = memoryKv();
    const state = new StateStore(kv);
    const longId = 'x'.repeat(120);
    const r = renderPaperCard({ ...lib.papers.get('p1')!, id: longId }, lib, state);
    for (const c of r.components![0]!.components) {
      const id = (c as { custom_id: string }).custom_id;
      expect(id.length).toBeLessThanOrEqual(100);
      expect(state.parseCustomId(id)!.args).toEqual([longId]);
    }
  });

  it('an author with 400 long-titled papers over 30 years', () => {
    const r = renderAuthorCard(lib.authors.get('a-prolific')!, lib);
    expectWithinLimits(r);
    expectNeutral(allText(r));
    const e = r.embeds![0]!;
    expect(e.description).toMatch(/Profile: h-index 99 · 123,456 citations · field LG · Machine Learning/);
    expect(e.description).toMatch(/Publications per year: `1995 [▁▂▃▄▅▆▇█]{30} 2024`/);
    const last = e.fields!.at(-1)!;
    expect(last.value).toMatch(/…and \d+ older papers \(use \/search author:Prolific Person\)$/);
    for (const f of e.fields!.filter((x) => x.name.startsWith('Papers'))) expect(f.value.split('\n').at(-1)).not.toMatch(/^\*\*\d{4}\*\*$/);
    expect(r.components![0]!.components[0]).toMatchObject({ custom_id: 'paper:o' });
  });

  it('the ambiguity menu for namesakes', () => {
    const people = [lib.authors.get('a-many-0')!, lib.authors.get('a-many-1')!];
    const r = renderAuthorChoice('Author Number', people, lib);
    expectWithinLimits(r);
    expect(r.content).toMatch(/^Several authors match “Author Number”\. Which one do you mean\?/);
    const same = renderAuthorChoice('Prolific Person', [lib.authors.get('a-prolific')!, { ...lib.authors.get('a-prolific')!, id: 'a-prolific-2', disambiguation: 'Other field' }], lib);
    expect(same.content).toMatch(/^2 different people are named \*\*Prolific Person\*\* in the corpus/);
  });

  it('list pages with long snippets, papers and posts', () => {
    for (const kind of ['papers', 'posts', 'all'] as const) {
      const q = { mode: 'search' as const, q: 'mixture of experts', kind };
      const page = listPage(q, lib, 3);
      const r = renderListPage(q, page, lib, 'abcdefabcdef');
      expectWithinLimits(r);
      expectNeutral(allText(r));
      expect(r.embeds![0]!.footer!.text).toMatch(/^Page 4 of \d+ · \d+ results/);
    }
    const empty = renderListPage({ mode: 'search', q: HOSTILE, kind: 'papers' }, { items: [], total: 0, page: 0, pages: 1, expansions: [], category: null }, lib, 'h');
    expectWithinLimits(empty);
    expectNeutral(allText(empty));
    expect(empty.components).toBeUndefined();
    const topic = listPage({ mode: 'topic', q: 'LG', kind: 'all' }, lib, 0);
    expect(topic.category).toBe('LG');
    const dates = topic.items.map((i) => lib.papers.get(i.id)!.date!);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('/search pages: 👍/👎 for each paper shown (numbered as the results, after Prev/Next and the menu), none for posts or topics', () => {
    const ids = (r: Reply): string[] => (r.components ?? []).slice(2).flatMap((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
    for (const kind of ['papers', 'posts', 'all'] as const) {
      const q = { mode: 'search' as const, q: 'mixture of experts', kind };
      const page = listPage(q, lib, 1);
      const r = renderListPage(q, page, lib, 'abcdefabcdef');
      expectWithinLimits(r);
      const papers = page.items.filter((it) => it.kind === 'paper');
      expect(ids(r)).toEqual(papers.flatMap((it) => [`digest:fb:me:u:${it.id}`, `digest:fb:me:d:${it.id}`]));
      if (papers.length === 0) expect(r.components).toHaveLength(2);
    }
    const q = { mode: 'search' as const, q: 'mixture of experts', kind: 'papers' as const };
    const r = renderListPage(q, listPage(q, lib, 1), lib, 'h');
    expect(r.components).toHaveLength(5);
    expect((r.components![2]!.components as { label?: string }[]).map((c) => c.label)).toEqual(['6 👍', '6 👎', '7 👍', '7 👎']);
    const topic = { mode: 'topic' as const, q: 'LG', kind: 'papers' as const };
    expect(renderListPage(topic, listPage(topic, lib, 0), lib, 'h').components).toHaveLength(2);
  });

  it('answers: "Interpreted as" when rewritten, escaped text, choices and papers menus, 2,000 characters at most', () => {
    const a = answer({ rewritten: true, rephrased: 'who are the authors of GPipe?', input: 'who wrote it?', text: `GPipe was written by ${HOSTILE}`, intent: 'authors_of' });
    expect(answerText(a)).toBe(`Interpreted as: who are the authors of GPipe?\nGPipe was written by ${HOSTILE}`);
    const r = renderAnswer(a, lib);
    expect(r.content!.split('\n')[0]).toBe('Interpreted as: who are the authors of GPipe?');
    expectNeutral(r.content!);
    expect(r.components!.map((row) => (row.components[0] as { custom_id: string }).custom_id)).toEqual(['ask:f']);

    const long = renderAnswer(answer({ text: 'y'.repeat(9000), papers: Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, title: '', authors: [], date: '' })), choices: Array.from({ length: 30 }, (_, i) => ({ id: `a-many-${i}`, label: `Choice ${i}`, kind: 'author' as const })) }), lib);
    expectWithinLimits(long);
    expect(long.content!.endsWith('…')).toBe(true);
    expect(long.components!.map((row) => (row.components[0] as { custom_id: string }).custom_id)).toEqual(['ask:c', 'paper:o', 'ask:f']);
    const reset = renderAnswer(answer({ intent: 'reset', text: 'Done' }), lib);
    expect(reset.components).toEqual([]);
  });

  it('help, about, subscriptions and digests', () => {
    expectWithinLimits(renderHelp([{ name: 'search', description: 'Search' }]));
    const about = renderAbout({ library: lib, issues: [], files: Array.from({ length: 200 }, (_, i) => ({ name: `${i}_${'n'.repeat(40)}.txt`, sha256: '', format: null, papers: i, posts: 0 })), loadedAt: new Date(0), timings: { parseMs: 0, indexMs: 0 } }, new Date(0));
    expectWithinLimits(about);
    expect(about.embeds![0]!.fields![0]!.value).toMatch(/^401 papers · 120 blog posts · 3001 authors/);

    const subs: Subscription[] = Array.from({ length: 80 }, (_, i) => ({ id: i + 1, guildId: 'g', channelId: '123456789012345678', userId: null, createdBy: 'u', time: '07:30', timezone: 'Europe/Berlin', categories: ['CL', 'LG'], authors: [HOSTILE], keywords: ['k'.repeat(100)], excludeKeywords: [], maxPapers: 10, postEmpty: false, createdAt: new Date(0), lastDigestAt: null, active: true }));
    const list = renderSubscriptions(subs);
    expectWithinLimits(list);
    expectNeutral(list.embeds![0]!.description!.replace(/<#123456789012345678>/g, ''));
    expect(renderSubscriptions([])).toMatchObject({ ephemeral: true, content: expect.stringMatching(/^No digest subscriptions/) });

    // With each subscription's latest run: how it went, one line under it; a failure's text is neutralised.
    const run = (over: Partial<DigestRun>): DigestRun => ({ id: 1, subscriptionId: 1, localDate: '2025-11-25', status: 'sent', claimedAt: new Date(0), sentAt: null, messageIds: [], nonce: 'n', paperIds: ['a', 'b', 'c'], firstDigest: false, cutoffAt: null, error: null, attempts: 1, nextAttemptAt: null, ...over });
    const runs = new Map<number, DigestRun>([
      [1, run({})],
      [2, run({ status: 'empty', paperIds: [] })],
      [3, run({ status: 'failed', error: `cannot post: ${HOSTILE}`, nextAttemptAt: new Date(Date.UTC(2025, 10, 25, 9, 5)) })],
      [4, run({ status: 'failed', error: 'Missing Access (50001)' })],
    ]);
    const withRuns = renderSubscriptions(subs.slice(0, 5), { latestRun: (id) => runs.get(id) });
    expectWithinLimits(withRuns);
    const lines = withRuns.embeds![0]!.description!.split('\n').filter((l) => l.startsWith('↳'));
    expect(lines[0]).toBe('↳ last: Tue 25 Nov 2025 — sent, 3 papers');
    expect(lines[1]).toBe('↳ last: Tue 25 Nov 2025 — nothing new, nothing posted');
    expect(lines[2]).toMatch(/^↳ last: Tue 25 Nov 2025 — \*\*failed\*\*: cannot post: .*; next attempt <t:1764061500:R>$/);
    expectNeutral(lines[2]!);
    expect(lines[3]).toBe('↳ last: Tue 25 Nov 2025 — **failed**: Missing Access (50001); no more attempts for that day');
    expect(lines[4]).toBe('↳ no digest yet');
    expect(describeRun(run({ status: 'claimed' }))).toBe('last: Tue 25 Nov 2025 — being delivered');

    const selection = { papers: [...lib.papers.values()].slice(0, 25).map((p) => ({ paper: p, why: ['category CL'] })), total: 60, firstDigest: false };
    const msg = formatDigest(selection as never, { localDate: '2025-11-24' });
    const r = renderDigest(msg);
    expectWithinLimits(r);
    expect(r.embeds![0]!.title).toBe(msg.title);
    expect(r.embeds!.map((e) => e.description).join('\n\n')).toBe(msg.chunks.join('\n\n'));
    for (const line of msg.lines.slice(0, msg.shown)) expect(r.embeds!.map((e) => e.description).join('\n')).toContain(line.title);
    if (msg.footer) expect(r.embeds!.at(-1)!.footer!.text).toBe(msg.footer);
    const empty = renderDigest(formatDigest({ papers: [], total: 0, firstDigest: false } as never, { localDate: '2025-11-24' }));
    expect(empty.embeds![0]!.description).toBe('No new papers matched this digest today.');
  });
});

// ------------------------------------------------------------------------------------------ state, rate limit, autocomplete

function memoryKv(): KvLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, kvGet: (k) => map.get(k), kvSet: (k, v) => void map.set(k, v) };
}

describe('state.ts customIds', () => {
  it('short ids stay inline; long ones or ids with ":" are stored; unknown stored ids are null', () => {
    const kv = memoryKv();
    const s = new StateStore(kv);
    expect(s.customId('paper', 'a', 'gpipe-1')).toBe('paper:a:gpipe-1');
    expect(s.parseCustomId('paper:a:gpipe-1')).toEqual({ namespace: 'paper', action: 'a', args: ['gpipe-1'] });
    const long = s.customId('paper', 'a', 'x'.repeat(200), 'y');
    expect(long).toMatch(/^paper:a:~[\w-]{12}$/);
    expect(s.parseCustomId(long)).toEqual({ namespace: 'paper', action: 'a', args: ['x'.repeat(200), 'y'] });
    const colon = s.customId('ask', 'c', 'a:b');
    expect(new StateStore(kv).parseCustomId(colon)!.args).toEqual(['a:b']); // a fresh store (restart) reads the kv
    expect(new StateStore(memoryKv()).parseCustomId(colon)).toBeNull();
    expect(s.customId('ask', 'm')).toBe('ask:m');
  });

  it('put/get is stable per value and survives a new StateStore over the same kv', () => {
    const kv = memoryKv();
    const a = new StateStore(kv).put('list', { q: 'x', kind: 'papers' });
    expect(new StateStore(kv).put('list', { q: 'x', kind: 'papers' })).toBe(a);
    expect(new StateStore(kv).get('list', a)).toEqual({ q: 'x', kind: 'papers' });
    expect(new StateStore(kv).get('list', 'nope')).toBeUndefined();
  });
});

describe('rate limiter', () => {
  it('a token bucket per user: burst, then refill per minute', () => {
    let now = 0;
    const rl = new RateLimiter({ burst: 3, perMinute: 6 }, () => now);
    expect([1, 2, 3].map(() => rl.take('u').ok)).toEqual([true, true, true]);
    const denied = rl.take('u');
    expect(denied).toEqual({ ok: false, retryAfterMs: 10_000 });
    expect(rl.take('v').ok).toBe(true);
    now += 10_000;
    expect(rl.take('u').ok).toBe(true);
    expect(rl.take('u').ok).toBe(false);
    now += 3_600_000;
    rl.sweep();
    expect(rl.size).toBe(0);
  });
});

describe('autocomplete of comma-separated lists', () => {
  it('completes the last item and keeps the ones before', () => {
    const complete = (last: string) => ['CL', 'CV', 'LG'].filter((c) => c.toLowerCase().startsWith(last.toLowerCase())).map((c) => ({ name: c, value: c }));
    expect(listChoices('c', complete)).toEqual([{ name: 'CL', value: 'CL' }, { name: 'CV', value: 'CV' }]);
    expect(listChoices('LG, c', complete)).toEqual([{ name: 'LG, CL', value: 'LG, CL' }, { name: 'LG, CV', value: 'LG, CV' }]);
    expect(listChoices(`${'x'.repeat(99)},c`, complete)).toEqual([]);
  });
});

describe('the "still loading" answer before the first library', () => {
  it('estimates the time left from the worker\'s progress (reading files is about half a cold load), and says nothing it cannot know', async () => {
    const { loadingMessage } = await import('../src/discord/run.ts');
    // A quarter of the files read in 5 s: 20 s to read them all, as long again to index: 35 s to go.
    expect(loadingMessage({ loading: true, progress: { done: 25, total: 100 }, elapsedMs: 5000 })).toBe("📚 I'm still loading the library (about 35 s to go). Please ask again in a moment.");
    expect(loadingMessage({ loading: true, progress: null, elapsedMs: 800 })).toBe("📚 I'm still loading the library. Please ask again in a moment.");
    expect(loadingMessage({ loading: true, progress: { done: 100, total: 100 }, elapsedMs: 9000 })).not.toMatch(/about/);
  });
});
