/**
 * The papertalk SQLite store (better-sqlite3): subscriptions, papers first-seen times (and their arrival
 * order), digest runs, follows and their alerts (src/store/follows.ts), and a small key/value table. Opened once at start-up with `openStore`; every failure to open becomes a
 * `StoreError` with a human explanation (corrupt file, unwritable directory, locked by another process).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { UserError } from '../errors.ts';
import { StoreError } from './errors.ts';
import type { StoreErrorCode } from './errors.ts';
import { FeedbackTables } from './feedback.ts';
import { FollowTables } from './follows.ts';
import type { ClaimFollowAlertInput, FollowMatchQuery, FollowQuery } from './follows.ts';
import { LATEST_VERSION, MIGRATIONS } from './migrations.ts';
import type { Migration } from './migrations.ts';
import type {
  ClaimResult,
  DigestFeedback,
  DigestRun,
  DigestRunStatus,
  Follow,
  FollowAlert,
  FeedbackChange,
  FollowMatch,
  NewDigestFeedback,
  NewFollow,
  NewProfileFeedback,
  ProfileFeedback,
  NewFollowMatch,
  NewSubscription,
  PaperArrival,
  SeenPaper,
  Subscription,
} from './types.ts';

export interface StoreOptions {
  /** SQLite file; created (with its tables) when missing. Its directory must exist. `:memory:` for tests. */
  path: string;
  logger: Logger;
  /** Clock used for timestamps the caller does not give. */
  now: () => Date;
  /** How long to wait for a lock held by another connection before giving up (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Run `PRAGMA quick_check` at start-up to detect a damaged file. Default true. */
  integrityCheck?: boolean;
  /** Migrations to apply (tests only). Default: the built-in list. */
  migrations?: readonly Migration[];
}

/** A paper as `recordPapersSeen` needs it (a `Paper` fits). */
export interface SeenInput {
  id: string;
  title: string | null;
  date: string | null;
}

export interface SubscriptionQuery {
  guildId?: string;
  channelId?: string;
  /** Personal subscriptions of this user. */
  userId?: string;
  createdBy?: string;
  /** Only active (true) or only inactive (false) ones; all when absent. */
  active?: boolean;
}

/** Who asks to remove a subscription. */
export interface RemoveActor {
  userId: string;
  /** Guild the command was used in; null/absent in DMs. */
  guildId?: string | null;
  /** The user may manage the guild (may remove anyone's subscription there). */
  canManageGuild?: boolean;
}

export interface ClaimOptions {
  subscriptionId: number;
  localDate: string;
  nonce: string;
  now: Date;
  /** A 'claimed' row older than this belongs to a dead process and may be re-claimed (ms). */
  leaseMs: number;
  /** A 'failed' run is not retried after this many attempts. */
  maxAttempts: number;
}

export interface Store {
  /** The underlying connection (for advanced use and tests). */
  readonly db: Database.Database;
  readonly path: string;
  /** Schema version after migrations. */
  readonly schemaVersion: number;

  addSubscription(sub: NewSubscription, now?: Date): Subscription;
  getSubscription(id: number): Subscription | undefined;
  listSubscriptions(query?: SubscriptionQuery): Subscription[];
  /** Removes after an ownership check; throws `UserError` when missing or not allowed. */
  removeSubscription(id: number, actor: RemoveActor): Subscription;
  setSubscriptionActive(id: number, active: boolean): void;

  /** Records papers not seen before; returns the ids that were newly seen (first-seen time is set once). */
  recordPapersSeen(papers: readonly SeenInput[], now?: Date): string[];
  /** Papers first seen strictly after `ts`, oldest first. */
  papersSeenSince(ts: Date): SeenPaper[];
  allPapersSeen(): SeenPaper[];

