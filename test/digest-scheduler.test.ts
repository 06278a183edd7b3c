import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import type { DigestMessage } from '../src/digest/format.ts';
import { DigestScheduler, DigestSendError, digestNonce } from '../src/digest/scheduler.ts';
import type { DigestSchedulerOptions, DigestSender } from '../src/digest/scheduler.ts';
import { openStore } from '../src/store/store.ts';
import type { Store } from '../src/store/store.ts';
import type { NewSubscription, Subscription } from '../src/store/types.ts';

function paper(id: string, date: string, over: Partial<Paper> = {}): Paper {
  return {
    id,
    title: `Title of ${id}`,
    aliases: [],
    authors: ['Nan Du', 'Ada Lovelace'],
    date,
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: `Abstract of ${id} about speech.`,
    sources: ['000_x.txt'],
    categoryName: 'Computation and Language',
    authorsTruncated: false,
    authorIds: [],
    year: Number(date.slice(0, 4)),
    ...over,
  };
}

interface SendCall {
  subscriptionId: number;
  channelId: string;
  nonce: string;
  message: DigestMessage;
  at: Date;
}

/** Records every call; `failures` makes the next N calls throw. */
class FakeSender implements DigestSender {
  calls: SendCall[] = [];
  failures = 0;
  failWith: () => Error = () => new Error('Discord answered 503 Service Unavailable');
  constructor(private readonly clock: () => Date) {}
  async send(sub: Subscription, message: DigestMessage, nonce: string): Promise<string[]> {
    this.calls.push({ subscriptionId: sub.id, channelId: sub.channelId, nonce, message, at: this.clock() });
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures -= 1;
      throw this.failWith();
    }
    return [`msg-${this.calls.length}`];
  }
}

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

let dir: string;
let t: Date;
const clock = (): Date => t;
const at = (iso: string): Date => new Date(iso);
let logs: LogLine[];
let logger: pino.Logger;
let corpus: Paper[];
const stores: Store[] = [];
const schedulers: DigestScheduler[] = [];

function newStore(): Store {
  const s = openStore({ path: path.join(dir, 'papertalk.sqlite'), logger, now: clock });
  stores.push(s);
  return s;
}

function newScheduler(store: Store, sender: DigestSender, extra: Partial<DigestSchedulerOptions> = {}): DigestScheduler {
  const s = new DigestScheduler({ store, sender, getPapers: () => corpus, logger, now: clock, timers: false, ...extra });
  schedulers.push(s);
  return s;
}

