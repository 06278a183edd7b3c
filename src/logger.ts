/**
 * The logger: pino, to stderr only (stdout belongs to the CLI's answers), with secrets redacted.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'token',
  '*.token',
  'config.discordToken',
  'discordToken',
  'DISCORD_TOKEN',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Where to write (default: stderr, synchronously so nothing is lost on exit). */
  destination?: NodeJS.WritableStream | number;
  /** Extra strings never to print (e.g. the bot token), replaced wherever they appear. */
  secrets?: string[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const dest = typeof options.destination === 'object' ? options.destination : pino.destination({ fd: options.destination ?? 2, sync: true });
  const scrub = (s: string) => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);
  const stream = secrets.length
    ? { write: (line: string) => void (dest as NodeJS.WritableStream).write(scrub(line)) }
    : (dest as NodeJS.WritableStream);
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'papertalk' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    stream as unknown as DestinationStream,
  );
}