  getDigestRun(subscriptionId: number, localDate: string): DigestRun | undefined;
  listDigestRuns(subscriptionId: number): DigestRun[];
  /** The run of the latest local date (what `/digest list` reports), if any. */
  latestDigestRun(subscriptionId: number): DigestRun | undefined;
  /** Claim-then-send, step 1 (one transaction): create or take over the run row, or say why not. */
  claimDigestRun(opts: ClaimOptions): ClaimResult;
  /** Stores the papers chosen for a claimed run (re-sends reuse them). */
  setDigestSelection(runId: number, sel: { paperIds: string[]; firstDigest: boolean; cutoffAt: Date }): DigestRun;
  /** Delivered: stores message ids and advances the subscription's `lastDigestAt` to the run's cut-off. */
  markDigestSent(runId: number, res: { messageIds: string[]; at: Date }): DigestRun;
  /** Nothing to send (or a "nothing new" note was posted when `messageIds` is given). */
  markDigestEmpty(runId: number, res: { at: Date; messageIds?: string[]; advanceLastDigest: boolean }): DigestRun;
  /** Delivery failed; `nextAttemptAt` null means give up. */
  markDigestFailed(runId: number, res: { error: string; at: Date; nextAttemptAt: Date | null }): DigestRun;

  // Follows (src/store/follows.ts). Matching and alert timing live in src/digest/.
  /** Adds a follow; papers already seen are never "new" for it. Throws `UserError` for a duplicate. */
  addFollow(follow: NewFollow, now?: Date): Follow;
  getFollow(id: number): Follow | undefined;
  listFollows(query?: FollowQuery): Follow[];
  /** Removes one of `userId`'s follows; throws `UserError` when there is no such follow of theirs. */
  removeFollow(id: number, userId: string): Follow;
  /** Highest arrival sequence number (0 before the first). */
  latestArrivalSeq(): number;
  /** Papers first seen after arrival `seq`, in order. */
  paperArrivalsAfter(seq: number, limit?: number): PaperArrival[];
  /** Arrivals up to this seq have been matched against the follows. */
  followCursor(): number;
  /** Stores new matches (never the same (follow, paper) twice) and advances the cursor, in one transaction. */
  recordFollowMatches(matches: readonly NewFollowMatch[], cursor: number, now?: Date): number;
  listFollowMatches(query?: FollowMatchQuery): FollowMatch[];
  /** Followers with waiting matches or an unfinished alert. */
  followUsersWithWork(): string[];
  getFollowAlert(id: number): FollowAlert | undefined;
  listFollowAlerts(userId: string): FollowAlert[];
  /** The follower's claimed alert, or failed one with a retry planned. */
  openFollowAlert(userId: string): FollowAlert | undefined;
  /** When the follower's last alert was delivered or given up on. */
  lastFollowAlertAt(userId: string): Date | null;
  claimFollowAlert(input: ClaimFollowAlertInput): FollowAlert;
  /** Takes over an expired claim or a failed alert due for a retry (same nonce, same papers). */
  claimFollowAlertAgain(id: number, now: Date): FollowAlert;
  markFollowAlertSent(id: number, res: { messageIds: string[]; at: Date }): FollowAlert;
  markFollowAlertEmpty(id: number, res: { at: Date }): FollowAlert;
  markFollowAlertFailed(id: number, res: { error: string; at: Date; nextAttemptAt: Date | null }): FollowAlert;

  // Digest feedback (src/store/feedback.ts; schema version 3). Ranking lives in src/digest/rank.ts.
  /** Stores a 👍/👎 (or a seed paper) once per (subscription, paper, person): an upsert; the other rating replaces it. */
  rateDigestPaper(feedback: NewDigestFeedback, now?: Date): { feedback: DigestFeedback; change: FeedbackChange };
  /** A subscription's ratings, newest first (only `userId`'s when given). */
  listDigestFeedback(subscriptionId: number, userId?: string): DigestFeedback[];
  /** Removes the ratings of a paper (everyone's, or only `userId`'s); returns the rows removed. */
  removeDigestFeedback(subscriptionId: number, paperId: string, userId?: string): DigestFeedback[];

  // Profile feedback (src/store/feedback.ts; schema version 4): a person's 👍/👎 on /search results,
  // used by all their personal digests (src/digest/scheduler.ts `rankingFor`).
  /** Stores a person's rating once per paper: an upsert; the other rating replaces it. */
  rateProfilePaper(feedback: NewProfileFeedback, now?: Date): { feedback: ProfileFeedback; change: FeedbackChange };
  /** A person's profile ratings, newest first. */
  listProfileFeedback(userId: string): ProfileFeedback[];
  /** Removes a person's profile rating of a paper; returns the rows removed (none or one). */
  removeProfileFeedback(userId: string, paperId: string): ProfileFeedback[];

