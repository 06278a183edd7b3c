/**
 * PROPOSAL (not used by the bot): a compact inverted index in typed arrays, to show what the
 * main full-text index could cost at 100k papers instead of MiniSearch's Map-per-posting trees.
 * `npm run bench` numbers for MiniSearch vs this: see `bench/proposals/compare.ts`.
 *
 * - Postings are one `Uint32Array` of document numbers and one `Float32Array` of precomputed
 *   BM25F impacts (field boosts and length normalisation folded in at build time), per term
 *   contiguous (CSR). No object per posting: ~8 bytes each.
 * - A query accumulates `idf × impact` into a reused `Float32Array` over the postings of its
 *   terms and their expansions (prefix range of the sorted term list, capped; fuzzy matches at
 *   edit distance 1 from a hashed deletion index, only for terms that are absent or rare),
 *   then keeps the top k. Cost: proportional to the postings touched, in tight numeric loops.
 * - Serialises to one buffer (header + raw typed arrays): loading is a read and a few views.
 *
 * Same term processing as the library (`tokenize`, `processTerm` from src/search/terms.ts),
 * with `processTerm` memoised.
 */
import { processTerm as rawProcessTerm, tokenize } from '../../src/search/terms.ts';

export interface CompactDocument {
  id: string;
  fields: Record<string, string | undefined>;
}

export interface CompactOptions {
  boost: Record<string, number>;
  k1?: number;
  b?: number;
}

export interface CompactSearchOptions {
  limit?: number;
  /** Prefix expansion for query terms at least this long (0 = off). */
  prefixMinLength?: number;
  /** Fuzzy matching (edit distance ≤ max(1, ⌊len × fuzzy⌋)) for terms at least this long. */
  fuzzy?: number;
  fuzzyMinLength?: number;
  /** Share of query terms a hit must match (all of them for queries of one or two terms). */
  minCoverage?: number;
  /** Most expansions per query term. */
  maxExpansions?: number;
}

export interface CompactHit {
  id: string;
  score: number;
  coverage: number;
}

const memo = new Map<string, string | null>();
export function processTermMemo(term: string): string | null {
  let p = memo.get(term);
  if (p === undefined) {
    p = rawProcessTerm(term);
    if (memo.size > 500_000) memo.clear();
    memo.set(term, p);
  }
  return p;
}

/** Term numbers stay below this (packed under a 32-bit hash in a double). */
const TERM_SPACE = 2 ** 20;

/** FNV-1a, 32 bits. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const rowA = new Int32Array(256);
const rowB = new Int32Array(256);

/** Levenshtein distance if ≤ max, else max + 1 (banded, no allocation). */
function boundedDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la > 250 || lb > 250) return max + 1;
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(lb, i + max);
    cur[from - 1] = from === 1 ? i : max + 1;
    let rowMin = cur[from - 1]!;
    const ca = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      let v = prev[j - 1]! + cost;
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      if (del < v) v = del;
      if (ins < v) v = ins;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (to < lb) cur[to + 1] = max + 1;
    if (rowMin > max) return max + 1;
    const swap = prev;
    prev = cur;
    cur = swap;
  }
  return Math.min(prev[lb]!, max + 1);
}

export class CompactIndex {
  private constructor(
    readonly docIds: string[],
    /** Terms in code-unit order. */
    readonly terms: string[],
    readonly offsets: Uint32Array,
    readonly postDocs: Uint32Array,
    readonly postImpact: Float32Array,
    readonly idf: Float32Array,
    /** Fuzzy candidates: sorted (hash of a term or of the term minus one letter) × 2^20 + term number. */
    private readonly deletions: Float64Array,
  ) {}

  get documentCount(): number {
    return this.docIds.length;
  }

