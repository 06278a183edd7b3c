/**
 * The best k documents of a query with a caller's final score: every match of the query is
 * scored by the executor (`QueryExecutor#run`), the caller turns MiniSearch's score and the
 * matched-term mask into a final score (coverage, filters), hits below a fraction of the best
 * are dropped, and the top k are selected without sorting all matches.
 */
import type { ExecOptions, QueryExecutor } from './executor.ts';
import type { TermPostings } from './view.ts';
import { topK } from './select.ts';

export interface TopQuery {
  /** How many of the best hits are wanted (in order). */
  k: number;
  /**
   * Final score of a document from its MiniSearch score (sum × number of query terms matched)
   * and its matched-term mask (low and high 32 bits); NaN when it does not qualify.
   */
  final(doc: number, score: number, lo: number, hi: number): number;
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
  /** Index terms scored (for `QueryExecutor#termsOf`). */
  derived: [string, TermPostings][];
}

/** Final scores of the current query, reused (one search at a time: the library is synchronous). */
let buffer = new Float64Array(1024);

export function topDocuments(exec: QueryExecutor, subQueries: readonly string[], options: ExecOptions, q: TopQuery): TopResult {
  const raw = exec.run(subQueries, options);
  if (buffer.length < raw.n) buffer = new Float64Array(Math.max(raw.n, buffer.length * 2));
  const scores = buffer;
  let best = 0;
  for (let k = 0; k < raw.n; k++) {
    const x = q.final(raw.docs[k]!, raw.scores[k]!, raw.maskLo[k]!, raw.maskHi[k]!);
    scores[k] = x;
    if (x > best) best = x;
  }
  const floor = best * q.minRelative;
  let total = 0;
  for (let k = 0; k < raw.n; k++) if (scores[k]! >= floor) total++;
  const docs = raw.docs;
  const top = topK(raw.n, q.k, (a, b) => scores[b]! - scores[a]! || q.tie(docs[a]!, docs[b]!), (k) => scores[k]! >= floor);
  return { docs: top.map((k) => docs[k]!), scores: top.map((k) => scores[k]!), lo: top.map((k) => raw.maskLo[k]!), hi: top.map((k) => raw.maskHi[k]!), total, derived: raw.derived };
}
