import { describe, expect, it } from 'vitest';
import { topK, topKByScore } from '../src/search/select.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

describe('topKByScore', () => {
  it('selects what topK selects with the score comparator (ties, NaN, a floor, keep)', () => {
    const rand = rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 400);
      // Few distinct values: many ties.
      const score = Float64Array.from({ length: n }, () => (rand() < 0.1 ? NaN : Math.floor(rand() * (trial % 3 === 0 ? 5 : 1000)) / 7));
      const k = 1 + Math.floor(rand() * (trial % 4 === 0 ? n : 12));
      const min = trial % 2 ? -Infinity : 40;
      const keep = trial % 5 === 0 ? (i: number) => i % 3 !== 0 : undefined;
      const tie = trial % 2 ? (a: number, b: number) => a - b : (a: number, b: number) => b - a;
      const expected = topK(n, k, (a, b) => score[b]! - score[a]! || tie(a, b), (i) => score[i]! >= min && (!keep || keep(i)));
      expect(topKByScore(n, k, score, tie, keep, min)).toEqual(expected);
    }
  });

  it('calls keep only for positions that could enter the top k', () => {
    const score = Float64Array.from({ length: 10_000 }, (_, i) => i);
    let calls = 0;
    const top = topKByScore(score.length, 5, score, (a, b) => a - b, () => (calls++, true));
    expect(top).toEqual([9999, 9998, 9997, 9996, 9995]);
    expect(calls).toBe(10_000);
    calls = 0;
    const desc = Float64Array.from({ length: 10_000 }, (_, i) => -i);
    topKByScore(desc.length, 5, desc, (a, b) => a - b, () => (calls++, true));
    expect(calls).toBe(5);
  });
});
