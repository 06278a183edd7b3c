/**
 * Which documents an OR query on a large index need not score, when the caller keeps only hits
 * whose final score (the executor's score × a factor of the matched-term mask, NaN: never a
 * hit) reaches a fraction of the best hit's (the search's `minRelativeScore` floor, which its
 * `total` counts against). Exact: every document that can reach the floor is scored as before,
 * in the same order (the same sums to the bit); the others are left out of the results.
 *
 * MaxScore over posting lists, with the floor bounded from below before scoring:
 *
 *  1. a few likely best documents (the best partial sums over the lists with the highest
 *     maxima, a small share of the postings) are scored exactly by binary search in every list:
 *     the best of their final scores × the fraction is at most the floor (`threshold`);
 *  2. a document whose lists all lie in a set N scores at most (Σ maxima of N) × (number of terms
 *     of N) × factor(terms of N): the lists are split into N, whose bound stays under the
 *     threshold (or whose terms cannot qualify), and the essential rest E (`essential`);
 *  3. only documents in some list of E can reach the floor: they are marked, and kept when their
 *     actual contributions from E plus the maxima of N can still reach it (`mark`).
 *
 * Bounds carry a relative margin of 1e-9 so that float rounding (sums formed in another order)
 * never prunes a document that reaches the floor.
 */

/** A posting list of a query as the executor scores it: contribution = factor × scores[i], from ≤ i < to. */
export interface ScoredList {
  /** The query term's bit (masks of up to 32 terms). */
  bit: number;
  factor: number;
  /** Documents, ascending (in `from..to`). */
  docs: Int32Array;
  scores: Float64Array;
  from: number;
  to: number;
  /** Largest contribution: factor × max(scores). */
  max: number;
}

/** What the caller keeps (see `ExecOptions.cut`). */
export interface Cut {
  /** Final score = score × factor(mask); NaN: such a document is never a hit. Monotone in the mask. */
  factor(lo: number, hi: number): number;
  /** Whether a document passes the caller's filters (omitted: all do). */
  filter?: ((doc: number) => boolean) | undefined;
  /** Hits below this fraction of the best final score are dropped (and not counted). */
  minRelative: number;
}

/** Scratch arrays by document (zero between uses). */
export interface Scratch {
  acc: Float64Array;
  mask: Uint32Array;
  list: Int32Array;
}

const MARGIN = 1e-9;
/** Documents scored exactly for the threshold. */
const SEEDS = 8;

/** `cut.factor` of masks below 2^12 tabled (low word only). */
export class Factors {
  private readonly table = new Float64Array(4096);
  private readonly known = new Uint8Array(4096);
  constructor(public cut: Cut) {}

  /** The same for another cut (one instance serves every query of an executor). */
  reset(cut: Cut): this {
    this.cut = cut;
    this.known.fill(0);
    return this;
  }

  of(mask: number): number {
    if (mask >= 4096) return this.cut.factor(mask >>> 0, 0);
    if (this.known[mask]) return this.table[mask]!;
    this.known[mask] = 1;
    return (this.table[mask] = this.cut.factor(mask, 0));
  }

  /** Upper bound of the final score of a document whose contributions sum to at most `sum`, within `mask`. */
  bound(sum: number, mask: number): number {
    const f = this.of(mask);
    if (f !== f) return -Infinity;
    return sum * (popcount(mask) || 1) * f * (1 + MARGIN);
  }
}

/** The SEEDS documents of highest value offered (value > `worst` to enter). */
class Seeds {
  readonly docs: number[] = [];
  private readonly values: number[] = [];
  /** What a document must beat to enter (-1 until full: values offered are ≥ 0). */
  worst = -1;

  get best(): number {
    return this.values[0] ?? -1;
  }

  add(doc: number, value: number): void {
    let at = this.docs.length;
    while (at > 0 && this.values[at - 1]! < value) at--;
    this.docs.splice(at, 0, doc);
    this.values.splice(at, 0, value);
    if (this.docs.length > SEEDS) {
      this.docs.pop();
      this.values.pop();
    }
    if (this.docs.length === SEEDS) this.worst = this.values[SEEDS - 1]!;
  }
}

