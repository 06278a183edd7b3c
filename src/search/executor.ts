/**
 * Query execution over an index's postings (`view.ts`: a MiniSearch index read through
 * `internals.ts`, a compact segment, or a segment with additions): the same terms,
 * expansions and BM25 scores as `MiniSearch#search`, computed with typed-array accumulators
 * instead of one result object per matching document, and with the work planned:
 *
 *  - large posting lists are turned once into compact arrays (document, BM25 score), cached;
 *  - on a large index (`planMinDocs`), fuzzy expansion is skipped for a term the vocabulary
 *    knows well (document frequency at least `fuzzySkipDf`), tries one edit before two, and
 *    prefix / fuzzy expansions are capped (`maxExpansions`, the rarest kept: they are what the
 *    expansion is for); AND queries stop expanding terms once the intersection is empty;
 *  - callers get raw results (documents, scores, matched-term masks) and pick the few hits they
 *    need (`rank.ts`: no sort of every match); a caller that keeps only hits near the best one
 *    says so (`ExecOptions.cut`), and OR queries on a large index then score only the documents
 *    that can get there (`cut.ts`: MaxScore-style pruning that changes no result).
 *
 * Below `planMinDocs` documents (caps off) the scores are identical, to the bit, to MiniSearch's:
 * the sums are formed in MiniSearch's order (per term, per field, then per query term, then per
 * sub-query). `test/executor.test.ts` checks that. Above it, OR queries accumulate in one pass.
 */
import MiniSearch from 'minisearch';
import { bm25, miniSearchView } from './internals.ts';
import { essential, Factors, find, mark, popcount, threshold, type Cut, type ScoredList } from './cut.ts';
import { isArrayPostings, type PostingList, type ScoringView, type TermPostings } from './view.ts';

export interface ExecOptions {
  /** Field boosts (missing fields count 1). */
  boost?: Record<string, number>;
  /** Fuzzy distance for a term: a fraction of its length (< 1), an edit count, or false. */
  fuzzy?: (term: string, i: number, all: string[]) => number | boolean;
  prefix?: (term: string, i: number, all: string[]) => boolean;
  /** How the terms of one sub-query combine (sub-queries always combine with OR). */
  combineWith?: 'OR' | 'AND';
  /**
   * What the caller keeps of the results (`cut.ts`): hits whose final score, the score × a factor
   * of the matched-term mask, reaches a fraction of the best one's. OR queries on a large index
   * then leave out (and mostly do not score) the documents that cannot; the others come out as
   * they would without it.
   */
  cut?: Cut;
}

export interface PlanOptions {
  /** Caps apply only to indexes with at least this many documents (exact MiniSearch below). */
  planMinDocs: number;
  /** Most prefix / fuzzy expansions scored per query term (the rarest ones). */
  maxExpansions: number;
  /** No fuzzy expansion of a term found in at least this many documents' fields. */
  fuzzySkipDf: number;
}

export const DEFAULT_PLAN: PlanOptions = { planMinDocs: 5_000, maxExpansions: 24, fuzzySkipDf: 20 };

/** A posting list of a direct run (`cut.ts`), with its term's bit in the high mask word. */
type DirectList = ScoredList & { bitHi: number };

/** Posting lists at least this long are cached as typed arrays. */
const COMPACT_MIN = 48;
/** Bound on cached postings (entries, 12 bytes each): least recently used lists are dropped. */
const COMPACT_BUDGET = 4_000_000;

interface Compact {
  docs: Int32Array;
  scores: Float64Array;
  /** Largest score. */
  max: number;
}

/** One accumulation level (per query term, per sub-query, total): sums and first-touch order. */
class Level {
  acc: Float64Array;
  mark: Uint8Array;
  list: Int32Array;
  n = 0;
  constructor(size: number) {
    this.acc = new Float64Array(size);
    this.mark = new Uint8Array(size);
    this.list = new Int32Array(size);
  }
  add(doc: number, v: number): void {
    if (this.mark[doc]) this.acc[doc]! += v;
    else {
      this.mark[doc] = 1;
      this.acc[doc] = v;
      this.list[this.n++] = doc;
    }
  }
  clear(): void {
    for (let i = 0; i < this.n; i++) this.mark[this.list[i]!] = 0;
    this.n = 0;
  }
}