  kvGet(key: string, now?: Date): string | undefined;
  kvSet(key: string, value: string, opts?: { ttlMs?: number; now?: Date }): void;
  kvDelete(key: string): boolean;
  /** Deletes expired kv entries; returns how many. */
  kvPurgeExpired(now?: Date): number;

  /** Runs `fn` in one (immediate) transaction. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

// ---------------------------------------------------------------------------------------------------
// Opening

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE']);

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function classify(err: unknown): StoreErrorCode {
  const code = sqliteCode(err);
  if (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS'
  ) {
    return 'unwritable';
  }
  return 'io';
}

function explain(code: StoreErrorCode, file: string, detail: string, busyTimeoutMs: number): string {
  const dir = path.dirname(file);
  switch (code) {
    case 'corrupt':
      return (
        `the database file ${file} is not a valid SQLite database or is damaged (${detail}). ` +
        `Move it aside (e.g. rename it to ${path.basename(file)}.corrupt) to start with a fresh one, ` +
        `or set PAPERTALK_DB to another file.`
      );
    case 'locked':
      return (
        `the database ${file} is locked by another process (is another papertalk running on it?); ` +
        `gave up after waiting ${busyTimeoutMs} ms (${detail}). Stop the other process or set PAPERTALK_DB to another file.`
      );
    case 'unwritable':
      return (
        `cannot write the database ${file}: the file or its directory ${dir} is not writable by this user (${detail}). ` +
        `Fix the permissions or set PAPERTALK_DB to a writable location.`
      );
    case 'missing-directory':
      return `the directory ${dir} for the database ${file} does not exist. Create it or set PAPERTALK_DB to another file.`;
    case 'too-new':
      return `the database ${file} was written by a newer papertalk (${detail}). Upgrade papertalk or use another PAPERTALK_DB.`;
    case 'io':
      return `cannot open the database ${file} (${detail}).`;
  }
}

function toStoreError(err: unknown, file: string, busyTimeoutMs: number): StoreError {
  if (err instanceof StoreError) return err;
  const code = classify(err);
  const detail = err instanceof Error ? `${sqliteCode(err) || err.name}: ${err.message}` : String(err);
  return new StoreError(code, file, explain(code, file, detail, busyTimeoutMs), { cause: err });
}

function preflight(file: string, busyTimeoutMs: number): void {
  if (file === ':memory:' || file === '') return;
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new StoreError('missing-directory', file, explain('missing-directory', file, '', busyTimeoutMs));
  }
  if (!st.isDirectory()) {
    throw new StoreError(
      'unwritable',
      file,
      explain('unwritable', file, `${dir} is not a directory`, busyTimeoutMs),
    );
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw new StoreError('unwritable', file, explain('unwritable', file, String((err as Error).message), busyTimeoutMs), {
      cause: err,
    });
  }
  if (fs.existsSync(file)) {
    const fst = fs.statSync(file);
    if (!fst.isFile()) {
      throw new StoreError('unwritable', file, explain('unwritable', file, 'not a regular file', busyTimeoutMs));
    }
  }
}

function migrate(db: Database.Database, migrations: readonly Migration[], now: Date, logger: Logger): number {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new StoreError(
        'too-new',
        db.name,
        explain('too-new', db.name, `schema version ${current}, this build knows ${latest}`, 0),
      );
    }
    const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
    for (const m of pending) {
      m.up(db);
      db.exec(
        'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      db.prepare('INSERT OR REPLACE INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        now.toISOString(),
      );
      db.pragma(`user_version = ${m.version}`);
      logger.info({ version: m.version, migration: m.name }, 'papertalk: store migrated');
    }
    const version = pending.length > 0 ? (pending[pending.length - 1]?.version ?? current) : current;
    // A real write even when nothing is pending: SQLite silently opens a read-only file read-only,
    // and only a write tells us (SQLITE_READONLY) — at start-up rather than at the first digest.
    db.pragma(`user_version = ${version}`);
    return version;
  });
  // IMMEDIATE: takes the write lock even when nothing is pending, which doubles as a write probe.
  return run.immediate();
}

/**
 * Opens (creating when missing) the SQLite store: WAL, busy timeout, foreign keys, migrations.
 * Throws `StoreError` (code `corrupt` | `unwritable` | `locked` | `missing-directory` | `too-new` | `io`).
 */
export function openStore(options: StoreOptions): Store {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const file = options.path;
  const logger = options.logger;
  preflight(file, busyTimeoutMs);

  let db: Database.Database | undefined;
  let version: number;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    const mode = file === ':memory:' ? 'memory' : (db.pragma('journal_mode = WAL', { simple: true }) as string);
    if (file !== ':memory:' && String(mode).toLowerCase() !== 'wal') {
      logger.warn({ path: file, mode }, 'papertalk: store could not switch to WAL journal mode');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (options.integrityCheck ?? true) {
      const rows = db.pragma('quick_check(5)') as Array<Record<string, unknown>>;
      const problems = rows.map((r) => String(Object.values(r)[0])).filter((s) => s !== 'ok');
      if (problems.length > 0) {
        throw new StoreError('corrupt', file, explain('corrupt', file, `quick_check: ${problems.join('; ')}`, busyTimeoutMs));
      }
    }
    version = migrate(db, options.migrations ?? MIGRATIONS, options.now(), logger);
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing; the original error matters
    }
    const storeErr = toStoreError(err, file, busyTimeoutMs);
    logger.error({ err: storeErr, code: storeErr.code, path: file }, storeErr.message);
    throw storeErr;
  }
  logger.debug({ path: file, schemaVersion: version }, 'papertalk: store opened');
  return new SqliteStore(db, file, version, options);
}

