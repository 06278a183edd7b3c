/**
 * Follow alerts: when new papers arrive (a data drop or the arXiv feed reloads the corpus), match
 * them against every follow and DM each follower one message batching everything new since their
 * previous alert. Platform-free; the Discord side implements `FollowSender`. Injected clock.
 *
 * One pass (`runDue`, serialised — the corpus reload handler, the per-minute sweep and `Bot.tick()`
 * all run passes):
 *
 * 1. record the corpus's papers as seen (newly seen ones get an arrival sequence number, in the same
 *    transaction as their first-seen time);
 * 2. match the arrivals after the cursor against the follows (`src/digest/follows.ts`) and store the
 *    matches and the new cursor in one transaction — a (follow, paper) pair is stored once, ever, so a
 *    paper is never sent twice for the same follow, across restarts;
 * 3. for each follower with waiting matches: an alert is due when they never had one, when one of the
 *    follows has never had one (its first alert goes out at once), or when `intervalMs` (default one
 *    hour) has passed since their last alert. A due alert is claimed (one transaction: the row with a
 *    deterministic nonce, carrying every waiting match), sent as ONE DM (with the nonce and
 *    `enforce_nonce`), and recorded. A failed send is retried with backoff (same nonce, same papers);
 *    when Discord refuses (DMs closed) or attempts run out, the papers wait for the next alert, an
 *    interval later — as a personal digest that could not be delivered waits for the next day's.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Paper } from '../corpus/schema.ts';
import type { Library } from '../search/library.ts';
import type { Store } from '../store/store.ts';
import type { Follow, FollowAlert, FollowAlertItem, FollowMatch } from '../store/types.ts';
import type { DigestMessage } from './format.ts';
import { ALERT_MAX_SHOWN, arrivedPapers, formatFollowAlert, matchFollows } from './follows.ts';
import type { AlertPaper } from './follows.ts';
import { DigestSendError, retryDelayMs } from './scheduler.ts';

/** What the platform layer (Discord) implements to deliver an alert. */
export interface FollowSender {
  /**
   * Posts `message` as ONE message to `alert.channelId` (the follower's DMs), passing `alert.nonce`
   * with `enforce_nonce: true`. Resolves with the posted message ids. Throws `DigestSendError` with
   * `retryable: false` when retrying cannot help (DMs closed, unknown channel).
   */
  send(alert: FollowAlert, message: DigestMessage): Promise<string[]>;
}

export interface FollowAlerterOptions {
  store: Store;
  sender: FollowSender;
  /** The library as it is now (called at every pass). */
  getLibrary: () => Library;
  logger: Logger;
  now: () => Date;
  /** Least time between two alerts to one follower (a follow's first alert does not wait). Default 1 hour. */
  intervalMs?: number;
  /** A `claimed` alert older than this is taken over (its process died). Default 120 000 ms. */
  leaseMs?: number;
  /** A send that has not settled after this long counts as failed. Default 100 000 ms (< lease). */
  sendTimeoutMs?: number;
  /** Delivery attempts per alert. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. Default 60 000 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 15 min. */
  retryMaxMs?: number;
  /** Run the per-minute sweep (default true). Tests driving `runDue` with a fake clock pass false. */
  timers?: boolean;
  /** Croner pattern of the sweep (batched alerts coming due, retries). Default every minute at :40 s. */
  sweepPattern?: string;
  /** Papers listed in an alert (the rest behind "Show all"). Default 10. */
  maxShown?: number;
  /** Escapes user text quoted in an alert ("why" lines), e.g. Discord markdown. */
  escape?: (text: string) => string;
}

/** Why a follower got no alert in this pass. */
export type AlertSkipReason = 'nothing' | 'waiting' | 'in-flight' | 'backoff' | 'stopped' | 'error';

export type AlertOutcome =
  | { status: 'sent'; userId: string; alertId: number; nonce: string; messageIds: string[]; paperIds: string[]; resumed: boolean }
  | { status: 'empty'; userId: string; alertId: number }
  | { status: 'failed'; userId: string; alertId: number; error: string; retryAt: Date | null }
  | { status: 'skipped'; userId: string; reason: AlertSkipReason; nextAt?: Date | null };

