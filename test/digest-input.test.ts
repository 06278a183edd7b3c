import { describe, expect, it } from 'vitest';
import { parseSubscriptionInput } from '../src/digest/subscriptionInput.ts';
import { UserError } from '../src/errors.ts';

const knownCategories = new Map([
  ['CL', 'Computation and Language'],
  ['LG', 'Machine Learning'],
  ['CV', 'Computer Vision and Pattern Recognition'],
  ['AS', 'Audio and Speech Processing'],
  ['DC', 'Distributed, Parallel, and Cluster Computing'],
]);
const base = { guildId: 'g1', channelId: 'c1', createdBy: 'u1', time: '07:30', timezone: 'Europe/Berlin' };
const parse = (over: Record<string, unknown> = {}) => parseSubscriptionInput({ ...base, ...over }, { knownCategories });

function userError(over: Record<string, unknown>): UserError {
  try {
    parse(over);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^Could not create the digest/);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('parseSubscriptionInput', () => {
  it('accepts a minimal subscription with defaults', () => {
    expect(parse()).toEqual({
      guildId: 'g1',
      channelId: 'c1',
      userId: null,
      createdBy: 'u1',
      time: '07:30',
      timezone: 'Europe/Berlin',
      categories: [],
      authors: [],
      keywords: [],
      excludeKeywords: [],
      maxPapers: 10,
      postEmpty: false,
    });
  });

  it.each([
    ['7:5', /time "7:5" is not a time: use 24-hour HH:MM/],
    ['24:00', /time "24:00": the hour must be 00 to 23/],
    ['12:60', /the minutes must be 00 to 59/],
    ['ab', /time "ab" is not a time/],
    ['', /time "" is not a time/],
    ['7.30', /is not a time/],
  ])('rejects time %j with a clear message', (time, message) => {
    expect(userError({ time }).message).toMatch(message);
  });

  it('accepts 00:00, 23:59 and a one-digit hour (padded)', () => {
    expect(parse({ time: '00:00' }).time).toBe('00:00');
    expect(parse({ time: '23:59' }).time).toBe('23:59');
    expect(parse({ time: ' 7:05 ' }).time).toBe('07:05');
  });

  it('validates the time zone with Intl; UTC and Etc/UTC are accepted', () => {
    expect(parse({ timezone: 'UTC' }).timezone).toBe('UTC');
    expect(() => parse({ timezone: 'Etc/UTC' })).not.toThrow();
    expect(parse({ timezone: 'america/new_york' }).timezone).toBe('America/New_York');
    expect(userError({ timezone: 'Mars/Olympus_Mons' }).message).toMatch(
      /timezone "Mars\/Olympus_Mons" is not a known IANA time zone/,
    );
    expect(userError({ timezone: 'CEST+2' }).message).toMatch(/not a known IANA time zone/);
  });

  it('lists every problem at once', () => {
    const e = userError({ time: '25:00', timezone: 'Nowhere/City', maxPapers: 0 });
    expect(e.message.split('\n')).toHaveLength(4);
    expect(e.message).toMatch(/hour must be/);
    expect(e.message).toMatch(/timezone/);
    expect(e.message).toMatch(/max papers must be a whole number from 1 to 25 \(got 0\)/);
  });

  it('accepts categories by code or name (case-insensitive), including names with commas', () => {
    expect(parse({ categories: 'CL' }).categories).toEqual(['CL']);
    expect(parse({ categories: 'Computation and Language, lg , cs.CV' }).categories).toEqual(['CL', 'LG', 'CV']);
    expect(parse({ categories: 'Distributed, Parallel, and Cluster Computing, AS' }).categories).toEqual(['DC', 'AS']);
    expect(parse({ categories: ['cl', 'CL'] }).categories).toEqual(['CL']);
    expect(userError({ categories: 'CL, Quantum Basket Weaving' }).message).toMatch(
      /unknown category "Quantum Basket Weaving": use category codes or names, e.g. CL \(Computation and Language\)/,
    );
  });

  it('splits authors, keywords and exclude keywords on commas, trimmed and deduplicated', () => {
    const s = parse({ authors: ' Nan Du,  Jane  Doe ,, nan du', keywords: 'speech, ASR', excludeKeywords: 'survey' });
    expect(s.authors).toEqual(['Nan Du', 'Jane Doe']);
    expect(s.keywords).toEqual(['speech', 'ASR']);
    expect(s.excludeKeywords).toEqual(['survey']);
    expect(userError({ keywords: Array.from({ length: 21 }, (_, i) => `k${i}`).join(',') }).message).toMatch(
      /too many keywords \(21\); at most 20/,
    );
  });

  it('max papers: 1..25, default 10, numeric strings accepted', () => {
    expect(parse({ maxPapers: 1 }).maxPapers).toBe(1);
    expect(parse({ maxPapers: '25' }).maxPapers).toBe(25);
    expect(parse({ maxPapers: null }).maxPapers).toBe(10);
    expect(userError({ maxPapers: 26 }).message).toMatch(/from 1 to 25 \(got 26\)/);
    expect(userError({ maxPapers: 2.5 }).message).toMatch(/whole number/);
  });

  it('requires the channel, time and timezone', () => {
    expect(userError({ channelId: undefined }).message).toMatch(/channel is missing/);
    expect(userError({ time: undefined }).message).toMatch(/time is required/);
    expect(userError({ timezone: undefined }).message).toMatch(/timezone is required/);
  });
});
