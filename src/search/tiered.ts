/**
 * One index of a library, in one of two forms behind one API:
 *
 *  - a MiniSearch index alone (small corpora, and libraries restored from index dumps);
 *  - a compact immutable segment (`segment.ts`) holding the bulk, plus a MiniSearch index of the
 *    documents that arrived since (a diff's upserts), the segment's removed documents masked
 *    (tombstones).
 *
 * A library changes an index only through `remove` / `add` / `replayAverages` (`Library.patched`)
 * and scores it through `view()`. In the tiered form the view combines both parts the way one
 * MiniSearch index over the same documents would hold them: a term's postings are the segment's
 * live ones followed by the additions' (document numbers above the segment's), document counts
 * per term and field and N are those of the live documents, and the average field lengths are
 * replayed in corpus order as MiniSearch's running means. So scores equal a fresh MiniSearch
 * build's within float tolerance (`test/segment.test.ts`, `test/diff.test.ts`).
 */
import type MiniSearch from 'minisearch';
import { miniSearchView, replayAverages, shortIdOf } from './internals.ts';
import { Segment } from './segment.ts';
import { ListPostings, isArrayPostings, type PostingList, type ScoringView, type TermPostings, type TermSource } from './view.ts';

/** Combined term postings kept per view (the merge of a common term's lists is not repeated per query). */
const MEMO_TERMS = 2048;

export class TieredIndex<T> {
  /** The bulk (null: the MiniSearch index holds everything). */
  readonly segment: Segment | null;
  /** What arrived since the segment was built (everything when there is no segment). */
  readonly delta: MiniSearch<T>;
  private readonly idOf: (doc: T) => unknown;
  /** Segment documents removed (1), by document number. */
  private tomb: Uint8Array | null = null;
  private tombCount = 0;
  /** Segment document number by id (made on first use). */
  private slots: Map<unknown, number> | null = null;
  /** Average field lengths replayed after a change (null: the segment's). */
  private avg: number[] | null = null;

  private constructor(segment: Segment | null, delta: MiniSearch<T>, idOf: (doc: T) => unknown) {
    this.segment = segment;
    this.delta = delta;
    this.idOf = idOf;
    if (segment) {
      const v = miniSearchView(delta);
      if (JSON.stringify(v.fields) !== JSON.stringify(segment.fields) || JSON.stringify(v.fieldIds) !== JSON.stringify(segment.fieldIds)) throw new Error('papertalk: an index segment and its additions have different fields');
    }
  }

  /** A MiniSearch index alone. */
  static ofMiniSearch<T>(ms: MiniSearch<T>, idOf: (doc: T) => unknown): TieredIndex<T> {
    return new TieredIndex(null, ms, idOf);
  }

  /** A segment, with `empty` (an empty MiniSearch index with the same options) for additions. */
  static ofSegment<T>(segment: Segment, empty: MiniSearch<T>, idOf: (doc: T) => unknown): TieredIndex<T> {
    return new TieredIndex(segment, empty, idOf);
  }

  /** Whether anything changed since the segment was built. */
  get changed(): boolean {
    return this.tombCount > 0 || this.delta.documentCount > 0;
  }

  private slotOf(id: unknown): number | undefined {
    const s = this.segment;
    if (!s) return undefined;
    if (!this.slots) {
      this.slots = new Map();
      for (let doc = 0; doc < s.nextId; doc++) if (s.ids[doc] !== null) this.slots.set(s.ids[doc], doc);
    }
    const doc = this.slots.get(id);
    return doc === undefined || this.tomb?.[doc] ? undefined : doc;
  }

  /**
   * Builds what the first change would otherwise build in one go (the segment's document numbers
   * by id: ~150k entries at 100k papers, 60-200 ms on the main thread inside the first patch), a
   * `chunk` of documents per step; run between other work after a library is installed.
   */
  *warmSteps(chunk = 20_000): Generator<void, void> {
    const s = this.segment;
    if (!s || this.slots) return;
    const slots = new Map<unknown, number>();
    for (let doc = 0; doc < s.nextId; doc++) {
      if (s.ids[doc] !== null) slots.set(s.ids[doc], doc);
      if (doc % chunk === chunk - 1) {
        yield;
        // Built meanwhile by a change that could not wait.
        if (this.slots) return;
      }
    }
    this.slots = slots;
  }

