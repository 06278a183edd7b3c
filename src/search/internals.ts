/**
 * The one place that reads MiniSearch's internal index (7.x): the radix tree of terms with their
 * per-field posting maps, document ids, field lengths and stored fields. The query executor
 * (`executor.ts`) scores from these exactly as `MiniSearch#search` does, but plans the work
 * (`miniSearchView`: a MiniSearch index as the scoring view of `view.ts`, which compact segments
 * implement too). Dumps restore indexes for snapshots and transfers; `replayAverages` and
 * `shortIdOf` serve in-place patches (`tiered.ts`).
 *
 * `test/internals.test.ts` fails if a MiniSearch upgrade changes any of this (shape or scoring);
 * `indexView` also checks the shape at run time and throws a `papertalk:` error when it changed.
 */
import type MiniSearch from 'minisearch';
import type { ScoringView } from './view.ts';

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

/** A MiniSearch index as the executor scores it (`view.ts`; live: MiniSearch's own objects). */
export function miniSearchView(ms: MiniSearch<any>): ScoringView {
  const v = indexView(ms);
  const { fieldLength, documentIds, storedFields } = v;
  return {
    terms: v.terms as unknown as ScoringView['terms'],
    documentCount: v.documentCount,
    nextId: v.nextId,
    fieldIds: v.fieldIds,
    fields: v.fields,
    avgFieldLength: v.avgFieldLength,
    bm25: v.bm25,
    weights: v.weights,
    maxFuzzy: v.maxFuzzy,
    fieldLength: (doc, fieldId) => fieldLength.get(doc)?.[fieldId],
    documentId: (doc) => documentIds.get(doc),
    storedField: (doc, field) => storedFields.get(doc)?.[field],
  };
}

