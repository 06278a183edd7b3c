/**
 * The best k documents of a query with a caller's final score: every match of the query is
 * scored by the executor (`QueryExecutor#run`), the caller turns MiniSearch's score and the
 * matched-term mask into a final score (coverage, filters), hits below a fraction of the best
 * are dropped, and the top k are selected without sorting all matches.
 */
import type { ExecOptions, QueryExecutor } from './executor.ts';
import type { ScoredList } from './cut.ts';
import type { TermPostings } from './view.ts';
import { topKByScore } from './select.ts';

export interface TopQuery {
  /** How many of the best hits are wanted (in order). */
  k: number;
  /**
   * What a document's MiniSearch score (sum × number of query terms matched) is multiplied by,
   * from its matched-term mask (low and high 32 bits); NaN when such a document does not
   * qualify. Asked once per distinct mask (most queries have few terms: a table by mask); it must
   * not decrease when bits are added (coverage does not).
   */
  factor(lo: number, hi: number): number;
  /** Whether a document passes the filters (omitted: all do). Asked only for qualifying masks. */
  filter?: (doc: number) => boolean;
  /** Order of two documents with equal final scores (< 0: `a` first). */
  tie(a: number, b: number): number;
  /** Hits below this fraction of the best one are dropped and not counted (0: none). */
  minRelative: number;
}

export interface TopResult {
  /** Short ids of the best hits, best first (at most k). */
  docs: number[];
  scores: number[];
  /** Their matched-term masks (low and high 32 bits). */
  lo: number[];
  hi: number[];
  /** Hits at or above the floor. */
  total: number;
  /** Index terms scored, and their lists (for `QueryExecutor#termsOf`). */
  derived: [string, TermPostings][];
  derivedLists?: ScoredList[][] | undefined;
}

/** Final scores of the current query, reused (one search at a time: the library is synchronous). */
let buffer = new Float64Array(1024);
/** The current query's factors of masks below 2^12 (`known[mask]`: computed; NaN is a factor). */
const table = new Float64Array(4096);
const known = new Uint8Array(4096);

export function topDocuments(exec: QueryExecutor, subQueries: readonly string[], options: ExecOptions, q: TopQuery): TopResult {
  // The executor need not score what cannot reach the floor (exact: see `cut.ts`).
  const raw = exec.run(subQueries, { ...options, cut: { factor: q.factor, filter: q.filter, minRelative: q.minRelative } });
  const n = raw.n;
  if (buffer.length < n) buffer = new Float64Array(Math.max(n, buffer.length * 2));
  const scores = buffer;
  const { docs, maskLo, maskHi } = raw;
  const filter = q.filter;
  const given = raw.factor;
  known.fill(0);
  // Final score = score × factor(mask) (the same two operations as a per-document callback).
  let best = 0;
  for (let k = 0; k < n; k++) {
    const lo = maskLo[k]!;
    const hi = maskHi[k]!;
    let f: number;
    if (given) f = given[k]!;
    else if (hi === 0 && lo < 4096) {
      if (known[lo]) f = table[lo]!;
      else {
        f = table[lo] = q.factor(lo, 0);
        known[lo] = 1;
      }
    } else f = q.factor(lo, hi);
    if (f !== f || (filter && !filter(docs[k]!))) {
      scores[k] = NaN;
      continue;
    }
    const x = raw.scores[k]! * f;
    scores[k] = x;
    if (x > best) best = x;
  }
  const floor = best * q.minRelative;
  let total = 0;
  for (let k = 0; k < n; k++) if (scores[k]! >= floor) total++;
  const top = topKByScore(n, q.k, scores, (a, b) => q.tie(docs[a]!, docs[b]!), undefined, floor);
  return { docs: top.map((k) => docs[k]!), scores: top.map((k) => scores[k]!), lo: top.map((k) => maskLo[k]!), hi: top.map((k) => maskHi[k]!), total, derived: raw.derived, derivedLists: raw.derivedLists };
}
