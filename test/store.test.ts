import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS, openStore, StoreError, UserError } from '../src/store/index.ts';
import type { NewSubscription, Store, StoreOptions } from '../src/store/index.ts';

const silent = pino({ level: 'silent' });
let clock = new Date('2025-11-24T08:00:00.000Z');
const now = (): Date => clock;
let dir: string;
const opened: Store[] = [];

function open(file = path.join(dir, 'papertalk.sqlite'), extra: Partial<StoreOptions> = {}): Store {
  const s = openStore({ path: file, logger: silent, now, ...extra });
  opened.push(s);
  return s;
}

function expectStoreError(fn: () => unknown, code: StoreError['code'], pattern?: RegExp): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/^papertalk: /);
    if (pattern) expect(e.message).toMatch(pattern);
    return e;
  }
  throw new Error(`expected a StoreError ${code}`);
}

const sub = (over: Partial<NewSubscription> = {}): NewSubscription => ({
  guildId: 'g1',
  channelId: 'c1',
  userId: null,
  createdBy: 'u1',
  time: '08:00',
  timezone: 'UTC',
  categories: ['CL'],
  authors: [],
  keywords: [],
  excludeKeywords: [],
  maxPapers: 10,
  postEmpty: false,
  ...over,
});

/** Every ancestor of `dir` lets others through (o+x), so a child running as `nobody` can reach files in it. */
function othersCanEnter(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (!(fs.statSync(d).mode & 0o001)) return false;
    } catch {
      return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

/** Where the tests' temporary directories go: the system's, unless `nobody` could not enter it (a private TMPDIR). */
const TMP_ROOT = [os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm'].find(othersCanEnter);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(TMP_ROOT ?? os.tmpdir(), 'papertalk-store-'));
  clock = new Date('2025-11-24T08:00:00.000Z');
});

