/**
 * REST faults on the way back to Discord, through the real discord.js client and the stand-in:
 * 429 with retry_after (route and global), 500/502 and dropped connections on interaction
 * callbacks, on edits of the original response, on follow-ups and on channel messages.
 *
 * - Transient faults are retried by discord.js within the interaction's lifetime: the callback
 *   still lands within 3 s, the edit within 15 s, exactly once, no 10062 / 40060.
 * - When every attempt fails, the user gets a short "could not deliver" message where Discord
 *   still allows one (a reply within the 3 s window, an edit or follow-up of a deferred one).
 * - Nothing crashes: a listener records unhandled rejections / uncaught exceptions (none), and the
 *   next interaction is answered normally.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNDELIVERED_MESSAGE } from '../src/discord/router.ts';
import { callbackData, startHarness, type Harness, type Json } from './reliability-harness.ts';
import type { InteractionResponseRecord, RecordedRequest, SentInteraction } from './standin/index.ts';

const CALLBACK = 'POST /interactions/:interaction/:token/callback';
const EDIT = 'PATCH /webhooks/:app/:token/messages/:message';
const FOLLOWUP = 'POST /webhooks/:app/:token';
const CHANNEL_POST = 'POST /channels/:channel/messages';
const GPIPE_TITLE = 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism';

const codeOf = (q: RecordedRequest): number | undefined => (q.response as { code?: number } | undefined)?.code;

describe('REST faults: retried within the interaction lifetime, a short message when all attempts fail, no crash', () => {
  let h: Harness;
  /** When set, interactions wait this long before answering (forces defer + edit). */
  let slowMs = 0;

  beforeAll(async () => {
    h = await startHarness({ start: { router: { beforeAnswer: () => (slowMs ? new Promise((r) => setTimeout(r, slowMs)) : undefined) } } });
  }, 60_000);

  afterEach(() => {
    h.standin.clearFaults();
    slowMs = 0;
    expect(h.unhandled).toEqual([]);
  });

  afterAll(async () => {
    await h?.stop();
  });

  function responses(sent: SentInteraction): InteractionResponseRecord[] {
    return h.standin.interactionResponses(sent.id);
  }

  /** Exactly one successful callback, within 3 s; no "unknown interaction" / "already acknowledged". */
  function ackedOnceInTime(sent: SentInteraction): InteractionResponseRecord {
    const ok = responses(sent).filter((r) => r.kind === 'callback' && r.ok);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.sinceArrivalMs).toBeLessThan(3000);
    expect(responses(sent).filter((r) => [10062, 40060].includes(codeOf(r.request) ?? 0))).toEqual([]);
    return ok[0]!;
  }

  async function stillAnswers(): Promise<void> {
    const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'alice' });
    const r = await h.one(sent);
    expect((callbackData(r).embeds as { title: string }[])[0]!.title).toBe(GPIPE_TITLE);
  }

  it.each([
    ['429 retry_after 1 s (route)', { status: 429, retryAfter: 1 }, 1],
    ['429 retry_after 0.8 s (global)', { status: 429, retryAfter: 0.8, global: true }, 1],
    ['500', { status: 500 }, 2],
    ['502', { status: 502 }, 3],
    ['a dropped connection', { drop: true as const }, 1],
  ] as const)('callback fails with %s → retried, acknowledged once within 3 s', async (_name, fault, times) => {
    h.standin.failNext(CALLBACK, fault, times);
    const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
    const r = await h.one(sent);
    expect(r.callbackType).toBe(4);
    expect((callbackData(r).embeds as { title: string }[])[0]!.title).toBe(GPIPE_TITLE);
    ackedOnceInTime(sent);
    const failed = responses(sent).filter((x) => x.kind === 'callback' && !x.ok);
    if (!('drop' in fault)) expect(failed).toHaveLength(times);
    if ('retryAfter' in fault) {
      expect(h.logs().some((l) => l.msg === 'REST rate limited; waiting')).toBe(true);
    }
  });

  it('autocomplete callback 429 / 500 → retried, choices delivered within 3 s', async () => {
    h.standin.failNext(CALLBACK, { status: 429, retryAfter: 0.5 });
    const a = h.standin.sendAutocomplete('paper', { title: 'GPi' }, { focused: 'title', user: 'carol' });
    expect((await h.one(a)).callbackType).toBe(8);
    ackedOnceInTime(a);
    h.standin.failNext(CALLBACK, { status: 500 }, 2);
    const b = h.standin.sendAutocomplete('author', { name: 'Yanqi' }, { focused: 'name', user: 'carol' });
    const rb = await h.one(b);
    expect((rb.body as { data: { choices: { value: string }[] } }).data.choices[0]!.value).toBe('a-yanqi-zhou');
    ackedOnceInTime(b);
  });

  it('callback fails on every discord.js attempt (500 × 4) → one more short reply within the 3 s window tells the user', async () => {
    h.standin.failNext(CALLBACK, { status: 500 }, 4);
    const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'dave' });
    const r = await h.one(sent);
    expect(callbackData(r)).toEqual({ content: UNDELIVERED_MESSAGE, flags: 64, allowed_mentions: { parse: [] } });
    ackedOnceInTime(sent);
    expect(h.logs().some((l) => l.msg === 'could not respond to the interaction' && l.interactionId === sent.id)).toBe(true);
    await stillAnswers();
  });

  it('callback fails for good (500 on every attempt) → logged, no crash, the next interaction is answered', async () => {
    h.standin.failNext(CALLBACK, { status: 500 }, 8);
    const sent = h.standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'dave' });
    await h.standin.waitFor(() => responses(sent).filter((x) => x.kind === 'callback').length >= 8, 8000, 'all attempts made');
    await h.standin.waitFor(() => h.logs().some((l) => l.msg === 'could not tell the user either' && l.interactionId === sent.id), 5000, 'gave up');
    expect(responses(sent).filter((x) => x.ok)).toEqual([]);
    h.standin.clearFaults();
    await stillAnswers();
  });

  describe('deferred answers (slow path): the edit of the original response', () => {
    it.each([
      ['429 retry_after 1 s', { status: 429, retryAfter: 1 }, 1],
      ['500', { status: 500 }, 2],
      ['502', { status: 502 }, 3],
    ] as const)('edit fails with %s → retried, the deferred response is finished once within 15 s', async (_name, fault, times) => {
      slowMs = 2300;
      h.standin.failNext(EDIT, fault, times);
      const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
      const rs = await h.standin.waitForResponses(sent.id, 2, 15_000);
      expect(rs.map((r) => r.kind)).toEqual(['callback', 'editOriginal']);
      expect(rs[0]!.callbackType).toBe(5);
      expect(rs[1]!.sinceArrivalMs).toBeLessThan(15_000);
      expect(h.standin.originalMessage(sent.id)!.embeds[0]!.title).toBe(GPIPE_TITLE);
      ackedOnceInTime(sent);
      expect(responses(sent).filter((r) => r.kind === 'editOriginal' && !r.ok)).toHaveLength(times);
    });

    it('the edit fails on every attempt → the user sees a short message instead of "thinking…" forever', async () => {
      slowMs = 2300;
      h.standin.failNext(EDIT, { status: 500 }, 4); // discord.js's 4 attempts at the answer; the short edit goes through
      const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
      await h.standin.waitFor(() => responses(sent).some((r) => r.kind === 'editOriginal' && r.ok), 15_000, 'short edit');
      const original = h.standin.originalMessage(sent.id)!;
      expect(original.content).toBe(UNDELIVERED_MESSAGE);
      ackedOnceInTime(sent);
    });

    it('edit and the short edit both fail → a follow-up carries the short message', async () => {
      slowMs = 2300;
      h.standin.failNext(EDIT, { status: 502 }, 8);
      const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
      await h.standin.waitFor(() => responses(sent).some((r) => r.kind === 'followup' && r.ok), 15_000, 'follow-up');
      const followup = responses(sent).find((r) => r.kind === 'followup' && r.ok)!;
      expect(followup.body).toMatchObject({ content: UNDELIVERED_MESSAGE, flags: 64, allowed_mentions: { parse: [] } });
      expect(followup.sinceArrivalMs).toBeLessThan(15_000);
      ackedOnceInTime(sent);
    });

    it('follow-up (an ephemeral error after a public defer) fails with 500 / 429 → retried', async () => {
      slowMs = 2300;
      h.standin.failNext(FOLLOWUP, { status: 500 }, 2);
      h.standin.failNext(FOLLOWUP, { status: 429, retryAfter: 0.5 }, 1);
      const sent = h.standin.sendCommand('paper', { title: 'Quantum Basket Weaving' }, { user: 'carol' });
      const rs = await h.standin.waitForResponses(sent.id, 3, 15_000);
      expect(rs.map((r) => r.kind)).toEqual(['callback', 'deleteOriginal', 'followup']);
      expect(rs[2]!.body).toMatchObject({ flags: 64, content: expect.stringMatching(/^I don't know a paper called/) as unknown as string });
      expect(rs[2]!.sinceArrivalMs).toBeLessThan(15_000);
      ackedOnceInTime(sent);
    });

    it('a component update: deferred update, then the edit retried after a 500', async () => {
      const first = h.standin.sendCommand('search', { query: 'speech recognition' }, { user: 'bob' });
      await h.one(first);
      const list = h.standin.originalMessage(first.id)!;
      const hash = (list.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id.split(':')[3]!;
      slowMs = 2300;
      h.standin.failNext(EDIT, { status: 500 }, 2);
      const click = h.standin.clickButton(`search:p:1:${hash}`, list, { user: 'bob' });
      const rs = await h.standin.waitForResponses(click.id, 2, 15_000);
      expect(rs[0]!.callbackType).toBe(6);
      expect(rs[1]!.kind).toBe('editOriginal');
      expect(h.standin.message(list.id)!.embeds[0]!.footer!.text).toMatch(/^Page 2 of/);
      ackedOnceInTime(click);
    });
  });

  describe('channel messages (answers to mentions)', () => {
    function replyTo(id: string): RecordedRequest[] {
      return h.standin.requests.filter((q) => q.route === CHANNEL_POST && (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === id);
    }

    it.each([
      ['429 retry_after 1 s', { status: 429, retryAfter: 1 }, 1],
      ['500', { status: 500 }, 2],
      ['502', { status: 502 }, 3],
    ] as const)('the reply fails with %s → retried, one reply', async (_name, fault, times) => {
      h.standin.failNext(CHANNEL_POST, fault, times);
      const m = h.standin.sendMessage({ content: 'who wrote GPipe?', author: 'bob', mentionsBot: true });
      await h.standin.waitFor(() => replyTo(m.id).some((q) => q.status === 200), 10_000, 'reply');
      const ok = replyTo(m.id).filter((q) => q.status === 200);
      expect(ok).toHaveLength(1);
      expect(String((ok[0]!.body as Json).content)).toMatch(/was written by Yanping Huang/);
      expect((ok[0]!.body as Json).allowed_mentions).toEqual({ parse: [] });
    });

    it('the reply fails for good → logged, no crash, the next mention is answered', async () => {
      h.standin.failNext(CHANNEL_POST, { status: 500 }, 8);
      const m = h.standin.sendMessage({ content: 'who wrote GLaM?', author: 'bob', mentionsBot: true });
      await h.standin.waitFor(() => h.logs().some((l) => l.msg === 'could not answer a message' && l.messageId === m.id), 10_000, 'logged');
      await h.standin.waitFor(() => replyTo(m.id).length >= 8, 5000, 'attempts');
      h.standin.clearFaults();
      const next = h.standin.sendMessage({ content: 'who wrote GLaM?', author: 'bob', mentionsBot: true });
      await h.standin.waitFor(() => replyTo(next.id).some((q) => q.status === 200), 10_000, 'answered');
    });
  });

  it('no 10062 / 40060 anywhere, no unhandled rejections', () => {
    const bad = h.standin.requests.filter((q) => [10062, 40060].includes(codeOf(q) ?? 0));
    expect(bad).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
