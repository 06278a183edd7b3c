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

/**
 * A MiniSearch index in a form that loads several times faster than `MiniSearch.loadJSON`:
 * postings as flat number arrays (no per-document object keys to parse back into numbers),
 * document ids, field lengths and stored fields as arrays by short id.
 */
export interface IndexDump {
  format: 1;
  documentCount: number;
  nextId: number;
  dirtCount: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  /** Document id by short id (null: no document). */
  ids: unknown[];
  /** Field lengths by short id, `fields` per document, flat. */
  lengths: number[];
  /** Stored field values by short id, in `storeFields` order (null when none are stored). */
  stored: unknown[][] | null;
  storeFields: string[];
  /** `[term, [fieldId, doc, tf, doc, tf, …], …]` in the index's term order. */
  index: [string, ...number[][]][];
}

interface Writable extends Internals {
  _idToShortId?: Map<unknown, number>;
  _dirtCount?: number;
}

/** The index's internals as an `IndexDump` (a snapshot of an immutable index). */
export function dumpIndex(ms: MiniSearch<any>): IndexDump {
  const v = indexView(ms);
  const m = ms as unknown as Writable;
  const nFields = v.fields.length;
  const ids: unknown[] = new Array<unknown>(v.nextId).fill(null);
  const lengths: number[] = new Array<number>(v.nextId * nFields).fill(0);
  for (const [doc, id] of v.documentIds) ids[doc] = id;
  for (const [doc, ls] of v.fieldLength) for (let f = 0; f < nFields; f++) lengths[doc * nFields + f] = ls[f] ?? 0;
  const storeFields = ((m._options as { storeFields?: string[] } | undefined)?.storeFields ?? []).slice();
  let stored: unknown[][] | null = null;
  if (storeFields.length) {
    stored = new Array<unknown[]>(v.nextId);
    for (let doc = 0; doc < v.nextId; doc++) {
      const s = v.storedFields.get(doc);
      stored[doc] = s ? storeFields.map((f) => s[f] ?? null) : [];
    }
  }
  const index: IndexDump['index'] = [];
  for (const [term, fp] of v.terms as unknown as Iterable<[string, FieldPostings]>) {
    const entry: [string, ...number[][]] = [term];
    for (const [fieldId, postings] of fp) {
      const flat = [fieldId];
      for (const [doc, tf] of postings) flat.push(doc, tf);
      entry.push(flat);
    }
    index.push(entry);
  }
  return { format: 1, documentCount: v.documentCount, nextId: v.nextId, dirtCount: m._dirtCount ?? 0, fieldIds: { ...v.fieldIds }, averageFieldLength: [...v.avgFieldLength], ids, lengths, stored, storeFields, index };
}

/** A MiniSearch index rebuilt from `dumpIndex` output, with the options it was created with. */
export function restoreIndex<T>(dump: IndexDump, create: () => MiniSearch<T>): MiniSearch<T> {
  if (!dump || dump.format !== 1 || !Array.isArray(dump.index) || !Array.isArray(dump.ids)) throw new Error('papertalk: unreadable index dump');
  const ms = create();
  const v = indexView(ms);
  const m = ms as unknown as Writable;
  const nFields = v.fields.length;
  const documentIds = new Map<number, unknown>();
  const idToShortId = new Map<unknown, number>();
  const fieldLength = new Map<number, number[]>();
  const storedFields = new Map<number, Record<string, unknown>>();
  for (let doc = 0; doc < dump.ids.length; doc++) {
    const id = dump.ids[doc];
    if (id === null || id === undefined) continue;
    documentIds.set(doc, id);
    idToShortId.set(id, doc);
    fieldLength.set(doc, dump.lengths.slice(doc * nFields, doc * nFields + nFields));
    if (dump.stored) {
      const values = dump.stored[doc] ?? [];
      const s: Record<string, unknown> = {};
      dump.storeFields.forEach((f, i) => {
        if (values[i] !== null && values[i] !== undefined) s[f] = values[i];
      });
      storedFields.set(doc, s);
    }
  }
  const tree = v.terms as unknown as { set(term: string, value: FieldPostings): void };
  for (const entry of dump.index) {
    const fp: FieldPostings = new Map();
    for (let i = 1; i < entry.length; i++) {
      const flat = entry[i] as number[];
      const postings: Postings = new Map();
      for (let k = 1; k < flat.length; k += 2) postings.set(flat[k]!, flat[k + 1]!);
      fp.set(flat[0]!, postings);
    }
    tree.set(entry[0] as string, fp);
  }
  m._documentCount = dump.documentCount;
  m._nextId = dump.nextId;
  m._dirtCount = dump.dirtCount;
  m._fieldIds = dump.fieldIds;
  m._avgFieldLength = dump.averageFieldLength;
  m._documentIds = documentIds;
  m._idToShortId = idToShortId;
  m._fieldLength = fieldLength;
  m._storedFields = storedFields;
  indexView(ms);
  return ms;
}

/**
 * `ms.addAll(docs)` with MiniSearch's per-occurrence term lookup (`addTerm` walks the radix tree
 * for every word of every field) replaced, for this call only, by a lookup per distinct term: the
 * posting map a term's leaf holds is fetched from the tree once, then reused. Same index, bit for
 * bit (`test/internals.test.ts` compares dumps); the tree walk was most of a large build.
 */
export function addAllCached<T>(ms: MiniSearch<T>, docs: readonly T[]): void {
  const inner = ms as unknown as {
    _index: { fetch(term: string, initial: () => FieldPostings): FieldPostings };
    addTerm?: (fieldId: number, documentId: number, term: string) => void;
  };
  if (typeof inner._index?.fetch !== 'function' || Object.prototype.hasOwnProperty.call(inner, 'addTerm')) {
    throw new Error('papertalk: MiniSearch internals changed (no _index.fetch); update src/search/internals.ts');
  }
  const leaves = new Map<string, FieldPostings>();
  const create = (): FieldPostings => new Map();
  inner.addTerm = (fieldId: number, documentId: number, term: string): void => {
    let data = leaves.get(term);
    if (data === undefined) {
      data = inner._index.fetch(term, create);
      leaves.set(term, data);
    }
    const postings = data.get(fieldId);
    if (postings === undefined) data.set(fieldId, new Map([[documentId, 1]]));
    else postings.set(documentId, (postings.get(documentId) ?? 0) + 1);
  };
  try {
    ms.addAll(docs as T[]);
  } finally {
    delete inner.addTerm;
  }
}