function subscribe(store: Store, over: Partial<NewSubscription> = {}): Subscription {
  return store.addSubscription({
    guildId: 'g1',
    channelId: 'chan-1',
    userId: null,
    createdBy: 'u1',
    time: '08:00',
    timezone: 'Europe/Berlin',
    categories: [],
    authors: [],
    keywords: [],
    excludeKeywords: [],
    maxPapers: 5,
    postEmpty: false,
    ...over,
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'papertalk-digest-'));
  t = at('2025-11-23T12:00:00Z');
  logs = [];
  logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  corpus = Array.from({ length: 12 }, (_, i) => paper(`p${String(i).padStart(2, '0')}`, `2025-11-${String(i + 1).padStart(2, '0')}`));
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  for (const s of stores.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DigestScheduler', () => {
  it('three simulated days over a data drop: first digest (latest), then exactly the new papers, then nothing', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    const sched = newScheduler(store, sender);
    const sub = subscribe(store); // 08:00 Europe/Berlin = 07:00 UTC in November
    await sched.start(); // 12:00 UTC on the 23rd: the time already passed before the subscription existed

    // Day 1 (24 Nov): nothing before the minute; at 08:00 local the first digest lists the latest papers by date.
    t = at('2025-11-24T06:59:59.999Z');
    expect(await sched.runDue()).toEqual([]);
    t = at('2025-11-24T07:00:00.000Z');
    const [day1] = await sched.runDue();
    expect(day1).toMatchObject({ status: 'sent', subscriptionId: sub.id, localDate: '2025-11-24', resumed: false });
    expect(sender.calls).toHaveLength(1);
    const m1 = sender.calls[0]!.message;
    expect(m1.firstDigest).toBe(true);
    expect(m1.title).toBe('Papers for Mon 24 Nov 2025 — 5 latest');
    expect(m1.intro).toMatch(/First digest/);
    expect(m1.paperIds).toEqual(['p11', 'p10', 'p09', 'p08', 'p07']);
    expect(m1.chunks.join('\n')).toContain('Title of p11');
    expect(store.getDigestRun(sub.id, '2025-11-24')).toMatchObject({
      status: 'sent',
      messageIds: ['msg-1'],
      paperIds: ['p11', 'p10', 'p09', 'p08', 'p07'],
      nonce: digestNonce(sub, '2025-11-24'),
    });

    // The data drop: two new papers appear during day 1 (the corpus reload notes them).
    t = at('2025-11-24T15:00:00Z');
    corpus = [...corpus, paper('n1', '2025-11-20'), paper('n2', '2025-11-24', { title: 'A Fresh Look at Speech' })];
    expect(sched.noteCorpus()).toEqual(['n1', 'n2']);

    // Day 2: exactly those two, newest first.
    t = at('2025-11-25T07:00:30Z');
    const [day2] = await sched.runDue();
    expect(day2).toMatchObject({ status: 'sent', paperIds: ['n2', 'n1'] });
    const m2 = sender.calls[1]!.message;
    expect(m2.firstDigest).toBe(false);
    expect(m2.title).toBe('Papers for Tue 25 Nov 2025 — 2 new');
    expect(m2.lines.map((l) => l.title)).toEqual(['A Fresh Look at Speech', 'Title of n1']);

    // Day 3: nothing new → no message, recorded empty.
    t = at('2025-11-26T07:00:00Z');
    const [day3] = await sched.runDue();
    expect(day3).toMatchObject({ status: 'empty', posted: false, messageIds: [] });
    expect(sender.calls).toHaveLength(2);
    expect(store.listDigestRuns(sub.id).map((r) => [r.localDate, r.status])).toEqual([
      ['2025-11-24', 'sent'],
      ['2025-11-25', 'sent'],
      ['2025-11-26', 'empty'],
    ]);
  });

  it('runDue twice (or concurrently) for the same date sends once', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    const sched = newScheduler(store, sender);
    subscribe(store);
    t = at('2025-11-24T07:00:00Z');
    const [a, b] = await Promise.all([sched.runDue(), sched.runDue()]);
    t = at('2025-11-24T07:05:00Z');
    const c = await sched.runDue();
    t = at('2025-11-24T22:59:00Z'); // still 24 Nov in Berlin
    const d = await sched.runDue();
    expect(sender.calls).toHaveLength(1);
    const statuses = [...a!, ...b!, ...c, ...d].map((o) => (o.status === 'skipped' ? o.reason : o.status));
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(1);
    expect(statuses.filter((s) => s !== 'sent').every((s) => s === 'done' || s === 'in-flight')).toBe(true);
    // A second scheduler on the same database (another process) does not send either.
    const other = newScheduler(newStore(), sender);
    expect(await other.runDue()).toMatchObject([{ status: 'skipped', reason: 'done' }]);
    expect(sender.calls).toHaveLength(1);
  });

  it('crash after the send but before markSent: a new process re-sends with the SAME nonce', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    const sub = subscribe(store);
    // The first process "dies" right after Discord accepted the message: nothing gets recorded.
    const crashing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'markDigestSent' || prop === 'markDigestFailed') {
          return () => {
            throw new Error('simulated crash');
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const first = newScheduler(crashing, sender);
    t = at('2025-11-24T07:00:00Z');
    await first.runDue();
    expect(sender.calls).toHaveLength(1);
    expect(store.getDigestRun(sub.id, '2025-11-24')).toMatchObject({ status: 'claimed', attempts: 1 });

    // A new process on the same file: within the lease it waits (the claim may still be alive)…
    const store2 = newStore();
    const second = newScheduler(store2, sender);
    t = at('2025-11-24T07:01:00Z');
    expect(await second.start()).toMatchObject([{ status: 'skipped', reason: 'in-flight' }]);
    expect(sender.calls).toHaveLength(1);
    // …then takes the run over and re-sends the same digest with the same nonce (Discord dedupes it).
    t = at('2025-11-24T07:02:30Z');
    const [out] = await second.runDue();
    expect(out).toMatchObject({ status: 'sent', resumed: true });
    expect(sender.calls).toHaveLength(2);
    expect(sender.calls[1]!.nonce).toBe(sender.calls[0]!.nonce);
    expect(sender.calls[1]!.nonce).toBe(digestNonce(sub, '2025-11-24'));
    expect(sender.calls[1]!.nonce.length).toBeLessThanOrEqual(25);
    expect(sender.calls[1]!.message.paperIds).toEqual(sender.calls[0]!.message.paperIds);
    expect(store2.getDigestRun(sub.id, '2025-11-24')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(logs.some((l) => l.msg === 'papertalk: re-sending digest' && l['nonce'] === sender.calls[0]!.nonce)).toBe(true);
  });

  it('downtime past the scheduled time → exactly one catch-up digest on start', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    t = at('2025-11-20T09:00:00Z');
    const missed = subscribe(store); // 08:00 Berlin
    const later = subscribe(store, { channelId: 'chan-2', time: '23:30' }); // not yet today
    const fresh = subscribe(store, { channelId: 'chan-3', time: '08:00' });
    // The bot was down from the 21st to 10:17 Berlin time on the 24th (several scheduled times missed).
    t = at('2025-11-24T09:17:00Z');
    store.db.prepare('UPDATE subscriptions SET created_at = ? WHERE id = ?').run('2025-11-24T09:10:00.000Z', fresh.id);
    const sched = newScheduler(store, sender);
    const outcomes = await sched.start();
    expect(outcomes.map((o) => [o.subscriptionId, o.status])).toEqual([[missed.id, 'sent']]);
    expect(sender.calls.map((c) => c.channelId)).toEqual(['chan-1']);
    expect(sender.calls[0]!.message.localDate).toBe('2025-11-24');
    // Later passes the same day do not repeat it; the 23:30 one goes at its time.
    t = at('2025-11-24T09:18:00Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'skipped', reason: 'done' }]);
    t = at('2025-11-24T22:30:00Z');
    await sched.runDue();
    expect(sender.calls.map((c) => c.subscriptionId)).toEqual([missed.id, later.id]);
    // The subscription created after 08:00 today gets its first digest tomorrow, not as a catch-up.
    expect(store.listDigestRuns(fresh.id)).toEqual([]);
  });

  it('failing sender: recorded failed, error logged, retried with backoff and the same nonce', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    sender.failures = 2;
    const sched = newScheduler(store, sender, { retryBaseMs: 60_000 });
    const sub = subscribe(store);
    t = at('2025-11-24T07:00:00Z');
    expect(await sched.runDue()).toMatchObject([
      { status: 'failed', error: 'Discord answered 503 Service Unavailable', retryAt: at('2025-11-24T07:01:00Z') },
    ]);
    expect(store.getDigestRun(sub.id, '2025-11-24')).toMatchObject({
      status: 'failed',
      error: 'Discord answered 503 Service Unavailable',
      attempts: 1,
    });
    const errorLogs = logs.filter((l) => l.level >= 50 && l.msg === 'papertalk: digest delivery failed; will retry');
    expect(errorLogs).toHaveLength(1);
    expect(errorLogs[0]).toMatchObject({ subscriptionId: sub.id, localDate: '2025-11-24', attempts: 1 });

    t = at('2025-11-24T07:00:30Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'skipped', reason: 'backoff' }]);
    t = at('2025-11-24T07:01:00Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'failed', retryAt: at('2025-11-24T07:03:00Z') }]);
    t = at('2025-11-24T07:03:00Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'sent', resumed: true }]);
    expect(sender.calls).toHaveLength(3);
    expect(new Set(sender.calls.map((c) => c.nonce)).size).toBe(1);
    expect(store.getDigestRun(sub.id, '2025-11-24')).toMatchObject({ status: 'sent', attempts: 3, error: null });
  });

  it('a send that hangs counts as failed after sendTimeoutMs and is retried with the same nonce', async () => {
    const store = newStore();
    const nonces: string[] = [];
    let hang = true;
    const sender: DigestSender = {
      send: (_s, _m, nonce) => {
        nonces.push(nonce);
        return hang ? new Promise<string[]>(() => undefined) : Promise.resolve(['ok-1']);
      },
    };
    const sched = newScheduler(store, sender, { sendTimeoutMs: 50 });
    const sub = subscribe(store);
    t = at('2025-11-24T07:00:00Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'failed', error: 'papertalk: digest send did not finish within 50 ms' }]);
    hang = false;
    t = at('2025-11-24T07:01:00Z');
    expect(await sched.runDue()).toMatchObject([{ status: 'sent', resumed: true }]);
    expect(nonces).toEqual([digestNonce(sub, '2025-11-24'), digestNonce(sub, '2025-11-24')]);
  });

  it('gives up after maxAttempts (or at once for a permanent error) and says so in the log and the record', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    sender.failures = 100;
    const sched = newScheduler(store, sender, { maxAttempts: 2, retryBaseMs: 1000 });
    const sub = subscribe(store);
    const perm = subscribe(store, { channelId: 'gone' });
    sender.failWith = () => new Error('boom');
    t = at('2025-11-24T07:00:00Z');
    await sched.runSubscription(sub.id);
    sender.failWith = () => new DigestSendError('Unknown Channel', { retryable: false });
    await sched.runSubscription(perm.id);
    expect(store.getDigestRun(perm.id, '2025-11-24')).toMatchObject({ status: 'failed', nextAttemptAt: null, attempts: 1 });
    sender.failWith = () => new Error('boom');
    t = at('2025-11-24T07:00:05Z');
    await sched.runDue();
    t = at('2025-11-24T08:00:00Z');
    expect((await sched.runDue()).map((o) => (o.status === 'skipped' ? o.reason : o.status))).toEqual([
      'exhausted',
      'exhausted',
    ]);
    expect(sender.calls.filter((c) => c.subscriptionId === sub.id)).toHaveLength(2);
    expect(sender.calls.filter((c) => c.subscriptionId === perm.id)).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'papertalk: digest delivery failed; giving up for this date')).toHaveLength(2);
  });

  it('empty digest: nothing sent and recorded empty; with postEmpty a short note is posted', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    const sched = newScheduler(store, sender);
    const quiet = subscribe(store, { keywords: ['quantum'] });
    const chatty = subscribe(store, { channelId: 'chan-2', keywords: ['quantum'], postEmpty: true });
    t = at('2025-11-24T07:00:00Z');
    const outcomes = await sched.runDue();
    expect(outcomes.map((o) => o.status)).toEqual(['empty', 'empty']);
    expect(store.getDigestRun(quiet.id, '2025-11-24')).toMatchObject({ status: 'empty', messageIds: [] });
    expect(store.getDigestRun(chatty.id, '2025-11-24')).toMatchObject({ status: 'empty', messageIds: ['msg-1'] });
    expect(sender.calls.map((c) => [c.channelId, c.message.title])).toEqual([
      ['chan-2', 'Papers for Mon 24 Nov 2025 — nothing new'],
    ]);
    // An empty first digest keeps the subscription "first": a matching paper later is listed as latest.
    expect(store.getSubscription(quiet.id)?.lastDigestAt).toBeNull();
    corpus = [...corpus, paper('q1', '2025-11-24', { title: 'Quantum speech' })];
    t = at('2025-11-25T07:00:00Z');
    const [next] = await sched.runDue();
    expect(next).toMatchObject({ status: 'sent', paperIds: ['q1'] });
  });

  it('uses croner jobs per subscription in its time zone; stop() ends them', async () => {
    const store = newStore();
    const sender = new FakeSender(clock);
    t = at('2025-11-24T06:00:00Z');
    const a = subscribe(store, { time: '08:00', timezone: 'Europe/Berlin' });
    const b = subscribe(store, { channelId: 'chan-2', time: '07:15', timezone: 'America/New_York' });
    const sched = newScheduler(store, sender, { timers: true, sweepPattern: '0 0 0 1 1 *' });
    await sched.start();
    expect(sched.nextRunAt(a.id)?.toISOString()).toBe('2025-11-24T07:00:00.000Z');
    expect(sched.nextRunAt(b.id)?.toISOString()).toBe('2025-11-24T12:15:00.000Z');
    const c = subscribe(store, { channelId: 'chan-3', time: '23:59', timezone: 'Asia/Tokyo' });
    sched.addSubscription(c);
    expect(sched.nextRunAt(c.id)?.toISOString()).toBe('2025-11-24T14:59:00.000Z');
    sched.removeSubscription(b.id);
    expect(sched.nextRunAt(b.id)).toBeNull();
    await sched.stop();
    expect(sched.nextRunAt(a.id)).toBeNull();
    expect(sender.calls).toHaveLength(0);
  });

  it('croner fires the job at the scheduled minute (fake timers drive croner, Date and the clock)', async () => {
    vi.useFakeTimers({ now: new Date('2025-11-24T06:58:00Z'), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const store = newStore();
      const sender = new FakeSender(() => new Date());
      const sub = subscribe(store);
      const sched = newScheduler(store, sender, { timers: true, now: () => new Date() });
      await sched.start();
      await vi.advanceTimersByTimeAsync(60_000); // 06:59:00Z
      expect(sender.calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(59_000); // 06:59:59Z — 07:59:59 in Berlin: not yet
      expect(sender.calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_000); // past 07:00:00Z
      expect(sender.calls).toHaveLength(1);
      expect(sender.calls[0]!.at.getTime()).toBeGreaterThanOrEqual(Date.parse('2025-11-24T07:00:00Z'));
      expect(sender.calls[0]!.at.getTime()).toBeLessThan(Date.parse('2025-11-24T07:00:01Z'));
      // The sweep and the next day's job: still one per local date.
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(sender.calls).toHaveLength(1);
      expect(store.getDigestRun(sub.id, '2025-11-24')?.status).toBe('sent');
      await sched.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a subscription added within its scheduled minute is delivered at once; stop() waits for it', async () => {
    const store = newStore();
    let release: () => void = () => undefined;
    const calls: string[] = [];
    const slow: DigestSender = {
      send: (_sub, _msg, nonce) =>
        new Promise((resolve) => {
          calls.push(nonce);
          release = () => resolve(['slow-1']);
        }),
    };
    const sched = newScheduler(store, slow);
    t = at('2025-11-24T06:59:10Z');
    await sched.start();
    t = at('2025-11-24T07:00:40Z'); // 08:00:40 in Berlin
    const sub = subscribe(store);
    sched.addSubscription(sub);
    expect(calls).toHaveLength(1);
    let stopped = false;
    const stopping = sched.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false); // still waiting for the delivery in flight
    release();
    await stopping;
    expect(store.getDigestRun(sub.id, '2025-11-24')).toMatchObject({ status: 'sent', messageIds: ['slow-1'] });
    expect(await sched.runDue()).toEqual([]); // stopped: no more passes
  });

  it('preview shows what the next digest would contain without recording a run', async () => {
    const store = newStore();
    const sched = newScheduler(store, new FakeSender(clock));
    const sub = subscribe(store, { maxPapers: 2 });
    const msg = sched.preview(sub.id, { maxPapers: 25 });
    expect(msg?.paperIds).toHaveLength(12);
    expect(msg?.firstDigest).toBe(true);
    expect(store.listDigestRuns(sub.id)).toEqual([]);
  });

  it("rankingFor: a personal digest's profile has its owner's /search ratings and author follows (its own rating of a paper wins); a channel digest has neither", () => {
    const store = newStore();
    const sched = newScheduler(store, new FakeSender(clock));
    const papers = new Map(corpus.map((p) => [p.id, p]));
    const [a, b, c] = [...papers.keys()];
    const mine = subscribe(store, { guildId: null, userId: 'u1', channelId: 'dm-u1' });
    const channel = subscribe(store, { channelId: 'chan-2' });
    store.rateProfilePaper({ userId: 'u1', paperId: a!, rating: 1, source: 'search', title: null });
    store.rateProfilePaper({ userId: 'u1', paperId: b!, rating: 1, source: 'search', title: null });
    store.rateDigestPaper({ subscriptionId: mine.id, paperId: b!, userId: 'u1', rating: -1, source: 'button', title: null });
    store.rateProfilePaper({ userId: 'u2', paperId: c!, rating: -1, source: 'search', title: null });
    store.addFollow({ kind: 'author', query: 'Nan Du', label: 'Nan Du', key: 'nan du', target: { nameKeys: ['nan du'] }, userId: 'u1', channelId: 'dm-u1', guildId: null });
    const personal = sched.rankingFor(mine).profile;
    expect(personal.liked.map((l) => [l.paper.id, l.source])).toEqual([[a, 'feedback']]);
    expect(personal.disliked.map((l) => l.paper.id)).toEqual([b]);
    expect(personal.authors).toEqual([expect.objectContaining({ name: 'Nan Du', source: 'follow' })]);
    expect(sched.rankingFor(channel).profile).toMatchObject({ liked: [], disliked: [], authors: [] });
  });
});
