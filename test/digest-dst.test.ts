/**
 * DST: a digest fires at the right local time, exactly once per local date, across the March and
 * November changes (America/New_York) and the European ones (Europe/Berlin). Croner's own `nextRun`
 * gives the fire instants; `runDue` is driven with a fake clock through every 30 minutes of the window
 * plus one millisecond before and exactly at every fire instant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cron } from 'croner';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { DigestScheduler } from '../src/digest/scheduler.ts';
import type { DigestSender } from '../src/digest/scheduler.ts';
import { cronPattern, localDateOf, localParts, offsetMs, scheduledInstant } from '../src/digest/time.ts';
import { openStore } from '../src/store/store.ts';
import type { Store } from '../src/store/store.ts';

const logger = pino({ level: 'silent' });
let dir: string;
let store: Store;
let t = new Date("2025-01-01T00:00:00Z");
const schedulers: DigestScheduler[] = [];

const corpus: Paper[] = [
  {
    id: 'p1',
    title: 'A paper',
    aliases: [],
    authors: ['A B'],
    date: '2025-01-01',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: null,
    sources: [],
    categoryName: null,
    authorsTruncated: false,
    authorIds: [],
    year: 2025,
  },
];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'papertalk-dst-'));
  store = openStore({ path: path.join(dir, 'db.sqlite'), logger, now: () => t });
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  time: string;
  timezone: string;
  from: string;
  to: string;
  /** Expected local wall time of each fire, by local date (default: `time`). */
  special?: Record<string, string>;
  /** UTC instants expected for specific local dates. */
  instants?: Record<string, string>;
}

const wall = (d: Date, tz: string): string => {
  const p = localParts(d, tz);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
};

async function simulate(c: Case): Promise<{ sends: Array<{ at: Date; localDate: string; nonce: string }>; fires: Date[] }> {
  t = new Date(c.from);
  const sub = store.addSubscription({
    guildId: 'g',
    channelId: `chan-${c.name}`,
    userId: null,
    createdBy: 'u',
    time: c.time,
    timezone: c.timezone,
    categories: [],
    authors: [],
    keywords: [],
    excludeKeywords: [],
    maxPapers: 5,
    postEmpty: true, // every date yields a message, so every fire is visible to the sender
  });
  const sends: Array<{ at: Date; localDate: string; nonce: string }> = [];
  const sender: DigestSender = {
    send: async (s, message, nonce) => {
      if (s.id === sub.id) sends.push({ at: t, localDate: message.localDate, nonce });
      return [`m${sends.length}`];
    },
  };
  const sched = new DigestScheduler({
    store,
    sender,
    getPapers: () => corpus,
    logger,
    now: () => t,
    timers: true,
    sweepPattern: '0 0 0 1 1 *', // keep the real-time sweep out of the simulation
  });
  schedulers.push(sched);
  await sched.start();
  // Croner's view of the fire instants (the job the scheduler created, and a fresh one: same answer).
  const fires: Date[] = [];
  const end = new Date(c.to).getTime();
  for (let d = sched.nextRunAt(sub.id, new Date(c.from)); d && d.getTime() < end; d = sched.nextRunAt(sub.id, d)) {
    fires.push(d);
  }
  const plain = new Cron(cronPattern(c.time), { timezone: c.timezone, paused: true });
  expect(plain.nextRuns(fires.length, new Date(c.from)).map((d) => d.toISOString())).toEqual(
    fires.map((d) => d.toISOString()),
  );
  plain.stop();

  const samples = new Set<number>();
  for (let ms = new Date(c.from).getTime(); ms < end; ms += 30 * 60_000) samples.add(ms);
  for (const f of fires) {
    samples.add(f.getTime() - 1);
    samples.add(f.getTime());
    samples.add(f.getTime() + 3_600_000); // the repeated hour after a fall-back
  }
  for (const ms of [...samples].sort((a, b) => a - b)) {
    t = new Date(ms);
    await sched.runDue(t);
  }
  await sched.stop();
  store.setSubscriptionActive(sub.id, false);
  return { sends, fires };
}

function check(c: Case, sends: Array<{ at: Date; localDate: string }>, fires: Date[]): void {
  // Exactly one per local date, each exactly at croner's fire instant, at the expected wall time.
  const dates = sends.map((s) => s.localDate);
  expect(new Set(dates).size).toBe(dates.length);
  expect(sends.map((s) => s.at.toISOString())).toEqual(fires.map((f) => f.toISOString()));
  for (const s of sends) {
    expect(localDateOf(s.at, c.timezone)).toBe(s.localDate);
    expect(wall(s.at, c.timezone)).toBe(c.special?.[s.localDate] ?? c.time);
    expect(scheduledInstant(s.localDate, c.time, c.timezone).toISOString()).toBe(s.at.toISOString());
  }
  for (const [date, iso] of Object.entries(c.instants ?? {})) {
    expect(sends.find((s) => s.localDate === date)?.at.toISOString()).toBe(iso);
  }
}