  static build(docs: readonly CompactDocument[], options: CompactOptions): CompactIndex {
    const k1 = options.k1 ?? 1.2;
    const b = options.b ?? 0.7;
    const fields = Object.keys(options.boost);
    const n = docs.length;
    // Pass 1: tokens → provisional term ids, per document and field; field lengths. One map
    // lookup per token: raw token → term id (-1 for stop words), processed once per distinct token.
    const ids = new Map<string, number>();
    const byRaw = new Map<string, number>();
    const names: string[] = [];
    const tokens: Uint32Array[][] = new Array(n);
    const totalLength = new Float64Array(fields.length);
    const buffer: number[] = [];
    docs.forEach((doc, d) => {
      const perField: Uint32Array[] = [];
      fields.forEach((f, fi) => {
        const text = doc.fields[f];
        if (!text) {
          perField.push(new Uint32Array(0));
          return;
        }
        buffer.length = 0;
        for (const tok of tokenize(text)) {
          let id = byRaw.get(tok);
          if (id === undefined) {
            const t = processTermMemo(tok);
            if (!t) id = -1;
            else {
              id = ids.get(t);
              if (id === undefined) {
                id = names.length;
                ids.set(t, id);
                names.push(t);
              }
            }
            if (byRaw.size > 2_000_000) byRaw.clear();
            byRaw.set(tok, id);
          }
          if (id >= 0) buffer.push(id);
        }
        totalLength[fi]! += buffer.length;
        perField.push(Uint32Array.from(buffer));
      });
      tokens[d] = perField;
    });
    const avg = Array.from(totalLength, (t) => Math.max(1, t / Math.max(1, n)));
    // Sorted term order.
    const order = names.map((_, i) => i).sort((x, y) => (names[x]! < names[y]! ? -1 : names[x]! > names[y]! ? 1 : 0));
    const rank = new Uint32Array(names.length);
    order.forEach((old, r) => (rank[old] = r));
    const terms = order.map((i) => names[i]!);
    // Pass 2: per document, impact per term (typed-array accumulators, no maps); counts per term.
    const df = new Uint32Array(terms.length);
    const docTerms: Uint32Array[] = new Array(n);
    const docImpacts: Float32Array[] = new Array(n);
    const tf = new Uint32Array(terms.length);
    const impact = new Float64Array(terms.length);
    const fieldTouched = new Uint32Array(65536);
    const docTouched: number[] = [];
    for (let d = 0; d < n; d++) {
      const perField = tokens[d]!;
      docTouched.length = 0;
      for (let fi = 0; fi < fields.length; fi++) {
        const toks = perField[fi]!;
        if (!toks.length) continue;
        let nf = 0;
        for (let i = 0; i < toks.length; i++) {
          const r = rank[toks[i]!]!;
          if (tf[r] === 0 && nf < fieldTouched.length) fieldTouched[nf++] = r;
          tf[r]!++;
        }
        const norm = k1 * (1 - b + (b * toks.length) / avg[fi]!);
        const boost = options.boost[fields[fi]!] ?? 1;
        for (let i = 0; i < nf; i++) {
          const r = fieldTouched[i]!;
          const c = tf[r]!;
          tf[r] = 0;
          if (impact[r] === 0) docTouched.push(r);
          impact[r]! += (boost * (c * (k1 + 1))) / (c + norm);
        }
        // Terms beyond the scratch list (very long fields) are cleared here.
        if (nf === fieldTouched.length) for (let i = 0; i < toks.length; i++) tf[rank[toks[i]!]!] = 0;
      }
      const ts = new Uint32Array(docTouched.length);
      const im = new Float32Array(docTouched.length);
      for (let i = 0; i < docTouched.length; i++) {
        const r = docTouched[i]!;
        ts[i] = r;
        im[i] = impact[r]!;
        impact[r] = 0;
        df[r]!++;
      }
      docTerms[d] = ts;
      docImpacts[d] = im;
      tokens[d] = [];
    }
    const offsets = new Uint32Array(terms.length + 1);
    for (let t = 0; t < terms.length; t++) offsets[t + 1] = offsets[t]! + df[t]!;
    const postDocs = new Uint32Array(offsets[terms.length]!);
    const postImpact = new Float32Array(offsets[terms.length]!);
    const fill = offsets.slice(0, terms.length);
    for (let d = 0; d < n; d++) {
      const ts = docTerms[d]!;
      const im = docImpacts[d]!;
      for (let i = 0; i < ts.length; i++) {
        const at = fill[ts[i]!]!++;
        postDocs[at] = d;
        postImpact[at] = im[i]!;
      }
    }
    const idf = new Float32Array(terms.length);
    for (let t = 0; t < terms.length; t++) idf[t] = Math.log(1 + (n - df[t]! + 0.5) / (df[t]! + 0.5));
    return new CompactIndex(
      docs.map((d) => d.id),
      terms,
      offsets,
      postDocs,
      postImpact,
      idf,
      CompactIndex.deletionIndex(terms),
    );
  }

