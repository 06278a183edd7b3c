/**
 * What the bot-level tests share: a temporary copy of data/, a `Config` pointing a bot at the
 * Discord stand-in, the identify-throttle opt-out, and reading pino's JSON log lines.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.ts';
import type { DiscordStandin } from '../standin/index.ts';

/** How `npm start` runs TypeScript: one node process with tsx's loader (no wrapper process in between). */
export const NODE_TSX = [process.execPath, ['--import', 'tsx']] as const;

/** discord.js waits ~5 s between identifies of the same shard; tests that restart or re-identify may opt out. */
export const noIdentifyThrottle = { buildIdentifyThrottler: () => ({ waitForIdentify: async (): Promise<void> => {} }) };

export interface Workspace {
  /** The temporary directory (remove it after the test). */
  dir: string;
  /** `<dir>/data`: a copy of the shipped data/ without a local SQLite file or snapshot cache. */
  dataDir: string;
  /** `<dir>/papertalk.sqlite` (not created). */
  dbPath: string;
}

/** A temporary directory holding a copy of data/. */
export function tempWorkspace(prefix: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  cpSync('data', dataDir, { recursive: true, filter: (src) => !/\.sqlite|\.cache/.test(src) });
  return { dir, dataDir, dbPath: join(dir, 'papertalk.sqlite') };
}

/** A bot configuration against the stand-in over a workspace; no rate limit to speak of unless `over` says. */
export function standinConfig(standin: DiscordStandin, ws: Workspace, over: Partial<Config> = {}): Config {
  return {
    discordToken: standin.token,
    discordAppId: standin.applicationId,
    discordGuildId: standin.world.guild.id,
    discordApiUrl: standin.restUrl,
    dataDir: ws.dataDir,
    dbPath: ws.dbPath,
    logLevel: 'info',
    arxivCategories: [],
    arxivApiUrl: undefined,
    rateLimit: { burst: 10_000, perMinute: 1_000_000 },
    componentRateLimit: { burst: 10_000, perMinute: 1_000_000 },
    ...over,
  };
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** The JSON log lines of a process's output (other lines skipped). */
export function logLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}
