/**
 * Follows (`/follow`) end to end: the real discord.js client (`startBot`) against the Discord
 * stand-in, a real SQLite file, a copy of the shipped data directory (watched: data drops are
 * renamed in and picked up by the running bot), an injected clock (`schedulerTimers: false`;
 * `Bot.tick()` is one pass at the clock's time). No sleeps: every wait is on an event (the corpus
 * reload, a request reaching the stand-in, a pass finishing).
 *
 * Covered: registration (servers and DMs, no default permission); following from a server (a probe
 * DM, as /mydigest) and in DMs; a data drop with a paper by a followed author → exactly one DM, at
 * once, with nonce + enforce_nonce and no mentions; a second drop within the hour is batched (no DM
 * until the hour passes on the clock); a restart sends nothing twice; list and remove; "Show all"
 * under a large alert; closed DMs refused at follow time and, at delivery, handled as personal
 * digests handle them (not retried; the papers wait for the next alert); the arXiv feed (a local
 * server) fetched for follows without any digest subscription, its new paper alerted.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot, type StartOptions } from '../src/discord/run.ts';
import { createRateLimiter } from '../src/feeds/arxiv.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

interface DropPaper {
  title: string;
  authors: string[];
  category: string;
  /** `Nov 24, 2025` */
  date: string;
  abstract: string;
}

/** A data file in the aggregator's line-listing format (what a data drop looks like). */
function lineListing(owner: string, papers: readonly DropPaper[]): string {
  const entries = papers.map((p) => `${p.category}${p.date}\n${p.title}\n\n${p.authors.join(', ')}\n\n${p.abstract}\n`);
  return `${owner}\n\nCL\nh-index12\n${papers.length}papers\n100citations\n\n${papers.length} Papers\n\n${entries.join('\n')}`;
}

const A: DropPaper = { title: 'Routing Tokens to Experts Without Load Balancing Losses', authors: ['Yanqi Zhou', 'Ada Example'], category: 'LG', date: 'Nov 24, 2025', abstract: 'A router that needs no auxiliary loss; experts specialise by themselves.' };
const B: DropPaper = { title: 'Pruning Experts After Pretraining', authors: ['Ada Example', 'Yanqi Zhou'], category: 'LG', date: 'Nov 24, 2025', abstract: 'Which experts can go once training is done, and what it costs.' };
const C: DropPaper = { title: 'Sparse Upcycling of Dense Checkpoints, Revisited', authors: ['Yanqi Zhou', 'Ben Sample'], category: 'LG', date: 'Nov 25, 2025', abstract: 'Turning dense models into mixtures again, with fewer surprises.' };
const D: DropPaper = { title: 'Expert Choice Routing for Speech Encoders', authors: ['Yanqi Zhou', 'Dana Probe'], category: 'AS', date: 'Nov 25, 2025', abstract: 'Routing by experts for audio encoders.' };
/** Twelve papers on a topic nobody else writes about (erin's search). */
const QUANTUM: DropPaper[] = Array.from({ length: 12 }, (_, i) => ({
  title: `Quantum Annealing Schedules, Part ${i + 1}: ${['Tunnelling', 'Spin Glasses', 'Embedding', 'Noise', 'Reverse Anneals', 'Pausing', 'Benchmarks', 'Chimera Graphs', 'Pegasus Graphs', 'Gauge Averaging', 'Readout', 'Outlook'][i]}`,
  authors: ['Quinn Qubit', `Co Author ${i + 1}`],
  category: 'LG',
  date: `Nov ${String(10 + i)}, 2025`,
  abstract: `How quantum annealing behaves under schedule variant ${i + 1}.`,
}));