/** One query term: its bit in the matched-terms mask and the index terms it is scored with (term, postings, weight). */
export interface Spec {
  bit: number;
  items: [string, TermPostings, number][];
}

export interface Expansion {
  /** Distinct query terms; bit i of a mask ↔ `sourceTerms[i]`. */
  sourceTerms: string[];
  /** Per sub-query, its terms in order. */
  groups: Spec[][];
  /** True when a cap dropped expansions. */
  planned: boolean;
}

interface PrefixExpansions {
  all: [string, TermPostings, number][];
  rarest: [string, TermPostings, number][];
}

/** Matches of one query: documents in MiniSearch's result order, their score (× quality) and matched query terms. */
export interface RawResults {
  /** Number of matching documents. */
  n: number;
  /** Short ids, in the order MiniSearch would list them before sorting (buffers are reused: valid until the next run). */
  docs: Int32Array;
  /** Score as `MiniSearch#search` reports it (sum × number of query terms matched), by position. */
  scores: Float64Array;
  /** Query terms (distinct, as processed), bit i ↔ `sourceTerms[i]`. */
  sourceTerms: string[];
  /** Bit masks of matched query terms, low 32 and high 32 bits, by position. */
  maskLo: Uint32Array;
  maskHi: Uint32Array;
  /** With `options.cut` on a direct run: `cut.factor` of each result's mask (asked once per mask). */
  factor?: Float64Array;
  /** Index terms that were scored (expansions included), with their postings: for `termsOf`. */
  derived: [string, TermPostings][];
  /** A direct run's lists by derived term (`termsOf` searches them: no posting list made anew). */
  derivedLists?: ScoredList[][] | undefined;
  /** True when a cap dropped expansions (scores may differ from MiniSearch's). */
  planned: boolean;
}

export class QueryExecutor {
  readonly view: ScoringView;
  private readonly tokenize: (text: string) => string[];
  private readonly processTerm: (term: string) => string | null | undefined | false;
  private readonly plan: PlanOptions;
  private levels: [Level, Level, Level, Level] | null = null;
  private masks: [Uint32Array, Uint32Array] | null = null;
  /** Documents of the current query that can reach the caller's floor (1; `cut.ts`), and their list. */
  private cand = new Uint8Array(0);
  private candList = new Int32Array(0);
  private factors: Factors | null = null;
  /** Documents whose masks are set (to reset them after a query). */
  private touched = new Int32Array(0);
  private nTouched = 0;
  /** Result buffers, reused by every run (results are valid until the next run). */
  private out: Out = newOut(0);
  private readonly compact = new Map<PostingList, Compact>();
  private compactSize = 0;

  /** Over a MiniSearch index (read through its internals) or any other scoring view. */
  constructor(index: MiniSearch<any> | ScoringView, tokenize: (text: string) => string[], processTerm: (term: string) => string | null | undefined | false, plan: PlanOptions = DEFAULT_PLAN) {
    this.view = index instanceof MiniSearch ? miniSearchView(index) : index;
    this.tokenize = tokenize;
    this.processTerm = processTerm;
    this.plan = plan;
  }

  /** Whether caps apply to this index. */
  get planning(): boolean {
    return this.view.documentCount >= this.plan.planMinDocs;
  }

  /** Number of documents whose fields hold `term` (summed over fields), 0 when unknown. */
  df(term: string): number {
    const fp = this.view.terms.get(term);
    return fp ? this.dfOf(fp) : 0;
  }

  /** The processed terms of a text, as the index processes them. */
  terms(text: string): string[] {
    const out: string[] = [];
    for (const t of this.tokenize(text)) {
      const p = this.processTerm(t);
      if (p) out.push(p);
    }
    return out;
  }

