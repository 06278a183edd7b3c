/**
 * Keeps the optional arXiv source fresh for digests: fetches the newest submissions of the
 * configured categories once before each digest window — `leadMs` (default 5 min) before the
 * earliest upcoming subscription time, at most once per window (a missed window whose catch-up is
 * pending counts as upcoming) — merges them with the records kept from earlier fetches (same
 * arXiv id → the newest version), keeps them in the store's kv table (so a restart still has
 * them), and hands them to `apply` (the corpus merges them with the data files and reloads;
 * first-seen times are recorded on that reload). While anyone has a `/follow`, the feed is also kept
 * fresh for follows: a window every `followWindowMs` (default on the hour), so that new papers
 * reach followers without a digest subscription.
 *
 * A failing feed never throws: it is logged, the records kept so far stay, and the digest goes
 * out with what there is.
 */
import type { Logger } from 'pino';
import type { LoadIssue, ParseResult, RawPaper } from '../corpus/schema.ts';
import { RawPaperSchema } from '../corpus/schema.ts';
import { dueDigest, nextScheduledInstant } from '../digest/scheduler.ts';
import type { Store } from '../store/store.ts';
import { fetchArxiv, type FetchArxivOptions } from './arxiv.ts';

/** kv key of the kept arXiv records. */
export const ARXIV_RECORDS_KEY = 'feeds:arxiv:records';

export type FeedFetchOptions = Partial<Pick<FetchArxivOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'maxResults' | 'rateLimiter' | 'fetch'>>;

export interface ArxivRefresherOptions {
  /** arXiv categories, e.g. `['cs.CL', 'cs.LG']`. */
  categories: readonly string[];
  /** API endpoint (default arXiv's). */
  baseUrl?: string;
  store: Store;
  logger: Logger;
  now: () => Date;
  /** Merges the records into the corpus and reloads it; resolves when the new corpus serves. */
  apply: (records: RawPaper[]) => Promise<void>;
  /** How long before a digest window the feed is fetched (ms). Default 5 min. */
  leadMs?: number;
  /** Records kept across fetches (newest by date first). Default 2000. */
  maxRecords?: number;
  /** Passed to `fetchArxiv` (tests: short timeouts, no spacing). */
  fetchOptions?: FeedFetchOptions;
  /** Check the windows on a timer (default true). Tests call `tick()` with a fake clock instead. */
  timers?: boolean;
  /** Timer period (ms). Default 30 s. */
  tickMs?: number;
  /** With follows stored, a window every this many ms as well (aligned, e.g. on the hour). Default 1 h; 0 turns it off. */
  followWindowMs?: number;
}

export interface FeedRefreshResult {
  /** Records the feed returned this time. */
  fetched: number;
  /** Records kept (and merged into the corpus) after this refresh. */
  kept: number;
  ok: boolean;
  issues: LoadIssue[];
}

const recordKey = (r: RawPaper): string => r.source;

