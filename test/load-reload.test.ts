/**
 * Load during reloads of a 10k-paper corpus (issue 13): the running bot keeps acknowledging every
 * interaction within Discord's 3 s window while it takes in a data change.
 *
 * Setup: a 10,000-paper corpus from bench/generate.ts (seed 42; cached under the OS temp dir,
 * generated once in a child process when missing), COPIED into a temp data directory (the cached
 * directory is never touched). The bot runs as its own process (`node --import tsx src/main.ts`,
 * as `npm start` runs it) against the Discord stand-in in this process, with the snapshot cache
 * at its default place (`<data>/.cache`), the directory watched, and the per-user rate limits
 * raised through RATE_LIMIT_* / COMPONENT_RATE_LIMIT_* (as load-interactions.test.ts raises them).
 *
 * Why a separate process: the 3 s window is wall-clock time on Discord's side. If the bot ran in
 * this process (startHarness), any time it spends blocked would also stop the stand-in and the
 * clock that sends the interactions: nothing would be sent during a stall, and what was already
 * sent would be timed by a stand-in that is stalled too. With the bot in a child process the
 * stand-in and the 100 ms sender run on their own event loop, and the test checks that they did
 * keep their cadence.
 *
 * The run (interactions every 100 ms for ≥ 30 s: /search with varied queries, /paper
 * autocompletes, /ask, /about; 12 users over 10 channels):
 * 1. at +2 s, a file holding ONE new paper is dropped into the data directory by rename (written
 *    under a dot-name first, as README's contract for data drops asks): the watcher picks it up.
 *    From then on some /search interactions ask for that paper; it must be found within 25 s.
 * 2. once the drop is served (and its snapshot written, or 15 s passed): the snapshot cache
 *    directory is removed and the bot gets SIGHUP. With no snapshot to start from, the reload
 *    has to build the whole library from the files (and write a snapshot again). Observed
 *    through /about's "Last reload" (it must move past the SIGHUP), then the new snapshot file.
 * The stream runs until 2 s after step 2 is over (at least 30 s, at most 45 s). Every interaction
 * must be acknowledged exactly once within 3 s of its creation; p50/p99/max acknowledgement
 * times, and how many were late (a callback after 3 s, refused as unknown) or never answered,
 * are printed, with a per-second breakdown and the bot's own reload log lines.
 *
 * Budget: generating the corpus (only when not cached) ~15 s, cold start at 10k ~12 s, the run
 * 30–45 s, the drain ≤ 5 s (only when something is late): ≲ 90 s in all.
 *
 * CPU: the bot process keeps a core busy while it rebuilds (in a worker thread or not). In
 * `npm test`'s second run this file runs beside load-interactions.test.ts (2 workers), and the
 * two compete for the cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATOR_VERSION, REPO_ROOT, generatedDir } from '../bench/generate.ts';
import { TOPICS } from '../bench/queries.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { createLogger } from '../src/logger.ts';
import { logLines, NODE_TSX, standinConfig, type LogLine } from './helpers/bot.ts';
import { percentile, sleep, visibleText, type Json } from './reliability-harness.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

const PAPERS = 10_000;
const SEED = 42;
const INTERVAL_MS = 100;
/** The stream runs at least this long… */
const MIN_RUN_MS = 30_000;
/** …and at most this long (a bot that never finishes the rebuild fails on that, not on a timeout). */
const MAX_RUN_MS = 45_000;
const ACK_WINDOW_MS = 3000;
const DROP_AT_MS = 2000;
/** From the drop until the new paper must be found by /search. */
const FOUND_WITHIN_MS = 25_000;
/** From SIGHUP until /about must show a reload after it. */
const REBUILT_WITHIN_MS = 30_000;

/** The paper of the dropped file: words no generated text contains. */
const PROBE = {
  title: 'Zymurgic Quasicrystal Tokenizers for Heliotropic Retrieval',
  query: 'zymurgic quasicrystal tokenizers',
  file: 'zz-reload-probe.bib',
};
const PROBE_BIB = `@article{vantongerloo_zymurgic_2024,
  title = {Zymurgic Quasicrystal Tokenizers for Heliotropic Retrieval},
  author = {Vantongerloo, Ottilie and Brackenridge, Amadeus},
  journal = {Journal of Improbable Retrieval},
  year = {2024},
  abstract = {We tokenize zymurgic corpora with quasicrystal lattices and show that heliotropic retrieval improves recall on long documents.},
}
`;