  private compactOf(postings: PostingList, fieldId: number): Compact {
    let c = this.compact.get(postings);
    if (c) {
      this.compact.delete(postings);
      this.compact.set(postings, c);
      return c;
    }
    const v = this.view;
    const n = postings.size;
    const docs = new Int32Array(n);
    const scores = new Float64Array(n);
    const avg = v.avgFieldLength[fieldId]!;
    const N = v.documentCount;
    if (isArrayPostings(postings)) {
      const { docs: ds, tfs } = postings;
      for (let i = 0; i < n; i++) {
        const doc = ds[i]!;
        docs[i] = doc;
        scores[i] = bm25(tfs[i]!, n, N, v.fieldLength(doc, fieldId)!, avg, v.bm25);
      }
    } else {
      let i = 0;
      for (const [doc, tf] of postings) {
        docs[i] = doc;
        scores[i] = bm25(tf, n, N, v.fieldLength(doc, fieldId)!, avg, v.bm25);
        i++;
      }
    }
    let max = 0;
    for (let i = 0; i < n; i++) if (scores[i]! > max) max = scores[i]!;
    c = { docs, scores, max };
    this.compact.set(postings, c);
    this.compactSize += n;
    this.evict();
    return c;
  }

  private evict(): void {
    while (this.compactSize > COMPACT_BUDGET && this.compact.size > 1) {
      const [k, old] = this.compact.entries().next().value as [PostingList, Compact];
      this.compact.delete(k);
      this.compactSize -= old.docs.length;
    }
  }

  private getLevels(): [Level, Level, Level, Level] {
    const size = this.view.nextId + 1;
    if (!this.levels || this.levels[0].acc.length < size) {
      this.levels = [new Level(size), new Level(size), new Level(size), new Level(size)];
      this.masks = [new Uint32Array(size), new Uint32Array(size)];
      this.touched = new Int32Array(size);
      this.cand = new Uint8Array(size);
      this.candList = new Int32Array(size);
    }
    return this.levels;
  }

  /** Short lists of the current query, scored into one buffer (`scoredLists`; a new one when full). */
  private shortDocs = new Int32Array(4096);
  private shortScores = new Float64Array(4096);
  private shortUsed = 0;

  /**
   * A query's posting lists in scoring order (query terms in order, their index terms, fields in
   * index order), each as documents and BM25 scores (long lists from the cache, short ones made
   * now), with the largest contribution; by derived term (`derived`, which this fills), its
   * lists. `sorted`: every list's documents ascend (array postings).
   */
  private scoredLists(groups: Spec[][], boosts: number[], fieldIdList: number[], derived: [string, TermPostings][]): { lists: DirectList[]; byDerived: DirectList[][]; sorted: boolean } {
    const v = this.view;
    const lists: DirectList[] = [];
    const byDerived: DirectList[][] = [];
    let sorted = true;
    this.shortUsed = 0;
    for (const specs of groups) {
      for (const { bit, items } of specs) {
        const bitLo = bit < 32 ? (1 << bit) >>> 0 : 0;
        const bitHi = bit >= 32 ? (1 << (bit - 32)) >>> 0 : 0;
        for (const [t, fp, weight] of items) {
          const own: DirectList[] = [];
          for (let f = 0; f < fieldIdList.length; f++) {
            const fieldId = fieldIdList[f]!;
            const postings = fp.get(fieldId);
            if (!postings) continue;
            const factor = weight * boosts[f]!;
            let l: DirectList;
            if (postings.size < COMPACT_MIN) {
              // Short lists scored now (not cached), into the query's buffer.
              const n = postings.size;
              if (this.shortUsed + n > this.shortDocs.length) {
                // Lists made so far keep the previous buffer.
                this.shortDocs = new Int32Array(Math.max(2 * this.shortDocs.length, n));
                this.shortScores = new Float64Array(this.shortDocs.length);
                this.shortUsed = 0;
              }
              const docs = this.shortDocs;
              const scores = this.shortScores;
              const from = this.shortUsed;
              const avg = v.avgFieldLength[fieldId]!;
              const pairs = pairsOf(postings);
              let max = 0;
              for (let i = 0; i < n; i++) {
                const doc = pairs.docs[i]!;
                docs[from + i] = doc;
                const x = (scores[from + i] = bm25(pairs.tfs[i]!, n, v.documentCount, v.fieldLength(doc, fieldId)!, avg, v.bm25));
                if (x > max) max = x;
              }
              this.shortUsed += n;
              l = { bit: bitLo, bitHi, factor, docs, scores, from, to: from + n, max: factor * max };
            } else {
              const c = this.compactOf(postings, fieldId);
              l = { bit: bitLo, bitHi, factor, docs: c.docs, scores: c.scores, from: 0, to: c.docs.length, max: factor * c.max };
            }
            if (!isArrayPostings(postings)) sorted = false;
            lists.push(l);
            own.push(l);
          }
          derived.push([t, fp]);
          byDerived.push(own);
        }
      }
    }
    return { lists, byDerived, sorted };
  }

