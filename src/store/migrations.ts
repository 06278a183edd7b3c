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
];

/** The schema version this build understands. */
export const LATEST_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
