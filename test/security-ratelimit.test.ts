/**
 * The per-user rate limit (token bucket), configured from the environment
 * (RATE_LIMIT_BURST, RATE_LIMIT_PER_MINUTE; RATE_LIMIT_BURST=0 turns it off):
 * - through the bot: a user who goes over the burst gets a friendly ephemeral message (still
 *   acknowledged within 3 s, nothing else done), other users are not affected, autocomplete is
 *   never limited, @mentions are limited too (friendly reply), and tokens come back with time;
 * - the bucket map stays bounded with many users; "off" means off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { RateLimiter, rateLimitMessage } from '../src/discord/rateLimit.ts';
import { callbackData, sleep, startHarness, type Harness, type Json } from './reliability-harness.ts';

const FRIENDLY = /^You're asking faster than I can keep up — please try again in \d+ seconds?\.$/;

describe('rate limit configuration', () => {
  const base = { PAPERTALK_DATA_DIR: 'data' };
  it('defaults to a burst of 5 and 20 per minute', () => {
    expect(loadConfig(base).rateLimit).toEqual({ burst: 5, perMinute: 20 });
  });
  it('reads RATE_LIMIT_BURST and RATE_LIMIT_PER_MINUTE; 0 burst = off', () => {
    expect(loadConfig({ ...base, RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_MINUTE: '6' }).rateLimit).toEqual({ burst: 2, perMinute: 6 });
    expect(loadConfig({ ...base, RATE_LIMIT_BURST: '0' }).rateLimit.burst).toBe(0);
  });
  it('components have their own, looser bucket (COMPONENT_RATE_LIMIT_*)', () => {
    expect(loadConfig(base).componentRateLimit).toEqual({ burst: 20, perMinute: 120 });
    expect(loadConfig({ ...base, COMPONENT_RATE_LIMIT_BURST: '4', COMPONENT_RATE_LIMIT_PER_MINUTE: '30' }).componentRateLimit).toEqual({ burst: 4, perMinute: 30 });
  });
  it('rejects nonsense with a clear message', () => {
    expect(() => loadConfig({ ...base, RATE_LIMIT_BURST: 'lots' })).toThrow(/RATE_LIMIT_BURST/);
    expect(() => loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ ...base, RATE_LIMIT_BURST: '-1' })).toThrow(/RATE_LIMIT_BURST/);
  });
});

describe('RateLimiter', () => {
  it('token bucket: burst, then refill at the configured rate', () => {
    let t = 0;
    const rl = new RateLimiter({ burst: 3, perMinute: 60 }, () => t);
    expect([1, 2, 3].map(() => rl.take('u').ok)).toEqual([true, true, true]);
    const denied = rl.take('u');
    expect(denied).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(rateLimitMessage(1000)).toMatch(FRIENDLY);
    t += 1000;
    expect(rl.take('u').ok).toBe(true);
    expect(rl.take('u').ok).toBe(false);
    expect(rl.take('other').ok).toBe(true);
  });
  it('off when burst is 0', () => {
    const rl = new RateLimiter({ burst: 0, perMinute: 1 });
    for (let i = 0; i < 1000; i++) expect(rl.take('u').ok).toBe(true);
    expect(rl.size).toBe(0);
  });
  it('memory stays bounded with many users (full buckets are forgotten)', () => {
    let t = 0;
    const rl = new RateLimiter({ burst: 2, perMinute: 600 }, () => t);
    for (let i = 0; i < 50_000; i++) {
      rl.take(`user${i}`);
      t += 10;
    }
    expect(rl.size).toBeLessThanOrEqual(10_001);
  });
});

describe('rate limit through the bot', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ rateLimit: { burst: 3, perMinute: 60 }, componentRateLimit: { burst: 2, perMinute: 60 } });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('over the burst: a friendly ephemeral message within 3 s; others unaffected; tokens come back', async () => {
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await h.one(h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'dave' })));
    expect(first.every((r) => ((callbackData(r).embeds as unknown[] | undefined) ?? []).length === 1)).toBe(true);
    const limited = h.standin.sendCommand('paper', { title: 'GPipe' }, { user: 'dave' });
    const r = await h.one(limited);
    expect(callbackData(r)).toEqual({ content: expect.stringMatching(FRIENDLY) as unknown as string, flags: 64, allowed_mentions: { parse: [] } });
    expect(h.standin.ackLatency(limited.id)).toBeLessThan(3000);
    // Autocomplete is never limited (it is how a user types).
    for (let i = 0; i < 5; i++) {
      const a = await h.one(h.standin.sendAutocomplete('paper', { title: 'GPi' }, { focused: 'title', user: 'dave' }));
      expect((a.body as { data: { choices: unknown[] } }).data.choices.length).toBeGreaterThan(0);
    }
    // Another user is not affected.
    expect(((callbackData(await h.one(h.standin.sendCommand('paper', { title: 'GLaM' }, { user: 'carol' }))).embeds as unknown[]) ?? []).length).toBe(1);
    // A token is back after ~1 s (60 per minute).
    await sleep(1100);
    expect(((callbackData(await h.one(h.standin.sendCommand('paper', { title: 'GLaM' }, { user: 'dave' }))).embeds as unknown[]) ?? []).length).toBe(1);
    expect(h.logs().some((l) => l.msg === 'rate limited' && l.userId === h.standin.world.users.dave.id)).toBe(true);
  });

  it('@mentions are limited too, with a friendly reply', async () => {
    await sleep(3100); // refill
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const m = h.standin.sendMessage({ content: 'who wrote GPipe?', author: 'bob', mentionsBot: true });
      const q = await h.standin.waitForRequest((x) => (x.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === m.id);
      replies.push(String((q.body as Json).content));
      expect((q.body as Json).allowed_mentions).toEqual({ parse: [] });
    }
    expect(replies.slice(0, 3).every((c) => /was written by Yanping Huang/.test(c))).toBe(true);
    expect(replies[3]).toMatch(FRIENDLY);
  });

  it('a limited button click is answered too (no "interaction failed")', async () => {
    await sleep(3100);
    const list = await h.one(h.standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'alice' }));
    const msg = h.standin.originalMessage(list.interactionId)!;
    const next = (msg.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id;
    const clicks = [];
    for (let i = 0; i < 3; i++) clicks.push(await h.one(h.standin.clickButton(next, msg, { user: 'alice', unchecked: true })));
    expect(clicks.slice(0, 2).every((c) => c.callbackType === 7)).toBe(true);
    expect(callbackData(clicks[2])).toMatchObject({ content: expect.stringMatching(FRIENDLY) as unknown as string, flags: 64 });
  });

  it('no errors, no unhandled rejections', () => {
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