  /**
   * OR queries on a large index: every contribution straight into the total, in scoring order
   * (the sums then differ from MiniSearch's in the last bit at most: it sums per term, then per
   * sub-query). The matched-term mask doubles as the "seen" mark, so a posting costs a few
   * typed-array accesses (`addNarrow`, `addWide`). With `options.cut`, documents that cannot
   * reach the caller's floor are not scored (`cut.ts`) nor returned.
   */
  private runDirect(expansion: Expansion, options: ExecOptions): RawResults {
    const [, , top, tmp] = this.getLevels();
    const [maskLo, maskHi] = this.masks!;
    const { fieldIds: fieldIdList, boosts } = this.fieldBoosts(options);
    const { sourceTerms, groups } = expansion;
    const derived: [string, TermPostings][] = [];
    const { lists, byDerived, sorted } = this.scoredLists(groups, boosts, fieldIdList, derived);
    const wide = sourceTerms.length > 32;
    const cut = options.cut;
    const factors = cut ? (this.factors ??= new Factors(cut)).reset(cut) : null;
    let theta = 0;
    let nCand = -1;
    if (factors && sorted && !wide) {
      // Scratch: the fourth level's sums, the high mask words (unused by narrow queries).
      const scratch = { acc: tmp.acc, mask: maskHi, list: tmp.list };
      theta = threshold(lists, factors, scratch);
      const inE = essential(lists, theta, factors);
      if (inE) ({ n: nCand, theta } = mark(lists, inE, theta, factors, scratch, this.cand, this.candList));
    }
    const cand = nCand >= 0 ? this.cand : null;
    let n = 0;
    for (const l of lists) n = wide ? addWide(l.docs, l.scores, l.from, l.to, l.factor, top.acc, top.list, n, maskLo, maskHi, l.bit, l.bitHi, cand) : addNarrow(l.docs, l.scores, l.from, l.to, l.factor, top.acc, top.list, n, maskLo, l.bit, cand);
    unmark(this.cand, this.candList, nCand);
    if (this.out.docs.length < n) this.out = newOut(top.list.length);
    const m = emit(top, n, maskLo, wide ? maskHi : null, factors, theta, this.out);
    const { docs, scores, lo, hi, factor } = this.out;
    return { n: m, docs: docs.subarray(0, m), scores: scores.subarray(0, m), sourceTerms, maskLo: lo.subarray(0, m), maskHi: hi.subarray(0, m), ...(factors ? { factor: factor.subarray(0, m) } : {}), derived, derivedLists: byDerived, planned: expansion.planned };
  }


  /** Adds one index term's contribution (weight × field boost × BM25, per field in index order) to `spec`. */
  private scoreTerm(fp: TermPostings, weight: number, boosts: number[], fieldIdList: number[], spec: Level, bitLo: number, bitHi: number): void {
    const v = this.view;
    const [maskLo, maskHi] = this.masks!;
    for (let f = 0; f < fieldIdList.length; f++) {
      const fieldId = fieldIdList[f]!;
      const postings = fp.get(fieldId);
      if (!postings) continue;
      const factor = weight * boosts[f]!;
      if (postings.size >= COMPACT_MIN) {
        const { docs, scores } = this.compactOf(postings, fieldId);
        for (let i = 0; i < docs.length; i++) {
          const doc = docs[i]!;
          spec.add(doc, factor * scores[i]!);
          if (!(maskLo[doc]! | maskHi[doc]!)) this.touched[this.nTouched++] = doc;
          maskLo[doc]! |= bitLo;
          maskHi[doc]! |= bitHi;
        }
      } else {
        // Short lists scored as they are read (no closure per list: autocomplete asks for many).
        const n = postings.size;
        const avg = v.avgFieldLength[fieldId]!;
        const { docs, tfs } = pairsOf(postings);
        for (let i = 0; i < n; i++) {
          const doc = docs[i]!;
          spec.add(doc, factor * bm25(tfs[i]!, n, v.documentCount, v.fieldLength(doc, fieldId)!, avg, v.bm25));
          if (!(maskLo[doc]! | maskHi[doc]!)) this.touched[this.nTouched++] = doc;
          maskLo[doc]! |= bitLo;
          maskHi[doc]! |= bitHi;
        }
      }
    }
  }

