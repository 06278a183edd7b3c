/**
 * Follow persistence (src/store/follows.ts through the Store): migration 2 (fresh and from a version-1
 * file), arrivals in order, follows (duplicates, ownership, limits of removal), matches stored once
 * ever, the cursor, and the alert rows (claim, sent, retry, given up) — real SQLite files in a temp dir,
 * reopened to show what survives a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, openStore, UserError } from '../src/store/index.ts';
import type { NewFollow, Store, StoreOptions } from '../src/store/index.ts';

const silent = pino({ level: 'silent' });
let clock = new Date('2025-11-24T08:00:00.000Z');
const now = (): Date => clock;
let dir: string;
const opened: Store[] = [];

function open(extra: Partial<StoreOptions> = {}, file = path.join(dir, 'papertalk.sqlite')): Store {
  const s = openStore({ path: file, logger: silent, now, ...extra });
  opened.push(s);
  return s;
}

function close(s: Store): void {
  s.close();
  opened.splice(opened.indexOf(s), 1);
}

const seen = (...ids: string[]) => ids.map((id) => ({ id, title: `Title ${id}`, date: '2025-11-24' }));

const follow = (over: Partial<NewFollow> = {}): NewFollow => ({
  userId: 'u1',
  channelId: 'dm1',
  guildId: 'g1',
  kind: 'author',
  query: 'Yanqi Zhou',
  label: 'Yanqi Zhou',
  key: 'name:yanqi zhou',
  target: { authorIds: ['a-yanqi-zhou'], nameKeys: ['yanqi zhou'] },
  ...over,
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'papertalk-follows-store-'));
  clock = new Date('2025-11-24T08:00:00.000Z');
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migration 2', () => {
  it('a fresh database has the follow tables, the latest version in user_version and the history', () => {
    const s = open();
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
    expect(s.schemaVersion).toBe(LATEST_VERSION);
    const tables = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['follows', 'follow_alerts', 'follow_matches', 'follow_cursor', 'paper_arrivals']));
    const history = s.db.prepare('SELECT version, name FROM schema_version ORDER BY version').all() as { version: number; name: string }[];
    expect(history.map((h) => h.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(s.followCursor()).toBe(0);
    expect(s.latestArrivalSeq()).toBe(0);
  });

  it('upgrades a version-1 file in place: its data stays, papers seen before are not arrivals', () => {
    const v1 = open({ migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.schemaVersion).toBe(1);
    expect(v1.recordPapersSeen(seen('old1', 'old2'))).toEqual(['old1', 'old2']);
    v1.kvSet('k', 'v');
    close(v1);

    const s = open();
    expect(s.schemaVersion).toBe(LATEST_VERSION);
    expect(s.allPapersSeen().map((p) => p.paperId)).toEqual(['old1', 'old2']);
    expect(s.kvGet('k')).toBe('v');
    expect(s.paperArrivalsAfter(0)).toEqual([]);
    // Known papers are still known; a new one arrives.
    expect(s.recordPapersSeen(seen('old1', 'new1'))).toEqual(['new1']);
    expect(s.paperArrivalsAfter(0).map((a) => a.paperId)).toEqual(['new1']);
  });

  it('a store opened with version 1 only has no follows (and recording papers still works)', () => {
    const v1 = open({ migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.recordPapersSeen(seen('p1'))).toEqual(['p1']);
    expect(v1.listFollows()).toEqual([]);
    expect(v1.latestArrivalSeq()).toBe(0);
  });
});

describe('arrivals', () => {
  it('every newly seen paper gets the next sequence number, once, in the same transaction as first seen', () => {
    const s = open();
    s.recordPapersSeen(seen('a', 'b'));
    clock = new Date('2025-11-24T09:00:00.000Z');
    s.recordPapersSeen(seen('b', 'c', 'a'));
    const arrivals = s.paperArrivalsAfter(0);
    expect(arrivals.map((a) => [a.seq, a.paperId])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(arrivals[2]!.seenAt.toISOString()).toBe('2025-11-24T09:00:00.000Z');
    expect(s.paperArrivalsAfter(2).map((a) => a.paperId)).toEqual(['c']);
    expect(s.paperArrivalsAfter(0, 1).map((a) => a.paperId)).toEqual(['a']);
    expect(s.latestArrivalSeq()).toBe(3);
  });
});

describe('follows', () => {
  it('adds with the arrivals seen so far as "not new"; refuses a duplicate of the same user; lists per user', () => {
    const s = open();
    s.recordPapersSeen(seen('a', 'b'));
    const f = s.addFollow(follow());
    expect(f).toMatchObject({ id: 1, userId: 'u1', channelId: 'dm1', guildId: 'g1', kind: 'author', afterSeq: 2, lastAlertAt: null, key: 'name:yanqi zhou' });
    expect(f.target).toEqual({ authorIds: ['a-yanqi-zhou'], nameKeys: ['yanqi zhou'] });
    expect(f.createdAt.toISOString()).toBe(clock.toISOString());
    expect(() => s.addFollow(follow({ query: 'yanqi zhou' }))).toThrow(UserError);
    try {
      s.addFollow(follow());
    } catch (err) {
      expect((err as UserError).identifier).toBe('follow.duplicate');
    }
    // The same thing for another user, or another kind for the same user: fine.
    s.addFollow(follow({ userId: 'u2', channelId: 'dm2' }));
    s.addFollow(follow({ kind: 'search', key: 'q:yanqi zhou', label: '“Yanqi Zhou”', target: { query: 'Yanqi Zhou' } }));
    expect(s.listFollows({ userId: 'u1' }).map((x) => x.id)).toEqual([1, 3]);
    expect(s.listFollows().map((x) => x.userId)).toEqual(['u1', 'u2', 'u1']);
    expect(s.getFollow(2)?.userId).toBe('u2');
  });

  it('removes only the owner\'s follow (someone else\'s is "not found"), with its matches', () => {
    const s = open();
    const f = s.addFollow(follow());
    s.recordPapersSeen(seen('p1'));
    expect(s.recordFollowMatches([{ followId: f.id, paperId: 'p1', why: ['author Yanqi Zhou'] }], 1)).toBe(1);
    expect(() => s.removeFollow(f.id, 'u2')).toThrow(/You have no follow #1/);
    expect(() => s.removeFollow(99, 'u1')).toThrow(UserError);
    expect(s.removeFollow(f.id, 'u1').id).toBe(f.id);
    expect(s.getFollow(f.id)).toBeUndefined();
    expect(s.listFollowMatches()).toEqual([]);
  });
});

describe('matches and the cursor', () => {
  it('a (follow, paper) pair is stored once, ever — also after a reopen; follows removed meanwhile are skipped', () => {
    let s = open();
    const a = s.addFollow(follow());
    const b = s.addFollow(follow({ userId: 'u2', channelId: 'dm2' }));
    s.recordPapersSeen(seen('p1', 'p2'));
    expect(s.recordFollowMatches([{ followId: a.id, paperId: 'p1', why: ['author Yanqi Zhou'] }, { followId: b.id, paperId: 'p1', why: ['author Yanqi Zhou'] }], 2)).toBe(2);
    expect(s.followCursor()).toBe(2);
    expect(s.recordFollowMatches([{ followId: a.id, paperId: 'p1', why: ['again'] }], 1)).toBe(0);
    expect(s.followCursor()).toBe(2); // never backwards
    s.removeFollow(b.id, 'u2');
    expect(s.recordFollowMatches([{ followId: b.id, paperId: 'p2', why: [] }], 2)).toBe(0);
    close(s);

    s = open();
    expect(s.followCursor()).toBe(2);
    expect(s.recordFollowMatches([{ followId: a.id, paperId: 'p1', why: ['after restart'] }], 2)).toBe(0);
    const m = s.listFollowMatches({ userId: 'u1' });
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ followId: a.id, paperId: 'p1', why: ['author Yanqi Zhou'], alertId: null });
    expect(s.listFollowMatches({ pending: true }).map((x) => x.paperId)).toEqual(['p1']);
    expect(s.followUsersWithWork()).toEqual(['u1']);
  });
});

describe('alerts', () => {
  function withPending(s: Store): { fa: number; fb: number } {
    const fa = s.addFollow(follow()).id;
    const fb = s.addFollow(follow({ kind: 'topic', key: 'cat:CL', label: 'Computation and Language (CL)', target: { category: 'CL' } })).id;
    s.recordPapersSeen(seen('p1', 'p2'));
    s.recordFollowMatches(
      [
        { followId: fa, paperId: 'p1', why: ['author Yanqi Zhou'] },
        { followId: fb, paperId: 'p1', why: ['category CL'] },
        { followId: fb, paperId: 'p2', why: ['category CL'] },
      ],
      2,
    );
    return { fa, fb };
  }

  it('claim → sent: the matches leave the pending list, the follows have had an alert, the follower\'s last alert is set', () => {
    const s = open();
    const { fa, fb } = withPending(s);
    const pending = s.listFollowMatches({ userId: 'u1', pending: true });
    const alert = s.claimFollowAlert({
      userId: 'u1',
      channelId: 'dm1',
      items: [
        { paperId: 'p1', followIds: [fa, fb], why: ['author Yanqi Zhou', 'category CL'] },
        { paperId: 'p2', followIds: [fb], why: ['category CL'] },
      ],
      matches: pending,
      now: clock,
      nonce: (id) => `f-test-${id}`,
    });
    expect(alert).toMatchObject({ id: 1, status: 'claimed', nonce: 'f-test-1', attempts: 1, sentAt: null, closedAt: null });
    expect(alert.items.map((i) => i.paperId)).toEqual(['p1', 'p2']);
    expect(s.listFollowMatches({ pending: true })).toEqual([]);
    expect(s.openFollowAlert('u1')?.id).toBe(1);
    expect(s.lastFollowAlertAt('u1')).toBeNull();

    clock = new Date('2025-11-24T08:00:05.000Z');
    const sent = s.markFollowAlertSent(alert.id, { messageIds: ['m1'], at: clock });
    expect(sent).toMatchObject({ status: 'sent', messageIds: ['m1'] });
    expect(sent.closedAt?.toISOString()).toBe('2025-11-24T08:00:05.000Z');
    expect(s.openFollowAlert('u1')).toBeUndefined();
    expect(s.lastFollowAlertAt('u1')?.toISOString()).toBe('2025-11-24T08:00:05.000Z');
    expect(s.getFollow(fa)?.lastAlertAt?.toISOString()).toBe('2025-11-24T08:00:05.000Z');
    expect(s.getFollow(fb)?.lastAlertAt?.toISOString()).toBe('2025-11-24T08:00:05.000Z');
    expect(s.listFollowMatches({ alertId: alert.id })).toHaveLength(3);
    expect(s.followUsersWithWork()).toEqual([]);
  });

  it('failed with a retry keeps its papers; given up (DMs closed) puts them back to wait; taken over with the same nonce', () => {
    const s = open();
    withPending(s);
    const pending = s.listFollowMatches({ userId: 'u1', pending: true });
    const alert = s.claimFollowAlert({ userId: 'u1', channelId: 'dm1', items: [{ paperId: 'p1', followIds: [1], why: [] }], matches: pending, now: clock, nonce: () => 'n1' });

    const retryAt = new Date('2025-11-24T08:01:00.000Z');
    const failed = s.markFollowAlertFailed(alert.id, { error: 'HTTP 503', at: clock, nextAttemptAt: retryAt });
    expect(failed).toMatchObject({ status: 'failed', error: 'HTTP 503', closedAt: null });
    expect(s.openFollowAlert('u1')?.id).toBe(alert.id);
    expect(s.listFollowMatches({ pending: true })).toEqual([]);
    expect(s.followUsersWithWork()).toEqual(['u1']);

    const again = s.claimFollowAlertAgain(alert.id, retryAt);
    expect(again).toMatchObject({ status: 'claimed', nonce: 'n1', attempts: 2, nextAttemptAt: null });

    const gaveUp = s.markFollowAlertFailed(alert.id, { error: 'Cannot send messages to this user (50007)', at: retryAt, nextAttemptAt: null });
    expect(gaveUp.closedAt?.toISOString()).toBe(retryAt.toISOString());
    expect(s.openFollowAlert('u1')).toBeUndefined();
    expect(s.listFollowMatches({ pending: true })).toHaveLength(3);
    expect(s.lastFollowAlertAt('u1')?.toISOString()).toBe(retryAt.toISOString());
    expect(s.getFollow(1)?.lastAlertAt?.toISOString()).toBe(retryAt.toISOString());
  });

  it('an alert whose papers all left the corpus is closed as empty (its matches are done)', () => {
    const s = open();
    withPending(s);
    const alert = s.claimFollowAlert({ userId: 'u1', channelId: 'dm1', items: [], matches: s.listFollowMatches({ pending: true }), now: clock, nonce: () => 'n' });
    expect(s.markFollowAlertEmpty(alert.id, { at: clock })).toMatchObject({ status: 'empty' });
    expect(s.lastFollowAlertAt('u1')).toBeNull();
    expect(s.listFollowMatches({ pending: true })).toEqual([]);
    expect(s.listFollowAlerts('u1').map((a) => a.status)).toEqual(['empty']);
  });
});
