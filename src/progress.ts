/**
 * A small progress reporter for long loads in the console and the CLI.
 *
 * Writes to stderr only (never stdout: stdout carries `--json` answers), only when that stream
 * is a terminal or when forced (`enabled: true`, or `PAPERTALK_PROGRESS=1`), and at most once
 * per `intervalMs`. On a terminal it redraws one line; otherwise it prints plain lines.
 *
 *   const progress = createProgress({ label: 'parsing', total: files.length });
 *   for (const f of files) { parse(f); progress.tick(); }
 *   progress.done();
 *
 * Loaders that report `onProgress(done, total)` plug in with `progress.update`.
 */

/** The part of a writable stream the reporter uses (`process.stderr` by default). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface ProgressOptions {
  /** What is being done: `parsing`, `indexing`. */
  label: string;
  /** Units of work expected; omit when unknown (only the count is shown). */
  total?: number | undefined;
  /** Where to write; default `process.stderr`. */
  stream?: ProgressStream | undefined;
  /**
   * Force on or off. Default: on when the stream is a TTY or `PAPERTALK_PROGRESS=1`,
   * off when `PAPERTALK_PROGRESS=0`.
   */
  enabled?: boolean | undefined;
  /** Minimum time between two redraws; default 100 ms on a TTY, 2000 ms otherwise. */
  intervalMs?: number | undefined;
  /** Clock (ms), for tests. */
  now?: (() => number) | undefined;
}

export interface Progress {
  /** Adds `n` (default 1) units of work done. */
  tick(n?: number): void;
  /** Sets the absolute amount done (and optionally a new total): fits `onProgress(done, total)`. */
  update(done: number, total?: number): void;
  /** Final line (with the elapsed time); later calls do nothing. */
  done(message?: string): void;
  /** Units done so far. */
  readonly count: number;
  /** Whether anything is written at all. */
  readonly enabled: boolean;
}

function defaultEnabled(stream: ProgressStream): boolean {
  const env = process.env['PAPERTALK_PROGRESS'];
  if (env === '1' || env === 'true') return true;
  if (env === '0' || env === 'false') return false;
  return stream.isTTY === true;
}

function formatCount(n: number): string {
  return n >= 10_000 ? n.toLocaleString('en-US') : String(n);
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${(ms / 1000).toFixed(1)}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? defaultEnabled(stream);
  const tty = stream.isTTY === true;
  const interval = options.intervalMs ?? (tty ? 100 : 2000);
  const now = options.now ?? (() => performance.now());
  const started = now();
  let total = options.total;
  let count = 0;
  let lastDraw = -Infinity;
  let finished = false;
  let drewLine = false;

  const line = (): string => {
    const elapsed = formatSeconds(now() - started);
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, Math.floor((count / total) * 100));
      return `${options.label} ${formatCount(count)}/${formatCount(total)} (${pct}%) ${elapsed}`;
    }
    return `${options.label} ${formatCount(count)} ${elapsed}`;
  };

  const draw = (force: boolean) => {
    if (!enabled || finished) return;
    const t = now();
    if (!force && t - lastDraw < interval) return;
    lastDraw = t;
    let text = line();
    if (tty) {
      const width = stream.columns ?? 0;
      if (width > 1 && text.length >= width) text = text.slice(0, width - 1);
      stream.write(`\r\x1b[2K${text}`);
      drewLine = true;
    } else {
      stream.write(`${text}\n`);
    }
  };

  return {
    tick(n = 1) {
      count += n;
      draw(false);
    },
    update(done, newTotal) {
      count = done;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    done(message) {
      if (finished) return;
      if (enabled) {
        const elapsed = formatSeconds(now() - started);
        const text = message ?? `${options.label} ${formatCount(count)}${total !== undefined && total !== count ? `/${formatCount(total)}` : ''} done in ${elapsed}`;
        stream.write(tty && drewLine ? `\r\x1b[2K${text}\n` : `${text}\n`);
      }
      finished = true;
    },
    get count() {
      return count;
    },
    get enabled() {
      return enabled;
    },
  };
}
