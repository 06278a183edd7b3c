/**
 * The bot process: wires configuration, logger, corpus service (watch + SIGHUP reload, the
 * engine swaps libraries), engine, SQLite store, digest scheduler, follow alerts and the discord.js client;
 * handles graceful shutdown.
 *
 * `startBot` returns a handle (used by tests: several bots over one stand-in, restarts over the
 * same database); `runBot` (called by `src/main.ts` when DISCORD_TOKEN is set) runs until
 * SIGTERM/SIGINT: stop taking new interactions (they get "restarting, try again in a moment"),
 * finish in-flight ones, stop the digest scheduler, destroy the client, close the store, and
 * resolve 0 — all within 10 s.
 */
import { Events, type Client, type ClientOptions } from 'discord.js';
import type { Logger } from 'pino';
import { commands as allCommands } from '../../commands/index.ts';
import type { Config } from '../config.ts';
import { scrubSecrets } from '../logger.ts';
import { Engine } from '../conversation/engine.ts';
import type { MemoryOptions } from '../conversation/memory.ts';
import { CorpusService, type LoadingStatus } from '../corpusService.ts';
import { Library } from '../search/library.ts';
import { FollowAlerter } from '../digest/followAlerts.ts';
import { DigestScheduler } from '../digest/scheduler.ts';
import { ArxivRefresher, type FeedFetchOptions } from '../feeds/refresh.ts';
import { openStore } from '../store/store.ts';
import { createClient } from './client.ts';
import { guardStore } from './dbGuard.ts';
import { DiscordDigestSender, DiscordFollowSender } from './digestSender.ts';
import { MessageHandler } from './mentions.ts';
import { RateLimiter } from './rateLimit.ts';
import { Router, Tracker, type RouterOptions } from './router.ts';
import { StateStore } from './state.ts';
import { safe } from './text.ts';
import { warmUp } from './warmup.ts';
import type { BotContext, Command } from './types.ts';

export interface StartOptions {
  /** Extra discord.js client options (tests: identify throttling). */
  clientOptions?: Partial<ClientOptions>;
  now?: () => Date;
  /** Defer interactions whose answer is not ready after this long (default 2000 ms). */
  deferAfterMs?: number;
  /** Watch the data directory for changes (default true). */
  watch?: boolean;
  /** Run the digest scheduler's timers (default true; also the arXiv refresh timer and the follow alert sweep). Tests pass false and call `Bot.tick()`. */
  schedulerTimers?: boolean;
  /** Least time between two follow alerts to one person (default: the configuration's, 60 min). */
  followIntervalMs?: number;
  /** arXiv refresh tuning (tests: lead time, fetch timeouts and spacing). */
  arxiv?: { leadMs?: number; fetchOptions?: FeedFetchOptions };
  commands?: readonly Command[];
  /** How long shutdown waits for in-flight interactions (default 7000 ms). */
  drainTimeoutMs?: number;
  /** Conversation memory bounds (default: the engine's). */
  memory?: MemoryOptions;
  /** How long a database write waits for another process's lock while running (default 1000 ms). */
  busyTimeoutMs?: number;
  /** Router tuning and the test-only `beforeAnswer` hook (e.g. a forced delay). */
  router?: Omit<RouterOptions, 'deferAfterMs'>;
  /** Run the answer paths once before going online (default true; see warmup.ts). */
  warmUp?: boolean;
}

export interface Bot {
  readonly client: Client;
  readonly ctx: BotContext;
  readonly router: Router;
  readonly messages: MessageHandler;
  readonly tracker: Tracker;
  readonly corpus: CorpusService;
  /** The arXiv refresher (null unless ARXIV_CATEGORIES is set and this process runs digests). */
  readonly feeds: ArxivRefresher | null;
  /** Follow alerts (null unless this process runs digests). */
  readonly follows: FollowAlerter | null;
  /** One pass at the injected clock's time: refresh the arXiv feed if a window is near, deliver the digests and follow alerts that are due. */
  tick(): Promise<void>;
  /** Reloads the corpus now (SIGHUP). */
  reload(): Promise<void>;
  /** Graceful shutdown; idempotent. */
  stop(): Promise<void>;
}

