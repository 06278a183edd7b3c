/**
 * Configuration from the environment (and `.env`), validated with zod at start-up.
 * Secrets come only from here and are never logged.
 */
import { resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Empty strings count as unset (`DISCORD_TOKEN=` in .env). */
const optionalString = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().optional());
const snowflake = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().regex(/^\d{5,25}$/, 'must be a Discord id (digits)').optional());
const positiveInt = (def: number) => z.preprocess((v) => (v === undefined || v === '' ? def : Number(v)), z.number().int().positive());
const nonNegativeInt = (def: number) => z.preprocess((v) => (v === undefined || v === '' ? def : Number(v)), z.number().int().nonnegative());

export const ConfigSchema = z.object({
  DISCORD_TOKEN: optionalString,
  DISCORD_APP_ID: snowflake,
  DISCORD_GUILD_ID: snowflake,
  DISCORD_API_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url('must be a URL like http://127.0.0.1:PORT/api').optional()),
  PAPERTALK_DATA_DIR: z.preprocess((v) => (v === '' || v === undefined ? 'data' : v), z.string()),
  PAPERTALK_DB: optionalString,
  /** Index snapshot cache directory; `off` disables it; empty or unset: `<PAPERTALK_DATA_DIR>/.cache`. */
  PAPERTALK_CACHE_DIR: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z.string().refine((v) => !v.includes('\u0000'), 'must be a directory path, or off').optional(),
  ),
  LOG_LEVEL: z.preprocess((v) => (v === '' || v === undefined ? 'info' : String(v).toLowerCase()), z.enum(LOG_LEVELS)),
  /** Optional arXiv categories fetched before each digest window, e.g. `cs.CL,cs.LG`. */
  ARXIV_CATEGORIES: optionalString,
  ARXIV_API_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  /** Per-user rate limit: burst size (0 turns the limit off) and refill per minute. */
  RATE_LIMIT_BURST: nonNegativeInt(5),
  RATE_LIMIT_PER_MINUTE: positiveInt(20),
  /** Button and menu presses (paging, "more like this") have their own, looser bucket. */
  COMPONENT_RATE_LIMIT_BURST: nonNegativeInt(20),
  COMPONENT_RATE_LIMIT_PER_MINUTE: positiveInt(120),
  /** Least time between two `/follow` alert DMs to one person, in minutes (a follow's first alert does not wait). */
  FOLLOW_ALERT_INTERVAL_MINUTES: positiveInt(60),
  /**
   * How long a start waits for the library before going online anyway, in seconds; questions are
   * then answered with "still loading" until it is there (0: online at once).
   */
  STARTUP_WAIT_SECONDS: nonNegativeInt(10),
});

export interface Config {
  discordToken: string | undefined;
  discordAppId: string | undefined;
  discordGuildId: string | undefined;
  discordApiUrl: string | undefined;
  dataDir: string;
  dbPath: string;
  /**
   * Index snapshot cache directory; null when off (`PAPERTALK_CACHE_DIR=off`). `loadConfig`
   * always sets it; absent means the default (`<dataDir>/.cache`).
   */
  cacheDir?: string | null;
  logLevel: (typeof LOG_LEVELS)[number];
  arxivCategories: string[];
  arxivApiUrl: string | undefined;
  rateLimit: { burst: number; perMinute: number };
  /** Buttons and select menus: a separate, looser bucket than commands and questions. */
  componentRateLimit: { burst: number; perMinute: number };
  /** Least minutes between two follow alert DMs to one person; absent: 60. */
  followAlertIntervalMinutes?: number;
  /** Seconds a start waits for the library before going online (see STARTUP_WAIT_SECONDS). */
  startupWaitSeconds?: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(`papertalk: invalid configuration: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration. `env` defaults to process.env after loading `.env`. */
export function loadConfig(env?: NodeJS.ProcessEnv): Config {
  if (!env) {
    loadDotenv({ quiet: true });
    env = process.env;
  }
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const e = parsed.data;
  const dataDir = e.PAPERTALK_DATA_DIR;
  const cacheDir = e.PAPERTALK_CACHE_DIR?.toLowerCase() === 'off' ? null : (e.PAPERTALK_CACHE_DIR ?? `${dataDir.replace(/\/+$/, '')}/.cache`);
  // Snapshots in the data directory itself would be read as corpus files.
  if (cacheDir !== null && resolve(cacheDir) === resolve(dataDir)) {
    throw new ConfigError('PAPERTALK_CACHE_DIR: must not be the data directory itself (use a subdirectory such as .cache, another directory, or off)');
  }
  return {
    discordToken: e.DISCORD_TOKEN,
    discordAppId: e.DISCORD_APP_ID,
    discordGuildId: e.DISCORD_GUILD_ID,
    discordApiUrl: e.DISCORD_API_URL,
    dataDir,
    dbPath: e.PAPERTALK_DB ?? `${dataDir.replace(/\/+$/, '')}/papertalk.sqlite`,
    cacheDir,
    logLevel: e.LOG_LEVEL,
    arxivCategories: (e.ARXIV_CATEGORIES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    arxivApiUrl: e.ARXIV_API_URL,
    rateLimit: { burst: e.RATE_LIMIT_BURST, perMinute: e.RATE_LIMIT_PER_MINUTE },
    componentRateLimit: { burst: e.COMPONENT_RATE_LIMIT_BURST, perMinute: e.COMPONENT_RATE_LIMIT_PER_MINUTE },
    followAlertIntervalMinutes: e.FOLLOW_ALERT_INTERVAL_MINUTES,
    startupWaitSeconds: e.STARTUP_WAIT_SECONDS,
  };
}