export interface FollowPass {
  /** New (follow, paper) matches stored by this pass. */
  matched: number;
  outcomes: AlertOutcome[];
}

/** Where a follower stands: papers waiting, and when the next alert may go out (null: nothing waits). */
export interface FollowerStatus {
  waiting: number;
  nextAlertAt: Date | null;
}

/** Deterministic Discord nonce (25 chars) of one alert. */
export function followAlertNonce(userId: string, alertId: number): string {
  const h = createHash('sha256').update(`papertalk-follow\u0000${userId}\u0000${alertId}`);
  return `f${h.digest('hex').slice(0, 24)}`;
}

/**
 * When a follower's next alert may go out, given their waiting matches: at once when they never had
 * one or when a follow never had one, otherwise `intervalMs` after the last.
 */
export function alertDueAt(pending: readonly Pick<FollowMatch, 'followId'>[], follows: readonly Pick<Follow, 'id' | 'lastAlertAt'>[], lastAlertAt: Date | null, intervalMs: number): Date | null {
  if (pending.length === 0) return null;
  const byId = new Map(follows.map((f) => [f.id, f]));
  const first = pending.some((m) => byId.get(m.followId)?.lastAlertAt === null);
  if (first || lastAlertAt === null) return new Date(0);
  return new Date(lastAlertAt.getTime() + intervalMs);
}