/** Whether this process runs the digest scheduler: unsharded, or the shard that holds shard 0. */
function runsDigests(client: Client): boolean {
  const shards = client.options.shards;
  if (Array.isArray(shards)) return shards.includes(0);
  if (typeof shards === 'number') return shards === 0;
  return true;
}

/** The shard ids this process runs (ShardingManager passes them in SHARDS), for the logs. */
function shardsOf(extra: Partial<ClientOptions> | undefined): number[] | undefined {
  if (Array.isArray(extra?.shards)) return extra.shards;
  try {
    const env: unknown = process.env.SHARDS ? JSON.parse(process.env.SHARDS) : undefined;
    if (Array.isArray(env)) return env.filter((x): x is number => typeof x === 'number');
    if (typeof env === 'number') return [env];
  } catch {
    // not ours to validate: discord.js reads it too
  }
  return undefined;
}

/**
 * What a user is told while the first library loads: with an estimate once the worker has
 * reported progress (reading the files is about half of a cold load; indexing the other half).
 */
export function loadingMessage(s: LoadingStatus): string {
  let eta: number | null = null;
  if (s.progress && s.progress.done > 0 && s.progress.done < s.progress.total) {
    const parsing = (s.elapsedMs * s.progress.total) / s.progress.done;
    eta = Math.max(1, Math.round((2 * parsing - s.elapsedMs) / 1000));
  }
  return `📚 I'm still loading the library${eta !== null ? ` (about ${eta} s to go)` : ''}. Please ask again in a moment.`;
}