  has(id: unknown): boolean {
    return this.delta.has(id) || this.slotOf(id) !== undefined;
  }

  /** Removes a document given as it was indexed. */
  remove(doc: T): void {
    const id = this.idOf(doc);
    if (this.delta.has(id)) {
      this.delta.remove(doc);
      return;
    }
    const slot = this.slotOf(id);
    if (slot === undefined) throw new Error(`papertalk: cannot remove ${String(id)}: not in the index`);
    this.tomb ??= new Uint8Array(this.segment!.nextId);
    this.tomb[slot] = 1;
    this.tombCount++;
  }

  add(doc: T): void {
    this.delta.add(doc);
  }

  /**
   * Sets the average field lengths to what adding the documents in `order` (their ids) to an empty
   * index gives (MiniSearch's running means, the same operations in the same order).
   */
  replayAverages(order: Iterable<unknown>): void {
    const s = this.segment;
    if (!s) {
      replayAverages(this.delta, order);
      return;
    }
    const dv = miniSearchView(this.delta);
    const nFields = s.fields.length;
    const avg: number[] = [];
    let count = 0;
    for (const id of order) {
      const d = shortIdOf(this.delta, id);
      const slot = d === undefined ? this.slotOf(id) : undefined;
      if (d === undefined && slot === undefined) throw new Error(`papertalk: replayAverages: ${String(id)} is not in the index`);
      for (let f = 0; f < nFields; f++) {
        const length = d !== undefined ? dv.fieldLength(d, f) : s.fieldLength(slot!, f);
        if (length === undefined) continue;
        avg[f] = ((avg[f] || 0) * count + length) / (count + 1);
      }
      count++;
    }
    const expected = s.documentCount - this.tombCount + dv.documentCount;
    if (count !== expected) throw new Error(`papertalk: replayAverages: ${count} ids for ${expected} documents`);
    this.avg = avg;
  }

  /** Whether a segment holds the bulk. */
  get segmented(): boolean {
    return this.segment !== null;
  }

  /** The average field lengths the index scores with. */
  averages(): number[] {
    return this.segment ? [...(this.avg ?? this.segment.avgFieldLength)] : [...miniSearchView(this.delta).avgFieldLength];
  }

  /**
   * Sets the average field lengths of a segmented index to those computed elsewhere: a fresh
   * build of the same documents in corpus order (what `replayAverages` computes here).
   */
  setAverages(avg: readonly number[]): void {
    const s = this.segment;
    if (!s) throw new Error('papertalk: only a segmented index takes averages computed elsewhere');
    if (avg.length > s.fields.length || avg.some((a) => a !== undefined && a !== null && !Number.isFinite(a))) throw new Error('papertalk: invalid average field lengths');
    this.avg = [...avg];
  }

  /** What the executor scores (a fresh view after each change). */
  view(): ScoringView {
    const s = this.segment;
    if (!s) return miniSearchView(this.delta);
    if (!this.changed) return s;
    return combinedView(s, miniSearchView(this.delta), this.tomb, this.tombCount, this.avg ?? s.avgFieldLength);
  }

  /** The segment form as one buffer: the segment's own, or a new one of everything when it changed. */
  toBytes(): Uint8Array {
    const s = this.segment;
    if (!s) throw new Error('papertalk: a MiniSearch-only index has no segment form');
    return this.changed ? Segment.build(this.view(), s.storeFields).toBytes() : s.toBytes();
  }
}

/** Keeps documents of `list` (ascending) that are not removed, then appends `extra` shifted by `base`. */
function mergeList(list: PostingList | undefined, tomb: Uint8Array | null, extra: PostingList | undefined, base: number): ListPostings | undefined {
  const n = (list?.size ?? 0) + (extra?.size ?? 0);
  const docs = new Uint32Array(n);
  const tfs = new Uint32Array(n);
  let k = 0;
  if (list) {
    if (isArrayPostings(list)) {
      const { docs: ds, tfs: ts } = list;
      for (let i = 0; i < ds.length; i++) {
        const doc = ds[i]!;
        if (tomb?.[doc]) continue;
        docs[k] = doc;
        tfs[k++] = ts[i]!;
      }
    } else {
      for (const [doc, tf] of list) {
        if (tomb?.[doc]) continue;
        docs[k] = doc;
        tfs[k++] = tf;
      }
    }
  }
  if (extra) {
    const pairs = [...extra].sort((a, b) => a[0] - b[0]);
    for (const [doc, tf] of pairs) {
      docs[k] = doc + base;
      tfs[k++] = tf;
    }
  }
  return k ? new ListPostings(docs.subarray(0, k), tfs.subarray(0, k)) : undefined;
}

