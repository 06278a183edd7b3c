/**
 * The digest scheduler: one croner job per subscription (daily at its `HH:MM` in its time zone), a
 * catch-up pass at start, and an idempotent claim-then-send delivery protocol:
 *
 * 1. claim: one transaction inserts the run row for (subscription, local date) as `claimed` with a
 *    deterministic nonce — or finds it `sent`/`empty` (done), `claimed` by a live attempt (skip), or
 *    `claimed` by a dead process / `failed` and due for a retry (take it over with the SAME nonce);
 * 2. send: `DigestSender.send(subscription, message, nonce)` (Discord dedupes on the nonce);
 * 3. record: `sent` with message ids; the subscription's `lastDigestAt` advances to the run's cut-off.
 *
 * A digest never goes out before its scheduled minute. Failures are logged, recorded and retried with
 * exponential backoff within the local day. The Discord side implements `DigestSender`.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Paper } from '../corpus/schema.ts';
import type { Library } from '../search/library.ts';
import type { Store } from '../store/store.ts';
import type { ClaimResult, DigestRun, Subscription } from '../store/types.ts';
import { formatDigest } from './format.ts';
import type { DigestMessage, FormatOptions } from './format.ts';
import { buildProfile, libraryTermStats, papersTermStats } from './rank.ts';
import { selectDigest, selectionFromIds } from './select.ts';
import type { DigestSelection, RankingInput } from './select.ts';
import { cronPattern, floorToMinute, localDateOf, scheduledInstant } from './time.ts';

/** What the platform layer (Discord) implements to deliver a digest. */
export interface DigestSender {
  /**
   * Posts `message` as ONE message to `subscription.channelId` (a DM channel for personal subscriptions),
   * passing `nonce` with `enforce_nonce: true` so a re-send of the same digest is deduplicated by Discord.
   * Resolves with the posted message ids. Throws on failure; throw `DigestSendError` with
   * `retryable: false` when retrying cannot help (channel deleted, missing access).
   */
  send(subscription: Subscription, message: DigestMessage, nonce: string): Promise<string[]>;
}

/** A delivery failure that says whether retrying can help. */
export class DigestSendError extends Error {
  override readonly name = 'DigestSendError';
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable: boolean; cause?: unknown }) {
    super(message.startsWith('papertalk:') ? message : `papertalk: ${message}`, { cause: opts.cause });
    this.retryable = opts.retryable;
  }
}

export interface DigestSchedulerOptions {
  store: Store;
  sender: DigestSender;
  /** The corpus papers as they are now (called at every pass). */
  getPapers: () => readonly Paper[];
  /**
   * The library as it is now: its index gives the IDF statistics of relevance ranking. Without it,
   * they are computed from `getPapers()`.
   */
  getLibrary?: () => Library;
  /** Papers scoring below this are left out of a ranked digest when more match than it shows (rank.ts). */
  minScore?: number;
  logger: Logger;
  now: () => Date;
  /** A `claimed` run older than this is taken over (its process died). Default 120 000 ms. */
  leaseMs?: number;
  /** A send that has not settled after this long counts as failed (and is retried with the same nonce). Default 100 000 ms (< lease). */
  sendTimeoutMs?: number;
  /** Delivery attempts per subscription and local date. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. Default 60 000 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 30 min. */
  retryMaxMs?: number;
  /** Create croner jobs and timers (default true). Tests driving `runDue` with a fake clock pass false. */
  timers?: boolean;
  /** Croner pattern of the safety sweep (retries, take-overs, missed fires). Default every minute at :20 s. */
  sweepPattern?: string;
  /** Passed to `formatDigest`. */
  format?: Omit<FormatOptions, 'localDate'>;
}

