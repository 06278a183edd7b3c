/**
 * What the query executor (`executor.ts`) scores from: a term dictionary (exact, prefix and fuzzy
 * lookups) whose entries are posting lists by field, and the BM25 statistics of the index
 * (document count, field lengths, average field lengths). Three sources implement it: a MiniSearch
 * index read through its internals (`internals.ts`, `miniSearchView`), a compact immutable segment
 * (`segment.ts`), and a segment with a MiniSearch index of what arrived since (`tiered.ts`). One
 * scorer serves them all, so their scores agree with MiniSearch's.
 */

/** One field's postings of a term: document → term frequency (MiniSearch's `Map` fits). */
export interface PostingList {
  readonly size: number;
  has(doc: number): boolean;
  [Symbol.iterator](): Iterator<[number, number]>;
}

/** A posting list held as arrays (documents ascending): scored without iterating pairs. */
export interface ArrayPostings extends PostingList {
  readonly docs: ArrayLike<number>;
  readonly tfs: ArrayLike<number>;
}

/** A term's postings by field id (MiniSearch's `Map<fieldId, Map<doc, tf>>` fits). */
export interface TermPostings {
  get(fieldId: number): PostingList | undefined;
  values(): Iterable<PostingList>;
  /** Postings summed over fields, when known without going through the lists. */
  readonly postings?: number;
}

export interface TermSource {
  get(term: string): TermPostings | undefined;
  /** Terms starting with the prefix (the prefix itself included when it is a term). */
  atPrefix(prefix: string): Iterable<[string, TermPostings]>;
  /** Terms within `maxDistance` edits (Levenshtein), with their distance (0 for the term itself). */
  fuzzyGet(term: string, maxDistance: number): Map<string, [TermPostings, number]>;
  /** Every term (any order). */
  keys(): Iterable<string>;
}

export interface ScoringView {
  terms: TermSource;
  /** Number of documents (the N of BM25). */
  documentCount: number;
  /** Document numbers are below this. */
  nextId: number;
  fieldIds: Record<string, number>;
  /** Index fields in the order MiniSearch scores them. */
  fields: string[];
  avgFieldLength: number[];
  /** BM25 parameters, prefix and fuzzy weights, most fuzzy edits (the index's search options). */
  bm25: { k: number; b: number; d: number };
  weights: { fuzzy: number; prefix: number };
  maxFuzzy: number;
  /** Length of a field of a document (undefined: the document has no such field, or no document). */
  fieldLength(doc: number, fieldId: number): number | undefined;
  /** The document's id (undefined: no document). */
  documentId(doc: number): unknown;
  /** A stored field of a document. */
  storedField(doc: number, field: string): unknown;
}

export function isArrayPostings(p: PostingList): p is ArrayPostings {
  return (p as Partial<ArrayPostings>).docs !== undefined;
}

/** A posting list over arrays (documents ascending). */
export class ListPostings implements ArrayPostings {
  constructor(
    readonly docs: Uint32Array,
    readonly tfs: Uint32Array | Uint16Array,
  ) {}

  get size(): number {
    return this.docs.length;
  }

  has(doc: number): boolean {
    const docs = this.docs;
    let lo = 0;
    let hi = docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (docs[mid]! < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo < docs.length && docs[lo] === doc;
  }

  *[Symbol.iterator](): Iterator<[number, number]> {
    for (let i = 0; i < this.docs.length; i++) yield [this.docs[i]!, this.tfs[i]!];
  }
}