  /** Field ids in scoring order and the boost of each (missing boosts count 1). */
  fieldBoosts(options: ExecOptions): { fieldIds: number[]; boosts: number[] } {
    const v = this.view;
    return {
      fieldIds: v.fields.map((f) => v.fieldIds[f]!),
      boosts: v.fields.map((f) => (options.boost && Object.prototype.hasOwnProperty.call(options.boost, f) ? options.boost[f] : undefined) || 1),
    };
  }

  /**
   * The query's terms and the index terms each one is scored with (itself, prefix and fuzzy
   * expansions with their weights), as MiniSearch derives them; capped on a large index.
   */
  expand(subQueries: readonly string[], options: ExecOptions): Expansion {
    const v = this.view;
    const planning = this.planning;
    const sourceTerms: string[] = [];
    let planned = false;
    const groups: Spec[][] = [];
    for (const text of subQueries) {
      const terms = this.terms(text);
      const specs: Spec[] = [];
      terms.forEach((term, i) => {
        let bit = sourceTerms.indexOf(term);
        if (bit < 0) {
          bit = sourceTerms.length;
          sourceTerms.push(term);
        }
        if (bit >= 64) throw new Error('papertalk: too many query terms');
        // Expanded on first use: an AND query stops at the first term that empties it.
        let cached: [string, TermPostings, number][] | null = null;
        const compute = (): [string, TermPostings, number][] => {
        const items: [string, TermPostings, number][] = [];
        const exact = v.terms.get(term);
        if (exact) items.push([term, exact, 1]);
        const fz = options.fuzzy ? options.fuzzy(term, i, terms) : false;
        const px = options.prefix ? options.prefix(term, i, terms) : false;
        let fuzzyMatches: Map<string, [TermPostings, number]> | undefined;
        if (fz && !(planning && exact && this.dfOf(exact) >= this.plan.fuzzySkipDf)) {
          const fuzzy = fz === true ? 0.2 : fz;
          const maxDistance = fuzzy < 1 ? Math.min(v.maxFuzzy, Math.round(term.length * fuzzy)) : fuzzy;
          if (maxDistance && planning) {
            // One edit first (most typos, and far cheaper on a large vocabulary); two only when one finds nothing.
            fuzzyMatches = this.fuzzyGet(term, 1);
            if (maxDistance >= 2 && fuzzyMatches.size <= (exact ? 1 : 0)) fuzzyMatches = this.fuzzyGet(term, 2);
            if (maxDistance > 1) planned = true;
          } else if (maxDistance) fuzzyMatches = this.fuzzyGet(term, maxDistance);
        } else if (fz) planned = true;
        const prefixed = px ? this.prefixExpansions(term) : null;
        const fuzzed: [string, TermPostings, number][] = [];
        if (fuzzyMatches) {
          for (const [t, [fp, distance]] of fuzzyMatches) {
            // The term itself, and terms it begins (prefix expansions, listed first), are not fuzzy expansions.
            if (!distance || (px && t.startsWith(term))) continue;
            fuzzed.push([t, fp, (v.weights.fuzzy * t.length) / (t.length + distance)]);
          }
        }
        const count = (prefixed?.all.length ?? 0) + fuzzed.length;
        if (planning && prefixed && !fuzzed.length && count > this.plan.maxExpansions) {
          items.push(...prefixed.rarest);
          planned = true;
        } else if (planning && count > this.plan.maxExpansions) {
          // The rarest expansions (by document frequency, then term), scored in the source's order.
          for (const e of this.rarest([...(prefixed?.all ?? []), ...fuzzed])) items.push(e);
          planned = true;
        } else {
          if (prefixed) for (const e of prefixed.all) items.push(e);
          for (const e of fuzzed) items.push(e);
        }
        return items;
        };
        specs.push({
          bit,
          get items() {
            cached ??= compute();
            return cached;
          },
        });
      });
      groups.push(specs);
    }
    return {
      sourceTerms,
      groups,
      get planned() {
        return planned;
      },
    };
  }

