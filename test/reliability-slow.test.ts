/**
 * A slow answer path, forced with the router's test-only `beforeAnswer` hook (a delay before the
 * command/component/autocomplete handler runs): every kind of interaction is acknowledged once
 * within 3 s — commands and components deferred at ~2 s, then finished by editing the original
 * response within 15 s; autocomplete answered (with no choices) before its deadline; a modal
 * that can't open in time acknowledged by a short reply — and the stand-in's log holds no 10062
 * (unknown interaction: too late) and no 40060 (already acknowledged: twice) anywhere.
 * The stand-in's token lifetime is set to 15 s so an edit after that would fail too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from 'discord.js';
import { TOO_SLOW_MESSAGE } from '../src/discord/router.ts';
import { callbackData, startHarness, type Harness } from './reliability-harness.ts';
import type { InteractionResponseRecord, SentInteraction } from './standin/index.ts';

const GPIPE_ID = 'gpipe-efficient-training-of-giant-neural-b03f58';
const GPIPE_TITLE = 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism';

describe('slow answers: deferred in time, then edited; nothing too late or twice', () => {
  let h: Harness;
  let delayMs = 0;
  const delayed: string[] = [];

  beforeAll(async () => {
    const beforeAnswer = async (i: Interaction): Promise<void> => {
      if (!delayMs) return;
      delayed.push(i.id);
      await new Promise((r) => setTimeout(r, delayMs).unref());
    };
    h = await startHarness({ standin: { interactionTokenTtlMs: 15_000 }, start: { router: { beforeAnswer } } });
  }, 60_000);

  afterEach(() => {
    delayMs = 0;
  });

  afterAll(async () => {
    await h?.stop();
  });

  function deferredThenEdited(sent: SentInteraction, rs: InteractionResponseRecord[], deferType: number): void {
    expect(delayed).toContain(sent.id);
    expect(rs[0]!.kind).toBe('callback');
    expect(rs[0]!.callbackType).toBe(deferType);
    expect(rs[0]!.sinceArrivalMs).toBeGreaterThanOrEqual(1500);
    expect(rs[0]!.sinceArrivalMs).toBeLessThan(3000);
    expect(rs[1]!.kind).toBe('editOriginal');
    expect(rs[1]!.ok).toBe(true);
    expect(rs[1]!.sinceArrivalMs).toBeGreaterThanOrEqual(delayMs);
    expect(rs[1]!.sinceArrivalMs).toBeLessThan(15_000);
    expect(h.standin.interactionResponses(sent.id).filter((r) => r.kind === 'callback')).toHaveLength(1);
  }

  it('a slow command (4 s): deferred at ~2 s, then the original response is edited with the answer', async () => {
    delayMs = 4000;
    const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
    const rs = await h.standin.waitForResponses(sent.id, 2, 10_000);
    deferredThenEdited(sent, rs, 5);
    expect(h.standin.originalMessage(sent.id)!.embeds[0]!.title).toBe(GPIPE_TITLE);
    expect((rs[1]!.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
  });

  it('a slow ephemeral command (/help): the deferral is ephemeral too', async () => {
    delayMs = 3500;
    const sent = h.standin.sendCommand('help', {}, { user: 'carol' });
    const rs = await h.standin.waitForResponses(sent.id, 2, 10_000);
    deferredThenEdited(sent, rs, 5);
    expect((rs[0]!.body as { data?: { flags?: number } }).data?.flags).toBe(64);
    expect(h.standin.originalMessage(sent.id)!.flags! & 64).toBe(64);
  });

  it('a slow button that updates its message: deferred update, then the message is edited', async () => {
    const first = h.standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'bob' });
    await h.one(first);
    const list = h.standin.originalMessage(first.id)!;
    const hash = (list.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id.split(':')[3]!;
    delayMs = 3500;
    const click = h.standin.clickButton(`search:p:1:${hash}`, list, { user: 'bob' });
    const rs = await h.standin.waitForResponses(click.id, 2, 10_000);
    deferredThenEdited(click, rs, 6);
    expect(h.standin.message(list.id)!.embeds[0]!.footer!.text).toMatch(/^Page 2 of/);
  });

  it('a slow modal submit (follow-up question): deferred, then edited with the answer', async () => {
    const card = await h.one(h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'dave' }));
    await h.one(h.standin.clickButton(`paper:q:${GPIPE_ID}`, h.standin.originalMessage(card.interactionId)!, { user: 'dave' }));
    delayMs = 3000;
    const submit = h.standin.submitModal(`ask:m:${GPIPE_ID}`, { question: 'who wrote it?' }, { user: 'dave' });
    const rs = await h.standin.waitForResponses(submit.id, 2, 10_000);
    deferredThenEdited(submit, rs, 5);
    expect(h.standin.originalMessage(submit.id)!.content).toMatch(/was written by Yanping Huang/);
  });

  it('a modal that cannot open in time is acknowledged by a short reply within 3 s (a modal cannot be deferred)', async () => {
    const card = await h.one(h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'erin', guildId: null }));
    delayMs = 4000;
    const click = h.standin.clickButton(`paper:q:${GPIPE_ID}`, h.standin.originalMessage(card.interactionId)!, { user: 'erin' });
    const [r] = await h.standin.waitForResponses(click.id, 1, 10_000);
    expect(r!.callbackType).toBe(4);
    expect(callbackData(r)).toMatchObject({ content: expect.stringMatching(/took too long to open/) as unknown as string, flags: 64 });
    expect(r!.sinceArrivalMs).toBeLessThan(3000);
    await new Promise((res) => setTimeout(res, delayMs + 300));
    // The modal, ready too late, was not sent (it would be a second callback: 40060).
    expect(h.standin.interactionResponses(click.id)).toHaveLength(1);
  });

  it('a slow autocomplete is answered (no choices) before the 3 s deadline', async () => {
    delayMs = 4000;
    const sent = h.standin.sendAutocomplete('paper', { title: 'GPi' }, { focused: 'title', user: 'carol' });
    const r = await h.one(sent, 6000);
    expect(r.callbackType).toBe(8);
    expect((r.body as { data: { choices: unknown[] } }).data.choices).toEqual([]);
    expect(h.standin.ackLatency(sent.id)).toBeLessThan(3000);
    // A fast one still gets its choices.
    delayMs = 0;
    const fast = await h.one(h.standin.sendAutocomplete('paper', { title: 'GPi' }, { focused: 'title', user: 'carol' }));
    expect((fast.body as { data: { choices: { value: string }[] } }).data.choices[0]!.value).toBe(GPIPE_ID);
  });

  it('many slow commands at once: each deferred in time and edited', async () => {
    delayMs = 2600;
    const sent = Array.from({ length: 30 }, (_, k) => h.standin.sendCommand(k % 2 ? 'paper' : 'author', k % 2 ? { title: 'GLaM' } : { name: 'Yanqi Zhou' }, { user: ['alice', 'bob', 'carol', 'dave'][k % 4] as 'alice' }));
    for (const s of sent) {
      const rs = await h.standin.waitForResponses(s.id, 2, 15_000);
      deferredThenEdited(s, rs, 5);
    }
  }, 30_000);

  it('an answer that never comes in time (20 s) is replaced by a short message before the 15 s token runs out', async () => {
    delayMs = 20_000;
    const sent = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'alice' });
    // Like other ephemeral messages after a public defer: the "thinking…" is removed, the short message follows privately.
    const rs = await h.standin.waitForResponses(sent.id, 3, 16_000);
    expect(rs.map((r) => r.kind)).toEqual(['callback', 'deleteOriginal', 'followup']);
    expect(rs[0]!.callbackType).toBe(5);
    expect(rs[2]!.body).toMatchObject({ content: TOO_SLOW_MESSAGE, flags: 64 });
    expect(rs[2]!.sinceArrivalMs).toBeLessThan(15_000);
  }, 25_000);

  it('no 10062 and no 40060 anywhere in the stand-in log; no errors; no unhandled rejections', () => {
    const codes = h.standin.requests.map((q) => (q.response as { code?: number } | undefined)?.code);
    expect(codes.filter((c) => c === 10062 || c === 40060)).toEqual([]);
    expect(h.standin.requests.filter((q) => q.status >= 400)).toEqual([]);
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