/** Groups waiting matches by paper (a paper matching several follows is listed once). */
export function alertItems(pending: readonly FollowMatch[]): FollowAlertItem[] {
  const items = new Map<string, FollowAlertItem>();
  for (const m of pending) {
    let item = items.get(m.paperId);
    if (!item) items.set(m.paperId, (item = { paperId: m.paperId, followIds: [], why: [] }));
    if (!item.followIds.includes(m.followId)) item.followIds.push(m.followId);
    for (const w of m.why) if (!item.why.includes(w)) item.why.push(w);
  }
  return [...items.values()];
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

type Decision = { claimed: true; alert: FollowAlert; resumed: boolean } | { claimed: false; reason: AlertSkipReason; nextAt?: Date | null };

export class FollowAlerter {
  private readonly store: Store;
  private readonly sender: FollowSender;
  private readonly getLibrary: () => Library;
  private readonly logger: Logger;
  private readonly now: () => Date;
  readonly intervalMs: number;
  private readonly leaseMs: number;
  private readonly sendTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly timers: boolean;
  private readonly sweepPattern: string;
  private readonly maxShown: number;
  private readonly escape: ((text: string) => string) | undefined;

  private sweepJob: Cron | null = null;
  /** Passes run one after the other. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly passes = new Set<Promise<unknown>>();
  private started = false;
  private stopped = false;

  constructor(options: FollowAlerterOptions) {
    this.store = options.store;
    this.sender = options.sender;
    this.getLibrary = options.getLibrary;
    this.logger = options.logger.child({ component: 'follows' });
    this.now = options.now;
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 100_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 60_000;
    this.retryMaxMs = options.retryMaxMs ?? 15 * 60_000;
    this.timers = options.timers ?? true;
    this.sweepPattern = options.sweepPattern ?? '40 * * * * *';
    this.maxShown = options.maxShown ?? ALERT_MAX_SHOWN;
    this.escape = options.escape;
  }

  /** Starts the sweep and runs a first pass (alerts that came due while the bot was down). */
  async start(): Promise<FollowPass> {
    if (this.stopped) throw new Error('papertalk: follow alerter was stopped; create a new one');
    if (this.started) return { matched: 0, outcomes: [] };
    this.started = true;
    if (this.timers) {
      this.sweepJob = new Cron(this.sweepPattern, { protect: true, catch: (e) => this.logger.error({ err: e }, 'papertalk: follow sweep threw') }, () => this.kick());
    }
    this.logger.info({ follows: this.store.listFollows().length }, 'papertalk: follow alerts started');
    const pass = this.runDue();
    this.track(pass);
    try {
      return await pass;
    } catch {
      return { matched: 0, outcomes: [] }; // logged by track(); the sweep tries again
    }
  }

  /** Stops the sweep, then waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sweepJob?.stop();
    this.sweepJob = null;
    await Promise.allSettled([...this.passes, this.chain]);
    this.logger.info('papertalk: follow alerts stopped');
  }

  /** Runs a pass in the background (new papers arrived; the sweep). Before `start()`, start's pass does it. */
  kick(): void {
    if (!this.started || this.stopped) return;
    this.track(this.runDue());
  }

  /**
   * One pass at `now` (default: the clock when the pass begins): record newly seen papers, match
   * arrivals against follows, deliver every alert that is due. Passes never overlap.
   */
  runDue(now?: Date): Promise<FollowPass> {
    const next = this.chain.then(() => this.pass(now ?? this.now()));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Records the corpus's papers as seen (new ones become arrivals). Also call before creating a follow. */
  noteCorpus(now: Date = this.now()): string[] {
    return this.store.recordPapersSeen(this.getLibrary().corpus.papers, now);
  }

  /** Matches the arrivals after the cursor against the follows; returns how many matches were new. */
  processArrivals(now: Date = this.now()): number {
    const cursor = this.store.followCursor();
    const arrivals = this.store.paperArrivalsAfter(cursor);
    const last = arrivals.at(-1)?.seq;
    if (last === undefined) return 0;
    const follows = this.store.listFollows().filter((f) => f.afterSeq < last);
    if (follows.length === 0) {
      this.store.recordFollowMatches([], last, now);
      return 0;
    }
    const lib = this.getLibrary();
    const arrived = arrivedPapers(lib, arrivals, this.store.allPapersSeen());
    const matches = matchFollows(follows, arrived, lib);
    const added = this.store.recordFollowMatches(matches, last, now);
    this.logger.info({ arrivals: arrivals.length, newPapers: arrived.length, follows: follows.length, matches: added }, 'papertalk: new papers matched against follows');
    return added;
  }

  /** Papers waiting for a follower and when their next alert may go out. */
  status(userId: string, now: Date = this.now()): FollowerStatus {
    const pending = this.store.listFollowMatches({ userId, pending: true });
    const open = this.store.openFollowAlert(userId);
    if (open) return { waiting: pending.length + this.store.listFollowMatches({ alertId: open.id }).length, nextAlertAt: open.nextAttemptAt ?? now };
    const due = alertDueAt(pending, this.store.listFollows({ userId }), this.store.lastFollowAlertAt(userId), this.intervalMs);
    return { waiting: pending.length, nextAlertAt: due === null ? null : new Date(Math.max(due.getTime(), now.getTime())) };
  }

  // -------------------------------------------------------------------------------------------------

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      (err: unknown) => this.logger.error({ err }, 'papertalk: follow pass failed'),
    );
    this.passes.add(settled);
    void settled.finally(() => this.passes.delete(settled));
  }

  private async pass(now: Date): Promise<FollowPass> {
    if (this.stopped) return { matched: 0, outcomes: [] };
    try {
      this.noteCorpus(now);
    } catch (err) {
      this.logger.error({ err }, 'papertalk: could not record newly seen papers');
    }
    let matched = 0;
    try {
      matched = this.processArrivals(now);
    } catch (err) {
      this.logger.error({ err }, 'papertalk: could not match new papers against follows; will try again');
    }
    let users: string[];
    try {
      users = this.store.followUsersWithWork();
    } catch (err) {
      this.logger.error({ err }, 'papertalk: could not list follow alerts to send');
      return { matched, outcomes: [] };
    }
    const outcomes = await Promise.all(users.map((u) => this.deliver(u, now)));
    return { matched, outcomes };
  }

  /** Inside one transaction: take over an unfinished alert, or claim a new one when it is due. */
  private decide(userId: string, now: Date): Decision {
    const open = this.store.openFollowAlert(userId);
    if (open) {
      if (open.status === 'claimed' && now.getTime() - open.claimedAt.getTime() < this.leaseMs) return { claimed: false, reason: 'in-flight' };
      if (open.status === 'failed' && open.nextAttemptAt && open.nextAttemptAt.getTime() > now.getTime()) {
        return { claimed: false, reason: 'backoff', nextAt: open.nextAttemptAt };
      }
      return { claimed: true, resumed: true, alert: this.store.claimFollowAlertAgain(open.id, now) };
    }
    const pending = this.store.listFollowMatches({ userId, pending: true });
    if (pending.length === 0) return { claimed: false, reason: 'nothing' };
    const follows = this.store.listFollows({ userId });
    const due = alertDueAt(pending, follows, this.store.lastFollowAlertAt(userId), this.intervalMs);
    if (due && due.getTime() > now.getTime()) return { claimed: false, reason: 'waiting', nextAt: due };
    const channelId = follows.at(-1)?.channelId;
    if (!channelId) return { claimed: false, reason: 'nothing' };
    const alert = this.store.claimFollowAlert({
      userId,
      channelId,
      items: alertItems(pending),
      matches: pending,
      now,
      nonce: (id) => followAlertNonce(userId, id),
    });
    return { claimed: true, resumed: false, alert };
  }

  private async deliver(userId: string, now: Date): Promise<AlertOutcome> {
    if (this.stopped) return { status: 'skipped', userId, reason: 'stopped' };
    let decision: Decision;
    try {
      decision = this.store.transaction(() => this.decide(userId, now));
    } catch (err) {
      this.logger.error({ err, userId }, 'papertalk: could not claim a follow alert; will try again');
      return { status: 'skipped', userId, reason: 'error' };
    }
    if (!decision.claimed) return { status: 'skipped', userId, reason: decision.reason, ...(decision.nextAt !== undefined ? { nextAt: decision.nextAt } : {}) };
    const alert = decision.alert;
    const log = this.logger.child({ userId, alertId: alert.id, nonce: alert.nonce, attempt: alert.attempts });
    if (decision.resumed) log.warn({ previous: alert.error ?? 'claim expired' }, 'papertalk: re-sending follow alert');
    try {
      const lib = this.getLibrary();
      const papers: AlertPaper[] = [];
      for (const item of alert.items) {
        const paper: Paper | undefined = lib.papers.get(item.paperId) ?? lib.papers.get(lib.resolvePaperId(item.paperId) ?? '');
        if (paper) papers.push({ paper, why: item.why, firstSeenAt: null });
      }
      if (papers.length === 0) {
        this.store.markFollowAlertEmpty(alert.id, { at: this.now() });
        log.info('papertalk: follow alert empty (its papers left the corpus)');
        return { status: 'empty', userId, alertId: alert.id };
      }
      const message = formatFollowAlert(papers, { now, maxShown: this.maxShown, ...(this.escape ? { escape: this.escape } : {}) });
      const messageIds = await this.send(alert, message);
      this.store.markFollowAlertSent(alert.id, { messageIds, at: this.now() });
      log.info({ papers: papers.length, messageIds }, 'papertalk: follow alert sent');
      return { status: 'sent', userId, alertId: alert.id, nonce: alert.nonce, messageIds, paperIds: papers.map((p) => p.paper.id), resumed: decision.resumed };
    } catch (err) {
      return this.recordFailure(alert, err, log);
    }
  }

  private async send(alert: FollowAlert, message: DigestMessage): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`papertalk: follow alert send did not finish within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
    });
    try {
      return await Promise.race([this.sender.send(alert, message), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private recordFailure(alert: FollowAlert, err: unknown, log: Logger): AlertOutcome {
    const at = this.now();
    const retryable = !(err instanceof DigestSendError && !err.retryable);
    const retryAt = retryable && alert.attempts < this.maxAttempts ? new Date(at.getTime() + retryDelayMs(alert.attempts, this.retryBaseMs, this.retryMaxMs)) : null;
    const error = errorText(err);
    try {
      this.store.markFollowAlertFailed(alert.id, { error, at, nextAttemptAt: retryAt });
    } catch (recordErr) {
      // The row stays 'claimed'; the lease lets a later pass take it over with the same nonce.
      log.error({ err: recordErr }, 'papertalk: could not record the follow alert failure');
    }
    log.error(
      { err, retryAt: retryAt?.toISOString() ?? null, attempts: alert.attempts, maxAttempts: this.maxAttempts },
      retryAt ? 'papertalk: follow alert delivery failed; will retry' : 'papertalk: follow alert delivery failed; its papers wait for the next alert',
    );
    return { status: 'failed', userId: alert.userId, alertId: alert.id, error, retryAt };
  }
}