/** Whether any of the term's documents is removed. */
function holdsRemoved(fp: TermPostings, tomb: Uint8Array): boolean {
  for (const list of fp.values()) {
    if (isArrayPostings(list)) {
      const docs = list.docs;
      for (let i = 0; i < docs.length; i++) if (tomb[docs[i]!]) return true;
    } else for (const [doc] of list) if (tomb[doc]) return true;
  }
  return false;
}

/** A segment with tombstones and additions (`delta`, document numbers shifted by the segment's `nextId`), as one index. */
function combinedView(s: Segment, delta: ScoringView, tomb: Uint8Array | null, tombCount: number, avgFieldLength: number[]): ScoringView {
  const base = s.nextId;
  const memo = new Map<string, TermPostings | null>();
  const fieldIdList = [...new Set(Object.values(s.fieldIds))].sort((a, b) => a - b);
  const get = (term: string): TermPostings | undefined => {
    const hit = memo.get(term);
    if (hit !== undefined) {
      memo.delete(term);
      memo.set(term, hit);
      return hit ?? undefined;
    }
    const own = s.get(term);
    const extra = delta.terms.get(term);
    let out: TermPostings | undefined = own;
    // A term none of whose documents were removed keeps the segment's lists (no copy).
    if (extra || (own && tomb && holdsRemoved(own, tomb))) {
      const map = new Map<number, PostingList>();
      for (const f of fieldIdList) {
        const list = mergeList(own?.get(f), tomb, extra?.get(f), base);
        if (list) map.set(f, list);
      }
      out = map.size ? map : undefined;
    }
    memo.set(term, out ?? null);
    if (memo.size > MEMO_TERMS) memo.delete(memo.keys().next().value as string);
    return out;
  };
  const terms: TermSource = {
    get,
    *atPrefix(prefix: string): Iterable<[string, TermPostings]> {
      const [from, to] = s.prefixRange(prefix);
      const names = new Set<string>();
      for (let i = from; i < to; i++) names.add(s.term(i));
      for (const [t] of delta.terms.atPrefix(prefix)) names.add(t);
      for (const t of [...names].sort()) {
        const fp = get(t);
        if (fp) yield [t, fp];
      }
    },
    fuzzyGet(term: string, maxDistance: number): Map<string, [TermPostings, number]> {
      const found = new Map<string, number>();
      for (const [i, d] of s.fuzzyIndexes(term, maxDistance)) found.set(s.term(i), d);
      for (const [t, [, d]] of delta.terms.fuzzyGet(term, maxDistance)) found.set(t, d);
      const out = new Map<string, [TermPostings, number]>();
      for (const t of [...found.keys()].sort()) {
        const fp = get(t);
        if (fp) out.set(t, [fp, found.get(t)!]);
      }
      return out;
    },
    *keys(): Iterable<string> {
      const names = new Set<string>(s.keys());
      for (const t of delta.terms.keys()) names.add(t);
      for (const t of names) if (get(t)) yield t;
    },
  };
  return {
    terms,
    documentCount: s.documentCount - tombCount + delta.documentCount,
    nextId: base + delta.nextId,
    fieldIds: s.fieldIds,
    fields: s.fields,
    avgFieldLength,
    bm25: s.bm25,
    weights: s.weights,
    maxFuzzy: s.maxFuzzy,
    fieldLength: (doc, fieldId) => (doc < base ? (tomb?.[doc] ? undefined : s.fieldLength(doc, fieldId)) : delta.fieldLength(doc - base, fieldId)),
    documentId: (doc) => (doc < base ? (tomb?.[doc] ? undefined : s.documentId(doc)) : delta.documentId(doc - base)),
    storedField: (doc, field) => (doc < base ? (tomb?.[doc] ? undefined : s.storedField(doc, field)) : delta.storedField(doc - base, field)),
  };
}