  /**
   * Runs sub-queries (each a text, tokenized and processed as the index does) combined with OR,
   * as `MiniSearch#search({ queries, combineWith: 'OR' }, options)` would. Results are valid
   * until the next call. AND applies within a sub-query (exact for a single sub-query).
   */
  run(subQueries: readonly string[], options: ExecOptions = {}): RawResults {
    const expansion = this.expand(subQueries, options);
    const and = options.combineWith === 'AND';
    if (this.planning && !and) return this.runDirect(expansion, options);
    // Levels by role; adding a level's results to an empty one would copy them as they are
    // (same order, same sums), so the two swap roles instead.
    let [spec, group, top, tmp] = this.getLevels();
    const [maskLo, maskHi] = this.masks!;
    const { fieldIds: fieldIdList, boosts } = this.fieldBoosts(options);
    const { sourceTerms, groups } = expansion;
    const derived: [string, TermPostings][] = [];
    top.clear();
    for (const specs of groups) {
      group.clear();
      for (let i = 0; i < specs.length; i++) {
        const { bit, items } = specs[i]!;
        const bitLo = bit < 32 ? (1 << bit) >>> 0 : 0;
        const bitHi = bit >= 32 ? (1 << (bit - 32)) >>> 0 : 0;
        spec.clear();
        for (const [t, fp, weight] of items) {
          this.scoreTerm(fp, weight, boosts, fieldIdList, spec, bitLo, bitHi);
          derived.push([t, fp]);
        }
        // Combine the term's results into the sub-query's.
        if (group.n === 0 && (!and || i === 0)) [group, spec] = [spec, group];
        else if (!and || i === 0) {
          for (let k = 0; k < spec.n; k++) {
            const doc = spec.list[k]!;
            group.add(doc, spec.acc[doc]!);
          }
        } else {
          // AND: documents in both, in the order of the term's results.
          tmp.clear();
          for (let k = 0; k < spec.n; k++) {
            const doc = spec.list[k]!;
            if (group.mark[doc]) tmp.add(doc, group.acc[doc]! + spec.acc[doc]!);
          }
          group.clear();
          [group, tmp] = [tmp, group];
        }
        if (and && group.n === 0) break; // nothing left to intersect: the other terms need no expansion
      }
      if (top.n === 0) [top, group] = [group, top];
      else {
        for (let k = 0; k < group.n; k++) {
          const doc = group.list[k]!;
          top.add(doc, group.acc[doc]!);
        }
      }
    }
    // Masks of documents dropped by AND may be set: callers read masks of `docs` only.
    const n = top.n;
    if (this.out.docs.length < n) this.out = newOut(top.list.length);
    const { docs, scores, lo, hi } = this.out;
    for (let k = 0; k < n; k++) {
      const doc = top.list[k]!;
      docs[k] = doc;
      const mLo = maskLo[doc]!;
      const mHi = maskHi[doc]!;
      lo[k] = mLo;
      hi[k] = mHi;
      scores[k] = top.acc[doc]! * (popcount(mLo) + popcount(mHi) || 1);
    }
    this.resetMasks();
    top.clear();
    group.clear();
    spec.clear();
    tmp.clear();
    return { n, docs: docs.subarray(0, n), scores: scores.subarray(0, n), sourceTerms, maskLo: lo.subarray(0, n), maskHi: hi.subarray(0, n), derived, planned: expansion.planned };
  }

  private resetMasks(): void {
    const [maskLo, maskHi] = this.masks!;
    for (let k = 0; k < this.nTouched; k++) {
      maskLo[this.touched[k]!] = 0;
      maskHi[this.touched[k]!] = 0;
    }
    this.nTouched = 0;
  }

  private readonly fuzzyMemo = new Map<string, Map<string, [TermPostings, number]>>();