  /**
   * SymSpell-style candidates for edit distance 1: every term (4+ letters) and each of its
   * one-letter deletions, hashed; two words within distance 1 share one of these keys.
   */
  private static deletionIndex(terms: string[]): Float64Array {
    const keys: number[] = [];
    terms.forEach((t, id) => {
      if (t.length < 4 || t.length > 40) return;
      keys.push(hash32(t) * TERM_SPACE + id);
      for (let i = 0; i < t.length; i++) keys.push(hash32(t.slice(0, i) + t.slice(i + 1)) * TERM_SPACE + id);
    });
    return Float64Array.from(keys).sort();
  }

  private candidates(key: number, out: Set<number>): void {
    const d = this.deletions;
    const lo0 = key * TERM_SPACE;
    let lo = 0;
    let hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid]! < lo0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < d.length && d[i]! < lo0 + TERM_SPACE; i++) out.add(d[i]! - lo0);
  }

  /** Term number of an exact term, or -1 (binary search). */
  termId(term: string): number {
    let lo = 0;
    let hi = this.terms.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.terms[mid]!;
      if (t === term) return mid;
      if (t < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private df(t: number): number {
    return this.offsets[t + 1]! - this.offsets[t]!;
  }

  /** Expansions of one query term: [term number, weight]. */
  expand(term: string, o: Required<CompactSearchOptions>): [number, number][] {
    const out: [number, number][] = [];
    const exact = this.termId(term);
    if (exact >= 0) out.push([exact, 1]);
    if (o.prefixMinLength > 0 && term.length >= o.prefixMinLength) {
      // First term ≥ prefix, then scan while it starts with it; keep the most frequent.
      let lo = 0;
      let hi = this.terms.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.terms[mid]! < term) lo = mid + 1;
        else hi = mid;
      }
      const range: number[] = [];
      for (let t = lo; t < this.terms.length && this.terms[t]!.startsWith(term); t++) if (t !== exact) range.push(t);
      range.sort((x, y) => this.df(y) - this.df(x));
      for (const t of range.slice(0, o.maxExpansions)) out.push([t, 0.375]);
    }
    // Fuzzy (edit distance 1) only when the term is absent or rare: a likely misspelling.
    if (o.fuzzy > 0 && term.length >= o.fuzzyMinLength && (exact < 0 || this.df(exact) < 3)) {
      const cands = new Set<number>();
      this.candidates(hash32(term), cands);
      for (let i = 0; i < term.length; i++) this.candidates(hash32(term.slice(0, i) + term.slice(i + 1)), cands);
      const found: [number, number][] = [];
      for (const t of cands) {
        if (t === exact) continue;
        const dist = boundedDistance(term, this.terms[t]!, 1);
        if (dist <= 1) found.push([t, dist]);
      }
      found.sort((x, y) => x[1] - y[1] || this.df(y[0]) - this.df(x[0]));
      for (const [t, dist] of found.slice(0, o.maxExpansions)) out.push([t, 0.45 / dist]);
    }
    return out;
  }

  private scores: Float32Array | null = null;
  private masks: Uint32Array | null = null;
  private touched: Uint32Array | null = null;

  search(query: string, options: CompactSearchOptions = {}): { hits: CompactHit[]; total: number } {
    const o: Required<CompactSearchOptions> = {
      limit: options.limit ?? 10,
      prefixMinLength: options.prefixMinLength ?? 4,
      fuzzy: options.fuzzy ?? 0.2,
      fuzzyMinLength: options.fuzzyMinLength ?? 5,
      minCoverage: options.minCoverage ?? 0.5,
      maxExpansions: options.maxExpansions ?? 20,
    };
    const qterms = [...new Set(tokenize(query).map(processTermMemo).filter((t): t is string => !!t))].slice(0, 31);
    if (!qterms.length) return { hits: [], total: 0 };
    const n = this.docIds.length;
    const scores = (this.scores ??= new Float32Array(n));
    const masks = (this.masks ??= new Uint32Array(n));
    const touched = (this.touched ??= new Uint32Array(n));
    let nt = 0;
    qterms.forEach((q, qi) => {
      const bit = 1 << qi;
      for (const [t, weight] of this.expand(q, o)) {
        const w = this.idf[t]! * weight;
        const end = this.offsets[t + 1]!;
        for (let p = this.offsets[t]!; p < end; p++) {
          const d = this.postDocs[p]!;
          if (masks[d] === 0) touched[nt++] = d;
          scores[d]! += w * this.postImpact[p]!;
          masks[d]! |= bit;
        }
      }
    });
    const need = qterms.length <= 2 ? qterms.length : Math.ceil(qterms.length * o.minCoverage);
    // Top k by a simple bounded insertion (k is small).
    const top: CompactHit[] = [];
    let total = 0;
    for (let i = 0; i < nt; i++) {
      const d = touched[i]!;
      let m = masks[d]!;
      let c = 0;
      while (m) {
        m &= m - 1;
        c++;
      }
      const s = scores[d]!;
      scores[d] = 0;
      masks[d] = 0;
      if (c < need) continue;
      total++;
      const coverage = c / qterms.length;
      const score = s * (0.5 + coverage);
      if (top.length < o.limit || score > top[top.length - 1]!.score) {
        const hit = { id: this.docIds[d]!, score, coverage };
        let at = top.length;
        while (at > 0 && top[at - 1]!.score < score) at--;
        top.splice(at, 0, hit);
        if (top.length > o.limit) top.pop();
      }
    }
    return { hits: top, total };
  }

  /** One buffer: 4-byte header length, JSON header (terms, ids, lengths), 4-aligned typed arrays. */
  serialize(): Buffer {
    const header = Buffer.from(JSON.stringify({ terms: this.terms.join('\n'), docIds: this.docIds.join('\n'), postings: this.postDocs.length, termCount: this.terms.length, deletions: this.deletions.length }));
    const pad = (8 - ((4 + header.length) % 8)) % 8;
    const parts: Buffer[] = [Buffer.from(Uint32Array.of(header.length).buffer), header, Buffer.alloc(pad)];
    // The float64 array first (8-aligned), then the 4-byte ones.
    for (const a of [this.deletions, this.offsets, this.postDocs, this.postImpact, this.idf]) parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return Buffer.concat(parts);
  }

  static deserialize(buf: Buffer): CompactIndex {
    const ab = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
    const headerLength = ab.readUInt32LE(0);
    const header = JSON.parse(ab.toString('utf8', 4, 4 + headerLength)) as { terms: string; docIds: string; postings: number; termCount: number; deletions: number };
    let at = 4 + headerLength;
    at += (8 - (at % 8)) % 8;
    const view = <T>(Ctor: { new (b: ArrayBufferLike, o: number, l: number): T; BYTES_PER_ELEMENT: number }, count: number): T => {
      const v = new Ctor(ab.buffer, ab.byteOffset + at, count);
      at += count * Ctor.BYTES_PER_ELEMENT;
      return v;
    };
    const deletions = view(Float64Array, header.deletions);
    const offsets = view(Uint32Array, header.termCount + 1);
    const postDocs = view(Uint32Array, header.postings);
    const postImpact = view(Float32Array, header.postings);
    const idf = view(Float32Array, header.termCount);
    const terms = header.terms ? header.terms.split('\n') : [];
    return new CompactIndex(header.docIds ? header.docIds.split('\n') : [], terms, offsets, postDocs, postImpact, idf, deletions);
  }
}
