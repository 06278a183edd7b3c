/**
 * Gateway drops through the real discord.js client: after a close with 1006 (abrupt), 4000
 * (unknown error, resumable), 4009 (session timed out: re-identify), and op 9 invalid session
 * (resumable or not), the bot resumes or re-identifies by itself and answers the next
 * interaction, acknowledged once within 3 s. An interaction that arrives while the connection is
 * down is replayed on RESUME and still acknowledged within 3 s of its creation.
 *
 * discord.js's identify throttle is left on (as in production), so re-identifies take ~5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './reliability-harness.ts';
import type { SentInteraction } from './standin/index.ts';

describe('gateway drops: the bot resumes or re-identifies and answers the next interaction', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ fastIdentify: false });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  function connected(): boolean {
    return h.standin.sessions().some((s) => s.status === 'connected') && h.bot.client.ws.status === 0;
  }

  async function answeredOnce(sent: SentInteraction): Promise<void> {
    const r = await h.one(sent, 10_000);
    expect(r.callbackType).toBe(4);
    const callbacks = h.standin.interactionResponses(sent.id).filter((x) => x.kind === 'callback');
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.ok).toBe(true);
    expect(h.standin.ackLatency(sent.id)).toBeLessThan(3000);
  }

  async function nextInteractionAnswered(): Promise<void> {
    await h.standin.waitFor(connected, 20_000, 'gateway session up again');
    await answeredOnce(h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' }));
  }

  it('answers before any fault', async () => {
    await nextInteractionAnswered();
  });

  it.each([1006, 4000])('close %i → RESUME on a new connection, then the next interaction is answered', async (code) => {
    const resumes = h.standin.successfulResumeCount;
    const identifies = h.standin.identifyCount;
    expect(h.standin.closeSession(code)).toBe(1);
    await h.standin.waitFor(() => h.standin.successfulResumeCount > resumes, 15_000, 'resumed');
    expect(h.standin.identifyCount).toBe(identifies);
    await nextInteractionAnswered();
  }, 30_000);

  it('close 4009 (session timed out) → re-IDENTIFY, then the next interaction is answered', async () => {
    const identifies = h.standin.identifyCount;
    expect(h.standin.closeSession(4009)).toBe(1);
    await h.standin.waitFor(() => h.standin.identifyCount > identifies && h.standin.sessions().some((s) => s.status === 'connected'), 20_000, 're-identified');
    await nextInteractionAnswered();
  }, 30_000);

  it('op 9 invalid session (not resumable) → re-IDENTIFY, then the next interaction is answered', async () => {
    const identifies = h.standin.identifyCount;
    expect(h.standin.invalidateSession(false)).toBe(1);
    await h.standin.waitFor(() => h.standin.identifyCount > identifies && h.standin.sessions().some((s) => s.status === 'connected'), 20_000, 're-identified');
    await nextInteractionAnswered();
  }, 30_000);

  it('op 9 invalid session (resumable) → RESUME, then the next interaction is answered', async () => {
    const resumes = h.standin.successfulResumeCount;
    expect(h.standin.invalidateSession(true)).toBe(1);
    await h.standin.waitFor(() => h.standin.successfulResumeCount > resumes, 15_000, 'resumed');
    await nextInteractionAnswered();
  }, 30_000);

  it('an interaction sent while the connection is down (1006) is replayed on RESUME and acknowledged within 3 s of its creation', async () => {
    await h.standin.waitFor(connected, 20_000, 'connected');
    const resumes = h.standin.successfulResumeCount;
    h.standin.closeSession(1006);
    // The session is now disconnected but resumable: the stand-in buffers the interaction.
    const during = h.standin.sendCommand('paper', { title: 'GLaM' }, { user: 'dave' });
    await h.standin.waitFor(() => h.standin.successfulResumeCount > resumes, 15_000, 'resumed');
    expect(h.standin.resumes.at(-1)!.replayed).toBeGreaterThanOrEqual(1);
    await answeredOnce(during);
  }, 30_000);

  it('logged the disconnects as warnings, no errors, no unhandled rejections', () => {
    const logs = h.logs();
    expect(logs.filter((l) => l.msg === 'gateway reconnecting').length).toBeGreaterThanOrEqual(5);
    expect(logs.filter((l) => l.msg === 'gateway resumed').length).toBeGreaterThanOrEqual(3);
    // The initial READY and the two re-identifies.
    expect(logs.filter((l) => l.msg === 'gateway session ready').length).toBeGreaterThanOrEqual(3);
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
    // Nothing was answered twice or too late.
    const bad = h.standin.requests.filter((q) => [10062, 40060].includes(Number((q.response as { code?: number } | undefined)?.code)));
    expect(bad).toEqual([]);
  });
});