  /**
   * Index terms within `maxDistance` edits of a term (`TermSource.fuzzyGet`), memoised (the last
   * 1024; the result is shared: not to be changed). A walk over a large vocabulary costs 0.3-1.5
   * ms at 100k papers (one or two edits), and the same misspellings and typed beginnings come
   * again: a search is often repeated, an autocomplete is asked at every key.
   */
  private fuzzyGet(term: string, maxDistance: number): Map<string, [TermPostings, number]> {
    const key = `${maxDistance}\0${term}`;
    const hit = this.fuzzyMemo.get(key);
    if (hit) {
      this.fuzzyMemo.delete(key);
      this.fuzzyMemo.set(key, hit);
      return hit;
    }
    const found = this.view.terms.fuzzyGet(term, maxDistance);
    this.fuzzyMemo.set(key, found);
    if (this.fuzzyMemo.size > 1024) this.fuzzyMemo.delete(this.fuzzyMemo.keys().next().value as string);
    return found;
  }

  private readonly prefixMemo = new Map<string, PrefixExpansions>();

  /**
   * A term's prefix expansions (other index terms starting with it, with MiniSearch's prefix
   * weight) and, on a large index, the `maxExpansions` rarest of them in tree order. Memoised
   * (the last 512 terms): people type the same beginnings, and the tree walk of a two-letter
   * prefix over a large vocabulary is most of an autocomplete.
   */
  private prefixExpansions(term: string): PrefixExpansions {
    const hit = this.prefixMemo.get(term);
    if (hit) {
      this.prefixMemo.delete(term);
      this.prefixMemo.set(term, hit);
      return hit;
    }
    const v = this.view;
    const all: [string, TermPostings, number][] = [];
    for (const [t, fp] of v.terms.atPrefix(term)) {
      const distance = t.length - term.length;
      if (!distance) continue;
      all.push([t, fp, (v.weights.prefix * t.length) / (t.length + 0.3 * distance)]);
    }
    const out = { all, rarest: this.planning && all.length > this.plan.maxExpansions ? this.rarest(all) : all };
    this.prefixMemo.set(term, out);
    if (this.prefixMemo.size > 512) this.prefixMemo.delete(this.prefixMemo.keys().next().value as string);
    return out;
  }

  /**
   * The `maxExpansions` rarest expansions (by document frequency, ties by term in code-unit
   * order, so that the same ones are kept whatever order a source lists its terms in: a
   * MiniSearch tree and a segment differ), in the order given. One pass keeping the best so far
   * sorted (no comparator closures: V8 specialises its inlined sorts on the closure, and a fresh
   * one per call bailed out of the optimised code again and again).
   */
  private rarest(expansions: [string, TermPostings, number][]): [string, TermPostings, number][] {
    const max = this.plan.maxExpansions;
    const df = new Float64Array(expansions.length);
    for (let k = 0; k < expansions.length; k++) df[k] = this.dfOf(expansions[k]![1]);
    const before = (a: number, b: number): boolean => df[a]! < df[b]! || (df[a] === df[b] && expansions[a]![0] < expansions[b]![0]);
    const best: number[] = [];
    for (let k = 0; k < expansions.length; k++) {
      if (best.length === max && !before(k, best[max - 1]!)) continue;
      let at = best.length === max ? max - 1 : best.length;
      while (at > 0 && before(k, best[at - 1]!)) at--;
      best.splice(at, 0, k);
      if (best.length > max) best.pop();
    }
    best.sort((a, b) => a - b);
    return best.map((k) => expansions[k]!);
  }

  private dfOf(fp: TermPostings): number {
    if (fp.postings !== undefined) return fp.postings;
    let n = 0;
    for (const p of fp.values()) n += p.size;
    return n;
  }

  /** The index terms (expansions included) of a query that a document holds (MiniSearch's `terms`). */
  termsOf(raw: Pick<RawResults, 'derived' | 'derivedLists'>, doc: number): string[] {
    const out: string[] = [];
    const lists = raw.derivedLists;
    const derived = raw.derived;
    for (let k = 0; k < derived.length; k++) {
      const [t, fp] = derived[k]!;
      if (out.includes(t)) continue;
      if (lists) {
        for (const l of lists[k]!) {
          if (find(l, doc) >= 0) {
            out.push(t);
            break;
          }
        }
        continue;
      }
      for (const p of fp.values()) {
        if (p.has(doc)) {
          out.push(t);
          break;
        }
      }
    }
    return out;
  }

  /** The document's id (MiniSearch's `id` of a result). */
  documentId(doc: number): unknown {
    return this.view.documentId(doc);
  }
}

