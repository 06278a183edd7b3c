/**
 * Versioned schema migrations, applied in order. `PRAGMA user_version` holds the current version;
 * `schema_version` keeps a history of what was applied when. Append new migrations; never edit old ones.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: subscriptions, papers_seen, digest_runs, kv',
    up: (db) => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS schema_version (
          version    INTEGER PRIMARY KEY,
          name       TEXT NOT NULL,
          applied_at TEXT NOT NULL
        );

        CREATE TABLE subscriptions (
          id               INTEGER PRIMARY KEY AUTOINCREMENT,
          guild_id         TEXT,
          channel_id       TEXT NOT NULL,
          user_id          TEXT,
          created_by       TEXT NOT NULL,
          time             TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
          timezone         TEXT NOT NULL,
          categories       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
          authors          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
          keywords         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
          exclude_keywords TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(exclude_keywords)),
          max_papers       INTEGER NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 25),
          post_empty       INTEGER NOT NULL DEFAULT 0 CHECK (post_empty IN (0, 1)),
          created_at       TEXT NOT NULL,
          last_digest_at   TEXT,
          active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
        );
        CREATE INDEX subscriptions_guild   ON subscriptions (guild_id);
        CREATE INDEX subscriptions_channel ON subscriptions (channel_id);
        CREATE INDEX subscriptions_user    ON subscriptions (user_id);

        CREATE TABLE papers_seen (
          paper_id      TEXT PRIMARY KEY,
          first_seen_at TEXT NOT NULL,
          title         TEXT,
          date          TEXT
        ) WITHOUT ROWID;
        CREATE INDEX papers_seen_first_seen ON papers_seen (first_seen_at);

        CREATE TABLE digest_runs (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
          local_date      TEXT NOT NULL CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
          status          TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'empty')),
          claimed_at      TEXT NOT NULL,
          sent_at         TEXT,
          message_ids     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(message_ids)),
          nonce           TEXT NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),
          paper_ids       TEXT CHECK (paper_ids IS NULL OR json_valid(paper_ids)),
          first_digest    INTEGER NOT NULL DEFAULT 0 CHECK (first_digest IN (0, 1)),
          cutoff_at       TEXT,
          error           TEXT,
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at TEXT,
          UNIQUE (subscription_id, local_date)
        );

        CREATE TABLE kv (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          expires_at TEXT
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'follows: paper_arrivals, follows, follow_alerts, follow_matches, follow_cursor',
    up: (db) => {
      db.exec(`
        -- Every paper the store sees for the first time, in order (papers_seen has no order of its own).
        -- Papers seen before this migration have no row: they were all in the corpus before any follow.
        CREATE TABLE paper_arrivals (
          seq      INTEGER PRIMARY KEY AUTOINCREMENT,
          paper_id TEXT NOT NULL UNIQUE,
          seen_at  TEXT NOT NULL
        );

        CREATE TABLE follows (
          id            INTEGER PRIMARY KEY AUTOINCREMENT,
          user_id       TEXT NOT NULL,
          channel_id    TEXT NOT NULL,
          guild_id      TEXT,
          kind          TEXT NOT NULL CHECK (kind IN ('author', 'topic', 'search')),
          query         TEXT NOT NULL CHECK (length(query) BETWEEN 1 AND 500),
          label         TEXT NOT NULL,
          match_key     TEXT NOT NULL,
          target        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(target)),
          after_seq     INTEGER NOT NULL DEFAULT 0,
          created_at    TEXT NOT NULL,
          last_alert_at TEXT,
          UNIQUE (user_id, kind, match_key)
        );
        CREATE INDEX follows_user ON follows (user_id);

        CREATE TABLE follow_alerts (
          id              INTEGER PRIMARY KEY AUTOINCREMENT,
          user_id         TEXT NOT NULL,
          channel_id      TEXT NOT NULL,
          status          TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'empty')),
          nonce           TEXT NOT NULL CHECK (length(nonce) BETWEEN 1 AND 25),
          items           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(items)),
          claimed_at      TEXT NOT NULL,
          sent_at         TEXT,
          closed_at       TEXT,
          message_ids     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(message_ids)),
          error           TEXT,
          attempts        INTEGER NOT NULL DEFAULT 1,
          next_attempt_at TEXT
        );
        CREATE INDEX follow_alerts_user ON follow_alerts (user_id, id);

        -- One row per (follow, paper), ever: a paper is never sent twice for the same follow.
        CREATE TABLE follow_matches (
          follow_id  INTEGER NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
          paper_id   TEXT NOT NULL,
          why        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(why)),
          matched_at TEXT NOT NULL,
          alert_id   INTEGER REFERENCES follow_alerts (id) ON DELETE SET NULL,
          PRIMARY KEY (follow_id, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX follow_matches_alert ON follow_matches (alert_id);

        -- Arrivals up to seq have been matched against the follows.
        CREATE TABLE follow_cursor (
          id  INTEGER PRIMARY KEY CHECK (id = 1),
          seq INTEGER NOT NULL
        );
        INSERT INTO follow_cursor (id, seq) VALUES (1, 0);
      `);
    },
  },
  {
    version: 3,
    name: 'digest feedback: digest_feedback (ratings and seed papers per subscription)',
    up: (db) => {
      db.exec(`
        -- One rating per (subscription, paper, person): pressing again is an upsert, never a second row.
        -- source 'seed': a paper the subscription was created with (/digest subscribe like:); 'button': a 👍/👎 press.
        CREATE TABLE digest_feedback (
          subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
          paper_id        TEXT NOT NULL,
          user_id         TEXT NOT NULL,
          rating          INTEGER NOT NULL CHECK (rating IN (-1, 1)),
          source          TEXT NOT NULL CHECK (source IN ('seed', 'button')),
          title           TEXT,
          created_at      TEXT NOT NULL,
          updated_at      TEXT NOT NULL,
          PRIMARY KEY (subscription_id, paper_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX digest_feedback_updated ON digest_feedback (subscription_id, updated_at);
      `);
    },
  },
  {
    version: 4,
    name: 'profile feedback: profile_feedback (a person\'s 👍/👎 on /search results, used by their personal digests)',
    up: (db) => {
      db.exec(`
        -- One rating per (person, paper), whatever the message it came from: pressing again is an upsert.
        -- Every personal digest of the person is ranked with these (a digest's own rating of a paper wins);
        -- channel digests never read them. source 'search': a 👍/👎 under /search results.
        CREATE TABLE profile_feedback (
          user_id    TEXT NOT NULL,
          paper_id   TEXT NOT NULL,
          rating     INTEGER NOT NULL CHECK (rating IN (-1, 1)),
          source     TEXT NOT NULL CHECK (source IN ('search')),
          title      TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (user_id, paper_id)
        ) WITHOUT ROWID;
        CREATE INDEX profile_feedback_updated ON profile_feedback (user_id, updated_at);
      `);
    },
  },
];

/** The schema version this build understands. */
export const LATEST_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
