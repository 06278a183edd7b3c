/**
 * Query coverage of a hit: the share of the query's terms it matched, where an acronym
 * expansion stands in for the query (all of its terms matched → full coverage; some → one more
 * term). Computed from the executor's matched-term bit masks and memoised per mask.
 */
export type Coverage = (lo: number, hi: number) => number;

/**
 * `terms`: the query's terms (repeats count); `expansions`: each expansion's terms;
 * `sourceTerms`: the executor's bit order (bit i ↔ `sourceTerms[i]`).
 */
export function coverageOf(terms: readonly string[], expansions: readonly ReadonlySet<string>[], sourceTerms: readonly string[]): Coverage {
  const bitOf = (t: string) => sourceTerms.indexOf(t);
  const termBits = terms.map(bitOf);
  // An expansion with a term no sub-query holds can never be matched in full.
  const masks = expansions.map((set) => {
    const bits = [...set].map(bitOf);
    return { lo: maskOf(bits, 0), hi: maskOf(bits, 32), complete: bits.length > 0 && bits.every((b) => b >= 0) };
  });
  const n = terms.length;
  const compute = (lo: number, hi: number): number => {
    let covered = 0;
    for (const b of termBits) if (b >= 0 && (b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1)) covered++;
    let all = false;
    let some = false;
    for (const m of masks) {
      if (m.complete && (lo & m.lo) >>> 0 === m.lo && (hi & m.hi) >>> 0 === m.hi) all = true;
      else if ((lo & m.lo) !== 0 || (hi & m.hi) !== 0) some = true;
    }
    if (all) covered = Math.max(covered, n);
    else if (some) covered = Math.min(n, covered + 1);
    return covered / n;
  };
  // Most queries have at most 12 distinct terms: a table by mask.
  const memo = new Float64Array(4096).fill(-1);
  return (lo, hi) => {
    if (hi !== 0 || lo >= 4096) return compute(lo, hi);
    let c = memo[lo]!;
    if (c < 0) c = memo[lo] = compute(lo, hi);
    return c;
  };
}

/** The bits in [base, base + 32) of a list of bit numbers, as a 32-bit mask. */
function maskOf(bits: number[], base: number): number {
  let m = 0;
  for (const b of bits) if (b >= base && b < base + 32) m |= 1 << (b - base);
  return m >>> 0;
}
