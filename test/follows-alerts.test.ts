/**
 * Follow alerts (src/digest/followAlerts.ts) with an injected clock, a real SQLite file, the real
 * corpus plus data drops (libraries built from copies of data/ with new files), and a recording
 * sender: the first alert of a follow at once, later ones batched at most once an hour, a paper never
 * twice for a follow (also across a restart), closed DMs (papers wait for the next alert), retries
 * with the same nonce, and a take-over after a crash mid-delivery.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { resolveFollow } from '../src/digest/follows.ts';
import { FollowAlerter, followAlertNonce, type AlertOutcome, type FollowSender } from '../src/digest/followAlerts.ts';
import type { DigestMessage } from '../src/digest/format.ts';
import { DigestSendError } from '../src/digest/scheduler.ts';
import { Library } from '../src/search/library.ts';
import { openStore, type Store } from '../src/store/index.ts';
import type { FollowAlert, FollowKind } from '../src/store/types.ts';

interface DropPaper {
  title: string;
  authors: string[];
  category: string;
  date: string;
  abstract: string;
}

function lineListing(owner: string, papers: readonly DropPaper[]): string {
  const entries = papers.map((p) => `${p.category}${p.date}\n${p.title}\n\n${p.authors.join(', ')}\n\n${p.abstract}\n`);
  return `${owner}\n\nCL\nh-index12\n${papers.length}papers\n100citations\n\n${papers.length} Papers\n\n${entries.join('\n')}`;
}

const A: DropPaper = { title: 'Routing Tokens to Experts Without Load Balancing Losses', authors: ['Yanqi Zhou', 'Ada Example'], category: 'LG', date: 'Nov 24, 2025', abstract: 'A router that needs no auxiliary loss.' };
const B: DropPaper = { title: 'Pruning Experts After Pretraining', authors: ['Ada Example', 'Yanqi Zhou'], category: 'LG', date: 'Nov 25, 2025', abstract: 'Which experts can go once training is done.' };
const C: DropPaper = { title: 'Streaming Speech Recognition for Very Long Recordings', authors: ['Ada Example', 'Ben Sample'], category: 'CL', date: 'Nov 25, 2025', abstract: 'Transcribing hours of audio without drift.' };
const D: DropPaper = { title: 'Sparse Upcycling of Dense Checkpoints, Revisited', authors: ['Yanqi Zhou'], category: 'LG', date: 'Nov 26, 2025', abstract: 'Turning dense models into mixtures, again.' };
const E: DropPaper = { title: 'Neural Audio Codecs at Very Low Bitrates', authors: ['Carl Demo'], category: 'SD', date: 'Nov 26, 2025', abstract: 'Sound compression with learned codecs.' };
const F: DropPaper = { title: 'Expert Choice Routing for Speech Models', authors: ['Yanqi Zhou', 'Dana Probe'], category: 'AS', date: 'Nov 27, 2025', abstract: 'Routing by experts for audio encoders.' };
const G: DropPaper = { title: 'Tokenizer-Free Retrieval for Long Documents', authors: ['Yanqi Zhou'], category: 'IR', date: 'Nov 28, 2025', abstract: 'Retrieval without tokenizers.' };

interface Sent {
  alert: FollowAlert;
  message: DigestMessage;
  titles: string[];
}

class FakeSender implements FollowSender {
  sent: Sent[] = [];
  attempts = 0;
  /** Throws this on the next sends (`times`). */
  failure: { error: () => Error; times: number } | null = null;
  /** Never settles (a crash mid-delivery). */
  hang = false;
  async send(alert: FollowAlert, message: DigestMessage): Promise<string[]> {
    this.attempts += 1;
    await Promise.resolve();
    if (this.hang) return new Promise<string[]>(() => undefined);
    if (this.failure && this.failure.times > 0) {
      this.failure.times -= 1;
      throw this.failure.error();
    }
    const titles = message.content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));
    this.sent.push({ alert, message, titles });
    return [`m${this.sent.length}`];
  }
}

let dir: string;
let libs: Library[] = [];
let t = new Date('2025-11-24T12:00:00.000Z');
const clock = (): Date => t;
const minutes = (n: number): Date => new Date(Date.parse('2025-11-24T12:00:00.000Z') + n * 60_000);
const logs: string[] = [];
const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(s) });
let current: Library;
let store: Store;
let sender: FakeSender;
let alerter: FollowAlerter;

/** The shipped corpus plus the drops so far (files 005…, each a drop). */
async function libraryWith(drops: DropPaper[][]): Promise<Library> {
  const d = fs.mkdtempSync(path.join(dir, 'data-'));
  fs.cpSync('data', d, { recursive: true, filter: (src) => !/\.sqlite|\.cache/.test(src) });
  drops.forEach((papers, i) => fs.writeFileSync(path.join(d, `${String(5 + i).padStart(3, '0')}_drop.txt`), lineListing('Ada Example', papers)));
  return Library.build((await loadCorpusDir(d)).corpus);
}