/** Why a due subscription was not delivered by this pass (`error`: the store failed; logged). */
/** Exponential backoff of deliveries (digests, follow alerts): `base` after the first failure, doubling, at most `max`. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export type SkipReason = 'not-due' | 'done' | 'in-flight' | 'backoff' | 'exhausted' | 'inactive' | 'stopped' | 'error';

export type RunOutcome =
  | {
      status: 'sent';
      subscriptionId: number;
      localDate: string;
      nonce: string;
      messageIds: string[];
      paperIds: string[];
      /** A take-over of an earlier claimed/failed attempt (same nonce). */
      resumed: boolean;
    }
  | { status: 'empty'; subscriptionId: number; localDate: string; nonce: string; posted: boolean; messageIds: string[] }
  | { status: 'failed'; subscriptionId: number; localDate: string; nonce: string; error: string; retryAt: Date | null }
  | { status: 'skipped'; subscriptionId: number; localDate: string; reason: SkipReason };

/** Deterministic Discord nonce (25 chars) for one subscription's digest on one local date. */
export function digestNonce(subscription: Pick<Subscription, 'id' | 'channelId'>, localDate: string): string {
  const h = createHash('sha256').update(`papertalk-digest\u0000${subscription.id}\u0000${subscription.channelId}\u0000${localDate}`);
  return `d${h.digest('hex').slice(0, 24)}`;
}

/** The first scheduled instant of `sub` at or after `from` (today's local `HH:MM`, else tomorrow's, …). */
export function nextScheduledInstant(sub: Pick<Subscription, 'time' | 'timezone'>, from: Date): Date {
  let day = localDateOf(from, sub.timezone);
  for (let i = 0; i < 3; i += 1) {
    const at = scheduledInstant(day, sub.time, sub.timezone);
    if (at.getTime() >= from.getTime()) return at;
    day = localDateOf(new Date(scheduledInstant(day, '12:00', sub.timezone).getTime() + 86_400_000), sub.timezone);
  }
  return scheduledInstant(day, sub.time, sub.timezone);
}

