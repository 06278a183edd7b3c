/**
 * Follow persistence (`/follow`), used by the store (`Store.addFollow`, … in store.ts delegate here).
 *
 * Tables (migration 2):
 * - `paper_arrivals`: every paper the store sees for the first time, with a strictly increasing
 *   `seq`, written in the same transaction as `papers_seen` (so an arrival is never lost to a crash);
 * - `follows`: one row per follow, with `after_seq` — the arrivals up to it were in the corpus when the
 *   follow was created, so they are never "new" for it;
 * - `follow_cursor`: arrivals up to this seq have been matched against the follows;
 * - `follow_matches`: one row per (follow, paper), ever (primary key): a paper is never sent twice for
 *   the same follow. `alert_id` null = waiting for the next alert;
 * - `follow_alerts`: one row per DM (claim-then-send with a deterministic nonce, as digest runs do).
 *
 * Pure persistence: what matches (src/digest/follows.ts) and when to alert (src/digest/followAlerts.ts)
 * are decided elsewhere.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { UserError } from '../errors.ts';
import type {
  Follow,
  FollowAlert,
  FollowAlertItem,
  FollowAlertStatus,
  FollowKind,
  FollowMatch,
  FollowTarget,
  NewFollow,
  NewFollowMatch,
  PaperArrival,
} from './types.ts';

export interface FollowQuery {
  userId?: string;
}

export interface FollowMatchQuery {
  followId?: number;
  userId?: string;
  /** Only matches waiting for an alert (true) or only those in an alert (false). */
  pending?: boolean;
  alertId?: number;
}

export interface ClaimFollowAlertInput {
  userId: string;
  channelId: string;
  items: FollowAlertItem[];
  /** The matches this alert carries (they leave the pending list). */
  matches: readonly { followId: number; paperId: string }[];
  now: Date;
  /** The alert's nonce from its id (deterministic). */
  nonce: (alertId: number) => string;
}

interface FollowRow {
  id: number;
  user_id: string;
  channel_id: string;
  guild_id: string | null;
  kind: FollowKind;
  query: string;
  label: string;
  match_key: string;
  target: string;
  after_seq: number;
  created_at: string;
  last_alert_at: string | null;
}

interface MatchRow {
  follow_id: number;
  paper_id: string;
  why: string;
  matched_at: string;
  alert_id: number | null;
}

interface AlertRow {
  id: number;
  user_id: string;
  channel_id: string;
  status: FollowAlertStatus;
  nonce: string;
  items: string;
  claimed_at: string;
  sent_at: string | null;
  closed_at: string | null;
  message_ids: string;
  error: string | null;
  attempts: number;
  next_attempt_at: string | null;
}

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function dateOrNull(s: string | null): Date | null {
  return s === null ? null : new Date(s);
}

function toTarget(text: string): FollowTarget {
  const raw = json<Record<string, unknown>>(text, {});
  const t: FollowTarget = {};
  if (Array.isArray(raw['authorIds'])) t.authorIds = strings(raw['authorIds']);
  if (Array.isArray(raw['nameKeys'])) t.nameKeys = strings(raw['nameKeys']);
  if (typeof raw['category'] === 'string') t.category = raw['category'];
  if (typeof raw['query'] === 'string') t.query = raw['query'];
  return t;
}

function toFollow(r: FollowRow): Follow {
  return {
    id: r.id,
    userId: r.user_id,
    channelId: r.channel_id,
    guildId: r.guild_id,
    kind: r.kind,
    query: r.query,
    label: r.label,
    key: r.match_key,
    target: toTarget(r.target),
    afterSeq: r.after_seq,
    createdAt: new Date(r.created_at),
    lastAlertAt: dateOrNull(r.last_alert_at),
  };
}

function toMatch(r: MatchRow): FollowMatch {
  return { followId: r.follow_id, paperId: r.paper_id, why: strings(json(r.why, [])), matchedAt: new Date(r.matched_at), alertId: r.alert_id };
}

function toItems(text: string): FollowAlertItem[] {
  const raw = json<unknown>(text, []);
  if (!Array.isArray(raw)) return [];
  const out: FollowAlertItem[] = [];
  for (const x of raw as Record<string, unknown>[]) {
    if (!x || typeof x['paperId'] !== 'string') continue;
    const followIds = Array.isArray(x['followIds']) ? (x['followIds'] as unknown[]).filter((n): n is number => typeof n === 'number') : [];
    out.push({ paperId: x['paperId'], followIds, why: strings(x['why']) });
  }
  return out;
}

