/**
 * The SQLite database misbehaving under the running bot (real better-sqlite3, real file):
 *
 * - locked by ANOTHER PROCESS (a child holding `BEGIN EXCLUSIVE`): /digest actions answer within
 *   3 s with a clear "database is busy, nothing was changed" message and an error log naming the
 *   file and SQLITE_BUSY; other users' interactions are still acknowledged within 3 s (the bot
 *   waits at most ~1 s for the lock, not 5); reads (/digest list) and /search with its paging
 *   buttons keep working; no subscription is lost; after the lock is gone it works again.
 * - a digest whose delivery straddles the lock (posted, then the "sent" record fails) is not
 *   posted twice: the take-over re-sends with the same nonce and Discord de-duplicates.
 * - read-only (the connection switched to query_only — as root, file modes can't make SQLite
 *   read-only here): a clear "read-only" message, nothing lost, no digest claimed or posted.
 * - deleted while running (file, -wal and -shm unlinked): SQLite would keep writing into the
 *   unlinked inode and lose everything at restart; the bot writes the database back to its path,
 *   reopens it, logs an error naming the file, and a subscription made afterwards survives a
 *   restart together with the older ones; the digest already sent today is not sent again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackData, sleep, startHarness, type Harness, type Json } from './reliability-harness.ts';
import type { RecordedRequest, SentInteraction } from './standin/index.ts';

/** Holds `BEGIN EXCLUSIVE` on the database from a separate node process until released. */
async function lockInAnotherProcess(dbPath: string): Promise<{ child: ChildProcess; release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    db.prepare("INSERT INTO kv (key, value, updated_at, expires_at) VALUES ('lock-holder', 'x', '2000-01-01T00:00:00.000Z', NULL) ON CONFLICT (key) DO NOTHING").run();
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    setTimeout(() => process.exit(3), 60000);`;
  const child = spawn(process.execPath, ['-e', script, dbPath], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    child,
    release: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.write('release\n');
      }),
  };
}

/** A time zone whose local time is around noon now (so "now + a few minutes" stays on the same local date), and the local HH:MM. */
function noonZone(now = new Date()): { tz: string; hhmm: string } {
  const k = 12 - now.getUTCHours(); // local = UTC + k, k in [-11, 12]
  const tz = k === 0 ? 'Etc/UTC' : `Etc/GMT${k > 0 ? '-' : '+'}${Math.abs(k)}`;
  const local = new Date(now.getTime() + k * 3_600_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return { tz, hhmm: `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}` };
}

/** A UTC time of day `hours` before now (passed today, or far ahead): such a new subscription is not due during the test. */
function pastTime(hours: number): string {
  const d = new Date(Date.now() - hours * 3_600_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

async function notAtMinuteEnd(): Promise<void> {
  if (new Date().getUTCSeconds() >= 50) await sleep((61 - new Date().getUTCSeconds()) * 1000);
}

const DB_BUSY = /^I couldn't save that: my database is busy \(another program is holding a lock on it\)\. Nothing was changed — please try again in a minute\. \(ref \d+\)$/;
const DB_READONLY = /^I couldn't save that: my database is read-only right now\. Nothing was changed; the bot's operator has been told\. \(ref \d+\)$/;

describe('database locked, read-only or deleted under the running bot', () => {
  let h: Harness;
  const channelOf = (k: 0 | 1): string => (k ? h.standin.world.guild.otherTextChannelId : h.standin.world.guild.textChannelId);

  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  function subscribe(time: string, timezone: string, extra: Json = {}, user: 'bob' | 'carol' = 'bob'): SentInteraction {
    return h.standin.sendCommand('digest', { channel: { type: 7, value: channelOf(1) }, time, timezone, ...extra }, { user, subcommand: 'subscribe' });
  }

  /** Subscriptions as another connection sees them on disk. */
  function onDisk(): { id: number; time: string }[] {
    const db = new Database(h.config.dbPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT id, time FROM subscriptions ORDER BY id').all() as { id: number; time: string }[];
    } finally {
      db.close();
    }
  }

  function digestPosts(nonce?: string): RecordedRequest[] {
    return h.standin.requests.filter((q) => q.route === 'POST /channels/:channel/messages' && typeof (q.body as { nonce?: string }).nonce === 'string' && (nonce === undefined || (q.body as { nonce: string }).nonce === nonce));
  }

  it('setup: a subscription exists before any trouble', async () => {
    const r = await h.one(subscribe(pastTime(2), 'UTC', { keywords: 'before-lock' }));
    expect(String(callbackData(r).content)).toMatch(/^Subscribed: \*\*#1\*\*/);
    expect(onDisk().map((s) => s.id)).toEqual([1]);
  });

  it('locked by another process: clear message within 3 s, error log naming the file, others unaffected, nothing lost', async () => {
    const lock = await lockInAnotherProcess(h.config.dbPath);
    try {
      const sub = subscribe(pastTime(3), 'UTC', { keywords: 'during-lock' });
      // Other users keep being served while the bot waits (briefly) for the lock.
      const others = ['alice', 'carol', 'dave'].map((u) => h.standin.sendCommand('paper', { title: 'GLaM' }, { user: u as 'alice' }));
      const r = await h.one(sub);
      expect(callbackData(r)).toMatchObject({ flags: 64, content: expect.stringMatching(DB_BUSY) as unknown as string, allowed_mentions: { parse: [] } });
      expect(h.standin.ackLatency(sub.id)).toBeLessThan(3000);
      for (const o of others) {
        expect((await h.one(o)).callbackType).toBe(4);
        expect(h.standin.ackLatency(o.id)).toBeLessThan(3000);
      }
      const logged = h.logs().find((l) => l.msg === 'interaction failed' && l.interactionId === sub.id)!;
      expect(logged).toMatchObject({ level: 50, database: 'locked', path: h.config.dbPath });
      expect(String(logged.code)).toMatch(/^SQLITE_BUSY/);

      const unsub = await h.one(h.standin.sendCommand('digest', { id: 1 }, { user: 'bob', subcommand: 'unsubscribe' }));
      expect(String(callbackData(unsub).content)).toMatch(DB_BUSY);

      // Reads still work.
      const list = await h.one(h.standin.sendCommand('digest', {}, { user: 'bob', subcommand: 'list' }));
      expect(((callbackData(list).embeds as { title: string }[])[0]!).title).toBe('Digest subscriptions (1)');

      // /search stores its paging state in the database: kept in memory meanwhile, the buttons work.
      const search = await h.one(h.standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'carol' }));
      expect(search.callbackType).toBe(4);
      const msg = h.standin.originalMessage(search.interactionId)!;
      const next = (msg.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id;
      const page2 = await h.one(h.standin.clickButton(next, msg, { user: 'carol' }));
      expect(page2.callbackType).toBe(7);
      expect(h.logs().some((l) => l.msg === 'could not save component state; keeping it in memory for now' && l.path === h.config.dbPath)).toBe(true);
      expect(onDisk().map((s) => s.id)).toEqual([1]);
    } finally {
      await lock.release();
    }
    // Lock gone: the same action works; nothing was lost.
    const again = await h.one(subscribe(pastTime(3), 'UTC', { keywords: 'during-lock' }));
    expect(String(callbackData(again).content)).toMatch(/^Subscribed: \*\*#2\*\*/);
    expect(onDisk().map((s) => s.id)).toEqual([1, 2]);
  }, 30_000);

  it('a digest whose "sent" record hits the lock is not posted twice (same nonce on the take-over)', async () => {
    await notAtMinuteEnd();
    const { tz, hhmm } = noonZone();
    const scheduler = h.bot.ctx.scheduler!;
    // The digest post takes 2.5 s; the lock arrives while it is on its way.
    h.standin.failNext('POST /channels/:channel/messages', { delayMs: 2500 });
    const r = await h.one(subscribe(hhmm, tz, { keywords: 'language' }));
    expect(String(callbackData(r).content)).toMatch(/^Subscribed: \*\*#3\*\*/);
    const lock = await lockInAnotherProcess(h.config.dbPath);
    try {
      await h.standin.waitFor(() => digestPosts().length === 1 && digestPosts()[0]!.status === 200, 8000, 'digest posted');
      await h.standin.waitFor(() => h.logs().some((l) => l.msg === 'papertalk: could not record the digest failure'), 8000, 'record failed');
    } finally {
      await lock.release();
    }
    const nonce = (digestPosts()[0]!.body as { nonce: string }).nonce;
    expect(h.bot.ctx.store.listDigestRuns(3)[0]).toMatchObject({ status: 'claimed', nonce });
    // Within the lease, a pass leaves the (possibly live) attempt alone; after it, the run is taken over.
    expect((await scheduler.runDue(new Date()))).toEqual(expect.arrayContaining([expect.objectContaining({ subscriptionId: 3, status: 'skipped', reason: 'in-flight' })]));
    const later = new Date(Date.now() + 125_000);
    const outcomes = await scheduler.runDue(later);
    expect(outcomes.find((o) => o.subscriptionId === 3)).toMatchObject({ status: 'sent', resumed: true });
    expect(digestPosts(nonce)).toHaveLength(2);
    const channelDigests = h.standin.channelMessages(channelOf(1)).filter((m) => m.author.id === h.standin.applicationId && m.nonce === nonce);
    expect(channelDigests).toHaveLength(1);
    expect(h.bot.ctx.store.listDigestRuns(3)[0]).toMatchObject({ status: 'sent' });
    // And once more: done for today.
    expect((await scheduler.runDue(later)).find((o) => o.subscriptionId === 3)).toMatchObject({ status: 'skipped', reason: 'done' });
    expect(digestPosts(nonce)).toHaveLength(2);
  }, 40_000);

  it('read-only: a clear message, the subscription kept, no digest claimed or posted', async () => {
    await notAtMinuteEnd();
    const { tz, hhmm } = noonZone();
    const db = h.bot.ctx.store.db;
    db.pragma('query_only = ON');
    const postsBefore = digestPosts().length;
    try {
      const sub = await h.one(subscribe(hhmm, tz, { keywords: 'read-only' }));
      expect(String(callbackData(sub).content)).toMatch(DB_READONLY);
      expect(h.logs().find((l) => l.msg === 'interaction failed' && l.interactionId === sub.interactionId)).toMatchObject({ database: 'readonly', path: h.config.dbPath });
      const unsub = await h.one(h.standin.sendCommand('digest', { id: 2 }, { user: 'bob', subcommand: 'unsubscribe' }));
      expect(String(callbackData(unsub).content)).toMatch(DB_READONLY);
      expect(onDisk().map((s) => s.id)).toEqual([1, 2, 3]);
      // Subscription #3's digest was already sent today; a new claim for #1/#2 is not due; nothing is posted.
      await h.bot.ctx.scheduler!.runDue(new Date());
      expect(digestPosts().length).toBe(postsBefore);
    } finally {
      db.pragma('query_only = OFF');
    }
  });

  it('deleted while running: written back and reopened; a later subscription and the older ones survive a restart; no second digest', async () => {
    const path = h.config.dbPath;
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    expect(existsSync(path)).toBe(false);
    const r = await h.one(subscribe(pastTime(4), 'UTC', { keywords: 'after-delete' }));
    expect(String(callbackData(r).content)).toMatch(/^Subscribed: \*\*#4\*\*/);
    expect(h.standin.ackLatency(r.interactionId)).toBeLessThan(3000);
    expect(h.logs().some((l) => l.level >= 50 && l.path === path && String(l.msg).includes(`the database file ${path} was deleted`))).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(onDisk().map((s) => s.id)).toEqual([1, 2, 3, 4]);

    // Deleted again, then a plain restart (no write in between): the shutdown writes it back too.
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    await h.bot.stop();
    expect(onDisk().map((s) => s.id)).toEqual([1, 2, 3, 4]);
    await h.restart();
    const list = await h.one(h.standin.sendCommand('digest', {}, { user: 'bob', subcommand: 'list' }));
    expect(((callbackData(list).embeds as { title: string }[])[0]!).title).toBe('Digest subscriptions (4)');
    // The digest of #3 was recorded as sent: the restarted scheduler doesn't send it again.
    const before = digestPosts().length;
    const outcomes = await h.bot.ctx.scheduler!.runDue(new Date());
    expect(outcomes.find((o) => o.subscriptionId === 3)).toMatchObject({ status: 'skipped', reason: 'done' });
    expect(digestPosts().length).toBe(before);
  }, 30_000);

  it('no unhandled rejections; every bot message had allowed_mentions {parse: []}', () => {
    expect(h.unhandled).toEqual([]);
    const messages = h.standin.requests.filter((q) => q.route === 'POST /channels/:channel/messages' || (q.route === 'POST /interactions/:interaction/:token/callback' && (q.body as { type: number }).type === 4));
    for (const q of messages) {
      const payload = (q.route?.startsWith('POST /interactions') ? (q.body as { data: Json }).data : q.body) as Json;
      expect(payload.allowed_mentions).toEqual({ parse: [] });
    }
  });
});