// ---------------------------------------------------------------------------------------------------
// Row mapping

interface SubscriptionRow {
  id: number;
  guild_id: string | null;
  channel_id: string;
  user_id: string | null;
  created_by: string;
  time: string;
  timezone: string;
  categories: string;
  authors: string;
  keywords: string;
  exclude_keywords: string;
  max_papers: number;
  post_empty: number;
  created_at: string;
  last_digest_at: string | null;
  active: number;
}

interface RunRow {
  id: number;
  subscription_id: number;
  local_date: string;
  status: DigestRunStatus;
  claimed_at: string;
  sent_at: string | null;
  message_ids: string;
  nonce: string;
  paper_ids: string | null;
  first_digest: number;
  cutoff_at: string | null;
  error: string | null;
  attempts: number;
  next_attempt_at: string | null;
}

interface SeenRow {
  paper_id: string;
  first_seen_at: string;
  title: string | null;
  date: string | null;
}

function stringArray(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function dateOrNull(s: string | null): Date | null {
  return s === null ? null : new Date(s);
}

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    id: r.id,
    guildId: r.guild_id,
    channelId: r.channel_id,
    userId: r.user_id,
    createdBy: r.created_by,
    time: r.time,
    timezone: r.timezone,
    categories: stringArray(r.categories),
    authors: stringArray(r.authors),
    keywords: stringArray(r.keywords),
    excludeKeywords: stringArray(r.exclude_keywords),
    maxPapers: r.max_papers,
    postEmpty: r.post_empty === 1,
    createdAt: new Date(r.created_at),
    lastDigestAt: dateOrNull(r.last_digest_at),
    active: r.active === 1,
  };
}

function toRun(r: RunRow): DigestRun {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    localDate: r.local_date,
    status: r.status,
    claimedAt: new Date(r.claimed_at),
    sentAt: dateOrNull(r.sent_at),
    messageIds: stringArray(r.message_ids),
    nonce: r.nonce,
    paperIds: r.paper_ids === null ? null : stringArray(r.paper_ids),
    firstDigest: r.first_digest === 1,
    cutoffAt: dateOrNull(r.cutoff_at),
    error: r.error,
    attempts: r.attempts,
    nextAttemptAt: dateOrNull(r.next_attempt_at),
  };
}

function toSeen(r: SeenRow): SeenPaper {
  return { paperId: r.paper_id, firstSeenAt: new Date(r.first_seen_at), title: r.title, date: r.date };
}