function toAlert(r: AlertRow): FollowAlert {
  return {
    id: r.id,
    userId: r.user_id,
    channelId: r.channel_id,
    status: r.status,
    nonce: r.nonce,
    items: toItems(r.items),
    claimedAt: new Date(r.claimed_at),
    sentAt: dateOrNull(r.sent_at),
    closedAt: dateOrNull(r.closed_at),
    messageIds: strings(json(r.message_ids, [])),
    error: r.error,
    attempts: r.attempts,
    nextAttemptAt: dateOrNull(r.next_attempt_at),
  };
}

/** The follow tables of one connection. `tx` runs a function in one (immediate) transaction. */
export class FollowTables {
  private readonly db: Database.Database;
  private readonly logger: Logger;
  private readonly tx: <T>(fn: () => T) => T;
  /** False when the schema has no follow tables (a store opened with older migrations, in tests). */
  readonly available: boolean;

  constructor(db: Database.Database, logger: Logger, tx: <T>(fn: () => T) => T) {
    this.db = db;
    this.logger = logger;
    this.tx = tx;
    this.available = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_arrivals'`).get() !== undefined;
  }

  private require(): void {
    if (!this.available) throw new Error('papertalk: the database has no follow tables (schema older than version 2)');
  }

  // --- arrivals ------------------------------------------------------------------------------------

