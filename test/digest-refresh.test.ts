/**
 * ArxivRefresher: which digest window the feed is fetched for, at most once per window (catch-ups
 * included), records kept across fetches and restarts, a failing feed keeps what there is.
 * Fake fetch (the Atom fixture), fake clock, an in-memory store.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawPaper } from '../src/corpus/schema.ts';
import { createRateLimiter } from '../src/feeds/arxiv.ts';
import { ARXIV_RECORDS_KEY, ArxivRefresher } from '../src/feeds/refresh.ts';
import { openStore, type Store } from '../src/store/store.ts';
import type { NewSubscription } from '../src/store/types.ts';

const FIXTURE = readFileSync(new URL('./fixtures/arxiv/cs-cl-lg.atom.xml', import.meta.url), 'utf8');

let t = new Date('2025-11-24T06:00:00Z');
const clock = (): Date => t;
const logs: { level: number; msg: string }[] = [];
const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s) as { level: number; msg: string }) });
const stores: Store[] = [];

function setup(answer: () => { status: number; body: string } = () => ({ status: 200, body: FIXTURE })) {
  const store = openStore({ path: ':memory:', logger, now: clock });
  stores.push(store);
  const calls: string[] = [];
  const applied: RawPaper[][] = [];
  const make = (s: Store = store): ArxivRefresher =>
    new ArxivRefresher({
      categories: ['cs.CL', 'cs.LG'],
      store: s,
      logger,
      now: clock,
      apply: async (records) => void applied.push(records),
      timers: false,
      fetchOptions: {
        retries: 0,
        minIntervalMs: 0,
        rateLimiter: createRateLimiter(),
        fetch: async () => {
          calls.push(t.toISOString());
          const a = answer();
          return new Response(a.body, { status: a.status });
        },
      },
    });
  return { store, calls, applied, refresher: make(), make };
}

function sub(store: Store, over: Partial<NewSubscription> = {}) {
  return store.addSubscription(
    {
      guildId: 'g',
      channelId: `c-${Math.random()}`,
      userId: null,
      createdBy: 'u',
      time: '08:00',
      timezone: 'UTC',
      categories: [],
      authors: [],
      keywords: [],
      excludeKeywords: [],
      maxPapers: 10,
      postEmpty: false,
      ...over,
    },
    new Date('2025-11-23T12:00:00Z'),
  );
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  logs.length = 0;
});

describe('ArxivRefresher', () => {
  it('windows: the earliest upcoming time; an overdue, undelivered digest counts; a delivered one moves to tomorrow', () => {
    const { store, refresher } = setup();
    expect(refresher.nextWindow()).toBeNull();
    const a = sub(store, { time: '08:00', timezone: 'UTC' });
    sub(store, { time: '07:30', timezone: 'Europe/Berlin' }); // 06:30Z
    t = new Date('2025-11-24T06:00:00Z');
    expect(refresher.nextWindow()?.toISOString()).toBe('2025-11-24T06:30:00.000Z');
    t = new Date('2025-11-24T07:00:00Z'); // the 06:30Z digest is overdue and not delivered (catch-up)
    expect(refresher.nextWindow()?.toISOString()).toBe('2025-11-24T06:30:00.000Z');
    for (const s of store.listSubscriptions()) {
      const run = store.claimDigestRun({ subscriptionId: s.id, localDate: '2025-11-24', nonce: `n${s.id}`, now: t, leaseMs: 1, maxAttempts: 1 });
      if (s.id !== a.id) store.markDigestEmpty(run.run.id, { at: t, advanceLastDigest: true });
    }
    expect(refresher.nextWindow()?.toISOString()).toBe('2025-11-24T08:00:00.000Z');
  });

  it('fetches once, leadMs before the window, never again for it; an overdue window is fetched at once and covers a window right after', async () => {
    const { store, calls, applied, refresher } = setup();
    const a = sub(store, { time: '08:00' });
    sub(store, { time: '08:03' });
    const deliver = (id: number, localDate: string): void => {
      const run = store.claimDigestRun({ subscriptionId: id, localDate, nonce: `n${id}${localDate}`, now: t, leaseMs: 1, maxAttempts: 1 }).run;
      store.markDigestEmpty(run.id, { at: t, advanceLastDigest: true });
    };
    for (const iso of ['2025-11-24T07:54:00Z', '2025-11-24T07:55:00Z', '2025-11-24T07:56:00Z', '2025-11-24T07:59:59Z']) {
      t = new Date(iso);
      await refresher.tick();
    }
    expect(calls).toEqual(['2025-11-24T07:55:00.000Z']);
    expect(applied).toHaveLength(1);
    expect(applied[0]!.map((r) => r.source)).toEqual(['arxiv:2511.17301', 'arxiv:2511.17432', 'arxiv:2511.16988', 'arxiv:2511.16543', 'arxiv:2511.15002']); // newest first
    // 08:00 delivered: the 08:03 window is next; the 07:55 fetch is older than leadMs before it → one more fetch.
    t = new Date('2025-11-24T08:00:00Z');
    deliver(a.id, '2025-11-24');
    t = new Date('2025-11-24T08:01:00Z');
    await refresher.tick();
    t = new Date('2025-11-24T08:02:00Z');
    await refresher.tick();
    expect(calls).toEqual(['2025-11-24T07:55:00.000Z', '2025-11-24T08:01:00.000Z']);
    // Next day, started late (08:01): the overdue 08:00 window is fetched at once (catch-up) and covers 08:03.
    t = new Date('2025-11-25T08:01:00Z');
    await refresher.tick();
    expect(calls).toHaveLength(3);
    deliver(a.id, '2025-11-25');
    t = new Date('2025-11-25T08:01:30Z');
    await refresher.tick();
    expect(calls).toHaveLength(3);
  });

  it('a failing feed keeps the records it had and says so; records are kept in the store and restored after a restart', async () => {
    let status = 200;
    const { store, calls, applied, refresher, make } = setup(() => ({ status, body: status === 200 ? FIXTURE : 'down' }));
    const ok = await refresher.refresh();
    expect(ok).toMatchObject({ ok: true, fetched: 5, kept: 5 });
    status = 503;
    const failed = await refresher.refresh();
    expect(failed).toMatchObject({ ok: false, fetched: 0, kept: 5 });
    expect(applied).toHaveLength(1);
    expect(calls).toHaveLength(2);
    expect(logs.some((l) => l.msg === 'papertalk: arXiv feed failed; digests go out with the papers already there')).toBe(true);
    expect(JSON.parse(store.kvGet(ARXIV_RECORDS_KEY)!)).toHaveLength(5);
    const restarted = make();
    expect(restarted.restore().map((r) => r.source)).toEqual(refresher.current.map((r) => r.source));
  });
});
