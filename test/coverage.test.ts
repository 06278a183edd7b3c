import { describe, expect, it } from 'vitest';
import { coverageOf } from '../src/search/coverage.ts';

describe('coverage from matched-term masks', () => {
  // Query "mixture of experts routing" (terms as processed) with the expansion "moe".
  const terms = ['mixture', 'expert', 'routing'];
  const source = ['mixture', 'expert', 'routing', 'moe'];
  const cov = coverageOf(terms, [new Set(['moe'])], source);
  const bits = (...names: string[]) => names.reduce((m, t) => m | (1 << source.indexOf(t)), 0) >>> 0;

  it('counts the query terms a hit matched', () => {
    expect(cov(bits('mixture'), 0)).toBeCloseTo(1 / 3);
    expect(cov(bits('mixture', 'expert', 'routing'), 0)).toBe(1);
    expect(cov(0, 0)).toBe(0);
  });
  it('counts a fully matched expansion as the whole query, a partial one as one more term', () => {
    expect(cov(bits('moe'), 0)).toBe(1);
    const partial = coverageOf(['large', 'language', 'model'], [new Set(['llm', 'lm'])], ['large', 'language', 'model', 'llm', 'lm']);
    expect(partial(0b01000, 0)).toBeCloseTo(1 / 3);
    expect(partial(0b11001, 0)).toBe(1);
  });
  it('counts repeated query terms and terms beyond bit 31', () => {
    expect(coverageOf(['a', 'a', 'b'], [], ['a', 'b'])(1, 0)).toBeCloseTo(2 / 3);
    const many = Array.from({ length: 40 }, (_, i) => `t${i}`);
    expect(coverageOf(many, [], many)(0, 1 << 7)).toBeCloseTo(1 / 40);
  });
  it('never counts an expansion whose term no sub-query holds as complete', () => {
    expect(coverageOf(['x', 'y'], [new Set(['zz'])], ['x', 'y'])(0b11, 0)).toBe(1);
    expect(coverageOf(['x', 'y'], [new Set(['zz'])], ['x', 'y'])(0b01, 0)).toBe(0.5);
  });
});
