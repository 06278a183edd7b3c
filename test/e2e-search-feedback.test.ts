/**
 * 👍/👎 on /search results, follows in personal-digest ranking, and a follow's first alert under the
 * hourly cap — end to end: the real discord.js client (`startBot`) against the Discord stand-in, a
 * real SQLite file, a copy of the shipped data directory (data drops renamed into it), an injected
 * clock (`schedulerTimers: false`; `Bot.tick()` is one pass at the clock's time). No sleeps: every
 * wait is on an event (the corpus reload, a response or message reaching the stand-in).
 *
 * Covered:
 * - /search results carry 👍/👎 for each paper shown (within Discord's 5 rows, after Prev/Next and
 *   "Open a result…"); a press (any member) is acknowledged ephemerally within 3 s and stored once,
 *   however often pressed, in the presser's own profile — never a channel digest's;
 * - `/mydigest feedback` lists it (also with no personal digest yet) and undoes it;
 * - the presser's next personal digest lists papers similar to the rated one first (a preview before
 *   the press did not), saying why;
 * - a followed author's new papers rank first in the follower's personal digest ("by …, whom you
 *   follow"); channel digests use neither follows nor /search ratings;
 * - a new follow's first alert goes out at once (same clock minute as the paper's arrival) even
 *   while the follower's hourly cap holds the papers of their other follow — which it then carries —
 *   and later papers wait for the hour.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot } from '../src/discord/run.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

interface DropPaper {
  title: string;
  authors: string[];
  category: string;
  date: string;
  abstract: string;
}

function lineListing(owner: string, papers: readonly DropPaper[]): string {
  const entries = papers.map((p) => `${p.category}${p.date}\n${p.title}\n\n${p.authors.join(', ')}\n\n${p.abstract}\n`);
  return `${owner}\n\nCL\nh-index12\n${papers.length}papers\n100citations\n\n${papers.length} Papers\n\n${entries.join('\n')}`;
}

type Data = { content?: string; flags?: number; embeds?: { title?: string; description?: string; footer?: { text?: string } }[]; components?: Row[] };
type Row = { components: { type: number; custom_id?: string; label?: string; options?: { value: string }[] }[] };

const FAR: DropPaper[] = [
  ['Graph Colouring Heuristics for Sparse Planar Instances', 'Greedy and tabu colourings of sparse planar graphs, compared on generated instances.'],
  ['Register Allocation by Interval Graph Colouring', 'Compilers colour interval graphs to allocate registers; a faster heuristic for spilling.'],
  ['Chromatic Bounds for Random Geometric Graphs', 'New bounds on the chromatic number of random geometric graphs in the plane.'],
].map(([title, abstract], i) => ({ title: title!, authors: ['Gail Graph'], category: 'DM', date: `Nov ${24 + i}, 2025`, abstract: abstract! }));

const Y1: DropPaper = { title: 'Tokenizer-Free Retrieval for Long Documents', authors: ['Yanqi Zhou', 'Ada Example'], category: 'IR', date: 'Nov 10, 2025', abstract: 'Document retrieval straight from bytes, without a tokenizer.' };
const Y2: DropPaper = { title: 'Caching Key-Value States Across Retrieval Calls', authors: ['Ada Example', 'Yanqi Zhou'], category: 'IR', date: 'Nov 11, 2025', abstract: 'Reusing attention caches when the same passages are retrieved again.' };
const Q1: DropPaper = { title: 'Quantum Annealing Schedules for Portfolio Selection', authors: ['Quinn Qubit'], category: 'LG', date: 'Nov 12, 2025', abstract: 'How quantum annealing schedules change portfolio selection results.' };
const Q2: DropPaper = { title: 'Reverse Quantum Annealing from Classical Warm Starts', authors: ['Quinn Qubit'], category: 'LG', date: 'Nov 13, 2025', abstract: 'Quantum annealing started in reverse from a classical solution.' };

describe('/search ratings, follows in ranking, and first follow alerts (real client, stand-in, SQLite, injected clock)', () => {
  let standin: DiscordStandin;
  let dir: string;
  let dataDir: string;
  let bot: Bot;
  let t = new Date('2025-11-24T10:00:00Z');
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (_chunk, _enc, cb) => cb() }) });

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }
  const data = (r: InteractionResponseRecord): Data => ((r.body as { data?: Record<string, unknown> }).data ?? {}) as Data;
  const titlesOf = (content: string): string[] => content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));
  const customIds = (m: { components?: unknown[] }): string[] =>
    (m.components ?? []).flatMap((r) => (r as Row).components.map((c) => c.custom_id ?? ''));
  const botPosts = (channelId: string): APIMessage[] =>
    standin.channelMessages(channelId, { includeEphemeral: false }).filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata);
  const carolId = (): string => standin.world.users.carol.id;
  const carolDm = (): string => standin.world.dmChannel(carolId()).id;
  /** The message of carol's latest personal digest. */
  function latestDigest(subId: number): APIMessage {
    const run = bot.ctx.store.latestDigestRun(subId)!;
    expect(run.status).toBe('sent');
    return standin.message(run.messageIds[0]!)!;
  }

  async function drop(name: string, papers: readonly DropPaper[]): Promise<void> {
    const reloaded = new Promise<void>((resolve) => bot.corpus.once('reloaded', () => resolve()));
    writeFileSync(join(dataDir, `.${name}.part`), lineListing('Ada Example', papers));
    renameSync(join(dataDir, `.${name}.part`), join(dataDir, name));
    await Promise.race([reloaded, new Promise((_, reject) => setTimeout(() => reject(new Error('the watcher did not reload the corpus')), 10_000))]);
  }

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-search-feedback-');
    ({ dir, dataDir } = ws);
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    const config = standinConfig(standin, ws);
    await deployCommands(config, logger);
    bot = await startBot(config, logger, { now: () => t, schedulerTimers: false, clientOptions: { ws: noIdentifyThrottle } });
  }, 60_000);

  afterAll(async () => {
    await bot?.stop().catch(() => undefined);
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  let rated: Paper;
  let searchMessage: APIMessage;
  let personal: number;
  let channelSub: number;

  it('/search results carry 👍/👎 per paper within the 5 rows; a press is acknowledged within 3 s and stored once in the presser\'s profile', async () => {
    // A channel digest (bob) in the channel where carol searches: it must not change.
    const conf = await one(standin.sendCommand('digest', { channel: { type: 7, value: standin.world.guild.otherTextChannelId }, time: '09:00', timezone: 'UTC' } as never, { user: 'bob', subcommand: 'subscribe' }));
    expect(data(conf).content).toMatch(/^Subscribed: \*\*#\d+\*\*/);
    channelSub = bot.ctx.store.listSubscriptions({ guildId: standin.world.guild.id })[0]!.id;

    const r = await one(standin.sendCommand('search', { query: 'speech recognition' }, { user: 'carol' }));
    const rows = data(r).components!;
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.components.length <= 5)).toBe(true);
    expect(rows[0]!.components.map((c) => c.label)).toEqual(['◀ Prev', 'Next ▶']);
    expect(rows[1]!.components[0]!.custom_id).toMatch(/^search:o:/);
    const lib = bot.ctx.engine.lib;
    const shown = data(r).embeds![0]!.description!.match(/^\*\*\d+\. .+\*\*$/gm)!;
    expect(shown).toHaveLength(5);
    searchMessage = standin.originalMessage(r.interactionId)!;
    const rateIds = customIds(searchMessage).filter((id) => id.startsWith('digest:fb:me:'));
    expect(rateIds).toHaveLength(10);
    expect(rows.slice(2).map((row) => row.components.map((c) => c.label))).toEqual([
      ['1 👍', '1 👎', '2 👍', '2 👎'],
      ['3 👍', '3 👎', '4 👍', '4 👎'],
      ['5 👍', '5 👎'],
    ]);
    const firstId = rateIds[0]!.replace(/^digest:fb:me:u:/, '');
    rated = lib.papers.get(firstId)!;
    expect(rated).toBeDefined();
    expect(data(r).embeds![0]!.description).toContain(`**1. ${rated.title}**`);

    // carol presses 👍 on result 1 twice: both answered privately within 3 s; one row stored.
    const up = `digest:fb:me:u:${rated.id}`;
    const first = standin.clickButton(up, searchMessage, { user: 'carol' });
    const a = await one(first);
    expect(data(a).flags).toBe(64);
    expect(data(a).content).toMatch(/^Noted 👍 for \*.+\*, for you only \(channel digests are not changed\)\. You have no personal digest yet: it is kept for the one you create with `\/mydigest subscribe`, where papers like it will rank higher\. See or undo it with `\/mydigest feedback`\.$/);
    expect(standin.ackLatency(first.id)).toBeLessThan(3000);
    const second = standin.clickButton(up, searchMessage, { user: 'carol' });
    expect(data(await one(second)).content).toMatch(/^You already rated \*.+\* 👍; nothing changed\.$/);
    expect(standin.ackLatency(second.id)).toBeLessThan(3000);
    expect(bot.ctx.store.listProfileFeedback(carolId())).toEqual([expect.objectContaining({ paperId: rated.id, rating: 1, source: 'search' })]);
    expect(bot.ctx.store.db.prepare('SELECT COUNT(*) FROM profile_feedback').pluck().get()).toBe(1);
    // The channel digest is not changed by one member's /search.
    expect(bot.ctx.store.listDigestFeedback(channelSub)).toEqual([]);
    expect(bot.ctx.store.db.prepare('SELECT COUNT(*) FROM digest_feedback').pluck().get()).toBe(0);

    // dave's press on the same message is his own.
    await one(standin.clickButton(`digest:fb:me:d:${rated.id}`, searchMessage, { user: 'dave' }));
    expect(bot.ctx.store.listProfileFeedback(standin.world.users.dave.id)).toEqual([expect.objectContaining({ paperId: rated.id, rating: -1 })]);
    expect(bot.ctx.store.listProfileFeedback(carolId())).toEqual([expect.objectContaining({ rating: 1 })]);

    // Paging keeps the buttons, numbered as the results.
    const next = await one(standin.clickButton(rows[0]!.components[1]!.custom_id!, searchMessage, { user: 'carol' }));
    expect(data(next).components!.slice(2).map((row) => row.components.map((c) => c.label))[0]).toEqual(['6 👍', '6 👎', '7 👍', '7 👎']);
    await one(standin.clickButton(data(next).components![0]!.components[0]!.custom_id!, standin.message(searchMessage.id)!, { user: 'carol' }));
    searchMessage = standin.message(searchMessage.id)!;
    expect(customIds(searchMessage)).toContain(up);
  });

  it('/mydigest feedback lists it (no personal digest needed) and undoes it', async () => {
    const list = await one(standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'feedback', guildId: null }));
    expect(data(list).flags).toBe(64);
    expect(data(list).embeds?.[0]?.title).toBe('Your ratings from /search (1 👍 · 0 👎)');
    expect(data(list).embeds?.[0]?.description).toMatch(new RegExp(`^👍 ${rated.title!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} — from /search · <t:\\d+:d>$`));
    const ac = await one(standin.sendAutocomplete('mydigest', { undo: '' }, { focused: 'undo', subcommand: 'feedback', user: 'carol', guildId: null }));
    expect((ac.body as { data: { choices: { value: string }[] } }).data.choices).toEqual([expect.objectContaining({ value: rated.id })]);
    const undone = await one(standin.sendCommand('mydigest', { undo: rated.id }, { user: 'carol', subcommand: 'feedback', guildId: null }));
    expect(data(undone).content).toMatch(/^Removed the 👍 \(from \/search\) of \*.+\* from your \/search ratings\. Your personal digests are ranked without it from the next one on\.$/);
    expect(bot.ctx.store.listProfileFeedback(carolId())).toEqual([]);
    const empty = await one(standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'feedback', guildId: null }));
    expect(data(empty).content).toMatch(/^You have no personal digest yet and no ratings from \/search\./);
  });

  it('the presser\'s next personal digest lists papers similar to the one rated up on /search first', async () => {
    // carol's personal digest; its first digest (latest by date).
    const sub = await one(standin.sendCommand('mydigest', { time: '09:00', timezone: 'UTC', max_papers: 3 } as never, { user: 'carol', subcommand: 'subscribe', guildId: null }));
    expect(data(sub).content).toMatch(/Subscribed/);
    personal = bot.ctx.store.listSubscriptions({ userId: carolId() })[0]!.id;
    t = new Date('2025-11-25T09:00:00Z');
    await bot.tick();
    expect(bot.ctx.store.latestDigestRun(personal)?.status).toBe('sent');

    // New papers: three close to the rated one (older), three on another subject (newer).
    const words = [...new Set(`${rated.title} ${rated.abstract ?? ''}`.toLowerCase().match(/[a-z]{6,}/g) ?? [])];
    const near: DropPaper[] = ['One', 'Two', 'Three'].map((part, i) => ({
      title: `${rated.title} Revisited, Part ${part}`,
      authors: ['Ada Example'],
      category: rated.category ?? 'CL',
      date: `Nov ${20 + i}, 2025`,
      abstract: `Part ${part} of a follow-up study, on ${words.filter((_, k) => k % 3 === i).join(', ')}.`,
    }));
    t = new Date('2025-11-25T12:00:00Z');
    await drop('005_search_feedback.txt', [...near, ...FAR]);

    // Without a rating the personal digest would be latest first: the unrelated papers.
    const before = await one(standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'preview', guildId: null }));
    const beforeText = (data(before).embeds ?? []).map((e) => e.description ?? '').join('\n');
    expect(beforeText.indexOf(FAR[2]!.title)).toBeGreaterThanOrEqual(0);
    expect(near.every((n) => !beforeText.includes(n.title))).toBe(true);

    // carol rates it up again on the same /search message (now she has a digest, the reply names it).
    const again = await one(standin.clickButton(`digest:fb:me:u:${rated.id}`, searchMessage, { user: 'carol' }));
    expect(data(again).content).toContain(`Papers like it will rank higher in your personal digest #${personal} from the next one on.`);
    const listed = await one(standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'feedback', guildId: null }));
    expect(data(listed).embeds?.[0]?.title).toBe(`Feedback of digest #${personal} (1 👍 · 0 👎)`);
    expect(data(listed).embeds?.[0]?.description).toContain(`👍 ${rated.title} — from /search`);

    t = new Date('2025-11-26T09:00:00Z');
    await bot.tick();
    const d2 = latestDigest(personal);
    expect(titlesOf(d2.content).sort()).toEqual(near.map((n) => n.title).sort());
    expect(d2.embeds[0]!.description).toMatch(/↳ like \*.+\*, which you rated up/);
    expect(customIds(d2)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^digest:fb:${personal}:u:`))]));
    // The channel digest's profile has none of it.
    const channel = bot.ctx.store.getSubscription(channelSub)!;
    expect(bot.ctx.scheduler!.rankingFor(channel).profile).toMatchObject({ liked: [], disliked: [], authors: [] });
  });

  it('a followed author ranks first in the personal digest; a new follow\'s first alert goes at once under the hourly cap', async () => {
    // 10:00 carol follows Yanqi Zhou (in DMs: no probe); a paper by him arrives → one DM at once.
    t = new Date('2025-11-26T10:00:00Z');
    const f1 = await one(standin.sendCommand('follow', { name: 'a-yanqi-zhou' }, { user: 'carol', subcommand: 'author', guildId: null }));
    expect(data(f1).content).toMatch(/^Following author \*\*Yanqi Zhou\*\*/);
    const dmBefore = botPosts(carolDm()).length;
    await drop('006_follow_y1.txt', [Y1]);
    await standin.waitFor(() => bot.ctx.store.listFollowAlerts(carolId()).some((a) => a.status === 'sent'), 10_000, 'the first alert');
    expect(titlesOf(botPosts(carolDm()).at(-1)!.content)).toEqual([Y1.title]);

    // 10:10 a second follow; another paper by Yanqi Zhou: held by the hourly cap.
    t = new Date('2025-11-26T10:10:00Z');
    const f2 = await one(standin.sendCommand('follow', { query: 'quantum annealing' }, { user: 'carol', subcommand: 'search', guildId: null }));
    expect(data(f2).content).toMatch(/^Following search/);
    await drop('007_follow_y2.txt', [Y2]);
    await bot.tick();
    expect(botPosts(carolDm())).toHaveLength(dmBefore + 1);

    // 10:20 the new follow's first paper: its first alert goes at once (same clock minute, no tick), carrying the held one.
    t = new Date('2025-11-26T10:20:00Z');
    await drop('008_follow_q1.txt', [Q1]);
    const sentAlerts = () => bot.ctx.store.listFollowAlerts(carolId()).filter((a) => a.status === 'sent');
    await standin.waitFor(() => sentAlerts().length === 2, 10_000, "the new follow's first alert");
    const alerts = bot.ctx.store.listFollowAlerts(carolId());
    expect(alerts.map((a) => a.status)).toEqual(['sent', 'sent']);
    expect(alerts[1]!.sentAt!.getTime() - t.getTime()).toBeLessThan(60_000);
    expect(new Set(titlesOf(botPosts(carolDm()).at(-1)!.content))).toEqual(new Set([Q1.title, Y2.title]));

    // 10:30 another quantum paper: the cap holds it until 11:20.
    t = new Date('2025-11-26T10:30:00Z');
    await drop('009_follow_q2.txt', [Q2]);
    await bot.tick();
    t = new Date('2025-11-26T11:19:00Z');
    await bot.tick();
    expect(botPosts(carolDm())).toHaveLength(dmBefore + 2);
    t = new Date('2025-11-26T11:20:00Z');
    await bot.tick();
    await standin.waitFor(() => sentAlerts().length === 3, 10_000, 'the batched alert');
    expect(titlesOf(botPosts(carolDm()).at(-1)!.content)).toEqual([Q2.title]);

    // The next personal digest: the followed author's papers first, saying so; the channel digest uses no follows.
    t = new Date('2025-11-27T09:00:00Z');
    await bot.tick();
    const d3 = latestDigest(personal);
    const listed = titlesOf(d3.content);
    expect(listed.slice(0, 2).sort()).toEqual([Y1.title, Y2.title].sort());
    expect(d3.embeds[0]!.description).toMatch(/↳ by Yanqi Zhou, whom you follow/);
    const channel = bot.ctx.store.getSubscription(channelSub)!;
    expect(bot.ctx.scheduler!.rankingFor(channel).profile.authors).toEqual([]);
    const channelDigest = botPosts(standin.world.guild.otherTextChannelId).at(-1)!;
    expect(channelDigest.embeds[0]?.description ?? '').not.toMatch(/whom you follow|which you rated up/);
  });
});