  /** Called inside the transaction that records `papers_seen`: one arrival per newly seen paper. */
  recordArrivals(paperIds: readonly string[], ts: string): void {
    if (!this.available || paperIds.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO paper_arrivals (paper_id, seen_at) VALUES (?, ?)');
    for (const id of paperIds) insert.run(id, ts);
  }

  latestArrivalSeq(): number {
    if (!this.available) return 0;
    return (this.db.prepare('SELECT coalesce(max(seq), 0) FROM paper_arrivals').pluck().get() as number) ?? 0;
  }

  arrivalsAfter(seq: number, limit = Number.MAX_SAFE_INTEGER): PaperArrival[] {
    this.require();
    const rows = this.db.prepare('SELECT seq, paper_id, seen_at FROM paper_arrivals WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as {
      seq: number;
      paper_id: string;
      seen_at: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, paperId: r.paper_id, seenAt: new Date(r.seen_at) }));
  }

  cursor(): number {
    this.require();
    return (this.db.prepare('SELECT seq FROM follow_cursor WHERE id = 1').pluck().get() as number | undefined) ?? 0;
  }

  // --- follows -------------------------------------------------------------------------------------

  add(f: NewFollow, now: Date): Follow {
    this.require();
    return this.tx(() => {
      const existing = this.db
        .prepare('SELECT * FROM follows WHERE user_id = ? AND kind = ? AND match_key = ?')
        .get(f.userId, f.kind, f.key) as FollowRow | undefined;
      if (existing) {
        throw new UserError('follow.duplicate', `You already follow this (follow #${existing.id}). See \`/follow list\`.`);
      }
      const afterSeq = this.latestArrivalSeq();
      const info = this.db
        .prepare(
          `INSERT INTO follows (user_id, channel_id, guild_id, kind, query, label, match_key, target, after_seq, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(f.userId, f.channelId, f.guildId, f.kind, f.query, f.label, f.key, JSON.stringify(f.target), afterSeq, now.toISOString());
      const created = this.get(Number(info.lastInsertRowid));
      if (!created) throw new Error('papertalk: follow vanished right after insert');
      this.logger.info({ followId: created.id, userId: f.userId, kind: f.kind }, 'papertalk: follow added');
      return created;
    });
  }

  get(id: number): Follow | undefined {
    if (!this.available) return undefined;
    const row = this.db.prepare('SELECT * FROM follows WHERE id = ?').get(id) as FollowRow | undefined;
    return row ? toFollow(row) : undefined;
  }

  list(query: FollowQuery = {}): Follow[] {
    if (!this.available) return [];
    const rows =
      query.userId !== undefined
        ? (this.db.prepare('SELECT * FROM follows WHERE user_id = ? ORDER BY id').all(query.userId) as FollowRow[])
        : (this.db.prepare('SELECT * FROM follows ORDER BY id').all() as FollowRow[]);
    return rows.map(toFollow);
  }

  /** Removes one of `userId`'s follows (its waiting matches go with it); someone else's is "not found". */
  remove(id: number, userId: string): Follow {
    this.require();
    return this.tx(() => {
      const f = this.get(id);
      if (!f || f.userId !== userId) throw new UserError('follow.not-found', `You have no follow #${id}. See \`/follow list\`.`);
      this.db.prepare('DELETE FROM follows WHERE id = ?').run(id);
      this.logger.info({ followId: id, userId }, 'papertalk: follow removed');
      return f;
    });
  }

  // --- matches -------------------------------------------------------------------------------------

  /**
   * Stores new matches (a (follow, paper) pair seen before is ignored: never twice) and advances the
   * cursor to `cursor` (never backwards), in one transaction. Matches of follows removed meanwhile are
   * dropped. Returns how many matches were new.
   */
  recordMatches(matches: readonly NewFollowMatch[], cursor: number, now: Date): number {
    this.require();
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO follow_matches (follow_id, paper_id, why, matched_at, alert_id)
       SELECT ?, ?, ?, ?, NULL WHERE EXISTS (SELECT 1 FROM follows WHERE id = ?)`,
    );
    const ts = now.toISOString();
    return this.tx(() => {
      let added = 0;
      for (const m of matches) added += insert.run(m.followId, m.paperId, JSON.stringify(m.why), ts, m.followId).changes;
      this.db.prepare('UPDATE follow_cursor SET seq = max(seq, ?) WHERE id = 1').run(cursor);
      return added;
    });
  }

  matches(query: FollowMatchQuery = {}): FollowMatch[] {
    if (!this.available) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.followId !== undefined) {
      where.push('m.follow_id = ?');
      params.push(query.followId);
    }
    if (query.userId !== undefined) {
      where.push('f.user_id = ?');
      params.push(query.userId);
    }
    if (query.pending !== undefined) where.push(query.pending ? 'm.alert_id IS NULL' : 'm.alert_id IS NOT NULL');
    if (query.alertId !== undefined) {
      where.push('m.alert_id = ?');
      params.push(query.alertId);
    }
    const sql = `SELECT m.* FROM follow_matches m JOIN follows f ON f.id = m.follow_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.matched_at, m.follow_id, m.paper_id`;
    return (this.db.prepare(sql).all(...params) as MatchRow[]).map(toMatch);
  }

  /** Followers with something to do: matches waiting for an alert, or an alert claimed or due for a retry. */
  usersWithWork(): string[] {
    if (!this.available) return [];
    return this.db
      .prepare(
        `SELECT DISTINCT f.user_id FROM follow_matches m JOIN follows f ON f.id = m.follow_id WHERE m.alert_id IS NULL
         UNION
         SELECT user_id FROM follow_alerts WHERE status = 'claimed' OR (status = 'failed' AND next_attempt_at IS NOT NULL)
         ORDER BY 1`,
      )
      .pluck()
      .all() as string[];
  }

  // --- alerts --------------------------------------------------------------------------------------

  getAlert(id: number): FollowAlert | undefined {
    if (!this.available) return undefined;
    const row = this.db.prepare('SELECT * FROM follow_alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : undefined;
  }

  private alertById(id: number): FollowAlert {
    const a = this.getAlert(id);
    if (!a) throw new Error(`papertalk: follow alert ${id} not found`);
    return a;
  }

  listAlerts(userId: string): FollowAlert[] {
    if (!this.available) return [];
    return (this.db.prepare('SELECT * FROM follow_alerts WHERE user_id = ? ORDER BY id').all(userId) as AlertRow[]).map(toAlert);
  }

  /** The follower's unfinished alert (claimed, or failed with a retry planned), if any. */
  openAlert(userId: string): FollowAlert | undefined {
    if (!this.available) return undefined;
    const row = this.db
      .prepare(
        `SELECT * FROM follow_alerts WHERE user_id = ? AND (status = 'claimed' OR (status = 'failed' AND next_attempt_at IS NOT NULL))
         ORDER BY id LIMIT 1`,
      )
      .get(userId) as AlertRow | undefined;
    return row ? toAlert(row) : undefined;
  }

  /** When the follower's last alert was delivered or given up on (what the hourly limit counts from). */
  lastAlertAt(userId: string): Date | null {
    if (!this.available) return null;
    const ts = this.db
      .prepare(`SELECT max(closed_at) FROM follow_alerts WHERE user_id = ? AND status IN ('sent', 'failed') AND closed_at IS NOT NULL`)
      .pluck()
      .get(userId) as string | null;
    return ts === null ? null : new Date(ts);
  }

  /** Claim-then-send, step 1: a new alert row (claimed) carrying `matches`, in one transaction. */
  claimAlert(input: ClaimFollowAlertInput): FollowAlert {
    this.require();
    return this.tx(() => {
      const ts = input.now.toISOString();
      const info = this.db
        .prepare(
          `INSERT INTO follow_alerts (user_id, channel_id, status, nonce, items, claimed_at, attempts)
           VALUES (?, ?, 'claimed', 'pending', ?, ?, 1)`,
        )
        .run(input.userId, input.channelId, JSON.stringify(input.items), ts);
      const id = Number(info.lastInsertRowid);
      this.db.prepare('UPDATE follow_alerts SET nonce = ? WHERE id = ?').run(input.nonce(id), id);
      const attach = this.db.prepare('UPDATE follow_matches SET alert_id = ? WHERE follow_id = ? AND paper_id = ? AND alert_id IS NULL');
      for (const m of input.matches) attach.run(id, m.followId, m.paperId);
      return this.alertById(id);
    });
  }

  /** Takes over an alert (expired claim or failed run due for a retry): same row, same nonce, same papers. */
  claimAlertAgain(id: number, now: Date): FollowAlert {
    this.require();
    this.db
      .prepare(`UPDATE follow_alerts SET status = 'claimed', claimed_at = ?, attempts = attempts + 1, next_attempt_at = NULL WHERE id = ?`)
      .run(now.toISOString(), id);
    return this.alertById(id);
  }

  /** Delivered: records the message ids; the follows it carried have had an alert. */
  markSent(id: number, res: { messageIds: string[]; at: Date }): FollowAlert {
    this.require();
    return this.tx(() => {
      const ts = res.at.toISOString();
      this.db
        .prepare(
          `UPDATE follow_alerts SET status = 'sent', sent_at = ?, closed_at = ?, message_ids = ?, error = NULL, next_attempt_at = NULL WHERE id = ?`,
        )
        .run(ts, ts, JSON.stringify(res.messageIds), id);
      this.touchFollows(id, ts);
      return this.alertById(id);
    });
  }

  /** Nothing to send (every paper left the corpus before delivery). */
  markEmpty(id: number, res: { at: Date }): FollowAlert {
    this.require();
    this.db
      .prepare(`UPDATE follow_alerts SET status = 'empty', closed_at = ?, error = NULL, next_attempt_at = NULL WHERE id = ?`)
      .run(res.at.toISOString(), id);
    return this.alertById(id);
  }

  /**
   * Delivery failed. With `nextAttemptAt` the same alert is retried then (same nonce, same papers).
   * Without (given up: Discord refused, e.g. DMs closed, or attempts exhausted), the alert is closed and
   * its papers wait again for the follower's next alert (they were never delivered).
   */
  markFailed(id: number, res: { error: string; at: Date; nextAttemptAt: Date | null }): FollowAlert {
    this.require();
    return this.tx(() => {
      const ts = res.at.toISOString();
      if (res.nextAttemptAt) {
        this.db
          .prepare(`UPDATE follow_alerts SET status = 'failed', error = ?, next_attempt_at = ? WHERE id = ?`)
          .run(res.error.slice(0, 2000), res.nextAttemptAt.toISOString(), id);
      } else {
        this.db
          .prepare(`UPDATE follow_alerts SET status = 'failed', error = ?, next_attempt_at = NULL, closed_at = ? WHERE id = ?`)
          .run(res.error.slice(0, 2000), ts, id);
        this.db.prepare('UPDATE follow_matches SET alert_id = NULL WHERE alert_id = ?').run(id);
        this.touchFollows(id, ts);
      }
      return this.alertById(id);
    });
  }

  private touchFollows(alertId: number, ts: string): void {
    const alert = this.alertById(alertId);
    const ids = [...new Set(alert.items.flatMap((i) => i.followIds))];
    const touch = this.db.prepare('UPDATE follows SET last_alert_at = ? WHERE id = ? AND (last_alert_at IS NULL OR last_alert_at < ?)');
    for (const fid of ids) touch.run(ts, fid, ts);
  }
}
