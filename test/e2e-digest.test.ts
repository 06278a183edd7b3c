/**
 * End-to-end digests: the REAL discord.js client (through `startBot`) against the Discord stand-in,
 * a real SQLite file in a temp directory, the real data directory copied there (watched: data drops
 * are files renamed into it), an injected clock for the scheduler (`StartOptions.now` +
 * `schedulerTimers: false`; `Bot.tick()` is one scheduler pass at the clock's time), and for the
 * arXiv source a local HTTP server serving the Atom fixture.
 *
 * Covered here (what the unit tests of the scheduler cannot show): subscribing through
 * `/digest subscribe`; one message per subscription and local date carrying every paper's full
 * title as text; a data drop noticed by the watcher → exactly those papers; restarts (new client,
 * same DB) and a crash between posting and recording → still exactly one message; downtime over the
 * scheduled time → one catch-up within a minute of start-up; the US spring-forward through the
 * bot; "Show all"; the arXiv feed fetched once before the window, merged and deduplicated, and a
 * failing feed. Prints the three-day transcript.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import type { Paper } from '../src/corpus/schema.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot, type StartOptions } from '../src/discord/run.ts';
import { createRateLimiter } from '../src/feeds/arxiv.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

const FIXTURE = readFileSync(new URL('./fixtures/arxiv/cs-cl-lg.atom.xml', import.meta.url), 'utf8');

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

const DROP_1: DropPaper[] = [
  {
    title: 'Sparse Mixtures of Tokenizers: What a 2,000-Character Digest Can Hold',
    authors: ['Ada Example', 'Ben Sample', 'Carl Demo'],
    category: 'CL',
    date: 'Nov 24, 2025',
    abstract: 'We study something entirely new about tokenizers and digests, with results on several benchmarks that nobody has seen before.',
  },
  {
    title: 'Zero-Shot Scheduling of Daily Paper Digests Across Time Zones',
    authors: ['Ada Example', 'Dana Probe'],
    category: 'LG',
    date: 'Nov 23, 2025',
    abstract: 'A second new paper whose abstract talks about time zones, daylight saving changes and catch-up runs after downtime.',
  },
];

/** One Atom entry (arXiv API shape). */
function atomEntry(e: { id: string; title: string; authors: string[]; published: string; primary: string; cats?: string[]; summary: string }): string {
  const cats = [e.primary, ...(e.cats ?? [])].map((c) => `<category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('');
  return `<entry><id>http://arxiv.org/abs/${e.id}</id><updated>${e.published}</updated><published>${e.published}</published>
    <title>${e.title}</title><summary>${e.summary}</summary>${e.authors.map((a) => `<author><name>${a}</name></author>`).join('')}
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="${e.primary}" scheme="http://arxiv.org/schemas/atom"/>${cats}</entry>`;
}

describe('digests end to end: real discord.js client, stand-in, SQLite file, injected clock', () => {
  let standin: DiscordStandin;
  let dir: string;
  let dataDir: string;
  let base: Config;
  let t = new Date('2025-11-24T10:00:00Z');
  const clock = (): Date => t;
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, cb) => void (logLines.push(String(chunk)), cb()) }) });
  const bots: Bot[] = [];
  const transcript: string[] = [];
  const say = (line: string): void => void transcript.push(line);

  async function start(config: Config, extra: Partial<StartOptions> = {}): Promise<Bot> {
    const bot = await startBot(config, logger, { now: clock, schedulerTimers: false, clientOptions: { ws: noIdentifyThrottle }, ...extra });
    bots.push(bot);
    return bot;
  }

  async function stop(bot: Bot): Promise<void> {
    await bot.stop();
    bots.splice(bots.indexOf(bot), 1);
  }

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }

  /** Messages the bot posted itself in a channel (not interaction responses), oldest first. */
  function digestsIn(channelId: string, after: ReadonlySet<string> = new Set()): APIMessage[] {
    return standin
      .channelMessages(channelId, { includeEphemeral: false })
      .filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata && !after.has(m.id));
  }

  const idsIn = (channelId: string): Set<string> => new Set(standin.channelMessages(channelId).map((m) => m.id));

  /** The full titles a digest lists as text, one per line (`1. Title`). */
  const titlesOf = (m: APIMessage): string[] => m.content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));

  const quote = (m: APIMessage): string[] => m.content.split('\n').map((l) => `      │ ${l}`);

  /** Writes a data file under a temporary name and renames it in (as a data drop does); resolves after the reload. */
  async function drop(bot: Bot, name: string, text: string): Promise<void> {
    const reloaded = new Promise<void>((resolve) => bot.corpus.once('reloaded', () => resolve()));
    writeFileSync(join(dataDir, `.${name}.part`), text);
    renameSync(join(dataDir, `.${name}.part`), join(dataDir, name));
    await Promise.race([reloaded, new Promise((_, reject) => setTimeout(() => reject(new Error('the watcher did not reload the corpus')), 10_000))]);
  }

  async function subscribe(options: Record<string, unknown>): Promise<Record<string, unknown>> {
    const r = await one(standin.sendCommand('digest', options as never, { user: 'bob', subcommand: 'subscribe' }));
    return ((r.body as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  }

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-digest-');
    ({ dir, dataDir } = ws);
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    base = standinConfig(standin, ws);
    await deployCommands(base, logger);
  }, 30_000);

  afterAll(async () => {
    for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    if (transcript.length) console.log(`\n${transcript.join('\n')}\n`);
  });

  it('three simulated days: first digest (latest, says so) → a data drop → exactly those two → nothing new; restarts and a crash mid-delivery never duplicate', async () => {
    const papers = standin.world.guild.otherTextChannelId;
    let bot = await start(base);
    say('THREE SIMULATED DAYS — subscription #1: #papers daily at 09:00 Europe/Berlin, up to 3 papers (injected clock; real discord.js client against the stand-in; SQLite file)');

    // Day 0, 11:00 Berlin: subscribe through the stand-in. The confirmation is the interaction reply.
    t = new Date('2025-11-24T10:00:00Z');
    const conf = await subscribe({ channel: { type: 7, value: papers }, time: '09:00', timezone: 'Europe/Berlin', max_papers: 3 });
    expect(conf.flags).toBeUndefined();
    expect(String(conf.content)).toMatch(/^Subscribed: \*\*#1\*\* — <#\d+> daily at 09:00 \(Europe\/Berlin\), up to 3 papers; all papers\./);
    expect(String(conf.content)).toContain(`Next digest: <t:${Date.parse('2025-11-25T08:00:00Z') / 1000}:F>`);
    say(`Mon 24 Nov 10:00Z  /digest subscribe → reply: ${String(conf.content).split('\n')[0]}`);
    await bot.tick();
    expect(digestsIn(papers)).toHaveLength(0); // 09:00 already passed today: the first digest is tomorrow's

    // ---- Day 1: never before 09:00 local; at 09:00 the first digest lists the latest papers and says so.
    t = new Date('2025-11-25T07:59:00Z');
    await bot.tick();
    expect(digestsIn(papers)).toHaveLength(0);
    t = new Date('2025-11-25T08:00:00Z');
    const mark1 = standin.requests.at(-1)?.seq ?? 0;
    await bot.tick();
    const day1 = digestsIn(papers);
    expect(day1).toHaveLength(1);
    const d1 = day1[0]!;
    const latest = [...bot.ctx.engine.lib.corpus.papers].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '')).slice(0, 3);
    expect(d1.content.split('\n').slice(0, 2)).toEqual([
      '**Papers for Tue 25 Nov 2025 — 3 latest**',
      'First digest for this subscription: the latest papers by date. From the next one on, only papers new since the previous digest.',
    ]);
    expect(titlesOf(d1)).toEqual(latest.map((p) => p.title));
    expect(d1.content.length).toBeLessThanOrEqual(2000);
    expect(d1.embeds[0]!.title).toBe('Papers for Tue 25 Nov 2025 — 3 latest');
    for (const p of latest) expect(d1.embeds.map((e) => e.description).join('\n')).toContain(p.title!);
    const post1 = standin.findRequests(`POST /channels/${papers}/messages`).filter((r) => r.seq > mark1);
    expect(post1).toHaveLength(1);
    const body1 = post1[0]!.body as { nonce: string; enforce_nonce: boolean; allowed_mentions: unknown };
    expect(body1.allowed_mentions).toEqual({ parse: [] });
    expect(body1.enforce_nonce).toBe(true);
    // Trimmed (the whole corpus matches a first digest): a Show all button.
    const button = (d1.components?.[0] as { components: { custom_id: string; label: string }[] } | undefined)?.components[0];
    expect(button).toMatchObject({ custom_id: 'digest:all:1:2025-11-25', label: `Show all ${bot.ctx.engine.lib.corpus.papers.length}` });
    say('Tue 25 Nov 08:00Z (09:00 Berlin) — day 1: 1 message posted in #papers:');
    transcript.push(...quote(d1));
    say(`      [embeds: ${d1.embeds.length} with authors · category · date · why; button "${button!.label}"]`);

    // Show all: an ephemeral, paged list for whoever presses it — a plain member (carol) included,
    // though /digest itself needs Manage Server.
    const all = await one(standin.clickButton('digest:all:1:2025-11-25', d1, { user: 'carol' }));
    const allData = (all.body as { data: { content: string; flags: number; components: { components: { custom_id: string }[] }[] } }).data;
    expect(allData.flags).toBe(64);
    const total = bot.ctx.engine.lib.corpus.papers.length;
    expect(allData.content.split('\n')[0]).toBe(`**All ${total} matching papers of digest #1 for Tue 25 Nov 2025** (page 1 of ${Math.ceil(total / 10)})`);
    expect(allData.content.split('\n').slice(1, 4)).toEqual(latest.map((p, i) => `${i + 1}. ${p.title}`));
    const allMsg = standin.originalMessage(all.interactionId)!;
    const next = await one(standin.clickButton('digest:allp:1:2025-11-25:1', allMsg, { user: 'carol' }));
    expect(next.callbackType).toBe(7);
    expect((next.body as { data: { content: string } }).data.content.split('\n')[1]).toMatch(/^11\. /);
    say(`      carol (no Manage Server) presses "${button!.label}" → ephemeral list, page 1 of ${Math.ceil(total / 10)} (Next → page 2 from paper 11)`);
    expect(digestsIn(papers)).toHaveLength(1);

    // ---- Day 1, 13:00 Berlin: a data drop adds two papers; the watcher reloads; first-seen recorded at the clock's time.
    t = new Date('2025-11-25T12:00:00Z');
    const before = new Set(bot.ctx.engine.lib.corpus.papers.map((p) => p.id));
    await drop(bot, '005_drop_two_papers.txt', lineListing('Ada Example', DROP_1));
    const added = bot.ctx.engine.lib.corpus.papers.filter((p) => !before.has(p.id));
    expect(added.map((p) => p.title).sort()).toEqual(DROP_1.map((p) => p.title).sort());
    const seen = new Map(bot.ctx.store.allPapersSeen().map((s) => [s.paperId, s.firstSeenAt.toISOString()]));
    for (const p of added) expect(seen.get(p.id)).toBe('2025-11-25T12:00:00.000Z');
    say(`Tue 25 Nov 12:00Z  data drop: 005_drop_two_papers.txt renamed into the data dir → watcher reload (${before.size} → ${bot.ctx.engine.lib.corpus.papers.length} papers), first seen recorded for 2`);

    // ---- Day 2: restart in the middle (new client + same DB) before the scheduled time.
    t = new Date('2025-11-26T07:30:00Z');
    await stop(bot);
    bot = await start(base);
    await bot.tick();
    expect(digestsIn(papers)).toHaveLength(1);
    say('Wed 26 Nov 07:30Z  restart: bot stopped, new client on the same SQLite file; start-up pass: nothing due');
    t = new Date('2025-11-26T08:00:00Z');
    await bot.tick();
    const day2 = digestsIn(papers).slice(1);
    expect(day2).toHaveLength(1);
    const d2 = day2[0]!;
    expect(d2.content.split('\n')[0]).toBe('**Papers for Wed 26 Nov 2025 — 2 new**');
    expect(titlesOf(d2)).toEqual(DROP_1.map((p) => p.title)); // exactly those two, newest first
    // Nothing trimmed: no "Show all"; each paper has its 👍/👎 (digest:fb:<subscription>:<u|d>:<paper id>).
    const d2Ids = (d2.components ?? []).flatMap((r) => (r as { components: { custom_id: string }[] }).components.map((c) => c.custom_id));
    const d2Papers = bot.ctx.engine.lib.corpus.papers.filter((p) => DROP_1.some((x) => x.title === p.title));
    expect(d2Ids.sort()).toEqual(d2Papers.flatMap((p) => [`digest:fb:1:u:${p.id}`, `digest:fb:1:d:${p.id}`]).sort());
    say('Wed 26 Nov 08:00Z (09:00 Berlin) — day 2: 1 message posted in #papers:');
    transcript.push(...quote(d2));

    // A crash between posting and recording: the run is left 'claimed' by a dead process.
    const run2 = bot.ctx.store.getDigestRun(1, '2025-11-26')!;
    const run1 = bot.ctx.store.getDigestRun(1, '2025-11-25')!;
    expect(run2).toMatchObject({ status: 'sent', messageIds: [d2.id] });
    await stop(bot);
    const db = new Database(base.dbPath);
    db.prepare(`UPDATE digest_runs SET status = 'claimed', claimed_at = ?, sent_at = NULL, message_ids = '[]' WHERE id = ?`).run('2025-11-26T08:00:00.000Z', run2.id);
    db.prepare('UPDATE subscriptions SET last_digest_at = ? WHERE id = 1').run(run1.cutoffAt!.toISOString());
    db.close();
    t = new Date('2025-11-26T08:10:00Z');
    bot = await start(base);
    await standin.waitFor(() => bot.ctx.store.getDigestRun(1, '2025-11-26')?.status === 'sent', 10_000, 'the dead run taken over');
    expect(digestsIn(papers)).toHaveLength(2); // the re-send carried the same nonce: Discord returned the existing message
    expect(bot.ctx.store.getDigestRun(1, '2025-11-26')).toMatchObject({ status: 'sent', messageIds: [d2.id], nonce: run2.nonce, attempts: 2 });
    say('Wed 26 Nov 08:10Z  crash simulated (run left "claimed" after posting) + restart → take-over re-sends with the same nonce → Discord returns the existing message: still 1 message for day 2');

    // ---- Day 3: nothing new → nothing posted, recorded empty.
    t = new Date('2025-11-27T08:00:00Z');
    await bot.tick();
    await bot.tick();
    expect(digestsIn(papers)).toHaveLength(2);
    const run3 = bot.ctx.store.getDigestRun(1, '2025-11-27')!;
    expect(run3).toMatchObject({ status: 'empty', messageIds: [], paperIds: [] });
    say(`Thu 27 Nov 08:00Z (09:00 Berlin) — day 3: nothing new → nothing posted; run recorded "${run3.status}" (papers: ${run3.paperIds?.length ?? 0})`);
    const runs = bot.ctx.store.listDigestRuns(1).map((r) => `${r.localDate} ${r.status} papers=${r.paperIds?.length ?? 0} messages=${r.messageIds.length}`);
    say(`Runs of #1: ${runs.join(' | ')}`);
    expect(runs).toEqual(['2025-11-25 sent papers=3 messages=1', '2025-11-26 sent papers=2 messages=1', '2025-11-27 empty papers=0 messages=0']);
  }, 60_000);

  it('downtime over the scheduled time → exactly one catch-up digest within a minute of start-up', async () => {
    const general = standin.world.guild.textChannelId;
    let bot = bots[0]!;
    const before = idsIn(general);
    t = new Date('2025-11-27T10:00:00Z');
    await subscribe({ channel: { type: 7, value: general }, time: '07:00', timezone: 'Europe/Berlin', max_papers: 2 });
    t = new Date('2025-11-28T05:00:00Z');
    await bot.tick();
    await stop(bot); // down from 06:00 Berlin to 07:40 Berlin: 07:00 passes while the bot is down
    expect(digestsIn(general, before)).toHaveLength(0);
    t = new Date('2025-11-28T06:40:00Z');
    const started = Date.now();
    bot = await start(base);
    const [caughtUp] = await standin.waitFor(() => (digestsIn(general, before).length ? digestsIn(general, before) : null), 60_000, 'catch-up digest');
    const afterStart = Date.now() - started;
    expect(afterStart).toBeLessThan(60_000);
    await standin.waitFor(() => bot.ctx.store.getDigestRun(2, '2025-11-28')?.status === 'sent', 10_000, 'catch-up recorded');
    expect(caughtUp!.content.split('\n')[0]).toBe('**Papers for Fri 28 Nov 2025 — 2 latest**');
    await bot.tick();
    t = new Date('2025-11-28T06:41:00Z');
    await bot.tick();
    expect(digestsIn(general, before)).toHaveLength(1);
    expect(bot.ctx.store.getDigestRun(2, '2025-11-28')).toMatchObject({ status: 'sent', attempts: 1 });
    say(`Fri 28 Nov: #2 (#general, 07:00 Berlin) — bot down 05:00Z–06:40Z; on start-up exactly 1 catch-up digest after ${afterStart} ms real time: "${caughtUp!.content.split('\n')[0]}"`);
    await stop(bot);
  }, 60_000);

  it('US spring-forward through the bot: 02:30 New York (which does not exist on 8 Mar) goes out at 03:30 EDT, then 02:30 EDT', async () => {
    const general = standin.world.guild.textChannelId;
    const config = { ...base, dbPath: join(dir, 'dst.sqlite') };
    t = new Date('2026-03-07T12:00:00Z');
    const bot = await start(config);
    const before = idsIn(general);
    await subscribe({ channel: { type: 7, value: general }, time: '02:30', timezone: 'America/New_York', max_papers: 1, post_empty: true });
    for (const [iso, expected] of [
      ['2026-03-08T06:59:00Z', 0], // 01:59 EST
      ['2026-03-08T07:29:00Z', 0], // 03:29 EDT
      ['2026-03-08T07:30:00Z', 1], // 03:30 EDT: the skipped 02:30, one hour later
      ['2026-03-09T06:29:00Z', 1], // 02:29 EDT
      ['2026-03-09T06:30:00Z', 2], // 02:30 EDT
    ] as const) {
      t = new Date(iso);
      await bot.tick();
      expect(digestsIn(general, before), iso).toHaveLength(expected);
    }
    expect(digestsIn(general, before).map((m) => m.content.split('\n')[0])).toEqual([
      '**Papers for Sun 8 Mar 2026 — 1 latest**',
      '**Papers for Mon 9 Mar 2026 — nothing new**', // post_empty: the "nothing new" note
    ]);
    expect(bot.ctx.store.listDigestRuns(1).map((r) => [r.localDate, r.claimedAt.toISOString()])).toEqual([
      ['2026-03-08', '2026-03-08T07:30:00.000Z'],
      ['2026-03-09', '2026-03-09T06:30:00.000Z'],
    ]);
    await stop(bot);
  }, 60_000);

  describe('the arXiv source (local HTTP server with the Atom fixture)', () => {
    let server: Server;
    let feed: { status: number; body: string } = { status: 200, body: FIXTURE };
    const hits: string[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(`${t.toISOString()} ${req.url ?? ''}`);
        res.writeHead(feed.status, { 'content-type': 'application/atom+xml' });
        res.end(feed.status === 200 ? feed.body : 'Service Unavailable');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('fetched once before each window, merged with the data dir, deduplicated across sources and cross-lists; a failing feed → the digest goes out with what there is', async () => {
      const papers = standin.world.guild.otherTextChannelId;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`;
      const config: Config = { ...base, dbPath: join(dir, 'arxiv.sqlite'), arxivCategories: ['cs.CL', 'cs.LG'], arxivApiUrl: url };
      const arxiv = { leadMs: 5 * 60_000, fetchOptions: { retries: 0, timeoutMs: 5000, minIntervalMs: 0, rateLimiter: createRateLimiter() } };
      t = new Date('2025-12-01T10:00:00Z');
      const bot = await start(config, { arxiv });
      const before = idsIn(papers);
      await subscribe({ channel: { type: 7, value: papers }, time: '08:00', timezone: 'Etc/UTC', max_papers: 25 });
      const lib = (): readonly Paper[] => bot.ctx.engine.lib.corpus.papers;
      const byTitle = (title: string): Paper[] => lib().filter((p) => p.title === title);

      // Day 1: no fetch until 5 minutes before 08:00; then exactly one for the window.
      for (const iso of ['2025-12-02T07:50:00Z', '2025-12-02T07:55:00Z', '2025-12-02T07:57:00Z']) {
        t = new Date(iso);
        await bot.tick();
      }
      expect(hits.map((h) => h.slice(0, 20))).toEqual(['2025-12-02T07:55:00.']);
      expect(hits[0]).toContain('search_query=cat%3Acs.CL+OR+cat%3Acs.LG');
      expect(byTitle('Discrete Speech Tokenizers at Scale: What Survives Quantization?')).toHaveLength(1);
      expect(lib().filter((p) => p.title?.startsWith('Generalisation Bounds for In-Context Learning'))).toHaveLength(1); // v2/v3 of one paper
      t = new Date('2025-12-02T08:00:00Z');
      await bot.tick();
      const [d1] = digestsIn(papers, before);
      expect(titlesOf(d1!)).toEqual(expect.arrayContaining(['Discrete Speech Tokenizers at Scale: What Survives Quantization?', 'Generalisation Bounds for In-Context Learning']));
      expect(new Set(titlesOf(d1!)).size).toBe(titlesOf(d1!).length);
      expect(hits).toHaveLength(1);

      // Day 2: a data drop and the feed carry the same new paper; the feed also re-lists a data-dir paper
      // and one new paper, cross-listed. The digest lists exactly the two new papers, once each.
      t = new Date('2025-12-02T12:00:00Z');
      const shared = 'Federated Tokenizer Sharing Across Many Languages';
      await drop(bot, '006_drop_shared.txt', lineListing('Ada Example', [{ title: shared, authors: ['Ada Example', 'Eve Sample'], category: 'CL', date: 'Dec 1, 2025', abstract: 'Tokenizers shared across many languages by federated training, evaluated on low-resource translation.' }]));
      const known = lib().find((p) => p.title === 'Learning to Skip for Language Modeling')!;
      feed = {
        status: 200,
        body: FIXTURE.replace(
          '</feed>',
          [
            atomEntry({ id: '2512.00042v1', title: 'Calibrated Retrieval for Daily Research Digests', authors: ['Grace Hopper'], published: '2025-12-02T09:00:00Z', primary: 'cs.CL', cats: ['cs.IR', 'cs.LG'], summary: 'Retrieval calibrated for daily digests of research papers.' }),
            atomEntry({ id: '2512.00043v1', title: shared, authors: ['Ada Example', 'Eve Sample'], published: '2025-12-01T18:00:00Z', primary: 'cs.CL', summary: 'Tokenizers shared across many languages by federated training, evaluated on low-resource translation.' }),
            atomEntry({ id: '2311.15436v1', title: known.title!, authors: known.authors, published: '2023-11-26T10:00:00Z', primary: 'cs.CL', summary: known.abstract ?? 'Same paper.' }),
            '</feed>',
          ].join('\n'),
        ),
      };
      for (const iso of ['2025-12-03T07:54:00Z', '2025-12-03T07:55:00Z', '2025-12-03T07:59:00Z']) {
        t = new Date(iso);
        await bot.tick();
      }
      expect(hits).toHaveLength(2);
      expect(byTitle(shared)).toHaveLength(1);
      expect(byTitle(shared)[0]!.sources).toEqual(expect.arrayContaining(['006_drop_shared.txt', 'arxiv:2512.00043']));
      expect(byTitle(known.title!)).toHaveLength(1);
      expect(byTitle(known.title!)[0]!.id).toBe(known.id);
      t = new Date('2025-12-03T08:00:00Z');
      await bot.tick();
      const d2 = digestsIn(papers, before)[1]!;
      expect(d2.content.split('\n')[0]).toBe('**Papers for Wed 3 Dec 2025 — 2 new**');
      expect(titlesOf(d2)).toEqual(['Calibrated Retrieval for Daily Research Digests', shared]);

      // Day 3: the feed fails; a data drop still makes it into the digest.
      t = new Date('2025-12-03T12:00:00Z');
      const local = 'Digest Delivery Without the Feed: A Case Study';
      await drop(bot, '007_drop_local.txt', lineListing('Ada Example', [{ title: local, authors: ['Ada Example'], category: 'LG', date: 'Dec 3, 2025', abstract: 'What happens to a daily digest when the external feed is down for the day.' }]));
      feed = { status: 503, body: '' };
      t = new Date('2025-12-04T07:56:00Z');
      await bot.tick();
      expect(hits).toHaveLength(3);
      expect(logLines.some((l) => l.includes('arXiv feed failed; digests go out with the papers already there'))).toBe(true);
      t = new Date('2025-12-04T08:00:00Z');
      await bot.tick();
      const d3 = digestsIn(papers, before)[2]!;
      expect(titlesOf(d3)).toEqual([local]);
      expect(hits).toHaveLength(3);
      expect(digestsIn(papers, before)).toHaveLength(3);
      say(`arXiv (ARXIV_CATEGORIES=cs.CL,cs.LG, local server): 1 fetch per window at 07:55/07:55/07:56Z; day 2 → "${titlesOf(d2).join('" + "')}" (data drop + feed duplicate merged, re-listed corpus paper not new); day 3 feed 503 → digest with the local drop only`);
      await stop(bot);
    }, 60_000);
  });
});