export async function startBot(config: Config, rootLogger: Logger, options: StartOptions = {}): Promise<Bot> {
  if (!config.discordToken) throw new Error('papertalk: DISCORD_TOKEN is not set');
  const shards = shardsOf(options.clientOptions);
  const logger = rootLogger.child({ component: 'discord', ...(shards ? { shards } : {}) });
  const now = options.now ?? (() => new Date());
  // Progress is forwarded from the corpus worker so that "still loading" can say how long.
  const corpus = new CorpusService({ dataDir: config.dataDir, ...(config.cacheDir !== undefined ? { cacheDir: config.cacheDir } : {}), logger: rootLogger, onProgress: () => undefined });
  // The bot goes online while the first library loads (in the worker): until it is there, questions
  // are answered with "still loading" (ctx.loading), and the engine holds an empty library.
  let corpusReady = false;
  const engine = new Engine({ library: Library.build({ papers: [], posts: [], authors: [] }), logger: rootLogger, ...(options.memory ? { memory: options.memory } : {}) });
  const guard = guardStore({ open: () => openStore({ path: config.dbPath, logger: rootLogger, now }), logger, ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}) });
  const store = guard.store;
  try {
    store.kvPurgeExpired(); // old paging state
  } catch (err) {
    logger.warn({ err }, 'could not purge expired state');
  }

  let client: Client;
  try {
    client = createClient(config, options.clientOptions);
  } catch (err) {
    store.close();
    throw err;
  }
  const scheduler = runsDigests(client)
    ? new DigestScheduler({
        store,
        sender: new DiscordDigestSender(client, rootLogger),
        getPapers: () => engine.lib.corpus.papers,
        getLibrary: () => engine.lib,
        logger: rootLogger,
        now,
        timers: options.schedulerTimers ?? true,
      })
    : null;
  // Follow alerts run where digests run (one process delivers them), to the follower's DMs.
  const follows = scheduler
    ? new FollowAlerter({
        store,
        sender: new DiscordFollowSender(client, rootLogger),
        getLibrary: () => engine.lib,
        logger: rootLogger,
        now,
        intervalMs: options.followIntervalMs ?? (config.followAlertIntervalMinutes ?? 60) * 60_000,
        timers: options.schedulerTimers ?? true,
        escape: safe,
      })
    : null;
  // The optional arXiv source, fetched before each digest window (and on the hour while anyone follows something) by the process that runs digests.
  const feeds =
    scheduler && config.arxivCategories.length > 0
      ? new ArxivRefresher({
          categories: config.arxivCategories,
          ...(config.arxivApiUrl !== undefined ? { baseUrl: config.arxivApiUrl } : {}),
          store,
          logger: rootLogger,
          now,
          apply: async (records) => {
            corpus.setExtraPapers(records);
            await corpus.load(); // the 'reloaded' handler swaps the library and records first-seen times
          },
          timers: options.schedulerTimers ?? true,
          ...(options.arxiv?.leadMs !== undefined ? { leadMs: options.arxiv.leadMs } : {}),
          ...(options.arxiv?.fetchOptions ? { fetchOptions: options.arxiv.fetchOptions } : {}),
        })
      : null;

  const ctx: BotContext = {
    engine,
    corpus: () => corpus.current,
    loading: () => (corpusReady ? null : loadingMessage(corpus.status())),
    store,
    scheduler,
    follows,
    state: new StateStore(store, { onWriteError: (err) => logger.warn({ err, path: config.dbPath }, 'could not save component state; keeping it in memory for now') }),
    rateLimiter: new RateLimiter(config.rateLimit),
    componentRateLimiter: new RateLimiter(config.componentRateLimit),
    logger,
    startedAt: now(),
    now,
  };
  const tracker = new Tracker();
  const router = new Router(ctx, options.commands ?? allCommands, tracker, { ...options.router, ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}) });
  const messages = new MessageHandler(ctx, client, tracker);

  corpus.on('reloaded', (l) => {
    engine.setLibrary(l.library);
    try {
      scheduler?.noteCorpus();
    } catch (err) {
      logger.warn({ err }, 'could not record newly seen papers after a reload');
    }
    // New papers (a data drop, the arXiv feed): the first alert of a follow goes out now.
    follows?.kick();
  });
  // The arXiv records kept from earlier refreshes are merged by the first load (and served from
  // the snapshot of files + records when there is one).
  const keptArxiv = feeds?.restore() ?? [];
  if (keptArxiv.length > 0) corpus.setExtraPapers(keptArxiv);
  const firstLoad = corpus.load().then((loaded) => {
    engine.setLibrary(loaded.library);
    corpusReady = true;
    logger.info({ papers: loaded.library.papers.size }, 'library ready');
    if (options.warmUp ?? true) warmUp(engine, logger);
    if (options.watch ?? true) corpus.watch();
    return loaded;
  });
  // Observed here too, so that a failure is never an unhandled rejection before it is awaited below.
  firstLoad.catch(() => undefined);

  client.on(Events.InteractionCreate, (i) => void router.handle(i));
  client.on(Events.MessageCreate, (m) => void messages.handle(m));
  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.Warn, (msg) => logger.warn({ msg }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (ev, shardId) => logger.warn({ shardId, code: ev.code }, 'gateway disconnected'));
  client.on(Events.ShardReconnecting, (shardId) => {
    if (tracker.accepting) logger.info({ shardId }, 'gateway reconnecting');
  });
  client.on(Events.ShardResume, (shardId, replayed) => logger.info({ shardId, replayed }, 'gateway resumed'));
  client.on(Events.ShardReady, (shardId) => logger.info({ shardId }, 'gateway session ready'));
  // discord.js's own debug output at trace level (minus its half-censored "Provided token" line).
  if (logger.isLevelEnabled('trace')) client.on(Events.Debug, (info) => void (info.startsWith('Provided token') || logger.trace({ info }, 'discord.js debug')));
  client.rest.on('rateLimited', (info) => logger.warn({ route: info.route, retryAfter: info.retryAfter, global: info.global }, 'REST rate limited; waiting'));
  // 429s and 5xx discord.js retries by itself (routes only: paths carry interaction tokens).
  client.rest.on('response', (req, res) => {
    if (res.status === 429) logger.warn({ method: req.method, route: req.route, retryAfter: res.headers.get('retry-after'), global: res.headers.has('x-ratelimit-global') }, 'REST rate limited; waiting');
    else if (res.status >= 500) logger.warn({ method: req.method, route: req.route, status: res.status, retries: req.retries }, 'REST server error');
  });

  let schedulerStart: Promise<unknown> = Promise.resolve();
  const ready = new Promise<void>((resolve) => {
    client.once(Events.ClientReady, (c) => {
      logger.info({ user: c.user.tag, guilds: c.guilds.cache.size, papers: engine.lib.papers.size }, 'papertalk is online');
      if (scheduler) {
        // Digests wait for the first library; then a fresh arXiv feed first when a digest window is near or overdue (bounded: catch-ups go out within a minute).
        schedulerStart = firstLoad
          .then(() => (feeds ? feeds.prime(20_000).catch((err: unknown) => logger.error({ err }, 'arXiv refresh failed')) : undefined))
          .then(() => {
            feeds?.start();
            return Promise.all([scheduler.start(), follows?.start()]);
          })
          .catch((err: unknown) => logger.error({ err }, 'digest scheduler failed to start'));
      }
      resolve();
    });
  });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const t0 = Date.now();
      tracker.accepting = false;
      logger.info({ inFlight: tracker.size }, 'shutting down: finishing in-flight work');
      const drained = await tracker.drain(options.drainTimeoutMs ?? 7000);
      if (!drained) logger.warn({ inFlight: tracker.size }, 'shutdown: some work did not finish in time');
      await feeds?.stop();
      await schedulerStart;
      await scheduler?.stop().catch((err: unknown) => logger.error({ err }, 'digest scheduler did not stop cleanly'));
      await follows?.stop().catch((err: unknown) => logger.error({ err }, 'follow alerts did not stop cleanly'));
      corpus.close();
      await client.destroy().catch((err: unknown) => logger.error({ err }, 'could not close the Discord connection cleanly'));
      try {
        store.close();
      } catch (err) {
        logger.error({ err }, 'could not close the database cleanly');
      }
      logger.info({ ms: Date.now() - t0 }, 'shut down');
    })();
    return stopping;
  };

  try {
    // A fast load (a snapshot start, a small corpus) is waited for: the bot comes online answering.
    // A long one is not: after STARTUP_WAIT_SECONDS the bot goes online and says "still loading".
    const waitMs = (config.startupWaitSeconds ?? 10) * 1000;
    if (waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([firstLoad.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    await client.login(config.discordToken);
    await ready;
    // Started once the first library is there too (online before it: "still loading" meanwhile).
    await firstLoad;
  } catch (err) {
    corpus.close();
    await client.destroy().catch(() => undefined);
    store.close();
    throw err;
  }

  return {
    client,
    ctx,
    router,
    messages,
    tracker,
    corpus,
    feeds,
    follows,
    tick: async () => {
      await feeds?.tick();
      await scheduler?.runDue();
      await follows?.runDue();
    },
    reload: async () => {
      await corpus.load();
    },
    stop,
  };
}

/** Runs the bot until SIGTERM/SIGINT; resolves with the exit code (0 after a clean shutdown). */
export async function runBot(config: Config, logger: Logger, options: StartOptions = {}): Promise<number> {
  let bot: Bot;
  try {
    bot = await startBot(config, logger, options); // options: tests inject a clock (`now`) for the digest scheduler
  } catch (err) {
    logger.fatal({ err }, 'papertalk could not start');
    process.stderr.write(scrubSecrets(`papertalk: could not start the bot: ${(err as Error).message}\n`, [config.discordToken]));
    return 1;
  }
  return new Promise<number>((resolve) => {
    let shuttingDown = false;
    const onHup = (): void => {
      logger.info('SIGHUP: reloading the corpus');
      bot.reload().catch((err: unknown) => logger.error({ err }, 'reload failed; the previous corpus keeps serving'));
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warn({ signal }, 'already shutting down');
        return;
      }
      shuttingDown = true;
      logger.info({ signal }, 'shutting down');
      // Never take longer than the 10 s the contract allows.
      const hard = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        process.exit(0);
      }, 9_300);
      hard.unref();
      bot
        .stop()
        .catch((err: unknown) => logger.error({ err }, 'shutdown failed'))
        .finally(() => {
          clearTimeout(hard);
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          process.off('SIGHUP', onHup);
          resolve(0);
          // If some handle still keeps the event loop alive, exit anyway.
          setTimeout(() => process.exit(0), 500).unref();
        });
    };
    // A stray rejection must not take the bot down for everyone: log it and keep serving.
    const onRejection = (reason: unknown): void => logger.error({ err: reason }, 'unhandled promise rejection (kept running)');
    process.on('unhandledRejection', onRejection);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onHup);
  });
}