/** Index of `doc` in a list's ascending documents, -1 when absent. */
export function find(l: ScoredList, doc: number): number {
  const docs = l.docs;
  let lo = l.from;
  let hi = l.to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < doc) lo = mid + 1;
    else hi = mid;
  }
  return lo < l.to && docs[lo] === doc ? lo : -1;
}

/** A document's final score as the executor and the caller compute it (sum in list order), NaN when not a hit. */
function finalScore(lists: readonly ScoredList[], doc: number, f: Factors): number {
  let sum = 0;
  let mask = 0;
  let touched = false;
  for (const l of lists) {
    const i = find(l, doc);
    if (i < 0) continue;
    const x = l.factor * l.scores[i]!;
    if (touched) sum += x;
    else sum = x;
    touched = true;
    mask |= l.bit;
  }
  return touched ? sum * (popcount(mask >>> 0) || 1) * f.of(mask >>> 0) : NaN;
}

/** A final score below which no document can reach the floor (0 when none is known). */
export function threshold(lists: readonly ScoredList[], f: Factors, s: Scratch): number {
  const cut = f.cut;
  if (!(cut.minRelative > 0)) return 0;
  let total = 0;
  for (const l of lists) total += l.to - l.from;
  // Partial sums over the lists with the highest maxima that fit in 1/64 of the postings (over
  // the bench's queries at 100k, 1/8 gave thresholds 0.1 % higher and 1 % fewer candidates).
  const maxima = new Float64Array(lists.length);
  for (let i = 0; i < lists.length; i++) maxima[i] = -lists[i]!.max;
  const order = ascending(maxima);
  const budget = Math.max(4096, total >> 6);
  let used = 0;
  let n = 0;
  for (const i of order) {
    const l = lists[i]!;
    if (used + l.to - l.from > budget) continue;
    used += l.to - l.from;
    const { docs, scores } = l;
    for (let k = l.from; k < l.to; k++) {
      const doc = docs[k]!;
      if (s.mask[doc] === 0) {
        s.list[n++] = doc;
        s.acc[doc] = l.factor * scores[k]!;
      } else s.acc[doc]! += l.factor * scores[k]!;
      s.mask[doc]! |= l.bit;
    }
  }
  // Seeds: the documents the filters keep with the best partial finals, and with the best
  // partial sums (their other terms may lie in lists not summed here).
  const byFinal = new Seeds();
  const bySum = new Seeds();
  for (let k = 0; k < n; k++) {
    const doc = s.list[k]!;
    const mask = s.mask[doc]!;
    const sum = s.acc[doc]!;
    s.mask[doc] = 0;
    s.acc[doc] = 0;
    // A partial sum and mask are at most the document's own: so is this at most its final score.
    const e = sum * (popcount(mask) || 1) * f.of(mask);
    const final = e > byFinal.worst;
    if (!final && !(sum > bySum.worst)) continue;
    if (cut.filter && !cut.filter(doc)) continue;
    if (final) byFinal.add(doc, e);
    bySum.add(doc, sum);
  }
  let best = byFinal.docs.length ? byFinal.best : 0;
  for (const doc of new Set([...byFinal.docs, ...bySum.docs])) {
    const x = finalScore(lists, doc, f);
    if (x > best) best = x;
  }
  return best * cut.minRelative * (1 - MARGIN);
}

/**
 * The essential lists (flags by list; the others, N, bound under `theta`), or null when they
 * would hold most postings (pruning would cost more than it saves). Tries a few orders of
 * moving lists from N to E and keeps the cheapest: largest maximum per posting first, largest
 * maximum first, and whole terms by postings (rarest first: the coverage minimum).
 */
