/**
 * Dates and periods against an injected clock (2026-12-02): years, ranges, open ranges,
 * relative periods, quarters and month ranges; and how a paper's date falls in a period.
 */
import { describe, expect, it } from 'vitest';
import { findDates, inPeriod, intersect } from '../src/conversation/understand/dates.ts';

const now = new Date('2026-12-02T12:00:00Z');
const one = (text: string) => {
  const d = findDates(text, now);
  expect(d).toHaveLength(1);
  return { from: d[0]!.from, to: d[0]!.to, year: d[0]!.year };
};

describe('findDates', () => {
  it('reads years, open and closed ranges', () => {
    expect(one('papers from 2021')).toEqual({ from: '2021-01-01', to: '2021-12-31', year: 2021 });
    expect(one('since 2023')).toEqual({ from: '2023-01-01', to: undefined, year: undefined });
    expect(one('papers after 2021 on retrieval')).toEqual({ from: '2022-01-01', to: undefined, year: undefined });
    expect(one('work older than 2018')).toEqual({ from: undefined, to: '2017-12-31', year: undefined });
    expect(one('before 2018').to).toBe('2017-12-31');
    expect(one('up to 2019').to).toBe('2019-12-31');
    expect(one('from 2019 to 2021')).toMatchObject({ from: '2019-01-01', to: '2021-12-31' });
    expect(one('between 2019 and 2021')).toMatchObject({ from: '2019-01-01', to: '2021-12-31' });
    expect(one('2019–21')).toMatchObject({ from: '2019-01-01', to: '2021-12-31' });
    expect(one('the 2010s')).toMatchObject({ from: '2010-01-01', to: '2019-12-31' });
    expect(one('published in 2022 or later')).toMatchObject({ from: '2022-01-01' });
  });
  it('resolves relative periods against the clock', () => {
    expect(one('anything from this year?')).toMatchObject({ year: 2026 });
    expect(one('last year')).toMatchObject({ year: 2025 });
    expect(one('in the past three years')).toMatchObject({ from: '2023-12-02', to: '2026-12-02' });
    expect(one('over the last 6 months')).toMatchObject({ from: '2026-06-02', to: '2026-12-02' });
    expect(one('two years ago')).toMatchObject({ year: 2024 });
  });
  it('reads months (chrono-node), quarters and halves', () => {
    expect(one('in March 2023')).toMatchObject({ from: '2023-03-01', to: '2023-03-31' });
    expect(one('since march 2022')).toMatchObject({ from: '2022-03-01', to: undefined });
    expect(one('between September and December 2019')).toMatchObject({ from: '2019-09-01', to: '2019-12-31' });
    expect(one('Q1 2025')).toMatchObject({ from: '2025-01-01', to: '2025-03-31' });
    expect(one('the second half of 2022')).toMatchObject({ from: '2022-07-01', to: '2022-12-31' });
  });
  it('finds nothing where there is no date', () => {
    expect(findDates('may I see papers on speech?', now)).toEqual([]);
    expect(findDates('the first one', now)).toEqual([]);
  });
});

describe('periods', () => {
  it('intersects and tests dates', () => {
    expect(intersect({ from: '2019-01-01' }, { to: '2021-12-31' })).toEqual({ from: '2019-01-01', to: '2021-12-31' });
    expect(inPeriod('2021-05-01', { from: '2021-01-01', to: '2021-12-31' })).toBe(true);
    expect(inPeriod('2020-12-31', { from: '2021-01-01' })).toBe(false);
    expect(inPeriod('2021', { from: '2021-01-01', to: '2021-12-31' })).toBe(true);
    expect(inPeriod(null, { from: '2021-01-01' })).toBe(false);
    expect(inPeriod(null, {})).toBe(true);
  });
});
