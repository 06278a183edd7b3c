/**
 * Near-duplicate detection of abstracts with blocking: an inverted index from word 3-gram
 * shingles to documents, skipping shingles so common they say nothing ("in this paper we").
 * Cost stays near-linear in corpus size: no all-pairs comparison.
 */
import { containment, shingles } from './text.ts';

export interface SimilarPair {
  a: number;
  b: number;
  score: number;
}

export interface SimilarOptions {
  /** Minimum containment (shared shingles / shingles of the shorter text). */
  threshold: number;
  /** Shingles in more documents than this are ignored for blocking. */
  maxPosting?: number;
  /** Minimum number of shingles a text needs to take part. */
  minShingles?: number;
}

export function similarTexts(texts: (string | null)[], options: SimilarOptions): SimilarPair[] {
  const maxPosting = options.maxPosting ?? 40;
  const minShingles = options.minShingles ?? 8;
  const sets = texts.map((t) => (t ? shingles(t) : new Set<string>()));
  const postings = new Map<string, number[]>();
  sets.forEach((set, doc) => {
    if (set.size < minShingles) return;
    for (const s of set) {
      const list = postings.get(s);
      if (list) list.push(doc);
      else postings.set(s, [doc]);
    }
  });
  const pairs: SimilarPair[] = [];
  sets.forEach((set, doc) => {
    if (set.size < minShingles) return;
    const counts = new Map<number, number>();
    for (const s of set) {
      const list = postings.get(s);
      if (!list || list.length > maxPosting) continue;
      for (const other of list) if (other > doc) counts.set(other, (counts.get(other) ?? 0) + 1);
    }
    for (const [other, shared] of counts) {
      const otherSet = sets[other]!;
      // Cheap upper bound before the exact measure.
      if (shared / Math.min(set.size, otherSet.size) < options.threshold * 0.5) continue;
      const score = containment(set, otherSet);
      if (score >= options.threshold) pairs.push({ a: doc, b: other, score });
    }
  });
  return pairs;
}