describe('/follow: alerts in DMs when new papers arrive (real client, stand-in, SQLite, watched data dir, injected clock)', () => {
  let standin: DiscordStandin;
  let dir: string;
  let dataDir: string;
  let config: Config;
  let bot: Bot;
  const t0 = Date.parse('2025-11-24T10:00:00Z');
  let t = new Date(t0);
  const at = (minutes: number): Date => new Date(t0 + minutes * 60_000);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, cb) => void (logLines.push(String(chunk)), cb()) }) });

  async function start(over: Config = config, extra: Partial<StartOptions> = {}): Promise<Bot> {
    return startBot(over, logger, { now: () => t, schedulerTimers: false, clientOptions: { ws: noIdentifyThrottle }, ...extra });
  }

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }
  const data = (r: InteractionResponseRecord): { content?: string; flags?: number; embeds?: { title?: string; description?: string }[] } =>
    ((r.body as { data?: Record<string, unknown> }).data ?? {}) as never;
  type Who = 'carol' | 'dave' | 'erin' | 'bob';
  const dmOf = (user: Who): string => standin.world.dmChannel(standin.world.users[user].id).id;
  /** What the bot posted in a channel on its own (not interaction responses), oldest first. */
  const botPosts = (channelId: string): APIMessage[] =>
    standin.channelMessages(channelId, { includeEphemeral: false }).filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata);
  const followCmd = (user: Who, subcommand: string, options: Record<string, string> = {}, dm = false) =>
    one(standin.sendCommand('follow', options, { user, subcommand, ...(dm ? { guildId: null } : {}) }));
  const titlesOf = (m: APIMessage): string[] => m.content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));

  /** Renames a data file in (as a data drop does); resolves once the running bot has reloaded the corpus. */
  async function drop(name: string, papers: readonly DropPaper[]): Promise<void> {
    const reloaded = new Promise<void>((resolve) => bot.corpus.once('reloaded', () => resolve()));
    writeFileSync(join(dataDir, `.${name}.part`), lineListing('Ada Example', papers));
    renameSync(join(dataDir, `.${name}.part`), join(dataDir, name));
    await Promise.race([reloaded, new Promise((_, reject) => setTimeout(() => reject(new Error('the watcher did not reload the corpus')), 10_000))]);
  }

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-follow-');
    ({ dir, dataDir } = ws);
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    config = standinConfig(standin, ws);
    await deployCommands(config, logger);
    bot = await start();
  }, 60_000);

  afterAll(async () => {
    await bot?.stop().catch(() => undefined);
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('is registered for servers and the bot DMs, without a default permission; author names autocomplete', async () => {
    const cmd = standin.registeredCommands(standin.world.guild.id).find((c) => c.name === 'follow')!;
    expect(cmd).toBeDefined();
    expect(cmd.default_member_permissions ?? null).toBeNull();
    expect(cmd.contexts).toEqual([0, 1]);
    const subs = cmd.options as { name: string; options?: { name: string; type: number; required?: boolean; autocomplete?: boolean }[] }[];
    expect(subs.map((s) => s.name)).toEqual(['author', 'topic', 'search', 'list', 'remove']);
    for (const name of ['author', 'topic', 'search']) {
      const opts = subs.find((s) => s.name === name)!.options!;
      expect(opts).toHaveLength(1);
      expect(opts[0]).toMatchObject({ type: 3, required: true });
    }
    expect(subs.find((s) => s.name === 'author')!.options![0]!.autocomplete).toBe(true);
    const ac = await one(standin.sendAutocomplete('follow', { name: 'Yanqi' }, { focused: 'name', subcommand: 'author', user: 'carol' }));
    expect((ac.body as { data: { choices: { name: string; value: string }[] } }).data.choices[0]).toEqual({ name: 'Yanqi Zhou — 30 papers', value: 'a-yanqi-zhou' });
  });

  it('a member follows from the server (a probe DM, as /mydigest); in DMs no probe; closed DMs are refused and nothing is stored', async () => {
    const carolDm = dmOf('carol');
    const r = await followCmd('carol', 'author', { name: 'a-yanqi-zhou' });
    expect(data(r).flags).toBe(64);
    expect(data(r).content).toMatch(/^Following author \*\*Yanqi Zhou\*\* \(follow #1\): new papers by them will come to you in a DM — the first within a minute of arriving, then at most one message every hour/);
    expect(data(r).content).toContain('The 30 papers already in the corpus are not sent: only new ones.');
    expect(botPosts(carolDm).map((m) => m.content)).toEqual(['Alerts for your papertalk follow (author Yanqi Zhou) will arrive here. Manage your follows with `/follow` (here or in a server).']);
    expect(bot.ctx.store.listFollows({ userId: standin.world.users.carol.id })).toMatchObject([{ id: 1, kind: 'author', channelId: carolDm, guildId: standin.world.guild.id }]);

    const dup = await followCmd('carol', 'author', { name: 'Yanqi Zhou' });
    expect(data(dup).content).toBe('You already follow this (follow #1, author Yanqi Zhou). See `/follow list`.');
    expect(botPosts(carolDm)).toHaveLength(1);

    // erin shares no server with the bot: follows in DMs, no probe. User text is escaped in the reply.
    const erinDm = dmOf('erin');
    const e = await followCmd('erin', 'search', { query: 'quantum *annealing*' }, true);
    expect(data(e).content).toMatch(/^Following search \*\*“quantum \\\*annealing\\\*”\*\* \(follow #2\): new papers matching every word/);
    expect(botPosts(erinDm)).toHaveLength(0);
    expect(bot.ctx.store.getFollow(2)).toMatchObject({ userId: standin.world.users.erin.id, channelId: erinDm, guildId: null, kind: 'search' });

    standin.blockDms(standin.world.users.dave.id);
    const closed = await followCmd('dave', 'topic', { name: 'CL' });
    expect(data(closed).flags).toBe(64);
    expect(data(closed).content).toMatch(/^I can't send you direct messages, so alerts for a follow could never arrive\./);
    expect(bot.ctx.store.listFollows({ userId: standin.world.users.dave.id })).toEqual([]);
    expect(logLines.some((l) => l.includes('follow refused: DMs closed'))).toBe(true);
    standin.blockDms(standin.world.users.dave.id, false);

    // Nothing to follow → refused before any DM.
    const bad = await followCmd('dave', 'search', { query: 'the of and' });
    expect(data(bad).content).toMatch(/has no words I can search for/);
    expect(botPosts(dmOf('dave'))).toHaveLength(0);
  });

  it('a data drop with a paper by the followed author → exactly one DM, at once (no clock change, no tick)', async () => {
    const carolDm = dmOf('carol');
    const before = botPosts(carolDm).length;
    const mark = standin.requestMark();
    await drop('005_follow_a.txt', [A]);
    await standin.waitFor(() => botPosts(carolDm).length > before, 10_000, 'the alert DM');
    await bot.tick(); // every pass done: still exactly one
    const alerts = botPosts(carolDm).slice(before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.content.split('\n')[0]).toBe('**1 new paper for your follows**');
    expect(titlesOf(alerts[0]!)).toEqual([A.title]);
    expect(alerts[0]!.embeds[0]!.description).toContain('↳ author Yanqi Zhou');
    const post = standin.findRequests(`POST /channels/${carolDm}/messages`).filter((q) => q.seq > mark).at(-1)!;
    const body = post.body as { nonce?: string; enforce_nonce?: boolean; allowed_mentions?: unknown };
    const alert = bot.ctx.store.listFollowAlerts(standin.world.users.carol.id)[0]!;
    expect(alert).toMatchObject({ status: 'sent', messageIds: [alerts[0]!.id] });
    expect(body).toMatchObject({ nonce: alert.nonce, enforce_nonce: true, allowed_mentions: { parse: [] } });
    expect(alert.sentAt!.getTime()).toBe(t0);
    // Nobody else follows it: no other DM.
    expect(botPosts(dmOf('erin'))).toHaveLength(0);
  });

  it('a second drop within the hour is batched: no DM until the hour has passed on the clock', async () => {
    const carolDm = dmOf('carol');
    const before = botPosts(carolDm).length;
    t = at(10);
    await drop('006_follow_b.txt', [B]);
    await bot.tick();
    expect(botPosts(carolDm)).toHaveLength(before);
    expect(bot.ctx.store.listFollowMatches({ userId: standin.world.users.carol.id, pending: true }).map((m) => bot.ctx.engine.lib.papers.get(m.paperId)?.title)).toEqual([B.title]);
    t = at(59);
    await bot.tick();
    expect(botPosts(carolDm)).toHaveLength(before);
    const list = data(await followCmd('carol', 'list')).embeds![0]!.description!;
    expect(list).toMatch(/^\*\*#1\*\* — author Yanqi Zhou\n↳ since <t:\d+:d> · 1 paper sent · 1 waiting\n/);
    expect(list).toContain(`Next alert: <t:${(t0 + 3_600_000) / 1000}:R>.`);
    t = at(60);
    await bot.tick();
    await standin.waitFor(() => botPosts(carolDm).length > before, 10_000, 'the batched alert');
    const alerts = botPosts(carolDm).slice(before);
    expect(alerts).toHaveLength(1);
    expect(titlesOf(alerts[0]!)).toEqual([B.title]);
  });

  it('a restart sends nothing twice; the follows are still there', async () => {
    const carolDm = dmOf('carol');
    const before = botPosts(carolDm).length;
    await bot.stop();
    t = at(65);
    bot = await start();
    await bot.tick();
    t = at(130); // past the hour: still nothing, nothing is new
    await bot.tick();
    expect(botPosts(carolDm)).toHaveLength(before);
    expect(bot.ctx.store.listFollowAlerts(standin.world.users.carol.id).map((a) => a.status)).toEqual(['sent', 'sent']);
    const list = await followCmd('carol', 'list');
    expect(data(list).flags).toBe(64);
    expect(data(list).embeds?.[0]?.title).toBe('Your follows (1)');
    expect(data(list).embeds?.[0]?.description).toMatch(/^\*\*#1\*\* — author Yanqi Zhou\n↳ since <t:\d+:d> · 2 papers sent$/);
    const none = await followCmd('bob', 'list');
    expect(data(none).content).toBe('You follow nothing yet. Try `/follow author`, `/follow topic` or `/follow search`.');
  });

  it('a large alert lists ten titles and a "Show all" button; pressing it lists them all, privately, paged', async () => {
    const erinDm = dmOf('erin');
    t = at(140);
    await drop('007_quantum.txt', QUANTUM);
    await standin.waitFor(() => botPosts(erinDm).length === 1, 10_000, "erin's alert");
    const alert = botPosts(erinDm)[0]!;
    expect(alert.content.split('\n')[0]).toBe('**12 new papers for your follows**');
    expect(titlesOf(alert)).toHaveLength(10);
    expect(alert.content).toMatch(/…and 2 more matching papers: press Show all to see them\.$/);
    expect(alert.embeds[0]!.description).toContain('↳ search “quantum \\*annealing\\*”');
    const button = (alert.components![0] as { components: { custom_id: string; label: string }[] }).components[0]!;
    expect(button.label).toBe('Show all 12');
    const all = await one(standin.clickButton(button.custom_id, alert, { user: 'erin' }));
    expect(data(all).flags).toBe(64);
    expect(data(all).content!.split('\n')[0]).toBe('**All 12 new papers of this alert** (page 1 of 2)');
    expect(data(all).content!.split('\n')).toHaveLength(11);
    // carol follows nothing about it.
    await bot.tick();
    expect(bot.ctx.store.listFollowAlerts(standin.world.users.carol.id)).toHaveLength(2);
  });

  it('closed DMs at delivery: refused, logged, not retried; the papers wait and arrive with the next alert', async () => {
    const daveDm = dmOf('dave');
    const dave = standin.world.users.dave.id;
    t = at(150);
    const f = await followCmd('dave', 'author', { name: 'Yanqi Zhou' });
    expect(data(f).content).toMatch(/^Following author \*\*Yanqi Zhou\*\* \(follow #3\)/);
    const probes = botPosts(daveDm).length;
    standin.blockDms(dave);
    t = at(160);
    await drop('008_follow_c.txt', [C]);
    await bot.tick();
    await standin.waitFor(() => bot.ctx.store.listFollowAlerts(dave).some((a) => a.status === 'failed'), 10_000, "dave's alert refused");
    const failed = bot.ctx.store.listFollowAlerts(dave)[0]!;
    expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(failed.error).toMatch(/50007/);
    expect(logLines.some((l) => l.includes('follow alert delivery failed; its papers wait for the next alert'))).toBe(true);
    const attempts = (): number => standin.findRequests(`POST /channels/${daveDm}/messages`).length;
    const tried = attempts();
    t = at(165);
    await bot.tick();
    expect(attempts()).toBe(tried); // not retried
    standin.blockDms(dave, false);
    t = at(219);
    await bot.tick();
    expect(botPosts(daveDm)).toHaveLength(probes);
    t = at(220); // an hour after the refused attempt
    await bot.tick();
    await standin.waitFor(() => botPosts(daveDm).length > probes, 10_000, "dave's alert");
    expect(botPosts(daveDm).slice(probes).map(titlesOf)).toEqual([[C.title]]);
    // carol (last alert at 11:00) got C too, once.
    const carolAlerts = bot.ctx.store.listFollowAlerts(standin.world.users.carol.id);
    expect(carolAlerts.map((a) => a.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('/follow remove: the only follow without an id; no alert after it; someone else\'s number is "not found"', async () => {
    const carolDm = dmOf('carol');
    const steal = await followCmd('dave', 'remove', { id: '1' });
    expect(data(steal).content).toBe('You have no follow #1. See `/follow list`.');
    const ac = await one(standin.sendAutocomplete('follow', { id: '' }, { focused: 'id', subcommand: 'remove', user: 'carol' }));
    expect((ac.body as { data: { choices: { name: string; value: string }[] } }).data.choices).toEqual([{ name: '#1 — author Yanqi Zhou', value: '1' }]);
    const r = await followCmd('carol', 'remove');
    expect(data(r)).toMatchObject({ flags: 64, content: 'Unfollowed #1 (author Yanqi Zhou): no more alerts for it.' });
    expect(bot.ctx.store.getFollow(1)).toBeUndefined();
    const before = botPosts(carolDm).length;
    t = at(300);
    await drop('009_follow_d.txt', [D]);
    await bot.tick();
    t = at(400);
    await bot.tick();
    expect(botPosts(carolDm)).toHaveLength(before);
    // dave still follows: D reaches him (an hour after his last alert).
    await standin.waitFor(() => bot.ctx.store.listFollowAlerts(standin.world.users.dave.id).filter((a) => a.status === 'sent').length === 2, 10_000, "dave's second alert");
    expect(titlesOf(botPosts(dmOf('dave')).at(-1)!)).toEqual([D.title]);
  });

  describe('the arXiv feed (local HTTP server)', () => {
    let server: Server;
    const hits: string[] = [];
    const FEED_TITLE = 'Mixture-of-Experts Routing That Learns When to Stop';
    const entry = (id: string, title: string, authors: string[], primary: string): string =>
      `<entry><id>http://arxiv.org/abs/${id}</id><updated>2025-11-25T06:00:00Z</updated><published>2025-11-25T06:00:00Z</published>
    <title>${title}</title><summary>An abstract about ${title.toLowerCase()}.</summary>${authors.map((a) => `<author><name>${a}</name></author>`).join('')}
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="${primary}" scheme="http://arxiv.org/schemas/atom"/><category term="${primary}" scheme="http://arxiv.org/schemas/atom"/></entry>`;
    const FEED = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">${entry('2511.00001v1', FEED_TITLE, ['Yanqi Zhou', 'Ada Example'], 'cs.LG')}${entry('2511.00002v1', 'Unrelated Results on Graph Colouring', ['Gail Graph'], 'cs.DM')}</feed>`;

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(`${t.toISOString()} ${req.url ?? ''}`);
        res.writeHead(200, { 'content-type': 'application/atom+xml' });
        res.end(FEED);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('with a follow and no digest subscription, the feed is fetched before the hour; its new paper → one DM to the follower', async () => {
      await bot.stop();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`;
      const feedConfig: Config = { ...config, dbPath: join(dir, 'feed.sqlite'), arxivCategories: ['cs.LG'], arxivApiUrl: url };
      t = new Date('2025-11-25T08:00:00Z');
      bot = await start(feedConfig, { arxiv: { leadMs: 5 * 60_000, fetchOptions: { retries: 0, timeoutMs: 5000, minIntervalMs: 0, rateLimiter: createRateLimiter() } } });
      expect(bot.ctx.store.listSubscriptions()).toEqual([]);
      await bot.tick();
      expect(hits).toEqual([]); // no digest, no follow: no window
      const bobDm = dmOf('bob');
      const f = await followCmd('bob', 'author', { name: 'Yanqi Zhou' });
      expect(data(f).content).toMatch(/^Following author \*\*Yanqi Zhou\*\*/);
      const before = botPosts(bobDm).length;
      t = new Date('2025-11-25T08:50:00Z');
      await bot.tick();
      expect(hits).toEqual([]);
      t = new Date('2025-11-25T08:55:00Z');
      await bot.tick();
      expect(hits.map((h) => h.slice(0, 19))).toEqual(['2025-11-25T08:55:00']);
      await standin.waitFor(() => botPosts(bobDm).length > before, 10_000, "bob's alert");
      await bot.tick();
      const alerts = botPosts(bobDm).slice(before);
      expect(alerts.map(titlesOf)).toEqual([[FEED_TITLE]]);
      expect(hits).toHaveLength(1); // once per window
    });
  });
});