function open(): void {
  store = openStore({ path: path.join(dir, 'papertalk.sqlite'), logger, now: clock });
  sender = new FakeSender();
  alerter = new FollowAlerter({ store, sender, getLibrary: () => current, logger, now: clock, timers: false, leaseMs: 120_000, retryBaseMs: 60_000 });
}

function follow(userId: string, kind: FollowKind, text: string): number {
  alerter.noteCorpus();
  const r = resolveFollow(kind, text, current);
  return store.addFollow({ kind, query: r.query, label: r.label, key: r.key, target: r.target, userId, channelId: `dm-${userId}`, guildId: null }).id;
}

const sentTo = (userId: string): Sent[] => sender.sent.filter((s) => s.alert.userId === userId);
const outcome = (os: AlertOutcome[], userId: string): AlertOutcome | undefined => os.find((o) => o.userId === userId);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'papertalk-follow-alerts-'));
  libs = await Promise.all([libraryWith([]), libraryWith([[A]]), libraryWith([[A], [B, C]]), libraryWith([[A], [B, C], [D, E]]), libraryWith([[A], [B, C], [D, E], [F]]), libraryWith([[A], [B, C], [D, E], [F], [G]])]);
  current = libs[0]!;
  open();
}, 60_000);

afterAll(async () => {
  await alerter?.stop();
  store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('follow alerts over simulated hours', () => {
  it('the corpus already there is not new: no alert for anyone', async () => {
    const first = await alerter.runDue();
    expect(first).toEqual({ matched: 0, outcomes: [] });
    expect(store.followCursor()).toBe(current.corpus.papers.length);
    follow('u1', 'author', 'Yanqi Zhou');
    follow('u2', 'topic', 'CL');
    expect((await alerter.runDue()).outcomes).toEqual([]);
    expect(sender.attempts).toBe(0);
  });

  it('12:00 a paper by a followed author arrives: the follower gets one DM at once', async () => {
    current = libs[1]!;
    const pass = await alerter.runDue();
    expect(pass.matched).toBe(1);
    expect(outcome(pass.outcomes, 'u1')).toMatchObject({ status: 'sent', resumed: false });
    expect(sentTo('u1').map((s) => s.titles)).toEqual([[A.title]]);
    const sent = sentTo('u1')[0]!;
    expect(sent.alert.channelId).toBe('dm-u1');
    expect(sent.alert.nonce).toBe(followAlertNonce('u1', sent.alert.id));
    expect(sent.message.content.split('\n')[0]).toBe('**1 new paper for your follows**');
    expect(sent.message.chunks[0]).toContain('↳ author Yanqi Zhou');
    expect(sentTo('u2')).toEqual([]);
    // Another pass: nothing more.
    expect((await alerter.runDue()).outcomes).toEqual([]);
  });

  it('12:10 more papers: the author follower waits for the hour; the category follower\'s first alert goes at once', async () => {
    t = minutes(10);
    current = libs[2]!;
    const pass = await alerter.runDue();
    expect(outcome(pass.outcomes, 'u1')).toMatchObject({ status: 'skipped', reason: 'waiting', nextAt: minutes(60) });
    expect(outcome(pass.outcomes, 'u2')).toMatchObject({ status: 'sent' });
    expect(sentTo('u2').map((s) => s.titles)).toEqual([[C.title]]);
    expect(sentTo('u1')).toHaveLength(1);
    expect(alerter.status('u1')).toEqual({ waiting: 1, nextAlertAt: minutes(60) });
  });

  it('12:30 a new follow; 12:40 its first paper arrives: one DM at once, batching the paper that was waiting', async () => {
    t = minutes(30);
    follow('u1', 'topic', 'Sound');
    t = minutes(40);
    current = libs[3]!;
    const pass = await alerter.runDue();
    expect(outcome(pass.outcomes, 'u1')).toMatchObject({ status: 'sent' });
    expect(sentTo('u1')).toHaveLength(2);
    expect(new Set(sentTo('u1')[1]!.titles)).toEqual(new Set([B.title, D.title, E.title]));
    expect(sentTo('u1')[1]!.titles.at(-1)).toBe(B.title); // newest first (B is the oldest)
    expect(sentTo('u2')).toHaveLength(1);
  });

  it('12:50 another paper: at most one DM an hour — nothing at 13:39, the batch at 13:40', async () => {
    t = minutes(50);
    current = libs[4]!;
    expect(outcome((await alerter.runDue()).outcomes, 'u1')).toMatchObject({ status: 'skipped', reason: 'waiting', nextAt: minutes(100) });
    t = minutes(99);
    await alerter.runDue();
    expect(sentTo('u1')).toHaveLength(2);
    t = minutes(100);
    expect(outcome((await alerter.runDue()).outcomes, 'u1')).toMatchObject({ status: 'sent' });
    expect(sentTo('u1').map((s) => s.titles)).toEqual([[A.title], expect.arrayContaining([B.title, D.title, E.title]), [F.title]]);
    expect(store.listFollowMatches({ userId: 'u1', pending: true })).toEqual([]);
  });

  it('a restart (new store and alerter on the same file) sends nothing twice', async () => {
    await alerter.stop();
    store.close();
    const before = sender.sent.length;
    open();
    t = minutes(200);
    const pass = await alerter.runDue();
    expect(pass).toEqual({ matched: 0, outcomes: [] });
    expect(sender.sent.length).toBe(0);
    expect(store.listFollowAlerts('u1').map((a) => a.status)).toEqual(['sent', 'sent', 'sent']);
    expect(before).toBe(4);
  });

  it('closed DMs: Discord refuses, nothing is retried until the next alert is due; then the papers arrive', async () => {
    t = minutes(210);
    current = libs[5]!;
    sender.failure = { error: () => new DigestSendError('cannot post the follow alert to channel dm-u1: Cannot send messages to this user (50007)', { retryable: false }), times: 1 };
    const failed = outcome((await alerter.runDue()).outcomes, 'u1');
    expect(failed).toMatchObject({ status: 'failed', retryAt: null });
    expect(logs.some((l) => l.includes('follow alert delivery failed; its papers wait for the next alert'))).toBe(true);
    t = minutes(211);
    expect(outcome((await alerter.runDue()).outcomes, 'u1')).toMatchObject({ status: 'skipped', reason: 'waiting', nextAt: minutes(270) });
    expect(sender.attempts).toBe(1);
    t = minutes(270);
    expect(outcome((await alerter.runDue()).outcomes, 'u1')).toMatchObject({ status: 'sent' });
    expect(sender.sent.map((s) => s.titles)).toEqual([[G.title]]);
    // Never twice: the paper is done for this follow.
    expect(store.listFollowMatches({ userId: 'u1', pending: true })).toEqual([]);
  });

  it('a transient failure is retried with the same nonce; a crash mid-delivery is taken over after the lease with the same nonce', async () => {
    // u3 follows; a paper they follow is already in the corpus → nothing; a "new" one arrives via a fresh arrival row.
    follow('u3', 'author', 'Yanqi Zhou');
    // Re-run the last drop as if new for u3: a paper whose arrival comes after u3's follow.
    const gId = current.corpus.papers.find((p) => p.title === G.title)!.id;
    store.db.prepare('DELETE FROM paper_arrivals WHERE paper_id = ?').run(gId);
    store.db.prepare('INSERT INTO paper_arrivals (paper_id, seen_at) VALUES (?, ?)').run(gId, t.toISOString());
    sender.failure = { error: () => new Error('Discord answered 503'), times: 1 };
    const first = outcome((await alerter.runDue()).outcomes, 'u3');
    expect(first).toMatchObject({ status: 'failed', retryAt: minutes(271) });
    const nonce = store.listFollowAlerts('u3')[0]!.nonce;
    t = minutes(271);
    expect(outcome((await alerter.runDue()).outcomes, 'u3')).toMatchObject({ status: 'sent', resumed: true, nonce });
    // u1 already had G: it was not sent to u1 again.
    expect(sender.sent.filter((s) => s.alert.userId === 'u1')).toHaveLength(1);

    // A crash: another process claimed u4's alert and died mid-send (its send never settles; the row stays claimed).
    follow('u4', 'author', 'Yanqi Zhou');
    store.db.prepare('DELETE FROM paper_arrivals WHERE paper_id = ?').run(gId);
    store.db.prepare('INSERT INTO paper_arrivals (paper_id, seen_at) VALUES (?, ?)').run(gId, t.toISOString());
    const deadStore = openStore({ path: path.join(dir, 'papertalk.sqlite'), logger, now: clock });
    const deadSender = new FakeSender();
    deadSender.hang = true;
    let release: (err: Error) => void = () => undefined;
    deadSender.send = async (alert, message) => {
      deadSender.attempts += 1;
      void alert;
      void message;
      return new Promise<string[]>((_, reject) => (release = reject));
    };
    const dead = new FollowAlerter({ store: deadStore, sender: deadSender, getLibrary: () => current, logger, now: clock, timers: false });
    const deadPass = dead.runDue();
    await new Promise<void>((resolve) => {
      const check = (): void => (deadSender.attempts > 0 ? resolve() : void setImmediate(check));
      check();
    });
    const claimed = store.openFollowAlert('u4')!;
    expect(claimed.status).toBe('claimed');
    // This process (same file): within the lease nothing; after it, the same alert with the same nonce.
    const before = sender.sent.length;
    t = minutes(272);
    expect(outcome((await alerter.runDue()).outcomes, 'u4')).toMatchObject({ status: 'skipped', reason: 'in-flight' });
    t = minutes(274);
    expect(outcome((await alerter.runDue()).outcomes, 'u4')).toMatchObject({ status: 'sent', resumed: true, nonce: claimed.nonce, alertId: claimed.id });
    expect(sender.sent.slice(before).map((s) => [s.alert.userId, s.titles])).toEqual([['u4', [G.title]]]);
    // The dead process's connection goes away; its send finally fails and cannot record anything.
    deadStore.close();
    release(new Error('connection reset'));
    await deadPass;
    expect(store.getFollowAlert(claimed.id)?.status).toBe('sent');
  });
});
