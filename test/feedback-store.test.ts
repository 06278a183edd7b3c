/**
 * Digest feedback persistence (src/store/feedback.ts through the Store): migration 3 (fresh and from a
 * version-2 file), a press stored once however often it is pressed (upsert), the other button changing
 * the rating, seeds, listing and undoing, one person's ratings apart from another's, rows going with
 * their subscription — real SQLite files in a temp dir, reopened to show what survives a restart.
 * Migration 4: profile feedback (a person's 👍/👎 on /search results), stored once per person and
 * paper, kept when subscriptions go.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, openStore } from '../src/store/index.ts';
import type { NewSubscription, Store, StoreOptions } from '../src/store/index.ts';

const silent = pino({ level: 'silent' });
let clock = new Date('2025-11-24T08:00:00.000Z');
const now = (): Date => clock;
let dir: string;
const opened: Store[] = [];

function open(extra: Partial<StoreOptions> = {}): Store {
  const s = openStore({ path: path.join(dir, 'papertalk.sqlite'), logger: silent, now, ...extra });
  opened.push(s);
  return s;
}

function close(s: Store): void {
  s.close();
  opened.splice(opened.indexOf(s), 1);
}

const sub = (over: Partial<NewSubscription> = {}): NewSubscription => ({
  guildId: 'g1',
  channelId: 'c1',
  userId: null,
  createdBy: 'u1',
  time: '08:00',
  timezone: 'UTC',
  categories: [],
  authors: [],
  keywords: [],
  excludeKeywords: [],
  maxPapers: 10,
  postEmpty: false,
  ...over,
});

const press = (subscriptionId: number, paperId: string, rating: 1 | -1, userId = 'u2') => ({ subscriptionId, paperId, userId, rating, source: 'button' as const, title: `Title ${paperId}` });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'papertalk-feedback-store-'));
  clock = new Date('2025-11-24T08:00:00.000Z');
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migration 3', () => {
  it('a fresh database has the feedback tables, the latest version (4) and the history', () => {
    const s = open();
    expect(LATEST_VERSION).toBe(4);
    expect(s.schemaVersion).toBe(4);
    expect(s.db.pragma('user_version', { simple: true })).toBe(4);
    const tables = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('digest_feedback');
    expect(tables).toContain('profile_feedback');
    const history = s.db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all();
    expect(history).toEqual([1, 2, 3, 4]);
  });

  it('upgrades a version-2 file in place: subscriptions, follows and seen papers stay', () => {
    const v2 = open({ migrations: MIGRATIONS.slice(0, 2) });
    expect(v2.schemaVersion).toBe(2);
    const a = v2.addSubscription(sub());
    v2.recordPapersSeen([{ id: 'p1', title: 'One', date: '2025-11-24' }]);
    // Before the migration, feedback is simply empty.
    expect(v2.listDigestFeedback(a.id)).toEqual([]);
    close(v2);

    const s = open();
    expect(s.schemaVersion).toBe(LATEST_VERSION);
    expect(s.getSubscription(a.id)).toMatchObject({ channelId: 'c1' });
    expect(s.allPapersSeen().map((p) => p.paperId)).toEqual(['p1']);
    expect(s.rateDigestPaper(press(a.id, 'p1', 1)).change).toBe('new');
  });
});

describe('feedback rows', () => {
  it('a press is stored once however often it is pressed; the other button changes it; it survives a restart', () => {
    const s = open();
    const a = s.addSubscription(sub());
    expect(s.rateDigestPaper(press(a.id, 'p1', -1)).change).toBe('new');
    clock = new Date('2025-11-24T08:00:05.000Z');
    const again = s.rateDigestPaper(press(a.id, 'p1', -1));
    expect(again.change).toBe('same');
    expect(again.feedback.updatedAt.toISOString()).toBe('2025-11-24T08:00:00.000Z'); // untouched
    expect(s.listDigestFeedback(a.id)).toHaveLength(1);
    expect(s.db.prepare('SELECT COUNT(*) FROM digest_feedback').pluck().get()).toBe(1);

    clock = new Date('2025-11-24T08:01:00.000Z');
    const changed = s.rateDigestPaper(press(a.id, 'p1', 1));
    expect(changed.change).toBe('changed');
    expect(changed.feedback).toMatchObject({ rating: 1, source: 'button', title: 'Title p1' });
    expect(changed.feedback.createdAt.toISOString()).toBe('2025-11-24T08:00:00.000Z');
    expect(changed.feedback.updatedAt.toISOString()).toBe('2025-11-24T08:01:00.000Z');
    close(s);

    const reopened = open();
    expect(reopened.listDigestFeedback(a.id)).toEqual([expect.objectContaining({ paperId: 'p1', userId: 'u2', rating: 1 })]);
  });

  it('one row per person per paper; lists newest first, one person or all; undo removes one paper', () => {
    const s = open();
    const a = s.addSubscription(sub());
    const b = s.addSubscription(sub({ channelId: 'c2' }));
    s.rateDigestPaper(press(a.id, 'p1', 1, 'u2'));
    clock = new Date('2025-11-24T09:00:00.000Z');
    s.rateDigestPaper(press(a.id, 'p1', -1, 'u3'));
    clock = new Date('2025-11-24T10:00:00.000Z');
    s.rateDigestPaper(press(a.id, 'p2', -1, 'u2'));
    s.rateDigestPaper(press(b.id, 'p1', 1, 'u2'));
    expect(s.listDigestFeedback(a.id).map((f) => [f.paperId, f.userId, f.rating])).toEqual([
      ['p2', 'u2', -1],
      ['p1', 'u3', -1],
      ['p1', 'u2', 1],
    ]);
    expect(s.listDigestFeedback(a.id, 'u3').map((f) => f.paperId)).toEqual(['p1']);

    // Undo one person's rating, then everyone's; the other subscription keeps its own.
    expect(s.removeDigestFeedback(a.id, 'p1', 'u3').map((f) => f.userId)).toEqual(['u3']);
    expect(s.listDigestFeedback(a.id).map((f) => f.paperId)).toEqual(['p2', 'p1']);
    expect(s.removeDigestFeedback(a.id, 'p1')).toHaveLength(1);
    expect(s.listDigestFeedback(a.id).map((f) => f.paperId)).toEqual(['p2']);
    expect(s.listDigestFeedback(b.id)).toHaveLength(1);
    expect(s.removeDigestFeedback(a.id, 'nope')).toEqual([]);
  });

  it('seeds are rows with source seed; a 👍 press on a seed keeps one row; ratings go with their subscription', () => {
    const s = open();
    const a = s.addSubscription(sub());
    s.rateDigestPaper({ subscriptionId: a.id, paperId: 'glam', userId: 'u1', rating: 1, source: 'seed', title: 'GLaM' });
    expect(s.rateDigestPaper({ subscriptionId: a.id, paperId: 'glam', userId: 'u1', rating: 1, source: 'button', title: 'GLaM' }).change).toBe('same');
    expect(s.listDigestFeedback(a.id)).toEqual([expect.objectContaining({ paperId: 'glam', source: 'button', rating: 1 })]);
    s.removeSubscription(a.id, { userId: 'u1', guildId: 'g1' });
    expect(s.db.prepare('SELECT COUNT(*) FROM digest_feedback').pluck().get()).toBe(0);
  });

  it('the rating must be 1 or -1 (the table refuses anything else)', () => {
    const s = open();
    const a = s.addSubscription(sub());
    expect(() => s.rateDigestPaper({ ...press(a.id, 'p1', 1), rating: 2 as 1 })).toThrow(/CHECK/);
  });
});

describe('migration 4: profile feedback (/search ratings)', () => {
  const rate = (userId: string, paperId: string, rating: 1 | -1) => ({ userId, paperId, rating, source: 'search' as const, title: `Title ${paperId}` });

  it('upgrades a version-3 file in place; before it, profile feedback is empty', () => {
    const v3 = open({ migrations: MIGRATIONS.slice(0, 3) });
    expect(v3.schemaVersion).toBe(3);
    const a = v3.addSubscription(sub());
    v3.rateDigestPaper(press(a.id, 'p1', 1));
    expect(v3.listProfileFeedback('u1')).toEqual([]);
    close(v3);
    const s = open();
    expect(s.schemaVersion).toBe(4);
    expect(s.listDigestFeedback(a.id)).toHaveLength(1);
    expect(s.rateProfilePaper(rate('u1', 'p1', 1)).change).toBe('new');
  });

  it('a press is stored once per person and paper however often; the other button changes it; undo; survives a restart and unsubscribing', () => {
    const s = open();
    const mine = s.addSubscription(sub({ guildId: null, userId: 'u1', channelId: 'dm1' }));
    expect(s.rateProfilePaper(rate('u1', 'p1', 1)).change).toBe('new');
    clock = new Date('2025-11-24T08:00:05.000Z');
    const again = s.rateProfilePaper(rate('u1', 'p1', 1));
    expect(again.change).toBe('same');
    expect(again.feedback.updatedAt.toISOString()).toBe('2025-11-24T08:00:00.000Z');
    expect(s.db.prepare('SELECT COUNT(*) FROM profile_feedback').pluck().get()).toBe(1);
    clock = new Date('2025-11-24T08:01:00.000Z');
    expect(s.rateProfilePaper(rate('u1', 'p1', -1))).toMatchObject({ change: 'changed', feedback: { rating: -1 } });
    s.rateProfilePaper(rate('u2', 'p1', 1));
    clock = new Date('2025-11-24T08:02:00.000Z');
    s.rateProfilePaper(rate('u1', 'p2', 1));
    expect(s.listProfileFeedback('u1').map((f) => [f.paperId, f.rating])).toEqual([
      ['p2', 1],
      ['p1', -1],
    ]);
    // Not a subscription's feedback: no digest lists it, and it stays when the digest goes.
    expect(s.listDigestFeedback(mine.id)).toEqual([]);
    s.removeSubscription(mine.id, { userId: 'u1', guildId: null });
    close(s);
    const reopened = open();
    expect(reopened.listProfileFeedback('u1').map((f) => f.paperId)).toEqual(['p2', 'p1']);
    expect(reopened.removeProfileFeedback('u1', 'p1').map((f) => f.paperId)).toEqual(['p1']);
    expect(reopened.removeProfileFeedback('u1', 'p1')).toEqual([]);
    expect(reopened.listProfileFeedback('u1').map((f) => f.paperId)).toEqual(['p2']);
    expect(reopened.listProfileFeedback('u2').map((f) => f.paperId)).toEqual(['p1']);
    expect(() => reopened.rateProfilePaper({ ...rate('u1', 'p3', 1), rating: 0 as 1 })).toThrow(/CHECK/);
  });
});
