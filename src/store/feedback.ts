/**
 * Digest feedback (schema version 3): one rating per (subscription, paper, person). A press is an
 * upsert — pressing 👍 twice stores one row, pressing 👎 afterwards changes its rating — and seed
 * papers (`like:` at subscribe) are rows with source `seed`. Rows go with their subscription
 * (ON DELETE CASCADE).
 *
 * Profile feedback (schema version 4): one rating per (person, paper) given under `/search` results,
 * not tied to a subscription — every personal digest of that person is ranked with it (the
 * digest's own rating of a paper wins), channel digests never. Same upsert discipline.
 */
import type Database from 'better-sqlite3';
import type { DigestFeedback, FeedbackChange, FeedbackRating, FeedbackSource, NewDigestFeedback, NewProfileFeedback, ProfileFeedback, ProfileFeedbackSource } from './types.ts';

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

interface ProfileRow {
  user_id: string;
  paper_id: string;
  rating: number;
  source: ProfileFeedbackSource;
  title: string | null;
  created_at: string;
  updated_at: string;
}

function toProfileFeedback(r: ProfileRow): ProfileFeedback {
  return {
    userId: r.user_id,
    paperId: r.paper_id,
    rating: (r.rating > 0 ? 1 : -1) as FeedbackRating,
    source: r.source,
    title: r.title,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

const hasTable = (db: Database.Database, name: string): boolean => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;

export class FeedbackTables {
  private readonly db: Database.Database;
  private readonly tx: <T>(fn: () => T) => T;
  /** False when the schema has no feedback table (a store opened with older migrations, in tests). */
  readonly available: boolean;
  /** False when the schema has no profile feedback table (older than version 4). */
  readonly profileAvailable: boolean;

  constructor(db: Database.Database, tx: <T>(fn: () => T) => T) {
    this.db = db;
    this.tx = tx;
    this.available = hasTable(db, 'digest_feedback');
    this.profileAvailable = hasTable(db, 'profile_feedback');
  }

  private getProfile(userId: string, paperId: string): ProfileFeedback | undefined {
    const row = this.db.prepare('SELECT * FROM profile_feedback WHERE user_id = ? AND paper_id = ?').get(userId, paperId) as ProfileRow | undefined;
    return row ? toProfileFeedback(row) : undefined;
  }

  /** Stores a person's rating once: the same rating again changes nothing; the other rating replaces it. */
  rateProfile(fb: NewProfileFeedback, now: Date): { feedback: ProfileFeedback; change: FeedbackChange } {
    if (!this.profileAvailable) throw new Error('papertalk: the database has no profile feedback table (schema older than version 4)');
    return this.tx(() => {
      const before = this.getProfile(fb.userId, fb.paperId);
      if (before && before.rating === fb.rating) return { feedback: before, change: 'same' as const };
      const ts = now.toISOString();
      this.db
        .prepare(
          `INSERT INTO profile_feedback (user_id, paper_id, rating, source, title, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, paper_id) DO UPDATE SET
             rating = excluded.rating, source = excluded.source,
             title = COALESCE(excluded.title, profile_feedback.title), updated_at = excluded.updated_at`,
        )
        .run(fb.userId, fb.paperId, fb.rating, fb.source, fb.title, ts, ts);
      const feedback = this.getProfile(fb.userId, fb.paperId);
      if (!feedback) throw new Error('papertalk: profile feedback vanished right after it was stored');
      return { feedback, change: before ? ('changed' as const) : ('new' as const) };
    });
  }

  /** A person's profile ratings, newest first. */
  listProfile(userId: string): ProfileFeedback[] {
    if (!this.profileAvailable) return [];
    const rows = this.db.prepare('SELECT * FROM profile_feedback WHERE user_id = ? ORDER BY updated_at DESC, paper_id').all(userId) as ProfileRow[];
    return rows.map(toProfileFeedback);
  }

  /** Removes a person's profile rating of one paper; returns what was removed. */
  removeProfile(userId: string, paperId: string): ProfileFeedback[] {
    if (!this.profileAvailable) return [];
    return this.tx(() => {
      const before = this.getProfile(userId, paperId);
      if (!before) return [];
      this.db.prepare('DELETE FROM profile_feedback WHERE user_id = ? AND paper_id = ?').run(userId, paperId);
      return [before];
    });
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