afterEach(() => {
  for (const s of opened.splice(0)) {
    try {
      s.close();
    } catch {
      // already closed
    }
  }
  fs.chmodSync(dir, 0o700);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('creates the file with WAL, foreign keys, busy timeout and the latest schema', () => {
    const s = open(undefined, { busyTimeoutMs: 1234 });
    expect(fs.existsSync(s.path)).toBe(true);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(s.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(s.schemaVersion).toBe(LATEST_VERSION);
    const tables = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['digest_runs', 'kv', 'papers_seen', 'schema_version', 'subscriptions']),
    );
    const history = s.db.prepare('SELECT version, applied_at FROM schema_version').all();
    expect(history).toEqual(MIGRATIONS.map((m) => ({ version: m.version, applied_at: clock.toISOString() })));
  });

  it('reopening keeps data and does not re-run migrations', () => {
    const a = open();
    const created = a.addSubscription(sub());
    a.close();
    const b = open();
    expect(b.getSubscription(created.id)).toEqual(created);
    expect(b.db.prepare('SELECT count(*) FROM schema_version').pluck().get()).toBe(MIGRATIONS.length);
  });

  it('a file of garbage bytes → StoreError corrupt with advice', () => {
    const file = path.join(dir, 'garbage.sqlite');
    fs.writeFileSync(file, Buffer.from('definitely not an SQLite database\n'.repeat(300)));
    expectStoreError(() => open(file), 'corrupt', /not a valid SQLite database.*Move it aside/s);
  });

  it('a valid database with damaged pages → StoreError corrupt (quick_check)', () => {
    const file = path.join(dir, 'damaged.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE t (a INTEGER, b TEXT)');
    const ins = raw.prepare('INSERT INTO t VALUES (?, ?)');
    raw.transaction(() => {
      for (let i = 0; i < 2000; i += 1) ins.run(i, 'x'.repeat(100));
    })();
    raw.close();
    const buf = fs.readFileSync(file);
    buf.fill(0x5a, 4096 * 3, 4096 * 6);
    fs.writeFileSync(file, buf);
    expectStoreError(() => open(file), 'corrupt');
  });

  it('a database locked by another connection (BEGIN EXCLUSIVE) → StoreError locked after the busy timeout', () => {
    const file = path.join(dir, 'locked.sqlite');
    open(file).close();
    const other = new Database(file);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const t0 = Date.now();
      expectStoreError(() => open(file, { busyTimeoutMs: 150 }), 'locked', /locked by another process/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    // Once released, it opens fine.
    expect(open(file).listSubscriptions()).toEqual([]);
  });

  it('a fresh (rollback-journal) database locked exclusively → StoreError locked', () => {
    const file = path.join(dir, 'locked2.sqlite');
    const other = new Database(file);
    try {
      other.exec('CREATE TABLE x (a)');
      other.exec('BEGIN EXCLUSIVE');
      expectStoreError(() => open(file, { busyTimeoutMs: 100 }), 'locked');
    } finally {
      other.close();
    }
  });

  const isRoot = process.getuid?.() === 0;

  type ChildResult = { name?: string; code?: string; message?: string; opened?: boolean };

  /**
   * As root chmod does not block writes: open from ONE child process running as `nobody` (uid 65534).
   * `nobody` may not be able to enter the checkout (a clone under /root or a `mktemp -d` folder), so
   * the child imports nothing from it: the store is bundled to one plain-JS file and better-sqlite3
   * (its JS, native addon and the two packages that load it) is copied beside it, all in `dir`, a
   * temporary directory `nobody` can reach (see TMP_ROOT).
   */
  function openAsNobody(files: string[]): ChildResult[] {
    fs.chmodSync(dir, 0o755);
    const probe = path.join(dir, 'probe');
    fs.mkdirSync(probe);
    const entry = path.join(probe, 'open-as-nobody.ts');
    const storeModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/store/index.ts');
    fs.writeFileSync(
      entry,
      `import { openStore } from ${JSON.stringify(storeModule)};\n` +
        `const noop = () => {}; const logger = { info: noop, debug: noop, warn: noop, error: noop };\n` +
        `for (const path of process.argv.slice(2)) {\n` +
        `  try { openStore({ path, logger, now: () => new Date() }).close(); console.log(JSON.stringify({ opened: true })); }\n` +
        `  catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }\n}\n`,
    );
    const script = path.join(probe, 'open-as-nobody.mjs');
    buildSync({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'esm', external: ['better-sqlite3'], logLevel: 'silent' });
    const require = createRequire(import.meta.url);
    const pkgDir = (name: string, from?: string): string => path.dirname(require.resolve(`${name}/package.json`, from ? { paths: [from] } : undefined));
    const sqlite = pkgDir('better-sqlite3');
    const bindings = pkgDir('bindings', sqlite);
    const modules = path.join(probe, 'node_modules');
    const copy = (from: string, name: string, parts: string[]): void => {
      for (const part of parts) fs.cpSync(path.join(from, part), path.join(modules, name, part), { recursive: true });
    };
    copy(sqlite, 'better-sqlite3', ['package.json', 'lib', 'build/Release/better_sqlite3.node']);
    copy(bindings, 'bindings', ['package.json', 'bindings.js']);
    copy(pkgDir('file-uri-to-path', bindings), 'file-uri-to-path', ['package.json', 'index.js']);
    spawnSync('chmod', ['-R', 'a+rX', probe]);
    const r = spawnSync(process.execPath, [script, ...files], {
      uid: 65534,
      gid: 65534,
      cwd: probe,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.error, 'spawning a child as uid 65534 (nobody)').toBeUndefined();
    const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
    expect(lines, `child stderr: ${r.stderr}`).toHaveLength(files.length);
    return lines.map((l) => JSON.parse(l) as ChildResult);
  }

  it('unwritable: a read-only directory, and a read-only database file (caught by a write probe) → StoreError', (ctx) => {
    if (isRoot && !TMP_ROOT) ctx.skip('running as root and no temporary directory that uid 65534 can enter, so no user for whom chmod blocks writes');
    // 1. A directory the process cannot write: the file cannot be created.
    const roDir = path.join(dir, 'ro');
    fs.mkdirSync(roDir);
    const roDirFile = path.join(roDir, 'papertalk.sqlite');
    // 2. A read-only database file in a writable directory: SQLite silently opens it read-only.
    const rwDir = path.join(dir, 'rw');
    fs.mkdirSync(rwDir);
    const roFile = path.join(rwDir, 'papertalk.sqlite');
    open(roFile).close();
    for (const f of fs.readdirSync(rwDir)) if (f !== 'papertalk.sqlite') fs.rmSync(path.join(rwDir, f));
    fs.chmodSync(roFile, 0o444);

    let results: ChildResult[];
    if (!isRoot) {
      fs.chmodSync(roDir, 0o555);
      results = [roDirFile, roFile].map((f) => {
        const e = expectStoreError(() => open(f), 'unwritable');
        return { name: e.name, code: e.code, message: e.message };
      });
    } else {
      fs.chmodSync(roDir, 0o755); // owned by root: not writable for nobody
      fs.chmodSync(rwDir, 0o777); // writable for nobody; the file (root, 0444) is not
      results = openAsNobody([roDirFile, roFile]);
    }
    expect(results[0]).toMatchObject({ name: 'StoreError', code: 'unwritable' });
    expect(results[0]?.message).toMatch(/^papertalk: cannot write the database .*not writable/);
    expect(fs.existsSync(roDirFile)).toBe(false);
    expect(results[1]).toMatchObject({ name: 'StoreError', code: 'unwritable' });
    expect(results[1]?.message).toMatch(/^papertalk: cannot write the database .*(SQLITE_READONLY|SQLITE_CANTOPEN)/);
  });

  it('a path whose parent is a file → StoreError unwritable; a missing directory → missing-directory', () => {
    const notDir = path.join(dir, 'file');
    fs.writeFileSync(notDir, 'x');
    expectStoreError(() => open(path.join(notDir, 'db.sqlite')), 'unwritable', /not a directory/);
    expectStoreError(() => open(path.join(dir, 'nope', 'db.sqlite')), 'missing-directory', /does not exist/);
  });

  it('a database from a newer papertalk → StoreError too-new', () => {
    const file = path.join(dir, 'newer.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    expectStoreError(() => open(file), 'too-new', /newer papertalk/);
  });
});

describe('subscriptions', () => {
  it('add returns the row; list by guild, channel, user; duplicates are refused', () => {
    const s = open();
    const a = s.addSubscription(sub());
    expect(a).toMatchObject({ id: 1, guildId: 'g1', channelId: 'c1', active: true, lastDigestAt: null });
    expect(a.createdAt.toISOString()).toBe(clock.toISOString());
    const b = s.addSubscription(sub({ channelId: 'c2', time: '09:30', keywords: ['speech'] }));
    const dm = s.addSubscription(sub({ guildId: null, channelId: 'dm7', userId: 'u7', createdBy: 'u7' }));
    expect(s.listSubscriptions({ guildId: 'g1' }).map((x) => x.id)).toEqual([a.id, b.id]);
    expect(s.listSubscriptions({ channelId: 'c2' })).toEqual([b]);
    expect(s.listSubscriptions({ userId: 'u7' })).toEqual([dm]);
    expect(s.listSubscriptions({ active: true })).toHaveLength(3);
    expect(() => s.addSubscription(sub({ categories: ['cl'] }))).toThrow(UserError);
    expect(s.listSubscriptions()).toHaveLength(3);
  });

  it('remove checks ownership: creator or guild manager; other guild or stranger DM → not found', () => {
    const s = open();
    const a = s.addSubscription(sub());
    const dm = s.addSubscription(sub({ guildId: null, channelId: 'dm7', userId: 'u7', createdBy: 'u7' }));
    expect(() => s.removeSubscription(a.id, { userId: 'u2', guildId: 'g1' })).toThrow(/only its creator or a server manager/);
    expect(() => s.removeSubscription(a.id, { userId: 'u1', guildId: 'g2' })).toThrow(/no digest subscription #1/);
    expect(() => s.removeSubscription(dm.id, { userId: 'u1' })).toThrow(UserError);
    expect(() => s.removeSubscription(99, { userId: 'u1', guildId: 'g1' })).toThrow(UserError);
    expect(s.removeSubscription(a.id, { userId: 'u2', guildId: 'g1', canManageGuild: true }).id).toBe(a.id);
    expect(s.removeSubscription(dm.id, { userId: 'u7' }).id).toBe(dm.id);
    expect(s.listSubscriptions()).toEqual([]);
  });

  it('removing a subscription removes its digest runs (foreign key cascade)', () => {
    const s = open();
    const a = s.addSubscription(sub());
    s.claimDigestRun({ subscriptionId: a.id, localDate: '2025-11-24', nonce: 'n1', now: clock, leaseMs: 1000, maxAttempts: 3 });
    s.removeSubscription(a.id, { userId: 'u1', guildId: 'g1' });
    expect(s.db.prepare('SELECT count(*) FROM digest_runs').pluck().get()).toBe(0);
  });
});

describe('papers seen', () => {
  it('records new papers once; first-seen time never changes; papersSeenSince filters by time', () => {
    const s = open();
    const t1 = new Date('2025-11-24T08:00:00Z');
    const t2 = new Date('2025-11-25T08:00:00Z');
    expect(s.recordPapersSeen([{ id: 'p1', title: 'One', date: '2025-11-20' }, { id: 'p2', title: 'Two', date: null }], t1)).toEqual(['p1', 'p2']);
    expect(s.recordPapersSeen([{ id: 'p1', title: 'One', date: '2025-11-20' }, { id: 'p3', title: 'Three', date: '2025' }], t2)).toEqual(['p3']);
    // A second connection (another process) sees the same first-seen times and adds nothing twice.
    const other = open();
    expect(other.recordPapersSeen([{ id: 'p3', title: 'Three', date: '2025' }], new Date('2025-11-26T00:00:00Z'))).toEqual([]);
    const all = other.allPapersSeen();
    expect(all.map((p) => [p.paperId, p.firstSeenAt.toISOString()])).toEqual([
      ['p1', t1.toISOString()],
      ['p2', t1.toISOString()],
      ['p3', t2.toISOString()],
    ]);
    expect(s.papersSeenSince(t1).map((p) => p.paperId)).toEqual(['p3']);
    expect(s.papersSeenSince(new Date(0)).map((p) => p.paperId)).toEqual(['p1', 'p2', 'p3']);
  });
});

describe('digest runs', () => {
  it('claim → in-flight → lease expiry re-claims with the same nonce → sent → done', () => {
    const s = open();
    const a = s.addSubscription(sub());
    const base = { subscriptionId: a.id, localDate: '2025-11-24', nonce: 'nonce-1', leaseMs: 120_000, maxAttempts: 3 };
    const c1 = s.claimDigestRun({ ...base, now: new Date('2025-11-24T08:00:00Z') });
    expect(c1).toMatchObject({ claimed: true, resumed: false, run: { status: 'claimed', attempts: 1, nonce: 'nonce-1' } });
    const c2 = s.claimDigestRun({ ...base, nonce: 'other', now: new Date('2025-11-24T08:01:00Z') });
    expect(c2).toMatchObject({ claimed: false, reason: 'in-flight' });
    const c3 = s.claimDigestRun({ ...base, nonce: 'other', now: new Date('2025-11-24T08:02:30Z') });
    expect(c3).toMatchObject({ claimed: true, resumed: true, run: { nonce: 'nonce-1', attempts: 2 } });
    const cutoff = new Date('2025-11-24T08:02:30Z');
    s.setDigestSelection(c3.run.id, { paperIds: ['p1', 'p2'], firstDigest: true, cutoffAt: cutoff });
    const sent = s.markDigestSent(c3.run.id, { messageIds: ['m1'], at: new Date('2025-11-24T08:02:31Z') });
    expect(sent).toMatchObject({ status: 'sent', messageIds: ['m1'], paperIds: ['p1', 'p2'], firstDigest: true });
    expect(s.getSubscription(a.id)?.lastDigestAt?.toISOString()).toBe(cutoff.toISOString());
    expect(s.claimDigestRun({ ...base, now: new Date('2025-11-24T12:00:00Z') })).toMatchObject({ claimed: false, reason: 'done' });
    expect(() =>
      s.db.prepare("INSERT INTO digest_runs (subscription_id, local_date, status, claimed_at, nonce) VALUES (?, '2025-11-24', 'claimed', 'x', 'n')").run(a.id),
    ).toThrow(/UNIQUE/);
  });

  it('failed runs back off, retry with the same nonce, and stop after maxAttempts', () => {
    const s = open();
    const a = s.addSubscription(sub());
    const base = { subscriptionId: a.id, localDate: '2025-11-24', nonce: 'n', leaseMs: 120_000, maxAttempts: 2 };
    const t = (iso: string): Date => new Date(`2025-11-24T${iso}Z`);
    const c1 = s.claimDigestRun({ ...base, now: t('08:00:00') });
    s.markDigestFailed(c1.run.id, { error: 'boom', at: t('08:00:01'), nextAttemptAt: t('08:01:00') });
    expect(s.claimDigestRun({ ...base, now: t('08:00:30') })).toMatchObject({ claimed: false, reason: 'backoff' });
    const c2 = s.claimDigestRun({ ...base, now: t('08:01:00') });
    expect(c2).toMatchObject({ claimed: true, resumed: true, run: { attempts: 2, nonce: 'n' } });
    s.markDigestFailed(c2.run.id, { error: 'boom again', at: t('08:01:01'), nextAttemptAt: t('08:03:00') });
    expect(s.claimDigestRun({ ...base, now: t('09:00:00') })).toMatchObject({ claimed: false, reason: 'exhausted' });
    expect(s.getDigestRun(a.id, '2025-11-24')).toMatchObject({ status: 'failed', error: 'boom again', attempts: 2 });
    expect(s.getSubscription(a.id)?.lastDigestAt).toBeNull();
  });

  it('empty runs are recorded; lastDigestAt advances only when asked', () => {
    const s = open();
    const a = s.addSubscription(sub());
    const c = s.claimDigestRun({ subscriptionId: a.id, localDate: '2025-11-24', nonce: 'n', now: clock, leaseMs: 1, maxAttempts: 1 });
    s.setDigestSelection(c.run.id, { paperIds: [], firstDigest: true, cutoffAt: clock });
    expect(s.markDigestEmpty(c.run.id, { at: clock, advanceLastDigest: false })).toMatchObject({ status: 'empty', messageIds: [] });
    expect(s.getSubscription(a.id)?.lastDigestAt).toBeNull();
    expect(s.listDigestRuns(a.id)).toHaveLength(1);
  });

  it('latestDigestRun: the run of the latest local date, whatever the insertion order', () => {
    const s = open();
    const a = s.addSubscription(sub());
    expect(s.latestDigestRun(a.id)).toBeUndefined();
    for (const localDate of ['2025-11-25', '2025-11-27', '2025-11-26']) {
      s.claimDigestRun({ subscriptionId: a.id, localDate, nonce: `n-${localDate}`, now: clock, leaseMs: 1, maxAttempts: 1 });
    }
    expect(s.latestDigestRun(a.id)).toMatchObject({ localDate: '2025-11-27', nonce: 'n-2025-11-27' });
    expect(s.latestDigestRun(a.id + 1)).toBeUndefined();
  });
});

describe('kv', () => {
  it('stores values with optional expiry', () => {
    const s = open();
    s.kvSet('button:1', '{"page":2}');
    s.kvSet('button:2', 'x', { ttlMs: 60_000 });
    expect(s.kvGet('button:1')).toBe('{"page":2}');
    expect(s.kvGet('button:2')).toBe('x');
    expect(s.kvGet('button:2', new Date(clock.getTime() + 61_000))).toBeUndefined();
    expect(s.kvPurgeExpired(new Date(clock.getTime() + 61_000))).toBe(1);
    expect(s.kvDelete('button:1')).toBe(true);
    expect(s.kvGet('button:1')).toBeUndefined();
  });
});
