/**
 * The one place that reads MiniSearch's internal index (7.x): the radix tree of terms with their
 * per-field posting maps, document ids, field lengths and stored fields. The query executor
 * (`executor.ts`) scores from these exactly as `MiniSearch#search` does, but plans the work.
 *
 * `test/internals.test.ts` fails if a MiniSearch upgrade changes any of this (shape or scoring);
 * `indexView` also checks the shape at run time and throws a `papertalk:` error when it changed.
 */
import type MiniSearch from 'minisearch';

/** Term frequencies of one field: short document id → term frequency. */
export type Postings = Map<number, number>;
/** A term's postings by field id. */
export type FieldPostings = Map<number, Postings>;

/** The radix tree of terms (MiniSearch's `SearchableMap`). */
export interface TermTree {
  get(term: string): FieldPostings | undefined;
  has(term: string): boolean;
  /** Terms starting with the prefix (including the prefix itself when it is a term), in tree order. */
  atPrefix(prefix: string): Iterable<[string, FieldPostings]>;
  /** Terms within `maxDistance` edits, with their distance (0 for the term itself). */
  fuzzyGet(term: string, maxDistance: number): Map<string, [FieldPostings, number]>;
  readonly size: number;
}

export interface IndexView {
  terms: TermTree;
  /** Number of documents (the N of BM25). */
  documentCount: number;
  /** Short ids are below this. */
  nextId: number;
  fieldIds: Record<string, number>;
  avgFieldLength: number[];
  /** Short id → length of each field (by field id). */
  fieldLength: Map<number, number[]>;
  /** Short id → the document's id. */
  documentIds: Map<number, unknown>;
  /** Short id → stored fields. */
  storedFields: Map<number, Record<string, unknown>>;
  /** Index fields in the order MiniSearch scores them. */
  fields: string[];
  /** BM25 parameters of the index's search options. */
  bm25: { k: number; b: number; d: number };
  /** Prefix and fuzzy match weights. */
  weights: { fuzzy: number; prefix: number };
  maxFuzzy: number;
}

interface Internals {
  _index?: unknown;
  _documentCount?: unknown;
  _nextId?: unknown;
  _fieldIds?: unknown;
  _avgFieldLength?: unknown;
  _fieldLength?: unknown;
  _documentIds?: unknown;
  _storedFields?: unknown;
  _options?: { fields?: unknown; searchOptions?: Record<string, unknown> };
}

function changed(what: string): never {
  throw new Error(`papertalk: MiniSearch internals changed (${what}); update src/search/internals.ts`);
}

/** A typed view of a MiniSearch index's internals (live: the objects are MiniSearch's own). */
export function indexView(ms: MiniSearch<never> | MiniSearch<any>): IndexView {
  const m = ms as unknown as Internals;
  const index = m._index as Partial<TermTree> | undefined;
  if (!index || typeof index.get !== 'function' || typeof index.atPrefix !== 'function' || typeof index.fuzzyGet !== 'function') changed('_index');
  if (typeof m._documentCount !== 'number' || typeof m._nextId !== 'number') changed('_documentCount/_nextId');
  if (!m._fieldIds || typeof m._fieldIds !== 'object') changed('_fieldIds');
  if (!Array.isArray(m._avgFieldLength)) changed('_avgFieldLength');
  if (!(m._fieldLength instanceof Map) || !(m._documentIds instanceof Map) || !(m._storedFields instanceof Map)) changed('_fieldLength/_documentIds/_storedFields');
  const fields = m._options?.fields;
  if (!Array.isArray(fields)) changed('_options.fields');
  // MiniSearch merges its default search options in: they are what `search` scores with.
  const so = (m._options?.searchOptions ?? {}) as { bm25?: { k: number; b: number; d: number }; weights?: { fuzzy: number; prefix: number }; maxFuzzy?: number };
  const p = so.bm25;
  const w = so.weights;
  if (!p || typeof p.k !== 'number' || typeof p.b !== 'number' || typeof p.d !== 'number') changed('searchOptions.bm25');
  if (!w || typeof w.fuzzy !== 'number' || typeof w.prefix !== 'number' || typeof so.maxFuzzy !== 'number') changed('searchOptions.weights/maxFuzzy');
  return {
    terms: index as TermTree,
    documentCount: m._documentCount,
    nextId: m._nextId,
    fieldIds: m._fieldIds as Record<string, number>,
    avgFieldLength: m._avgFieldLength as number[],
    fieldLength: m._fieldLength as Map<number, number[]>,
    documentIds: m._documentIds as Map<number, unknown>,
    storedFields: m._storedFields as Map<number, Record<string, unknown>>,
    fields: fields as string[],
    bm25: { k: p.k, b: p.b, d: p.d },
    weights: { fuzzy: w.fuzzy, prefix: w.prefix },
    maxFuzzy: so.maxFuzzy,
  };
}

/** MiniSearch's BM25+ term score (`calcBM25Score`), the same operations in the same order. */
export function bm25(termFreq: number, matchingCount: number, totalCount: number, fieldLength: number, avgFieldLength: number, p: { k: number; b: number; d: number }): number {
  const invDocFreq = Math.log(1 + (totalCount - matchingCount + 0.5) / (matchingCount + 0.5));
  return invDocFreq * (p.d + (termFreq * (p.k + 1)) / (termFreq + p.k * (1 - p.b + (p.b * fieldLength) / avgFieldLength)));
}