describe('digests across DST changes', () => {
  it('02:30 America/New_York across the March spring-forward (02:30 does not exist on 9 Mar → 03:30 EDT)', async () => {
    const c: Case = {
      name: 'ny-spring',
      time: '02:30',
      timezone: 'America/New_York',
      from: '2025-03-07T12:00:00Z',
      to: '2025-03-12T12:00:00Z',
      special: { '2025-03-09': '03:30' },
      instants: {
        '2025-03-08': '2025-03-08T07:30:00.000Z',
        '2025-03-09': '2025-03-09T07:30:00.000Z',
        '2025-03-10': '2025-03-10T06:30:00.000Z',
      },
    };
    const { sends, fires } = await simulate(c);
    expect(sends.map((s) => s.localDate)).toEqual(['2025-03-08', '2025-03-09', '2025-03-10', '2025-03-11', '2025-03-12']);
    check(c, sends, fires);
  });

  it('01:30 America/New_York across the November fall-back (01:30 happens twice on 2 Nov → once, the first)', async () => {
    const c: Case = {
      name: 'ny-fall',
      time: '01:30',
      timezone: 'America/New_York',
      from: '2025-10-31T12:00:00Z',
      to: '2025-11-04T12:00:00Z',
      instants: {
        '2025-11-01': '2025-11-01T05:30:00.000Z',
        '2025-11-02': '2025-11-02T05:30:00.000Z', // 01:30 EDT; not again at 06:30Z (01:30 EST)
        '2025-11-03': '2025-11-03T06:30:00.000Z',
      },
    };
    const { sends, fires } = await simulate(c);
    expect(sends.map((s) => s.localDate)).toEqual(['2025-11-01', '2025-11-02', '2025-11-03', '2025-11-04']);
    check(c, sends, fires);
  });

  it('08:00 Europe/Berlin across the March and October changes', async () => {
    const spring: Case = {
      name: 'berlin-spring',
      time: '08:00',
      timezone: 'Europe/Berlin',
      from: '2025-03-28T12:00:00Z',
      to: '2025-04-01T12:00:00Z',
      instants: { '2025-03-29': '2025-03-29T07:00:00.000Z', '2025-03-30': '2025-03-30T06:00:00.000Z' },
    };
    const s1 = await simulate(spring);
    expect(s1.sends.map((s) => s.localDate)).toEqual(['2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01']);
    check(spring, s1.sends, s1.fires);

    const autumn: Case = {
      name: 'berlin-autumn',
      time: '08:00',
      timezone: 'Europe/Berlin',
      from: '2025-10-24T12:00:00Z',
      to: '2025-10-28T12:00:00Z',
      instants: { '2025-10-25': '2025-10-25T06:00:00.000Z', '2025-10-26': '2025-10-26T07:00:00.000Z' },
    };
    const s2 = await simulate(autumn);
    expect(s2.sends.map((s) => s.localDate)).toEqual(['2025-10-25', '2025-10-26', '2025-10-27', '2025-10-28']);
    check(autumn, s2.sends, s2.fires);
  });

  /** The wall time occurs twice that day (fall-back). */
  function ambiguous(date: string, time: string, tz: string): boolean {
    const first = scheduledInstant(date, time, tz);
    return [30, 60, 120].some((min) => {
      const later = new Date(first.getTime() + min * 60_000);
      return localDateOf(later, tz) === date && wall(later, tz) === time;
    });
  }

  it('repeated (fall-back) wall times run at their first occurrence', () => {
    expect(ambiguous('2025-11-02', '01:30', 'America/New_York')).toBe(true);
    expect(scheduledInstant('2025-11-02', '01:30', 'America/New_York').toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(ambiguous('2025-10-26', '02:30', 'Europe/Berlin')).toBe(true);
    expect(scheduledInstant('2025-10-26', '02:30', 'Europe/Berlin').toISOString()).toBe('2025-10-26T00:30:00.000Z');
    expect(ambiguous('2025-10-27', '02:30', 'Europe/Berlin')).toBe(false);
  });

  it('scheduledInstant agrees with croner for the week around every 2025 DST change (unambiguous times)', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata'];
    const times = ['00:00', '00:30', '01:30', '02:30', '03:00', '23:59'];
    let checked = 0;
    for (const tz of zones) {
      // Days whose UTC offset differs from the day before (plus 1 Jan, for zones without DST).
      const starts: Date[] = [new Date('2025-01-01T00:00:00Z')];
      for (let d = 1; d < 365; d += 1) {
        const a = new Date(Date.UTC(2025, 0, d, 12));
        const b = new Date(Date.UTC(2025, 0, d + 1, 12));
        if (offsetMs(a, tz) !== offsetMs(b, tz)) starts.push(new Date(a.getTime() - 3 * 86_400_000));
      }
      for (const time of times) {
        const job = new Cron(cronPattern(time), { timezone: tz, paused: true });
        for (const from of starts) {
          for (const next of job.nextRuns(7, from)) {
            const date = localDateOf(next, tz);
            // Croner's choice for a repeated wall time varies (first or second occurrence); ours is the
            // first. Either way the digest goes out once for that local date (runDue is the authority).
            if (ambiguous(date, time, tz)) continue;
            expect(scheduledInstant(date, time, tz).toISOString(), `${tz} ${time} ${date}`).toBe(next.toISOString());
            checked += 1;
          }
        }
        job.stop();
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