function newestFirst(a: RawPaper, b: RawPaper): number {
  const da = a.date ?? '';
  const db = b.date ?? '';
  if (da !== db) return da < db ? 1 : -1;
  return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

export class ArxivRefresher {
  private readonly options: ArxivRefresherOptions;
  private readonly logger: Logger;
  private readonly leadMs: number;
  private readonly maxRecords: number;
  private readonly records = new Map<string, RawPaper>();
  /** The window (instant, ms) the last fetch was for. */
  private lastWindow: number | null = null;
  private lastFetchAt: number | null = null;
  private inFlight: Promise<FeedRefreshResult> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(options: ArxivRefresherOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'arxiv-refresh' });
    this.leadMs = options.leadMs ?? 5 * 60_000;
    this.maxRecords = options.maxRecords ?? 2000;
  }

  /** The records kept now (newest first). */
  get current(): RawPaper[] {
    return [...this.records.values()].sort(newestFirst);
  }

  /** Loads the records kept by an earlier run from the store; returns them (merge them before serving). */
  restore(): RawPaper[] {
    let raw: string | undefined;
    try {
      raw = this.options.store.kvGet(ARXIV_RECORDS_KEY);
    } catch (err) {
      this.logger.warn({ err }, 'papertalk: could not read the kept arXiv records');
      return [];
    }
    if (raw === undefined) return [];
    try {
      const parsed: unknown = JSON.parse(raw);
      for (const item of Array.isArray(parsed) ? parsed : []) {
        const r = RawPaperSchema.safeParse(item);
        if (r.success) this.records.set(recordKey(r.data), r.data);
      }
    } catch (err) {
      this.logger.warn({ err }, 'papertalk: kept arXiv records are unreadable; starting afresh');
    }
    return this.current;
  }

  /**
   * The digest window the feed should be fresh for at `now`: the earliest scheduled instant among
   * active subscriptions — today's when still ahead or when today's digest is due and not yet done
   * (catch-up), else the next one — or, while follows exist, the next follow window if earlier.
   * Null without active subscriptions or follows.
   */
  nextWindow(now: Date = this.options.now()): Date | null {
    let best: number | null = null;
    for (const sub of this.options.store.listSubscriptions({ active: true })) {
      let at: number;
      const due = dueDigest(sub, now);
      const run = due ? this.options.store.getDigestRun(sub.id, due.localDate) : undefined;
      if (due && (!run || run.status === 'claimed' || run.status === 'failed')) at = due.scheduledAt.getTime();
      else at = nextScheduledInstant(sub, new Date(now.getTime() + (due ? 60_000 : 0))).getTime();
      if (best === null || at < best) best = at;
    }
    const every = this.options.followWindowMs ?? 3_600_000;
    if (every > 0 && this.options.store.listFollows().length > 0) {
      const at = Math.ceil(now.getTime() / every) * every;
      if (best === null || at < best) best = at;
    }
    return best === null ? null : new Date(best);
  }

  /**
   * Fetches when a window starts within `leadMs` (or is overdue) and no fetch was made for it yet —
   * a fetch within `leadMs` before the window counts. Resolves with the refresh, or null when none was due.
   */
  async tick(now: Date = this.options.now()): Promise<FeedRefreshResult | null> {
    if (this.stopped) return null;
    const window = this.nextWindow(now);
    if (window === null) return null;
    const w = window.getTime();
    if (w - now.getTime() > this.leadMs) return null;
    if (this.lastWindow === w) return null;
    if (this.lastFetchAt !== null && this.lastFetchAt >= w - this.leadMs && this.lastFetchAt <= w) {
      this.lastWindow = w; // a fetch shortly before this window already covers it
      return null;
    }
    this.lastWindow = w;
    return this.refresh(now);
  }

  /** `tick()`, but waits at most `maxWaitMs` (start-up: the catch-up must not wait for a slow feed). */
  async prime(maxWaitMs: number, now: Date = this.options.now()): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn({ maxWaitMs }, 'papertalk: arXiv feed is slow; digests go out without waiting for it');
        resolve();
      }, maxWaitMs);
    });
    try {
      await Promise.race([this.tick(now).then(() => undefined), slow]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches now (one at a time; a call during a fetch shares it), merges, keeps and applies the records. */
  refresh(now: Date = this.options.now()): Promise<FeedRefreshResult> {
    this.inFlight ??= this.doRefresh(now).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async doRefresh(now: Date): Promise<FeedRefreshResult> {
    this.lastFetchAt = now.getTime();
    const result: ParseResult<RawPaper> = await fetchArxiv({
      categories: this.options.categories,
      logger: this.options.logger,
      signal: this.abort.signal,
      ...(this.options.baseUrl !== undefined ? { baseUrl: this.options.baseUrl } : {}),
      ...this.options.fetchOptions,
    });
    const failed = result.records.length === 0 && result.issues.some((i) => i.level === 'error');
    if (failed || this.stopped) {
      if (!this.stopped) {
        this.logger.warn(
          { kept: this.records.size, error: result.issues.find((i) => i.level === 'error')?.message },
          'papertalk: arXiv feed failed; digests go out with the papers already there',
        );
      }
      return { fetched: 0, kept: this.records.size, ok: false, issues: result.issues };
    }
    for (const r of result.records) this.records.set(recordKey(r), r);
    const kept = this.current.slice(0, this.maxRecords);
    if (kept.length < this.records.size) {
      this.records.clear();
      for (const r of kept) this.records.set(recordKey(r), r);
    }
    try {
      this.options.store.kvSet(ARXIV_RECORDS_KEY, JSON.stringify(kept));
    } catch (err) {
      this.logger.warn({ err }, 'papertalk: could not keep the arXiv records in the store');
    }
    try {
      await this.options.apply(kept);
    } catch (err) {
      this.logger.error({ err }, 'papertalk: could not merge the arXiv records into the corpus');
      return { fetched: result.records.length, kept: kept.length, ok: false, issues: result.issues };
    }
    this.logger.info({ fetched: result.records.length, kept: kept.length }, 'papertalk: arXiv records merged into the corpus');
    return { fetched: result.records.length, kept: kept.length, ok: true, issues: result.issues };
  }

  /** Checks the windows every `tickMs` (unless `timers: false`). */
  start(): void {
    if (this.timer || this.stopped || this.options.timers === false) return;
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.logger.error({ err }, 'papertalk: arXiv refresh failed'));
    }, this.options.tickMs ?? 30_000);
    this.timer.unref();
  }

  /** Stops the timer, aborts a fetch in flight and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.inFlight?.catch(() => undefined);
  }
}