/** Result buffers of a run (reused: results are valid until the next run). */
interface Out {
  docs: Int32Array;
  scores: Float64Array;
  lo: Uint32Array;
  hi: Uint32Array;
  factor: Float64Array;
}

function newOut(n: number): Out {
  return { docs: new Int32Array(n), scores: new Float64Array(n), lo: new Uint32Array(n), hi: new Uint32Array(n), factor: new Float64Array(n) };
}

/**
 * The results of a direct run, in first-touch order, into `out`; returns how many. Masks are
 * reset (`maskHi`: null for narrow queries). With `factors`, documents the caller would drop at
 * once are left out: not a hit, or under the floor bound `theta` (the same product it computes).
 * A function of its own, as the other loops over every posting or match: V8 compiles a long loop
 * inside a larger function on the fly (OSR), and such code, made before the rest of the function
 * has run, was seen to bail out on every call.
 */
function emit(top: Level, n: number, maskLo: Uint32Array, maskHi: Uint32Array | null, factors: Factors | null, theta: number, out: Out): number {
  const { docs, scores, lo, hi, factor } = out;
  const list = top.list;
  const acc = top.acc;
  let m = 0;
  for (let k = 0; k < n; k++) {
    const doc = list[k]!;
    const mLo = maskLo[doc]!;
    let mHi = 0;
    if (maskHi !== null) {
      mHi = maskHi[doc]!;
      maskHi[doc] = 0;
    }
    maskLo[doc] = 0;
    const score = acc[doc]! * (popcount(mLo) + popcount(mHi) || 1);
    if (factors !== null) {
      const f = mHi === 0 ? factors.of(mLo) : factors.cut.factor(mLo, mHi);
      if (f !== f || score * f < theta) continue;
      factor[m] = f;
    }
    docs[m] = doc;
    lo[m] = mLo;
    hi[m] = mHi;
    scores[m++] = score;
  }
  return m;
}

/**
 * Adds `factor × scores[i]` to the total of each document `docs[i]` (from ≤ i < to) in order, notes a
 * document's first touch in `list` (returns its new length) and sets the term's bit in its mask
 * (a zero mask: not touched yet). Documents `cand` does not mark are passed over. Queries of up
 * to 32 terms: one mask word per document.
 */
function addNarrow(docs: Int32Array, scores: Float64Array, from: number, to: number, factor: number, acc: Float64Array, list: Int32Array, n: number, mask: Uint32Array, bit: number, cand: Uint8Array | null): number {
  for (let i = from; i < to; i++) {
    const doc = docs[i]!;
    if (cand !== null && cand[doc] === 0) continue;
    const m = mask[doc]!;
    if (m === 0) {
      list[n++] = doc;
      acc[doc] = factor * scores[i]!;
    } else acc[doc]! += factor * scores[i]!;
    mask[doc] = m | bit;
  }
  return n;
}

/** `addNarrow` for queries of more than 32 terms (two mask words). */
function addWide(docs: Int32Array, scores: Float64Array, from: number, to: number, factor: number, acc: Float64Array, list: Int32Array, n: number, maskLo: Uint32Array, maskHi: Uint32Array, bitLo: number, bitHi: number, cand: Uint8Array | null): number {
  for (let i = from; i < to; i++) {
    const doc = docs[i]!;
    if (cand !== null && cand[doc] === 0) continue;
    if ((maskLo[doc]! | maskHi[doc]!) === 0) {
      list[n++] = doc;
      acc[doc] = factor * scores[i]!;
    } else acc[doc]! += factor * scores[i]!;
    maskLo[doc]! |= bitLo;
    maskHi[doc]! |= bitHi;
  }
  return n;
}

/** Clears the marks of the first `n` documents of `list`. */
function unmark(marks: Uint8Array, list: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) marks[list[k]!] = 0;
}

/** A posting list's documents and frequencies as arrays (a `Map`'s copied out). */
function pairsOf(p: PostingList): { docs: ArrayLike<number>; tfs: ArrayLike<number> } {
  if (isArrayPostings(p)) return p;
  const docs = new Array<number>(p.size);
  const tfs = new Array<number>(p.size);
  let i = 0;
  for (const [doc, tf] of p) {
    docs[i] = doc;
    tfs[i++] = tf;
  }
  return { docs, tfs };
}