export function essential(lists: readonly ScoredList[], theta: number, f: Factors): Uint8Array | null {
  const n = lists.length;
  let total = 0;
  let sumAll = 0;
  for (const l of lists) {
    total += l.to - l.from;
    sumAll += l.max;
  }
  const slack = sumAll * MARGIN;
  const termPostings = new Map<number, number>();
  for (const l of lists) termPostings.set(l.bit, (termPostings.get(l.bit) ?? 0) + l.to - l.from);
  // Orders as keys ascending (ties by list): maximum per posting descending, maximum
  // descending, and by term (its postings, then its bit), then list length.
  const perPosting = new Float64Array(n);
  const maxima = new Float64Array(n);
  const byTerm = new Float64Array(n);
  const bits = [...new Set(lists.map((l) => l.bit))].sort((a, b) => termPostings.get(a)! - termPostings.get(b)! || a - b);
  const rank = new Map(bits.map((b, r) => [b, r]));
  for (let i = 0; i < n; i++) {
    const l = lists[i]!;
    const len = l.to - l.from;
    perPosting[i] = -l.max / (len || 1);
    maxima[i] = -l.max;
    byTerm[i] = rank.get(l.bit)! * 2 ** 32 + len;
  }
  const orders = [ascending(perPosting), ascending(maxima), ascending(byTerm)];
  let best: Uint8Array | null = null;
  let bestCost = Infinity;
  for (const order of orders) {
    const inE = new Uint8Array(n);
    const perBit = new Map<number, number>();
    for (const l of lists) perBit.set(l.bit, (perBit.get(l.bit) ?? 0) + 1);
    let bits = 0;
    for (const b of perBit.keys()) bits |= b;
    let sum = sumAll;
    let cost = 0;
    let j = 0;
    while (f.bound(sum + slack, bits >>> 0) >= theta && j < n) {
      const i = order[j++]!;
      const l = lists[i]!;
      inE[i] = 1;
      cost += l.to - l.from;
      sum -= l.max;
      const left = perBit.get(l.bit)! - 1;
      perBit.set(l.bit, left);
      if (!left) bits &= ~l.bit;
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = inE;
    }
  }
  return bestCost * 2 > total ? null : best;
}

/**
 * Marks in `cand` (listed in `candList`) the documents of the essential lists that can still
 * reach the floor: their contributions from E plus the maxima of every other list. The floor's
 * bound is raised first to what the contributions from E already guarantee (a partial sum and
 * mask are at most a document's own). Returns how many, and that bound. `s` is left zero.
 */
export function mark(lists: readonly ScoredList[], inE: Uint8Array, theta: number, f: Factors, s: Scratch, cand: Uint8Array, candList: Int32Array): { n: number; theta: number } {
  let otherSum = 0;
  let otherBits = 0;
  for (let i = 0; i < lists.length; i++) {
    if (inE[i]) continue;
    otherSum += lists[i]!.max;
    otherBits |= lists[i]!.bit;
  }
  otherSum *= 1 + MARGIN;
  let n = 0;
  for (let i = 0; i < lists.length; i++) {
    if (!inE[i]) continue;
    const { docs, scores, factor, bit, from, to } = lists[i]!;
    for (let k = from; k < to; k++) {
      const doc = docs[k]!;
      if (s.mask[doc] === 0) {
        s.list[n++] = doc;
        s.acc[doc] = factor * scores[k]!;
      } else s.acc[doc]! += factor * scores[k]!;
      s.mask[doc]! |= bit;
    }
  }
  const cut = f.cut;
  if (cut.minRelative > 0) {
    let best = theta / cut.minRelative;
    for (let k = 0; k < n; k++) {
      const doc = s.list[k]!;
      const mask = s.mask[doc]!;
      const e = s.acc[doc]! * (popcount(mask) || 1) * f.of(mask);
      if (e > best && (!cut.filter || cut.filter(doc))) best = e;
    }
    theta = Math.max(theta, best * cut.minRelative * (1 - MARGIN));
  }
  let kept = 0;
  for (let k = 0; k < n; k++) {
    const doc = s.list[k]!;
    const b = f.bound(s.acc[doc]! + otherSum, (s.mask[doc]! | otherBits) >>> 0);
    s.acc[doc] = 0;
    s.mask[doc] = 0;
    if (b >= theta) {
      cand[doc] = 1;
      candList[kept++] = doc;
    }
  }
  return { n: kept, theta };
}

/** Indexes 0..n-1 ordered by `keys` ascending, ties by index (an insertion sort: lists are few). */
function ascending(keys: Float64Array): Int32Array {
  const order = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    let at = i;
    while (at > 0 && keys[order[at - 1]!]! > keys[i]!) {
      order[at] = order[at - 1]!;
      at--;
    }
    order[at] = i;
  }
  return order;
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