/** The cached generated corpus (generated now, in a child process, when missing or outdated). */
async function generatedCorpus(): Promise<string> {
  const dir = generatedDir(PAPERS, SEED);
  const current = (): boolean => {
    try {
      return (JSON.parse(readFileSync(join(dir, '.generated.json'), 'utf8')) as { version?: number }).version === GENERATOR_VERSION;
    } catch {
      return false;
    }
  };
  if (current()) return dir;
  // Into a private directory first, then renamed into place: a concurrent bench run never sees half of it.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(NODE_TSX[0], [...NODE_TSX[1], join(REPO_ROOT, 'bench/generate.ts'), '--papers', String(PAPERS), '--seed', String(SEED), '--out', tmp], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`bench/generate.ts exited with ${String(code)}`);
  if (!current()) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, '..'), { recursive: true });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!current()) throw err; // someone else put it there meanwhile: theirs is as good
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

interface BotProcess {
  child: ChildProcess;
  output: () => string;
  logs: () => LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** One interaction of the stream, as sent. */
interface Sent {
  i: number;
  kind: 'search' | 'probe' | 'autocomplete' | 'ask' | 'about';
  /** ms since the stream started: when it was due, and when it was sent. */
  dueMs: number;
  sentMs: number;
  s: SentInteraction | null;
  /** Why it could not be sent (no gateway session). */
  sendError?: string;
}

/** What one interaction got, judged after the drain. */
interface Outcome {
  sent: Sent;
  callbacks: InteractionResponseRecord[];
  /** First callback attempt, ms after creation (ok or refused), if any. */
  firstCallbackMs: number | undefined;
  ok: boolean;
  problem?: string;
}

describe(`load during reloads of a ${PAPERS.toLocaleString('en-US')}-paper corpus: interactions every ${INTERVAL_MS} ms, each acknowledged within 3 s`, () => {
  let standin: DiscordStandin;
  let bot: BotProcess;
  let work: string;
  let dataDir: string;
  let cacheDir: string;
  const users: string[] = [];
  let channels: string[] = [];

  /** Filled by the stream (test 1), judged by tests 1–3. */
  let outcomes: Outcome[] = [];
  let timeline: Record<string, number | undefined> = {};
  let foundAfterDropMs: number | undefined;
  let rebuildSeen = false;
  let stopping = false;

  const snapshots = (): string[] => {
    try {
      return readdirSync(cacheDir).filter((n) => n.endsWith('.snap')).sort();
    } catch {
      return [];
    }
  };

  /** Successful response payloads of an interaction (callback `data`, edits, follow-ups). */
  const payloadsOf = (s: SentInteraction): InteractionResponseRecord[] => standin.interactionResponses(s.id).filter((r) => r.ok);
  const textOf = (s: SentInteraction): string =>
    payloadsOf(s)
      .map((r) => visibleText(r))
      .join('\n')
      .replace(/[*_~`]/g, '');
  /** Seconds of /about's "Last reload" (`<t:SECONDS:F>`), if it answered. */
  const lastReloadOf = (s: SentInteraction): number | undefined => {
    for (const r of payloadsOf(s)) {
      const body = r.body as { data?: Json } & Json;
      const payload = (r.kind === 'callback' ? body.data : body) as { embeds?: { fields?: { name: string; value: string }[] }[] } | undefined;
      for (const e of payload?.embeds ?? []) {
        const v = e.fields?.find((f) => f.name === 'Last reload')?.value;
        const m = v && /<t:(\d+)(?::\w)?>/.exec(v);
        if (m) return Number(m[1]);
      }
    }
    return undefined;
  };

  beforeAll(async () => {
    const generated = await generatedCorpus();
    work = mkdtempSync(join(tmpdir(), 'papertalk-load-reload-'));
    dataDir = join(work, 'data');
    cacheDir = join(dataDir, '.cache');
    // A copy: the cached generated directory is never modified (no snapshot cache written into it either).
    cpSync(generated, dataDir, { recursive: true, filter: (src) => src === generated || !/^\.cache$|\.sqlite/.test(basename(src)) });

    // The production heartbeat interval (the stand-in's default): the bot must not look like a zombie connection because of it.
    standin = await DiscordStandin.start();
    const guild = standin.world.guild;
    // More channels than the default two: the stand-in clones a channel's whole history into every interaction payload.
    for (let k = 0; k < 8; k++) {
      const base = guild.channels[0]!;
      guild.channels.push({ ...structuredClone(base), id: String(BigInt(base.id) + 1000n + BigInt(k)), name: `reload-${k}`, position: 2 + k });
    }
    channels = guild.channels.map((c) => c.id);
    for (let k = 0; k < 12; k++) {
      const u = standin.world.addUser({ username: `reload${k}` });
      standin.world.addMember(guild.id, u.id);
      users.push(u.id);
    }
    const config = standinConfig(standin, { dir: work, dataDir, dbPath: join(work, 'papertalk.sqlite') });
    await deployCommands(config, createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _enc, cb) => cb() }) }));

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISCORD_TOKEN: standin.token,
      DISCORD_API_URL: standin.restUrl,
      DISCORD_APP_ID: standin.applicationId,
      DISCORD_GUILD_ID: guild.id,
      PAPERTALK_DATA_DIR: dataDir,
      PAPERTALK_DB: config.dbPath,
      LOG_LEVEL: 'info',
      // The per-user limiter is tested elsewhere (security-ratelimit); here it must not refuse.
      RATE_LIMIT_BURST: '10000',
      RATE_LIMIT_PER_MINUTE: '1000000',
      COMPONENT_RATE_LIMIT_BURST: '10000',
      COMPONENT_RATE_LIMIT_PER_MINUTE: '1000000',
      // Online at once, before the first library: questions meanwhile are told to wait.
      STARTUP_WAIT_SECONDS: '0',
    };
    // Empty counts as unset, and unlike a deleted variable is not filled in from a local .env: the default
    // snapshot cache (<data>/.cache), no arXiv feed.
    for (const k of ['PAPERTALK_CACHE_DIR', 'ARXIV_CATEGORIES', 'ARXIV_API_URL', 'FOLLOW_ALERT_INTERVAL_MINUTES']) env[k] = '';
    const child = spawn(NODE_TSX[0], [...NODE_TSX[1], join(REPO_ROOT, 'src/main.ts')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    bot = { child, output: () => out, logs: () => logLines(out), exited };
    void exited.then((e) => {
      if (!stopping) console.warn(`the bot process exited early (${JSON.stringify(e)}):\n${out.slice(-3000)}`);
    });

    // Cold start at 10k: parse, merge, index, connect.
    await standin.waitForSessions(1, { timeoutMs: 45_000 }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- bot output ---\n${out.slice(-3000)}`);
    });
    // Online while the first library is still loading (a cold 10k load in the worker takes seconds,
    // the gateway session one): a question is acknowledged at once and told to wait.
    const first = standin.sendCommand('search', { query: 'speech recognition' }, { user: users[0]!, channelId: channels[0]! });
    await standin.waitForResponses(first.id, 1, 10_000);
    expect(standin.ackLatency(first.id)).toBeLessThan(3000);
    expect(textOf(first)).toMatch(/still loading the library/);
    // It answers once the library is there.
    await standin.waitFor(() => bot.logs().some((l) => l.msg === 'library ready'), 45_000, 'the first library');
    const second = standin.sendCommand('search', { query: 'speech recognition' }, { user: users[0]!, channelId: channels[0]! });
    await standin.waitForResponses(second.id, 1, 10_000);
    expect(textOf(second)).not.toMatch(/still loading/);
    // …and its start-up work is over: the snapshot of the cold start is written (the run starts from a quiet bot).
    await standin.waitFor(() => snapshots().length > 0, 20_000, 'the start-up index snapshot');
    // Warm-up at a gentle pace (a bot that has been running is warm): each kind once per channel.
    const warm: SentInteraction[] = [];
    for (const [k, channelId] of channels.entries()) {
      const ctx = { user: users[k % users.length]!, channelId };
      warm.push(standin.sendCommand('search', { query: TOPICS[k % TOPICS.length]! }, ctx));
      warm.push(standin.sendAutocomplete('paper', { title: TOPICS[(k + 3) % TOPICS.length]!.slice(0, 4) }, { ...ctx, focused: 'title' }));
      warm.push(standin.sendCommand('ask', { question: `papers about ${TOPICS[(k + 5) % TOPICS.length]!}` }, ctx));
      warm.push(standin.sendCommand('about', {}, ctx));
      await sleep(100);
    }
    const probeBefore = standin.sendCommand('search', { query: PROBE.query }, { user: users[1]!, channelId: channels[1]! });
    warm.push(probeBefore);
    await standin.waitFor(() => warm.every((s) => payloadsOf(s).length > 0), 20_000, 'warm-up answered');
    // The probe is not in the corpus before the drop (so finding it later means the drop was served).
    expect(textOf(probeBefore)).not.toContain(PROBE.title);
  }, 75_000);

  afterAll(async () => {
    stopping = true;
    if (bot && bot.child.exitCode === null && bot.child.signalCode === null) {
      bot.child.kill('SIGTERM');
      const done = await Promise.race([bot.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) bot.child.kill('SIGKILL');
    }
    await standin?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 20_000);

  it('a one-paper drop, then a full rebuild (snapshot cache removed + SIGHUP): every interaction acknowledged exactly once within 3 s', async () => {
    const sent: Sent[] = [];
    const t0 = Date.now();
    const at = (): number => Date.now() - t0;
    let dropped = false;
    let stopAt = MAX_RUN_MS; // moved earlier once the driver is done
    let askN = 0;

    const send = (i: number, dueMs: number): void => {
      const user = users[(i * 5) % users.length]!;
      const channelId = channels[(i * 7) % channels.length]!;
      const ctx = { user, channelId };
      const slot = i % 10;
      let kind: Sent['kind'];
      let make: () => SentInteraction;
      if (slot === 0) {
        kind = 'about';
        make = () => standin.sendCommand('about', {}, ctx);
      } else if (slot === 4 && dropped) {
        kind = 'probe';
        make = () => standin.sendCommand('search', { query: PROBE.query }, ctx);
      } else if (slot === 1 || slot === 4 || slot === 7 || slot === 9) {
        kind = 'search';
        const topic = TOPICS[(i * 3) % TOPICS.length]!;
        // Varied: a topic, a topic with a year filter, one word of it.
        const variant = Math.floor(i / 10) % 3;
        make = () => (variant === 1 ? standin.sendCommand('search', { query: topic, year: 2018 + (i % 6) }, ctx) : standin.sendCommand('search', { query: variant === 2 ? topic.split(' ')[0]! : topic }, ctx));
      } else if (slot === 2 || slot === 5 || slot === 8) {
        kind = 'autocomplete';
        const topic = TOPICS[(i * 7) % TOPICS.length]!;
        make = () => standin.sendAutocomplete('paper', { title: topic.slice(0, 2 + (i % 6)) }, { ...ctx, focused: 'title' });
      } else {
        kind = 'ask';
        const topic = TOPICS[(askN++ * 11) % TOPICS.length]!;
        const q = askN % 3 === 0 ? `latest papers on ${topic}` : askN % 3 === 1 ? `papers about ${topic}` : `who wrote the first one?`;
        make = () => standin.sendCommand('ask', { question: q }, ctx);
      }
      const row: Sent = { i, kind, dueMs, sentMs: at(), s: null };
      try {
        row.s = make();
      } catch (err) {
        row.sendError = (err as Error).message;
      }
      sent.push(row);
    };

    const sender = (async () => {
      for (let i = 0; ; i++) {
        const due = i * INTERVAL_MS;
        if (due >= stopAt) break;
        // A timer may fire a millisecond before Date.now() reaches its due time: wait until it has.
        while (t0 + due > Date.now()) await sleep(t0 + due - Date.now());
        send(i, due);
      }
    })();

    const until = async (cond: () => boolean, deadlineMs: number): Promise<boolean> => {
      while (!cond()) {
        if (at() >= Math.min(deadlineMs, MAX_RUN_MS)) return false; // the driver never outlives the stream
        await sleep(50);
      }
      return true;
    };
    const found = (): boolean => sent.some((x) => x.kind === 'probe' && x.s && textOf(x.s).includes(PROBE.title));
    /** The latest "Last reload" (seconds) among the /about answers to interactions sent after `sinceMs`. */
    const lastReloadAfter = (sinceMs: number): number | undefined => {
      const seen = sent.filter((x) => x.kind === 'about' && x.s && x.sentMs >= sinceMs).map((x) => lastReloadOf(x.s!) ?? -1);
      const best = Math.max(-1, ...seen);
      return best >= 0 ? best : undefined;
    };

    const driver = (async () => {
      await sleep(Math.max(0, t0 + DROP_AT_MS - Date.now()));
      const snapsBefore = new Set(snapshots());
      // (1) One new paper, written under a dot-name (not corpus) and renamed into place.
      const tmp = join(dataDir, `.${PROBE.file}.tmp`);
      writeFileSync(tmp, PROBE_BIB);
      renameSync(tmp, join(dataDir, PROBE.file));
      timeline.drop = at();
      dropped = true;
      if (await until(found, timeline.drop + FOUND_WITHIN_MS)) {
        timeline.found = at();
        foundAfterDropMs = timeline.found - timeline.drop;
      }
      // The drop's own work (its snapshot write) over, or 15 s: the full rebuild must not overlap it.
      if (await until(() => snapshots().some((n) => !snapsBefore.has(n)), at() + 15_000)) timeline.dropSnapshot = at();
      // The drop's reload as /about reports it (an /about sent after the paper was found), and a new
      // second of the clock after it, so that a reload after the SIGHUP shows a later "Last reload".
      const since = at();
      let dropReload: number | undefined;
      await until(() => (dropReload = lastReloadAfter(since)) !== undefined, since + 10_000);
      await sleep(Math.max(0, ((dropReload ?? Math.floor(Date.now() / 1000)) + 1) * 1000 - Date.now()));
      // (2) No snapshot to fall back on, and a reload: the library is built from the files again.
      rmSync(cacheDir, { recursive: true, force: true });
      timeline.sighup = at();
      bot.child.kill('SIGHUP');
      const sighup = timeline.sighup;
      // /about's "Last reload" (whole seconds) moves past the drop's: the reload after the SIGHUP is serving.
      if (await until(() => (lastReloadAfter(sighup) ?? -1) > (dropReload ?? Infinity), sighup + REBUILT_WITHIN_MS)) {
        timeline.rebuilt = at();
        rebuildSeen = true;
      }
      // …and its snapshot written again (the last piece of the rebuild), or 10 s.
      if (await until(() => snapshots().length > 0, at() + 10_000)) timeline.rebuildSnapshot = at();
      stopAt = Math.min(MAX_RUN_MS, Math.max(MIN_RUN_MS, at() + 2000));
    })();

    await Promise.all([sender, driver]);
    const lastSent = Math.max(...sent.map((x) => x.sentMs));
    timeline.lastSent = lastSent;
    // Drain: answered (or refused) callbacks of everything, or 5 s after the last one was sent (nothing later can be in time).
    await standin
      .waitFor(() => sent.every((x) => !x.s || standin.interactionResponses(x.s.id).some((r) => r.kind === 'callback')), Math.max(500, lastSent + ACK_WINDOW_MS + 2000 - at()), 'every interaction answered')
      .catch(() => undefined);
    await sleep(300); // a duplicate callback would come right after the first

    outcomes = sent.map((x): Outcome => {
      if (!x.s) return { sent: x, callbacks: [], firstCallbackMs: undefined, ok: false, problem: `not delivered: ${x.sendError}` };
      const callbacks = standin.interactionResponses(x.s.id).filter((r) => r.kind === 'callback');
      const first = callbacks[0];
      const ok = callbacks.length === 1 && first!.ok && first!.sinceArrivalMs < ACK_WINDOW_MS;
      const problem = ok
        ? undefined
        : `#${x.i} ${x.kind} sent at +${x.sentMs} ms: ${callbacks.length} callback(s) [${callbacks.map((c) => `${c.status}${(c.response as { code?: number } | undefined)?.code ? `/${(c.response as { code: number }).code}` : ''} after ${c.sinceArrivalMs} ms`).join(', ')}]`;
      return { sent: x, callbacks, firstCallbackMs: first?.sinceArrivalMs, ok, ...(problem ? { problem } : {}) };
    });

    // ---- Report
    const n = outcomes.length;
    const times = outcomes.map((o) => o.firstCallbackMs ?? Infinity);
    const late = outcomes.filter((o) => o.firstCallbackMs !== undefined && o.firstCallbackMs >= ACK_WINDOW_MS).length;
    const never = outcomes.filter((o) => o.firstCallbackMs === undefined).length;
    const retried = outcomes.filter((o) => o.callbacks.length > 1).length;
    const duplicates = outcomes.filter((o) => o.callbacks.filter((c) => c.ok).length > 1).length;
    const fmt = (v: number): string => (Number.isFinite(v) ? `${v} ms` : 'never');
    const gaps = sent.slice(1).map((x, k) => x.sentMs - sent[k]!.sentMs);
    const maxGap = Math.max(...gaps);
    const maxLag = Math.max(...sent.map((x) => x.sentMs - x.dueMs));
    console.log(
      `load-reload: ${n} interactions over ${Math.round(lastSent / 1000)} s (every ${INTERVAL_MS} ms; sender max gap ${maxGap} ms, max lag ${maxLag} ms) — ` +
        `acknowledged within 3 s: ${n - late - never}, late (first callback after 3 s, refused as unknown): ${late}, never answered: ${never}; ` +
        `with more than one callback attempt: ${retried}, acknowledged twice: ${duplicates}; ` +
        `first callback p50 ${fmt(percentile(times, 50))}, p99 ${fmt(percentile(times, 99))}, max ${fmt(Math.max(...times))}`,
    );
    console.log(`load-reload timeline (ms after start): ${JSON.stringify(timeline)}; probe found ${foundAfterDropMs ?? 'never'} ms after the drop; rebuild seen in /about: ${rebuildSeen}`);
    const perSecond: string[] = [];
    for (let sec = 0; sec * 1000 <= lastSent; sec++) {
      const b = outcomes.filter((o) => Math.floor(o.sent.sentMs / 1000) === sec);
      if (!b.length) continue;
      const worst = Math.max(...b.map((o) => o.firstCallbackMs ?? Infinity));
      perSecond.push(`${sec}s ${b.filter((o) => o.ok).length}/${b.length} ≤${fmt(worst)}`);
    }
    console.log(`load-reload per second: ${perSecond.join(' · ')}`);
    const reloadLogs = bot
      .logs()
      .filter((l) => /reload|corpus loaded|snapshot|SIGHUP/i.test(l.msg))
      .map((l) => `${new Date(Number(l.time)).toISOString().slice(11, 23)} ${l.msg}${l.parseMs !== undefined ? ` (parse ${String(l.parseMs)} ms, index ${String(l.indexMs)} ms)` : ''}`);
    console.log(`load-reload: the bot's reload log lines:\n  ${reloadLogs.join('\n  ')}`);

    // ---- The measurement itself was valid: the stream kept its cadence and covered both reloads.
    // (A pause of a few hundred ms happens when the stand-in takes a burst of late answers at once;
    // a pause of seconds would mean the interactions were not sent while the bot was busy.)
    expect(maxGap, 'the sender never paused (its event loop is not the bot’s)').toBeLessThan(1000);
    expect(lastSent).toBeGreaterThanOrEqual(MIN_RUN_MS - INTERVAL_MS);
    // ---- The contract.
    const problems = outcomes.filter((o) => !o.ok).map((o) => o.problem!);
    if (problems.length) console.log(`load-reload: first problems:\n  ${problems.slice(0, 8).join('\n  ')}`);
    expect(problems, `${problems.length} of ${n} interactions not acknowledged exactly once within 3 s`).toEqual([]);
  }, 75_000);

  it('the dropped paper is found by /search', () => {
    expect(timeline.drop, 'the drop happened').toBeDefined();
    expect(foundAfterDropMs, `found by /search within ${FOUND_WITHIN_MS / 1000} s of the drop`).toBeDefined();
  });

  it('the full rebuild ran during the stream (/about shows a reload after the SIGHUP)', () => {
    expect(timeline.sighup).toBeDefined();
    expect(rebuildSeen, `/about showed a reload after the SIGHUP within ${REBUILT_WITHIN_MS / 1000} s`).toBe(true);
    expect(timeline.rebuilt!).toBeLessThan(timeline.lastSent!);
  });

  it('the bot process is still running and logged no errors', () => {
    expect(bot.child.exitCode).toBeNull();
    expect(bot.child.signalCode).toBeNull();
    expect(bot.logs().filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});
