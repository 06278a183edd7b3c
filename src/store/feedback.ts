/**
 * Digest feedback (schema version 3): one rating per (subscription, paper, person). A press is an
 * upsert — pressing 👍 twice stores one row, pressing 👎 afterwards changes its rating — and seed
 * papers (`like:` at subscribe) are rows with source `seed`. Rows go with their subscription
 * (ON DELETE CASCADE).
 */
import type Database from 'better-sqlite3';
import type { DigestFeedback, FeedbackChange, FeedbackRating, FeedbackSource, NewDigestFeedback } from './types.ts';

interface FeedbackRow {
  subscription_id: number;
  paper_id: string;
  user_id: string;
  rating: number;
  source: FeedbackSource;
  title: string | null;
  created_at: string;
  updated_at: string;
}

function toFeedback(r: FeedbackRow): DigestFeedback {
  return {
    subscriptionId: r.subscription_id,
    paperId: r.paper_id,
    userId: r.user_id,
    rating: (r.rating > 0 ? 1 : -1) as FeedbackRating,
    source: r.source,
    title: r.title,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export class FeedbackTables {
  private readonly db: Database.Database;
  private readonly tx: <T>(fn: () => T) => T;
  /** False when the schema has no feedback table (a store opened with older migrations, in tests). */
  readonly available: boolean;

  constructor(db: Database.Database, tx: <T>(fn: () => T) => T) {
    this.db = db;
    this.tx = tx;
    this.available = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'digest_feedback'`).get() !== undefined;
  }

  private require(): void {
    if (!this.available) throw new Error('papertalk: the database has no feedback table (schema older than version 3)');
  }

  private get(subscriptionId: number, paperId: string, userId: string): DigestFeedback | undefined {
    const row = this.db
      .prepare('SELECT * FROM digest_feedback WHERE subscription_id = ? AND paper_id = ? AND user_id = ?')
      .get(subscriptionId, paperId, userId) as FeedbackRow | undefined;
    return row ? toFeedback(row) : undefined;
  }

  /** Stores a rating once: the same rating again changes nothing; the other rating replaces it. */
  rate(fb: NewDigestFeedback, now: Date): { feedback: DigestFeedback; change: FeedbackChange } {
    this.require();
    return this.tx(() => {
      const before = this.get(fb.subscriptionId, fb.paperId, fb.userId);
      if (before && before.rating === fb.rating && (before.source === fb.source || fb.source === 'seed')) {
        return { feedback: before, change: 'same' as const };
      }
      const ts = now.toISOString();
      this.db
        .prepare(
          `INSERT INTO digest_feedback (subscription_id, paper_id, user_id, rating, source, title, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (subscription_id, paper_id, user_id) DO UPDATE SET
             rating = excluded.rating, source = excluded.source,
             title = COALESCE(excluded.title, digest_feedback.title), updated_at = excluded.updated_at`,
        )
        .run(fb.subscriptionId, fb.paperId, fb.userId, fb.rating, fb.source, fb.title, ts, ts);
      const feedback = this.get(fb.subscriptionId, fb.paperId, fb.userId);
      if (!feedback) throw new Error('papertalk: feedback vanished right after it was stored');
      const change: FeedbackChange = before ? (before.rating === fb.rating ? 'same' : 'changed') : 'new';
      return { feedback, change };
    });
  }

  /** A subscription's ratings, newest first (optionally only one person's). */
  list(subscriptionId: number, userId?: string): DigestFeedback[] {
    if (!this.available) return [];
    const rows = (
      userId === undefined
        ? this.db.prepare('SELECT * FROM digest_feedback WHERE subscription_id = ? ORDER BY updated_at DESC, paper_id, user_id').all(subscriptionId)
        : this.db
            .prepare('SELECT * FROM digest_feedback WHERE subscription_id = ? AND user_id = ? ORDER BY updated_at DESC, paper_id')
            .all(subscriptionId, userId)
    ) as FeedbackRow[];
    return rows.map(toFeedback);
  }

  /** Removes the ratings of one paper (everyone's, or one person's); returns what was removed. */
  remove(subscriptionId: number, paperId: string, userId?: string): DigestFeedback[] {
    this.require();
    return this.tx(() => {
      const gone = this.list(subscriptionId, userId).filter((f) => f.paperId === paperId);
      if (userId === undefined) this.db.prepare('DELETE FROM digest_feedback WHERE subscription_id = ? AND paper_id = ?').run(subscriptionId, paperId);
      else this.db.prepare('DELETE FROM digest_feedback WHERE subscription_id = ? AND paper_id = ? AND user_id = ?').run(subscriptionId, paperId, userId);
      return gone;
    });
  }
}
