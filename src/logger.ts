/**
 * The logger: pino, to stderr only (stdout belongs to the CLI's answers), with secrets redacted
 * twice over: known secret-bearing fields (token, authorization headers, the config's token) are
 * censored by pino's `redact`, and every output line is scrubbed of the given secret strings
 * (the bot token), wherever they appear — in error messages, stacks, URLs or nested objects.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'config.discordToken',
  'discordToken',
  '*.discordToken',
  'DISCORD_TOKEN',
  '*.DISCORD_TOKEN',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'req.headers.authorization',
  'options.headers.authorization',
  'options.headers.Authorization',
];

const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret (at least 8 characters) in `text`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join(REDACTED);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Where to write (default: stderr, synchronously so nothing is lost on exit). */
  destination?: NodeJS.WritableStream | number;
  /** Extra strings never to print (e.g. the bot token), replaced wherever they appear. */
  secrets?: string[];
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a terminal. Default: when stderr is a
   * TTY and CI is not set. Colours follow `color` (default: off when NO_COLOR is set).
   */
  pretty?: boolean;
  color?: boolean;
}

/** Whether logs should be human-readable here: stderr is a terminal and this is not CI. */
export function wantsPretty(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stderr): boolean {
  return stream.isTTY === true && !env['CI'];
}

/** Colours unless NO_COLOR is set (https://no-color.org) or the stream is not a terminal. */
export function wantsColor(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true && !('NO_COLOR' in env && env['NO_COLOR'] !== '');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const usePretty = options.pretty ?? (options.destination === undefined && wantsPretty());
  const raw = typeof options.destination === 'object' ? options.destination : pino.destination({ fd: options.destination ?? 2, sync: true });
  const dest = usePretty
    ? pretty({ destination: raw, colorize: options.color ?? wantsColor(process.env, process.stderr), translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app', sync: true })
    : raw;
  const stream = secrets.length
    ? { write: (line: string) => void (dest as NodeJS.WritableStream).write(scrubSecrets(line, secrets)) }
    : (dest as NodeJS.WritableStream);
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'papertalk' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    stream as unknown as DestinationStream,
  );
}
