/**
 * Shared harness for the reliability / load / security / hostile-input tests: the REAL bot
 * (`startBot`, real discord.js client, real SQLite in a temp directory, a copy of `data/`)
 * against the Discord stand-in, with every log line captured and a process-level listener that
 * records unhandled rejections and uncaught exceptions (tests assert there were none).
 *
 * Not a test file itself (vitest only picks up `*.test.ts`).
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Config } from '../src/config.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot, type StartOptions } from '../src/discord/run.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace, type LogLine } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type RecordedRequest, type SentInteraction, type StandinOptions } from './standin/index.ts';

export type Json = Record<string, unknown>;

export { noIdentifyThrottle, type LogLine };

export interface HarnessOptions {
  standin?: StandinOptions;
  start?: StartOptions;
  rateLimit?: { burst: number; perMinute: number };
  componentRateLimit?: { burst: number; perMinute: number };
  logLevel?: Config['logLevel'];
  /** Skip discord.js's identify throttle (default true). */
  fastIdentify?: boolean;
  /**
   * Extra text channels in the first guild (added to the world before the bot connects, so they
   * come with GUILD_CREATE). The stand-in computes each interaction's `channel.last_message_id` by
   * cloning every message of the channel, so thousands of answers in ONE channel make the
   * stand-in itself quadratic; load tests spread over more channels, as a busy server would.
   */
  extraChannels?: number;
}

export interface Harness {
  standin: DiscordStandin;
  bot: Bot;
  config: Config;
  dir: string;
  /** Raw log output (one JSON line per entry), as written. */
  raw: string[];
  /** Parsed log lines. */
  logs(): LogLine[];
  /** Log lines at error level or above. */
  errors(): LogLine[];
  /** Unhandled rejections and uncaught exceptions seen while the harness ran. */
  unhandled: unknown[];
  /** Waits for the first successful response to an interaction. */
  one(sent: SentInteraction, timeoutMs?: number): Promise<InteractionResponseRecord>;
  /** Text channel ids of the first guild (general, papers, then the extra ones). */
  channels: string[];
  /** Starts a new bot over the same database and data directory (after `bot.stop()`). */
  restart(start?: StartOptions): Promise<Bot>;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ws = tempWorkspace('papertalk-rel-');
  const dir = ws.dir;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => void unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  const standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, ...options.standin });
  const guild = standin.world.guild;
  for (let k = 0; k < (options.extraChannels ?? 0); k++) {
    const base = guild.channels[0]!;
    guild.channels.push({ ...structuredClone(base), id: String(BigInt(base.id) + 1000n + BigInt(k)), name: `load-${k}`, position: 2 + k });
  }
  const raw: string[] = [];
  const config = standinConfig(standin, ws, { ...(options.logLevel ? { logLevel: options.logLevel } : {}), ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}), ...(options.componentRateLimit ? { componentRateLimit: options.componentRateLimit } : {}) });
  // The same logger main.ts builds: secrets scrubbed; captured instead of stderr.
  const logger = createLogger({
    level: config.logLevel,
    secrets: [standin.token],
    destination: new Writable({ write: (chunk, _enc, cb) => void (raw.push(String(chunk)), cb()) }),
  });
  await deployCommands(config, logger);
  const clientOptions = options.fastIdentify === false ? {} : { ws: noIdentifyThrottle };
  const startWith = (start: StartOptions = {}): Promise<Bot> => startBot(config, logger, { watch: false, ...options.start, ...start, clientOptions: { ...clientOptions, ...options.start?.clientOptions, ...start.clientOptions } });
  const h: Harness = {
    standin,
    bot: await startWith(),
    config,
    dir,
    raw,
    logs: () => raw.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine),
    errors: () => h.logs().filter((l) => l.level >= 50),
    unhandled,
    channels: guild.channels.map((c) => c.id),
    async one(sent, timeoutMs = 8000) {
      const [r] = await standin.waitForResponses(sent.id, 1, timeoutMs);
      return r!;
    },
    async restart(start) {
      h.bot = await startWith(start);
      return h.bot;
    },
    async stop() {
      await h.bot.stop().catch(() => undefined);
      await standin.stop();
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  return h;
}

/** `data` of a callback, without discord.js's constant extras. */
export function callbackData(r: InteractionResponseRecord | undefined): Json {
  const body = r?.body as { data?: Json } | undefined;
  const { tts: _t, enforce_nonce: _e, ...rest } = body?.data ?? {};
  return rest;
}

/** The user-visible text of a response (callback data, edit or follow-up body): content + embeds. */
export function visibleText(r: InteractionResponseRecord | RecordedRequest | Json | undefined): string {
  if (!r) return '';
  const rec = r as { kind?: string; body?: unknown; method?: string };
  let payload: Json | undefined;
  if (rec.kind === 'callback') payload = (rec.body as { data?: Json } | undefined)?.data;
  else if (rec.kind !== undefined || rec.method !== undefined) payload = rec.body as Json | undefined;
  else payload = r as Json;
  return textsOf(payload).join('\n');
}

/** Every text field of a message payload (content, embed title/description/fields/footer/author). */
export function textsOf(payload: Json | undefined): string[] {
  if (!payload) return [];
  const out: string[] = [];
  if (typeof payload.content === 'string') out.push(payload.content);
  for (const e of (payload.embeds as Json[] | undefined) ?? []) {
    for (const k of ['title', 'description'] as const) if (typeof e[k] === 'string') out.push(e[k]);
    for (const f of (e.fields as { name: string; value: string }[] | undefined) ?? []) out.push(f.name, f.value);
    const footer = e.footer as { text?: string } | undefined;
    if (footer?.text) out.push(footer.text);
    const author = e.author as { name?: string } | undefined;
    if (author?.name) out.push(author.name);
  }
  return out;
}

/** A REST request that carries a message payload the bot sent (reply, update, edit, follow-up, channel message). */
export function isMessagePayload(q: RecordedRequest): boolean {
  const body = q.body as Json | undefined;
  if (!body || typeof body !== 'object') return false;
  if (q.route === 'POST /interactions/:interaction/:token/callback') return [4, 7].includes(Number(body.type));
  if (q.route === 'POST /webhooks/:app/:token' || q.route === 'PATCH /webhooks/:app/:token/messages/:message') return true;
  return q.route === 'POST /channels/:channel/messages' || q.route === 'PATCH /channels/:channel/messages/:message';
}

/** The message payload of such a request (callback `data`, or the body). */
export function messagePayload(q: RecordedRequest): Json {
  const body = q.body as Json;
  return q.route === 'POST /interactions/:interaction/:token/callback' ? ((body.data as Json | undefined) ?? {}) : body;
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