function sameFilters(a: Subscription, b: NewSubscription): boolean {
  const eq = (x: string[], y: string[]): boolean =>
    x.length === y.length && [...x].map((s) => s.toLowerCase()).sort().join('\u0000') === [...y].map((s) => s.toLowerCase()).sort().join('\u0000');
  return (
    a.time === b.time &&
    a.timezone === b.timezone &&
    a.userId === b.userId &&
    eq(a.categories, b.categories) &&
    eq(a.authors, b.authors) &&
    eq(a.keywords, b.keywords) &&
    eq(a.excludeKeywords, b.excludeKeywords)
  );
}

// ---------------------------------------------------------------------------------------------------
// The store

class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly path: string;
  readonly schemaVersion: number;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private seenIds: Set<string> | null = null;
  private closed = false;
  private readonly follows: FollowTables;
  private readonly feedback: FeedbackTables;

  constructor(db: Database.Database, file: string, version: number, options: StoreOptions) {
    this.db = db;
    this.path = file;
    this.schemaVersion = version;
    this.now = options.now;
    this.logger = options.logger;
    this.follows = new FollowTables(db, options.logger, (fn) => this.transaction(fn));
    this.feedback = new FeedbackTables(db, (fn) => this.transaction(fn));
  }

  // --- digest feedback -----------------------------------------------------------------------------

  rateDigestPaper(feedback: NewDigestFeedback, now: Date = this.now()): { feedback: DigestFeedback; change: FeedbackChange } {
    const out = this.feedback.rate(feedback, now);
    if (out.change !== 'same') {
      this.logger.info({ subscriptionId: feedback.subscriptionId, paperId: feedback.paperId, rating: feedback.rating, source: feedback.source, change: out.change }, 'papertalk: digest feedback stored');
    }
    return out;
  }

  listDigestFeedback(subscriptionId: number, userId?: string): DigestFeedback[] {
    return this.feedback.list(subscriptionId, userId);
  }

  removeDigestFeedback(subscriptionId: number, paperId: string, userId?: string): DigestFeedback[] {
    return this.feedback.remove(subscriptionId, paperId, userId);
  }

  rateProfilePaper(feedback: NewProfileFeedback, now: Date = this.now()): { feedback: ProfileFeedback; change: FeedbackChange } {
    const out = this.feedback.rateProfile(feedback, now);
    if (out.change !== 'same') {
      this.logger.info({ userId: feedback.userId, paperId: feedback.paperId, rating: feedback.rating, source: feedback.source, change: out.change }, 'papertalk: profile feedback stored');
    }
    return out;
  }

  listProfileFeedback(userId: string): ProfileFeedback[] {
    return this.feedback.listProfile(userId);
  }

  removeProfileFeedback(userId: string, paperId: string): ProfileFeedback[] {
    return this.feedback.removeProfile(userId, paperId);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // --- subscriptions ------------------------------------------------------------------------------

  addSubscription(sub: NewSubscription, now: Date = this.now()): Subscription {
    return this.transaction(() => {
      const existing = this.listSubscriptions({ channelId: sub.channelId }).find((s) => sameFilters(s, sub));
      if (existing) {
        throw new UserError(
          'digest.duplicate',
          `This channel already has the same digest (subscription #${existing.id} at ${existing.time} ${existing.timezone}).`,
        );
      }
      const info = this.db
        .prepare(
          `INSERT INTO subscriptions (guild_id, channel_id, user_id, created_by, time, timezone, categories, authors,
             keywords, exclude_keywords, max_papers, post_empty, created_at, last_digest_at, active)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1)`,
        )
        .run(
          sub.guildId,
          sub.channelId,
          sub.userId,
          sub.createdBy,
          sub.time,
          sub.timezone,
          JSON.stringify(sub.categories),
          JSON.stringify(sub.authors),
          JSON.stringify(sub.keywords),
          JSON.stringify(sub.excludeKeywords),
          sub.maxPapers,
          sub.postEmpty ? 1 : 0,
          now.toISOString(),
        );
      const created = this.getSubscription(Number(info.lastInsertRowid));
      if (!created) throw new Error('papertalk: subscription vanished right after insert');
      this.logger.info({ subscriptionId: created.id, channelId: created.channelId }, 'papertalk: subscription added');
      return created;
    });
  }

  getSubscription(id: number): Subscription | undefined {
    const row = this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
    return row ? toSubscription(row) : undefined;
  }

  listSubscriptions(query: SubscriptionQuery = {}): Subscription[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.guildId !== undefined) {
      where.push('guild_id = ?');
      params.push(query.guildId);
    }
    if (query.channelId !== undefined) {
      where.push('channel_id = ?');
      params.push(query.channelId);
    }
    if (query.userId !== undefined) {
      where.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.createdBy !== undefined) {
      where.push('created_by = ?');
      params.push(query.createdBy);
    }
    if (query.active !== undefined) {
      where.push('active = ?');
      params.push(query.active ? 1 : 0);
    }
    const sql = `SELECT * FROM subscriptions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...params) as SubscriptionRow[]).map(toSubscription);
  }

  removeSubscription(id: number, actor: RemoveActor): Subscription {
    return this.transaction(() => {
      const sub = this.getSubscription(id);
      const notFound = new UserError('digest.not-found', `There is no digest subscription #${id} here.`);
      if (!sub) throw notFound;
      const actorGuild = actor.guildId ?? null;
      if (sub.guildId !== null && sub.guildId !== actorGuild) throw notFound;
      const isOwner = sub.createdBy === actor.userId || (sub.userId !== null && sub.userId === actor.userId);
      if (sub.guildId === null) {
        if (!isOwner) throw notFound;
      } else if (!isOwner && actor.canManageGuild !== true) {
        throw new UserError(
          'digest.not-owner',
          `Subscription #${id} belongs to someone else; only its creator or a server manager can remove it.`,
        );
      }
      this.db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id);
      this.logger.info({ subscriptionId: id, by: actor.userId }, 'papertalk: subscription removed');
      return sub;
    });
  }

  setSubscriptionActive(id: number, active: boolean): void {
    this.db.prepare('UPDATE subscriptions SET active = ? WHERE id = ?').run(active ? 1 : 0, id);
  }

  // --- papers seen --------------------------------------------------------------------------------

  recordPapersSeen(papers: readonly SeenInput[], now: Date = this.now()): string[] {
    if (this.seenIds === null) {
      this.seenIds = new Set(
        (this.db.prepare('SELECT paper_id FROM papers_seen').pluck().all() as string[]),
      );
    }
    const known = this.seenIds;
    const fresh = papers.filter((p) => !known.has(p.id));
    if (fresh.length === 0) return [];
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO papers_seen (paper_id, first_seen_at, title, date) VALUES (?, ?, ?, ?)',
    );
    const ts = now.toISOString();
    const added = this.transaction(() => {
      const ids: string[] = [];
      for (const p of fresh) {
        // INSERT OR IGNORE: another process (or a duplicate in the batch) may have recorded it already.
        if (insert.run(p.id, ts, p.title, p.date).changes === 1) ids.push(p.id);
      }
      // Same transaction: every newly seen paper gets its arrival (what follows are matched against).
      this.follows.recordArrivals(ids, ts);
      return ids;
    });
    for (const p of fresh) known.add(p.id); // only after the commit
    if (added.length > 0) this.logger.debug({ count: added.length }, 'papertalk: new papers seen');
    return added;
  }

  papersSeenSince(ts: Date): SeenPaper[] {
    return (
      this.db
        .prepare('SELECT * FROM papers_seen WHERE first_seen_at > ? ORDER BY first_seen_at, paper_id')
        .all(ts.toISOString()) as SeenRow[]
    ).map(toSeen);
  }

  allPapersSeen(): SeenPaper[] {
    return (this.db.prepare('SELECT * FROM papers_seen ORDER BY first_seen_at, paper_id').all() as SeenRow[]).map(
      toSeen,
    );
  }

  // --- digest runs --------------------------------------------------------------------------------

  getDigestRun(subscriptionId: number, localDate: string): DigestRun | undefined {
    const row = this.db
      .prepare('SELECT * FROM digest_runs WHERE subscription_id = ? AND local_date = ?')
      .get(subscriptionId, localDate) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  private runById(id: number): DigestRun {
    const row = this.db.prepare('SELECT * FROM digest_runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new Error(`papertalk: digest run ${id} not found`);
    return toRun(row);
  }

  listDigestRuns(subscriptionId: number): DigestRun[] {
    return (
      this.db
        .prepare('SELECT * FROM digest_runs WHERE subscription_id = ? ORDER BY local_date, id')
        .all(subscriptionId) as RunRow[]
    ).map(toRun);
  }

  latestDigestRun(subscriptionId: number): DigestRun | undefined {
    const row = this.db
      .prepare('SELECT * FROM digest_runs WHERE subscription_id = ? ORDER BY local_date DESC, id DESC LIMIT 1')
      .get(subscriptionId) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  claimDigestRun(opts: ClaimOptions): ClaimResult {
    const ts = opts.now.toISOString();
    return this.transaction((): ClaimResult => {
      const existing = this.getDigestRun(opts.subscriptionId, opts.localDate);
      if (!existing) {
        const info = this.db
          .prepare(
            `INSERT INTO digest_runs (subscription_id, local_date, status, claimed_at, nonce, attempts)
             VALUES (?, ?, 'claimed', ?, ?, 1)`,
          )
          .run(opts.subscriptionId, opts.localDate, ts, opts.nonce);
        return { claimed: true, resumed: false, run: this.runById(Number(info.lastInsertRowid)) };
      }
      switch (existing.status) {
        case 'sent':
        case 'empty':
          return { claimed: false, reason: 'done', run: existing };
        case 'claimed':
          if (opts.now.getTime() - existing.claimedAt.getTime() < opts.leaseMs) {
            return { claimed: false, reason: 'in-flight', run: existing };
          }
          break;
        case 'failed':
          if (existing.nextAttemptAt === null || existing.attempts >= opts.maxAttempts) {
            return { claimed: false, reason: 'exhausted', run: existing };
          }
          if (existing.nextAttemptAt.getTime() > opts.now.getTime()) {
            return { claimed: false, reason: 'backoff', run: existing };
          }
          break;
      }
      // Take over: same row, same nonce (Discord dedupes a message that did get through).
      this.db
        .prepare(
          `UPDATE digest_runs SET status = 'claimed', claimed_at = ?, attempts = attempts + 1, next_attempt_at = NULL
           WHERE id = ?`,
        )
        .run(ts, existing.id);
      return { claimed: true, resumed: true, run: this.runById(existing.id) };
    });
  }

  setDigestSelection(runId: number, sel: { paperIds: string[]; firstDigest: boolean; cutoffAt: Date }): DigestRun {
    this.db
      .prepare('UPDATE digest_runs SET paper_ids = ?, first_digest = ?, cutoff_at = ? WHERE id = ?')
      .run(JSON.stringify(sel.paperIds), sel.firstDigest ? 1 : 0, sel.cutoffAt.toISOString(), runId);
    return this.runById(runId);
  }

  markDigestSent(runId: number, res: { messageIds: string[]; at: Date }): DigestRun {
    return this.transaction(() => {
      const run = this.runById(runId);
      this.db
        .prepare(
          `UPDATE digest_runs SET status = 'sent', sent_at = ?, message_ids = ?, error = NULL, next_attempt_at = NULL
           WHERE id = ?`,
        )
        .run(res.at.toISOString(), JSON.stringify(res.messageIds), runId);
      this.advanceLastDigest(run, res.at);
      return this.runById(runId);
    });
  }

  markDigestEmpty(runId: number, res: { at: Date; messageIds?: string[]; advanceLastDigest: boolean }): DigestRun {
    return this.transaction(() => {
      const run = this.runById(runId);
      this.db
        .prepare(
          `UPDATE digest_runs SET status = 'empty', sent_at = ?, message_ids = ?, error = NULL, next_attempt_at = NULL
           WHERE id = ?`,
        )
        .run(res.messageIds?.length ? res.at.toISOString() : null, JSON.stringify(res.messageIds ?? []), runId);
      if (res.advanceLastDigest) this.advanceLastDigest(run, res.at);
      return this.runById(runId);
    });
  }

  markDigestFailed(runId: number, res: { error: string; at: Date; nextAttemptAt: Date | null }): DigestRun {
    this.db
      .prepare(`UPDATE digest_runs SET status = 'failed', error = ?, next_attempt_at = ? WHERE id = ?`)
      .run(res.error.slice(0, 2000), res.nextAttemptAt?.toISOString() ?? null, runId);
    return this.runById(runId);
  }

  private advanceLastDigest(run: DigestRun, at: Date): void {
    const cutoff = (run.cutoffAt ?? at).toISOString();
    // Never move backwards (a late re-send of an older date must not re-open newer papers).
    this.db
      .prepare(
        `UPDATE subscriptions SET last_digest_at = ?
         WHERE id = ? AND (last_digest_at IS NULL OR last_digest_at < ?)`,
      )
      .run(cutoff, run.subscriptionId, cutoff);
  }

  // --- follows ------------------------------------------------------------------------------------

  addFollow(follow: NewFollow, now: Date = this.now()): Follow {
    return this.follows.add(follow, now);
  }

  getFollow(id: number): Follow | undefined {
    return this.follows.get(id);
  }

  listFollows(query: FollowQuery = {}): Follow[] {
    return this.follows.list(query);
  }

  removeFollow(id: number, userId: string): Follow {
    return this.follows.remove(id, userId);
  }

  latestArrivalSeq(): number {
    return this.follows.latestArrivalSeq();
  }

  paperArrivalsAfter(seq: number, limit?: number): PaperArrival[] {
    return this.follows.arrivalsAfter(seq, limit);
  }

  followCursor(): number {
    return this.follows.cursor();
  }

  recordFollowMatches(matches: readonly NewFollowMatch[], cursor: number, now: Date = this.now()): number {
    return this.follows.recordMatches(matches, cursor, now);
  }

  listFollowMatches(query: FollowMatchQuery = {}): FollowMatch[] {
    return this.follows.matches(query);
  }

  followUsersWithWork(): string[] {
    return this.follows.usersWithWork();
  }

  getFollowAlert(id: number): FollowAlert | undefined {
    return this.follows.getAlert(id);
  }

  listFollowAlerts(userId: string): FollowAlert[] {
    return this.follows.listAlerts(userId);
  }

  openFollowAlert(userId: string): FollowAlert | undefined {
    return this.follows.openAlert(userId);
  }

  lastFollowAlertAt(userId: string): Date | null {
    return this.follows.lastAlertAt(userId);
  }

  claimFollowAlert(input: ClaimFollowAlertInput): FollowAlert {
    return this.follows.claimAlert(input);
  }

  claimFollowAlertAgain(id: number, now: Date): FollowAlert {
    return this.follows.claimAlertAgain(id, now);
  }

  markFollowAlertSent(id: number, res: { messageIds: string[]; at: Date }): FollowAlert {
    return this.follows.markSent(id, res);
  }

  markFollowAlertEmpty(id: number, res: { at: Date }): FollowAlert {
    return this.follows.markEmpty(id, res);
  }

  markFollowAlertFailed(id: number, res: { error: string; at: Date; nextAttemptAt: Date | null }): FollowAlert {
    return this.follows.markFailed(id, res);
  }

  // --- kv -----------------------------------------------------------------------------------------

  kvGet(key: string, now: Date = this.now()): string | undefined {
    const row = this.db.prepare('SELECT value, expires_at FROM kv WHERE key = ?').get(key) as
      | { value: string; expires_at: string | null }
      | undefined;
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= now.toISOString()) return undefined;
    return row.value;
  }

  kvSet(key: string, value: string, opts: { ttlMs?: number; now?: Date } = {}): void {
    const now = opts.now ?? this.now();
    const expires = opts.ttlMs === undefined ? null : new Date(now.getTime() + opts.ttlMs).toISOString();
    this.db
      .prepare(
        `INSERT INTO kv (key, value, updated_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
      )
      .run(key, value, now.toISOString(), expires);
  }

  kvDelete(key: string): boolean {
    return this.db.prepare('DELETE FROM kv WHERE key = ?').run(key).changes > 0;
  }

  kvPurgeExpired(now: Date = this.now()): number {
    return this.db.prepare('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now.toISOString())
      .changes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.db.open && this.path !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.logger.warn({ err }, 'papertalk: WAL checkpoint on close failed');
    }
    this.db.close();
    this.logger.debug({ path: this.path }, 'papertalk: store closed');
  }
}

export { LATEST_VERSION };