/** When today's (local) digest of `sub` is due at `now`: its local date and scheduled instant; else null. */
export function dueDigest(sub: Subscription, now: Date): { localDate: string; scheduledAt: Date } | null {
  const localDate = localDateOf(now, sub.timezone);
  const scheduledAt = scheduledInstant(localDate, sub.time, sub.timezone);
  if (now.getTime() < scheduledAt.getTime()) return null; // never earlier than the scheduled minute
  // A subscription created after today's time starts tomorrow (same minute counts as on time).
  if (scheduledAt.getTime() < floorToMinute(sub.createdAt).getTime()) return null;
  return { localDate, scheduledAt };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export class DigestScheduler {
  private readonly store: Store;
  private readonly sender: DigestSender;
  private readonly getPapers: () => readonly Paper[];
  private readonly getLibrary: (() => Library) | null;
  private readonly minScore: number | undefined;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly sendTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly timers: boolean;
  private readonly sweepPattern: string;
  private readonly formatOptions: Omit<FormatOptions, 'localDate'>;

  private readonly jobs = new Map<number, Cron>();
  private sweepJob: Cron | null = null;
  private readonly wakeTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly inFlight = new Map<number, Promise<RunOutcome>>();
  private readonly passes = new Set<Promise<unknown>>();
  private started = false;
  private stopped = false;

  constructor(options: DigestSchedulerOptions) {
    this.store = options.store;
    this.sender = options.sender;
    this.getPapers = options.getPapers;
    this.getLibrary = options.getLibrary ?? null;
    this.minScore = options.minScore;
    this.logger = options.logger.child({ component: 'digest' });
    this.now = options.now;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 100_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 60_000;
    this.retryMaxMs = options.retryMaxMs ?? 30 * 60_000;
    this.timers = options.timers ?? true;
    this.sweepPattern = options.sweepPattern ?? '20 * * * * *';
    this.formatOptions = options.format ?? {};
  }

  /**
   * Schedules every active subscription and runs the catch-up pass (subscriptions whose time already
   * passed today without a run get their digest now). Resolves when the catch-up pass is done.
   */
  async start(): Promise<RunOutcome[]> {
    if (this.stopped) throw new Error('papertalk: digest scheduler was stopped; create a new one');
    if (this.started) return [];
    this.started = true;
    const subs = this.store.listSubscriptions({ active: true });
    for (const sub of subs) this.schedule(sub);
    if (this.timers) {
      this.sweepJob = new Cron(this.sweepPattern, { protect: true, catch: (e) => this.logCronError(e) }, () =>
        this.fire(this.runDue()),
      );
    }
    this.logger.info({ subscriptions: subs.length }, 'papertalk: digest scheduler started');
    let outcomes: RunOutcome[] = [];
    const pass = this.runDue();
    this.fire(pass);
    try {
      outcomes = await pass;
    } catch {
      return []; // logged by fire(); the sweep tries again within a minute
    }
    const caughtUp = outcomes.filter((o) => o.status !== 'skipped');
    if (caughtUp.length > 0) this.logger.info({ runs: caughtUp.length }, 'papertalk: digest catch-up done');
    return outcomes;
  }

  /** Stops every job and timer, then waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    this.sweepJob?.stop();
    this.sweepJob = null;
    for (const t of this.wakeTimers) clearTimeout(t);
    this.wakeTimers.clear();
    await Promise.allSettled([...this.passes, ...this.inFlight.values()]);
    this.logger.info('papertalk: digest scheduler stopped');
  }

  /** Starts (or re-schedules) the job of a subscription; call after adding one. Runs it now if already due. */
  addSubscription(sub: Subscription): void {
    if (this.stopped) return;
    this.schedule(sub);
    if (this.started && sub.active && dueDigest(sub, this.now())) {
      this.fire(this.runSubscription(sub.id));
    }
  }

  /** Stops the job of a removed subscription. */
  removeSubscription(id: number): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /**
   * Next scheduled digest of a subscription after `from`: croner's own computation when its job runs,
   * else (timers off) the next local `HH:MM` from the time-zone arithmetic.
   */
  nextRunAt(subscriptionId: number, from?: Date): Date | null {
    const at = from ?? this.now();
    const job = this.jobs.get(subscriptionId);
    if (job) return job.nextRun(at);
    if (this.timers || this.stopped) return null; // not scheduled (removed, inactive or stopped)
    const sub = this.store.getSubscription(subscriptionId);
    if (!sub || !sub.active) return null;
    return nextScheduledInstant(sub, at);
  }

  /**
   * Every paper matching one digest, untrimmed (for "Show all"): `localDate` names a delivered run
   * (its papers are those first seen up to the run's cut-off and after the previous digest's), or
   * `'next'` the digest that would go out now. Null when there is no such subscription or run.
   */
  allMatching(subscriptionId: number, localDate: string, now: Date = this.now()): DigestSelection | null {
    const sub = this.store.getSubscription(subscriptionId);
    if (!sub) return null;
    let since: Date | null;
    let until: Date;
    let firstDigest: boolean;
    if (localDate === 'next') {
      since = sub.lastDigestAt;
      until = now;
      firstDigest = since === null;
    } else {
      const run = this.store.getDigestRun(subscriptionId, localDate);
      if (!run || run.cutoffAt === null) return null;
      until = run.cutoffAt;
      firstDigest = run.firstDigest;
      since = null;
      if (!firstDigest) {
        // The previous digest's cut-off: what advanced `lastDigestAt` before this run.
        for (const r of this.store.listDigestRuns(subscriptionId)) {
          if (r.localDate >= localDate || r.cutoffAt === null) continue;
          if (r.status !== 'sent' && !(r.status === 'empty' && !r.firstDigest)) continue;
          if (since === null || r.cutoffAt.getTime() > since.getTime()) since = r.cutoffAt;
        }
      }
    }
    const selection = selectDigest({
      papers: this.getPapers(),
      seen: this.store.allPapersSeen(),
      filters: sub,
      maxPapers: Number.MAX_SAFE_INTEGER,
      since: firstDigest ? null : (since ?? new Date(0)),
      until,
      // The same papers the digest counted: weak matches left out as the digest left them out.
      ranking: { ...this.rankingFor(sub), cutAbove: sub.maxPapers },
    });
    return selection;
  }

  /** Records the corpus's papers as seen (call when the corpus reloads, so first-seen times are precise). */
  noteCorpus(now: Date = this.now()): string[] {
    return this.store.recordPapersSeen(this.getPapers(), now);
  }

  /**
   * One pass: records newly seen papers, then delivers every active subscription whose digest is due at
   * `now` (scheduled time reached today, local date not yet done). Returns the outcome per due subscription.
   */
  async runDue(now: Date = this.now()): Promise<RunOutcome[]> {
    if (this.stopped) return [];
    try {
      this.noteCorpus(now);
    } catch (err) {
      this.logger.error({ err }, 'papertalk: could not record newly seen papers');
    }
    const due = this.store
      .listSubscriptions({ active: true })
      .map((sub) => ({ sub, due: dueDigest(sub, now) }))
      .filter((x): x is { sub: Subscription; due: NonNullable<typeof x.due> } => x.due !== null);
    return Promise.all(due.map(({ sub }) => this.runSubscription(sub.id, now)));
  }

  /** Delivers one subscription's digest for the local date of `now` if due (claim-then-send). */
  runSubscription(subscriptionId: number, now: Date = this.now()): Promise<RunOutcome> {
    if (this.inFlight.has(subscriptionId)) {
      const sub = this.store.getSubscription(subscriptionId);
      const localDate = sub ? localDateOf(now, sub.timezone) : '';
      return Promise.resolve({ status: 'skipped', subscriptionId, localDate, reason: 'in-flight' });
    }
    const p = this.deliver(subscriptionId, now).finally(() => this.inFlight.delete(subscriptionId));
    this.inFlight.set(subscriptionId, p);
    return p;
  }

  /** The digest a subscription would get now, without recording anything but first-seen times. */
  preview(subscriptionId: number, opts: { now?: Date; maxPapers?: number } = {}): DigestMessage | null {
    const sub = this.store.getSubscription(subscriptionId);
    if (!sub) return null;
    const now = opts.now ?? this.now();
    this.noteCorpus(now);
    const selection = selectDigest({
      papers: this.getPapers(),
      seen: this.store.allPapersSeen(),
      filters: sub,
      maxPapers: opts.maxPapers ?? sub.maxPapers,
      since: sub.lastDigestAt,
      until: now,
      ranking: this.rankingFor(sub),
    });
    return formatDigest(selection, { ...this.formatOptions, localDate: localDateOf(now, sub.timezone) });
  }

  /**
   * The interest profile of a subscription as it is now (keywords, authors, seeds, feedback, and —
   * for a personal digest — the owner's author follows and the owner's 👍/👎 on /search results,
   * where the digest's own rating of a paper wins) with the IDF statistics to score against it.
   * Channel digests use neither anyone's follows nor anyone's /search ratings.
   */
  rankingFor(sub: Subscription): RankingInput {
    const papers = this.getPapers();
    const byId = new Map(papers.map((p) => [p.id, p]));
    const feedback = this.store.listDigestFeedback(sub.id);
    let follows: ReturnType<Store['listFollows']> = [];
    if (sub.guildId === null && sub.userId !== null) {
      try {
        follows = this.store.listFollows({ userId: sub.userId });
      } catch (err) {
        this.logger.warn({ err, subscriptionId: sub.id }, 'papertalk: could not read follows for ranking');
      }
      try {
        const own = new Set(feedback.map((f) => f.paperId));
        for (const f of this.store.listProfileFeedback(sub.userId)) {
          if (own.has(f.paperId)) continue;
          feedback.push({ subscriptionId: sub.id, paperId: f.paperId, userId: f.userId, rating: f.rating, source: 'button', title: f.title, createdAt: f.createdAt, updatedAt: f.updatedAt });
        }
      } catch (err) {
        this.logger.warn({ err, subscriptionId: sub.id }, 'papertalk: could not read /search ratings for ranking');
      }
    }
    const lib = this.getLibrary?.() ?? null;
    const stats = lib ? libraryTermStats(lib) : papersTermStats(papers);
    return { profile: buildProfile(sub, feedback, byId, follows), stats, ...(this.minScore !== undefined ? { minScore: this.minScore } : {}) };
  }

  // -------------------------------------------------------------------------------------------------

  private schedule(sub: Subscription): void {
    this.removeSubscription(sub.id);
    if (!this.timers || !sub.active || this.stopped) return;
    const job = new Cron(
      cronPattern(sub.time),
      { timezone: sub.timezone, protect: true, catch: (e) => this.logCronError(e) },
      () => this.onFire(sub.id),
    );
    this.jobs.set(sub.id, job);
  }

  /** Cron callback: deliver if due; if the timer fired a little early, wait for the minute. */
  private onFire(subscriptionId: number): void {
    if (this.stopped) return;
    const sub = this.store.getSubscription(subscriptionId);
    if (!sub || !sub.active) return;
    const now = this.now();
    if (dueDigest(sub, now)) {
      this.fire(this.runSubscription(subscriptionId, now));
      return;
    }
    const at = scheduledInstant(localDateOf(now, sub.timezone), sub.time, sub.timezone).getTime();
    const wait = at - now.getTime();
    if (wait > 0 && wait < 5 * 60_000) this.wakeAt(wait + 50, () => this.onFire(subscriptionId));
  }

  private wakeAt(ms: number, fn: () => void): void {
    if (!this.timers || this.stopped) return;
    const t = setTimeout(() => {
      this.wakeTimers.delete(t);
      fn();
    }, ms);
    this.wakeTimers.add(t);
  }

  /** Tracks a background pass (so `stop()` can wait for it) and logs its failure. */
  private fire(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      (err: unknown) => {
        this.logger.error({ err }, 'papertalk: digest pass failed');
      },
    );
    this.passes.add(settled);
    void settled.finally(() => this.passes.delete(settled));
  }

  private logCronError(err: unknown): void {
    this.logger.error({ err }, 'papertalk: digest job threw');
  }

  private backoffMs(attempts: number): number {
    return retryDelayMs(attempts, this.retryBaseMs, this.retryMaxMs);
  }

  private async deliver(subscriptionId: number, now: Date): Promise<RunOutcome> {
    const sub = this.store.getSubscription(subscriptionId);
    const localDate = sub ? localDateOf(now, sub.timezone) : '';
    if (!sub || !sub.active || this.stopped) {
      return { status: 'skipped', subscriptionId, localDate, reason: this.stopped ? 'stopped' : 'inactive' };
    }
    if (!dueDigest(sub, now)) {
      return { status: 'skipped', subscriptionId, localDate, reason: 'not-due' };
    }
    const nonce = digestNonce(sub, localDate);
    let claim: ClaimResult;
    try {
      claim = this.store.claimDigestRun({
        subscriptionId,
        localDate,
        nonce,
        now,
        leaseMs: this.leaseMs,
        maxAttempts: this.maxAttempts,
      });
    } catch (err) {
      this.logger.error({ err, subscriptionId, localDate }, 'papertalk: could not claim the digest run; will try again');
      return { status: 'skipped', subscriptionId, localDate, reason: 'error' };
    }
    if (!claim.claimed) return { status: 'skipped', subscriptionId, localDate, reason: claim.reason };

    const log = this.logger.child({ subscriptionId, localDate, nonce, attempt: claim.run.attempts });
    if (claim.resumed) log.warn({ previous: claim.run.error ?? 'claim expired' }, 'papertalk: re-sending digest');

    let run: DigestRun = claim.run;
    try {
      const papers = this.getPapers();
      let selection: DigestSelection;
      if (run.paperIds !== null) {
        selection = selectionFromIds(papers, run.paperIds, sub, { firstDigest: run.firstDigest, ranking: this.rankingFor(sub) });
      } else {
        selection = selectDigest({
          papers,
          seen: this.store.allPapersSeen(),
          filters: sub,
          maxPapers: sub.maxPapers,
          since: sub.lastDigestAt,
          until: now,
          ranking: this.rankingFor(sub),
        });
        run = this.store.setDigestSelection(run.id, {
          paperIds: selection.papers.map((p) => p.paper.id),
          firstDigest: selection.firstDigest,
          cutoffAt: now,
        });
      }
      const message = formatDigest(selection, { ...this.formatOptions, localDate });

      if (message.empty) {
        // Keep a subscription "first" until a first digest actually lists papers.
        const advanceLastDigest = !selection.firstDigest;
        const messageIds = sub.postEmpty ? await this.send(sub, message, nonce) : [];
        this.store.markDigestEmpty(run.id, { at: this.now(), messageIds, advanceLastDigest });
        log.info({ posted: sub.postEmpty }, 'papertalk: digest empty');
        return { status: 'empty', subscriptionId, localDate, nonce, posted: sub.postEmpty, messageIds };
      }

      const messageIds = await this.send(sub, message, nonce);
      this.store.markDigestSent(run.id, { messageIds, at: this.now() });
      log.info({ papers: message.paperIds.length, messageIds }, 'papertalk: digest sent');
      return {
        status: 'sent',
        subscriptionId,
        localDate,
        nonce,
        messageIds,
        paperIds: message.paperIds,
        resumed: claim.resumed,
      };
    } catch (err) {
      return this.recordFailure(run, sub, localDate, nonce, err, log);
    }
  }

  /** `sender.send` bounded by `sendTimeoutMs`. */
  private async send(sub: Subscription, message: DigestMessage, nonce: string): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`papertalk: digest send did not finish within ${this.sendTimeoutMs} ms`)),
        this.sendTimeoutMs,
      );
    });
    try {
      return await Promise.race([this.sender.send(sub, message, nonce), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private recordFailure(
    run: DigestRun,
    sub: Subscription,
    localDate: string,
    nonce: string,
    err: unknown,
    log: Logger,
  ): RunOutcome {
    const at = this.now();
    const retryable = !(err instanceof DigestSendError && !err.retryable);
    let retryAt: Date | null = null;
    if (retryable && run.attempts < this.maxAttempts) {
      const candidate = new Date(at.getTime() + this.backoffMs(run.attempts));
      // Retries stay within the local day; the next day's digest picks up what this one missed.
      if (localDateOf(candidate, sub.timezone) === localDate) retryAt = candidate;
    }
    const error = errorText(err);
    try {
      this.store.markDigestFailed(run.id, { error, at, nextAttemptAt: retryAt });
    } catch (recordErr) {
      // The row stays 'claimed'; the lease lets a later pass take it over with the same nonce.
      log.error({ err: recordErr }, 'papertalk: could not record the digest failure');
    }
    log.error(
      { err, retryAt: retryAt?.toISOString() ?? null, attempts: run.attempts, maxAttempts: this.maxAttempts },
      retryAt ? 'papertalk: digest delivery failed; will retry' : 'papertalk: digest delivery failed; giving up for this date',
    );
    if (retryAt && this.timers) {
      this.wakeAt(Math.max(0, retryAt.getTime() - at.getTime()) + 50, () => {
        this.fire(this.runSubscription(sub.id));
      });
    }
    return { status: 'failed', subscriptionId: sub.id, localDate, nonce, error, retryAt };
  }
}