/** The short id of a document of the index (undefined: not in the index). */
export function shortIdOf(ms: MiniSearch<any>, id: unknown): number | undefined {
  const m = ms as unknown as Writable;
  if (!(m._idToShortId instanceof Map)) changed('_idToShortId');
  return m._idToShortId.get(id);
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
  /** Field lengths by short id, `fields` per document, flat; -1 for a field the document does not have. */
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
  // A field the document did not have is -1 (not 0: an empty field counts in the averages, a missing one does not; see `replayAverages`).
  for (const [doc, ls] of v.fieldLength) for (let f = 0; f < nFields; f++) lengths[doc * nFields + f] = ls[f] ?? -1;
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

/** What an index dump holds besides its documents and terms. */
export type IndexDumpHead = Pick<IndexDump, 'format' | 'documentCount' | 'nextId' | 'dirtCount' | 'fieldIds' | 'averageFieldLength' | 'storeFields'> & { stored: boolean };

/** One piece of an index dump, small enough to send between threads or restore in one step. */
export type IndexDumpPart =
  | { kind: 'head'; head: IndexDumpHead }
  | { kind: 'docs'; first: number; ids: unknown[]; lengths: number[]; stored: unknown[][] | null }
  | { kind: 'terms'; entries: IndexDump['index'] };

/**
 * Cuts a dump into parts of at most about `cells` numbers each (documents in runs, terms in
 * runs whose postings add up to about that), in the order `IndexRestorer` takes them.
 */
export function* indexDumpParts(dump: IndexDump, cells = 100_000): Generator<IndexDumpPart> {
  const { index, ids, lengths, stored, ...rest } = dump;
  yield { kind: 'head', head: { ...rest, stored: stored !== null } };
  const nFields = Object.keys(dump.fieldIds).length || 1;
  const perRun = Math.max(1, Math.floor(cells / (nFields + 2)));
  for (let first = 0; first < ids.length; first += perRun) {
    const end = Math.min(ids.length, first + perRun);
    yield { kind: 'docs', first, ids: ids.slice(first, end), lengths: lengths.slice(first * nFields, end * nFields), stored: stored ? stored.slice(first, end) : null };
  }
  let run: IndexDump['index'] = [];
  let size = 0;
  for (const entry of index) {
    run.push(entry);
    for (let i = 1; i < entry.length; i++) size += (entry[i] as number[]).length;
    size += 1;
    if (size >= cells) {
      yield { kind: 'terms', entries: run };
      run = [];
      size = 0;
    }
  }
  if (run.length) yield { kind: 'terms', entries: run };
}

/**
 * Rebuilds a MiniSearch index from `dumpIndex` output given in parts (`indexDumpParts`), one
 * part at a time, so that a large index can be restored in small steps between other work.
 * `finish()` installs what was restored into the index (it is not usable before).
 */
export class IndexRestorer<T> {
  private readonly ms: MiniSearch<T>;
  private readonly nFields: number;
  private head: IndexDumpHead | null = null;
  private readonly documentIds = new Map<number, unknown>();
  private readonly idToShortId = new Map<unknown, number>();
  private readonly fieldLength = new Map<number, number[]>();
  private readonly storedFields = new Map<number, Record<string, unknown>>();
  private readonly tree: { set(term: string, value: FieldPostings): void };

  constructor(create: () => MiniSearch<T>) {
    this.ms = create();
    const v = indexView(this.ms);
    this.nFields = v.fields.length;
    this.tree = v.terms as unknown as { set(term: string, value: FieldPostings): void };
  }

  add(part: IndexDumpPart): void {
    if (part.kind === 'head') {
      if (!part.head || part.head.format !== 1) throw new Error('papertalk: unreadable index dump');
      this.head = part.head;
      return;
    }
    const head = this.head;
    if (!head) throw new Error('papertalk: index dump part before its head');
    if (part.kind === 'docs') {
      const nFields = this.nFields;
      for (let i = 0; i < part.ids.length; i++) {
        const id = part.ids[i];
        if (id === null || id === undefined) continue;
        const doc = part.first + i;
        this.documentIds.set(doc, id);
        this.idToShortId.set(id, doc);
        const lengths: number[] = [];
        for (let f = 0; f < nFields; f++) {
          const length = part.lengths[i * nFields + f]!;
          if (length >= 0) lengths[f] = length;
        }
        this.fieldLength.set(doc, lengths);
        if (part.stored) {
          const values = part.stored[i] ?? [];
          const s: Record<string, unknown> = {};
          head.storeFields.forEach((f, k) => {
            if (values[k] !== null && values[k] !== undefined) s[f] = values[k];
          });
          this.storedFields.set(doc, s);
        }
      }
      return;
    }
    if (!Array.isArray(part.entries)) throw new Error('papertalk: unreadable index dump');
    for (const entry of part.entries) {
      const fp: FieldPostings = new Map();
      for (let i = 1; i < entry.length; i++) {
        const flat = entry[i] as number[];
        const postings: Postings = new Map();
        for (let k = 1; k < flat.length; k += 2) postings.set(flat[k]!, flat[k + 1]!);
        fp.set(flat[0]!, postings);
      }
      this.tree.set(entry[0] as string, fp);
    }
  }

  finish(): MiniSearch<T> {
    const head = this.head;
    if (!head) throw new Error('papertalk: unreadable index dump');
    const m = this.ms as unknown as Writable;
    m._documentCount = head.documentCount;
    m._nextId = head.nextId;
    m._dirtCount = head.dirtCount;
    m._fieldIds = head.fieldIds;
    m._avgFieldLength = head.averageFieldLength;
    m._documentIds = this.documentIds;
    m._idToShortId = this.idToShortId;
    m._fieldLength = this.fieldLength;
    m._storedFields = this.storedFields;
    indexView(this.ms);
    return this.ms;
  }
}

/** A MiniSearch index rebuilt from `dumpIndex` output, with the options it was created with. */
export function restoreIndex<T>(dump: IndexDump, create: () => MiniSearch<T>): MiniSearch<T> {
  if (!dump || dump.format !== 1 || !Array.isArray(dump.index) || !Array.isArray(dump.ids)) throw new Error('papertalk: unreadable index dump');
  const r = new IndexRestorer(create);
  for (const part of indexDumpParts(dump, Infinity)) r.add(part);
  return r.finish();
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

/**
 * Sets the index's average field lengths to what adding its documents in `order` (their ids) to
 * an empty index gives. MiniSearch keeps them as running means in which a document without a
 * field still counts (so they depend on the order documents were added in); after documents were
 * removed and added in place, this makes them — and so every score — those of a fresh build
 * in that order, bit for bit (the same operations in the same order as `addFieldLength`).
 */
export function replayAverages(ms: MiniSearch<any>, order: Iterable<unknown>): void {
  const m = ms as unknown as Writable;
  const v = indexView(ms);
  const idToShortId = m._idToShortId;
  if (!(idToShortId instanceof Map)) changed('_idToShortId');
  const avg: number[] = [];
  let count = 0;
  for (const id of order) {
    const doc = idToShortId.get(id);
    if (doc === undefined) throw new Error(`papertalk: replayAverages: ${String(id)} is not in the index`);
    const lengths = v.fieldLength.get(doc) ?? [];
    for (let f = 0; f < lengths.length; f++) {
      const length = lengths[f];
      if (length === undefined) continue;
      avg[f] = ((avg[f] || 0) * count + length) / (count + 1);
    }
    count++;
  }
  if (count !== v.documentCount) throw new Error(`papertalk: replayAverages: ${count} ids for ${v.documentCount} documents`);
  m._avgFieldLength = avg;
}
