/**
 * A compact immutable index segment: what a MiniSearch index holds, in typed arrays.
 *
 *  - terms sorted by UTF-16 code unit, their characters in one `Uint16Array` (no string per term:
 *    lookups compare code units; a string is made only for a term that is returned);
 *  - postings in CSR form: per term its (field, postings) runs, per run the documents (ascending)
 *    and term frequencies;
 *  - field lengths as one `Int32Array` (-1: the document has no such field), document ids and
 *    each stored field as an array by document number (null: no document there).
 *
 * It serialises to one buffer (`toBytes`: a JSON head with the ids and stored fields, string
 * columns as one joined string each, then the raw arrays, 8-byte aligned); loading (`fromBytes`)
 * parses the head, splits the columns and makes views on the rest.
 * It is a `ScoringView` (`view.ts`): exact, prefix and fuzzy lookups give what MiniSearch's radix
 * tree gives (the same terms and edit distances; prefix and fuzzy results in code-unit order), so
 * the executor scores it as it scores a MiniSearch index. `tiered.ts` adds what arrived since.
 */
import { ListPostings, type PostingList, type ScoringView, type TermPostings, type TermSource } from './view.ts';

const MAGIC = 0x47535450; // 'PTSG'
const FORMAT = 2;
/** Runs at least this long are kept as objects once handed out (see `run`). */
const LONG_RUN = 48;

interface Head {
  format: number;
  fields: string[];
  fieldIds: Record<string, number>;
  storeFields: string[];
  nextId: number;
  documentCount: number;
  avgFieldLength: number[];
  bm25: ScoringView['bm25'];
  weights: ScoringView['weights'];
  maxFuzzy: number;
  /** Array lengths, in the order they follow the head. */
  sizes: { termChars: number; terms: number; runs: number; postings: number; tfBytes: 2 | 4 };
  ids: Column;
  /** One column per stored field. */
  stored: Column[];
}

/** Values by document number: strings joined by NUL (holes: numbers of null values), else as they are. */
type Column = { n: number; joined: string; holes: number[] } | { values: unknown[] };

function encodeColumn(values: readonly unknown[]): Column {
  const holes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) holes.push(i);
    else if (typeof v !== 'string' || v.includes('\0')) return { values: [...values] };
  }
  return { n: values.length, joined: values.map((v) => v ?? '').join('\0'), holes };
}

function decodeColumn(c: Column): unknown[] {
  if ('values' in c) return c.values;
  const out: unknown[] = c.n ? c.joined.split('\0') : [];
  if (out.length !== c.n) throw new Error('papertalk: unreadable index segment');
  for (const i of c.holes) out[i] = null;
  return out;
}

/** One term's postings by field: runs `from..to` of the segment's run table. */
class SegmentTermPostings implements TermPostings {
  constructor(
    private readonly s: Segment,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get(fieldId: number): PostingList | undefined {
    for (let r = this.from; r < this.to; r++) if (this.s.runField[r] === fieldId) return this.s.run(r);
    return undefined;
  }

  *values(): Iterable<PostingList> {
    for (let r = this.from; r < this.to; r++) yield this.s.run(r);
  }

  get postings(): number {
    return this.s.runStart[this.to]! - this.s.runStart[this.from]!;
  }
}

/** Growable typed array (the builder does not know the sizes in advance). */
class Grow<A extends Uint32Array | Uint16Array | Uint8Array> {
  n = 0;
  constructor(
    public a: A,
    private readonly make: (n: number) => A,
  ) {}
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  done(): A {
    return this.a.slice(0, this.n) as A;
  }
}

export class Segment implements ScoringView, TermSource {
  readonly terms: TermSource = this;
  readonly fields: string[];
  readonly fieldIds: Record<string, number>;
  readonly storeFields: string[];
  readonly nextId: number;
  readonly documentCount: number;
  readonly avgFieldLength: number[];
  readonly bm25: ScoringView['bm25'];
  readonly weights: ScoringView['weights'];
  readonly maxFuzzy: number;
  /** Document id by number (null: none). */
  readonly ids: unknown[];
  /** Stored field values by field (`storeFields` order), then by document number. */
  readonly stored: unknown[][];
  /** Field lengths, `fields.length` per document (-1: no such field). */
  readonly lengths: Int32Array;
  readonly termChars: Uint16Array;
  /** Term i's characters are `termChars[termStart[i] .. termStart[i + 1]]`. */
  readonly termStart: Uint32Array;
  /** Term i's runs are `termRuns[i] .. termRuns[i + 1]`. */
  readonly termRuns: Uint32Array;
  readonly runField: Uint8Array;
  /** Run r's postings are `runStart[r] .. runStart[r + 1]`. */
  readonly runStart: Uint32Array;
  readonly postDocs: Uint32Array;
  readonly postTfs: Uint16Array | Uint32Array;
  private bytes: Uint8Array | null;
  private storeIndex: Map<string, number>;

  private constructor(head: Omit<Head, 'ids' | 'stored'> & { ids: unknown[]; stored: unknown[][] }, arrays: { lengths: Int32Array; termChars: Uint16Array; termStart: Uint32Array; termRuns: Uint32Array; runField: Uint8Array; runStart: Uint32Array; postDocs: Uint32Array; postTfs: Uint16Array | Uint32Array }, bytes: Uint8Array | null) {
    this.fields = head.fields;
    this.fieldIds = head.fieldIds;
    this.storeFields = head.storeFields;
    this.nextId = head.nextId;
    this.documentCount = head.documentCount;
    this.avgFieldLength = head.avgFieldLength;
    this.bm25 = head.bm25;
    this.weights = head.weights;
    this.maxFuzzy = head.maxFuzzy;
    this.ids = head.ids;
    this.stored = head.stored;
    this.lengths = arrays.lengths;
    this.termChars = arrays.termChars;
    this.termStart = arrays.termStart;
    this.termRuns = arrays.termRuns;
    this.runField = arrays.runField;
    this.runStart = arrays.runStart;
    this.postDocs = arrays.postDocs;
    this.postTfs = arrays.postTfs;
    this.bytes = bytes;
    this.storeIndex = new Map(head.storeFields.map((f, k) => [f, k]));
  }

  /** Number of terms. */
  get size(): number {
    return this.termStart.length - 1;
  }

  /**
   * The segment of a scoring view (a MiniSearch index, or a segment with its additions): its terms
   * (`view.terms.keys()`), postings, field lengths, ids and the stored fields `storeFields`.
   */
  static build(view: ScoringView, storeFields: readonly string[]): Segment {
    const nFields = view.fields.length;
    if (nFields > 255) throw new Error('papertalk: a segment holds at most 255 fields');
    const terms = [...view.terms.keys()].sort();
    let chars = 0;
    for (const t of terms) chars += t.length;
    const termChars = new Uint16Array(chars);
    const termStart = new Uint32Array(terms.length + 1);
    const termRuns = new Uint32Array(terms.length + 1);
    const runField = new Grow(new Uint8Array(1024), (n) => new Uint8Array(n));
    const runStart = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
    const postDocs = new Grow(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
    const postTfs = new Grow(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
    const fieldOrder = [...new Set(Object.values(view.fieldIds))].sort((a, b) => a - b);
    let at = 0;
    let maxTf = 0;
    let pairs: [number, number][] = [];
    terms.forEach((t, i) => {
      termStart[i] = at;
      for (let k = 0; k < t.length; k++) termChars[at++] = t.charCodeAt(k);
      termRuns[i] = runStart.n;
      const fp = view.terms.get(t);
      if (!fp) throw new Error(`papertalk: segment build: term ${t} has no postings`);
      for (const fieldId of fieldOrder) {
        const p = fp.get(fieldId);
        if (!p || p.size === 0) continue;
        pairs = [...p];
        // Documents ascending (a MiniSearch index adds them in that order; a patched one may not).
        for (let k = 1; k < pairs.length; k++) {
          if (pairs[k]![0] < pairs[k - 1]![0]) {
            pairs.sort((a, b) => a[0] - b[0]);
            break;
          }
        }
        runField.push(fieldId);
        runStart.push(postDocs.n);
        for (const [doc, tf] of pairs) {
          postDocs.push(doc);
          postTfs.push(tf);
          if (tf > maxTf) maxTf = tf;
        }
      }
    });
    termStart[terms.length] = at;
    termRuns[terms.length] = runStart.n;
    runStart.push(postDocs.n);
    const lengths = new Int32Array(view.nextId * nFields).fill(-1);
    const ids: unknown[] = new Array<unknown>(view.nextId).fill(null);
    const stored: unknown[][] = storeFields.map(() => new Array<unknown>(view.nextId).fill(null));
    for (let doc = 0; doc < view.nextId; doc++) {
      const id = view.documentId(doc);
      if (id === undefined) continue;
      ids[doc] = id;
      storeFields.forEach((f, k) => (stored[k]![doc] = view.storedField(doc, f) ?? null));
      for (let f = 0; f < nFields; f++) lengths[doc * nFields + f] = view.fieldLength(doc, f) ?? -1;
    }
    const tfs = postTfs.done();
    const head = {
      format: FORMAT,
      fields: [...view.fields],
      fieldIds: { ...view.fieldIds },
      storeFields: [...storeFields],
      nextId: view.nextId,
      documentCount: view.documentCount,
      avgFieldLength: [...view.avgFieldLength],
      bm25: { ...view.bm25 },
      weights: { ...view.weights },
      maxFuzzy: view.maxFuzzy,
      sizes: { termChars: chars, terms: terms.length, runs: runField.n, postings: postDocs.n, tfBytes: (maxTf < 65536 ? 2 : 4) as 2 | 4 },
      ids,
      stored,
    };
    return new Segment(head, { lengths, termChars, termStart, termRuns, runField: runField.done(), runStart: runStart.done(), postDocs: postDocs.done(), postTfs: maxTf < 65536 ? Uint16Array.from(tfs) : tfs }, null);
  }

  /** The segment as one buffer (see `fromBytes`). */
  toBytes(): Uint8Array {
    if (this.bytes) return this.bytes;
    const s = { termChars: this.termChars.length, terms: this.size, runs: this.runField.length, postings: this.postDocs.length, tfBytes: (this.postTfs instanceof Uint16Array ? 2 : 4) as 2 | 4 };
    const head: Head = { format: FORMAT, fields: this.fields, fieldIds: this.fieldIds, storeFields: this.storeFields, nextId: this.nextId, documentCount: this.documentCount, avgFieldLength: this.avgFieldLength, bm25: this.bm25, weights: this.weights, maxFuzzy: this.maxFuzzy, sizes: s, ids: encodeColumn(this.ids), stored: this.stored.map(encodeColumn) };
    const json = Buffer.from(JSON.stringify(head), 'utf8');
    const arrays: ArrayBufferView[] = [this.lengths, this.termChars, this.termStart, this.termRuns, this.runField, this.runStart, this.postDocs, this.postTfs];
    const pad = (n: number) => (n + 7) & ~7;
    let total = 8 + pad(json.length);
    for (const a of arrays) total += pad(a.byteLength);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, json.length, true);
    out.set(json, 8);
    let at = 8 + pad(json.length);
    for (const a of arrays) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += pad(a.byteLength);
    }
    this.bytes = out;
    return out;
  }

  /** A segment from `toBytes` output (views on it: the buffer must not change afterwards). */
  static fromBytes(input: Uint8Array): Segment {
    // Typed-array views need aligned offsets: copy a buffer that does not start on 8 bytes.
    const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
    if (bytes.length < 8) throw new Error('papertalk: unreadable index segment');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== MAGIC) throw new Error('papertalk: unreadable index segment');
    const jsonBytes = dv.getUint32(4, true);
    let head: Head;
    try {
      head = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, jsonBytes).toString('utf8')) as Head;
    } catch {
      throw new Error('papertalk: unreadable index segment');
    }
    if (head.format !== FORMAT) throw new Error(`papertalk: index segment format ${String(head.format)}, expected ${FORMAT}`);
    const pad = (n: number) => (n + 7) & ~7;
    let at = bytes.byteOffset + 8 + pad(jsonBytes);
    const end = bytes.byteOffset + bytes.byteLength;
    const take = <A>(make: (buf: ArrayBufferLike, offset: number, length: number) => A, length: number, width: number): A => {
      if (at + length * width > end) throw new Error('papertalk: truncated index segment');
      const a = make(bytes.buffer, at, length);
      at += pad(length * width);
      return a;
    };
    const s = head.sizes;
    const nFields = head.fields.length;
    const lengths = take((b, o, n) => new Int32Array(b, o, n), head.nextId * nFields, 4);
    const termChars = take((b, o, n) => new Uint16Array(b, o, n), s.termChars, 2);
    const termStart = take((b, o, n) => new Uint32Array(b, o, n), s.terms + 1, 4);
    const termRuns = take((b, o, n) => new Uint32Array(b, o, n), s.terms + 1, 4);
    const runField = take((b, o, n) => new Uint8Array(b, o, n), s.runs, 1);
    const runStart = take((b, o, n) => new Uint32Array(b, o, n), s.runs + 1, 4);
    const postDocs = take((b, o, n) => new Uint32Array(b, o, n), s.postings, 4);
    const postTfs = s.tfBytes === 2 ? take((b, o, n) => new Uint16Array(b, o, n), s.postings, 2) : take((b, o, n) => new Uint32Array(b, o, n), s.postings, 4);
    return new Segment({ ...head, ids: decodeColumn(head.ids), stored: head.stored.map(decodeColumn) }, { lengths, termChars, termStart, termRuns, runField, runStart, postDocs, postTfs }, bytes);
  }

  /** Long runs handed out lately (the same object each time, so the executor's caches keyed by it hit). */
  private readonly runs = new Map<number, ListPostings>();

  /** The postings of run r. */
  run(r: number): ListPostings {
    const hit = this.runs.get(r);
    if (hit) return hit;
    const from = this.runStart[r]!;
    const to = this.runStart[r + 1]!;
    const list = new ListPostings(this.postDocs.subarray(from, to), this.postTfs.subarray(from, to));
    if (to - from >= LONG_RUN) {
      this.runs.set(r, list);
      if (this.runs.size > 4096) this.runs.delete(this.runs.keys().next().value as number);
    }
    return list;
  }

  /** Terms made into strings so far (by index; prefix and fuzzy lookups return the same ones often). */
  private termStrings: (string | undefined)[] = [];

  /** Term i as a string. */
  term(i: number): string {
    const known = this.termStrings[i];
    if (known !== undefined) return known;
    const a = this.termChars.subarray(this.termStart[i]!, this.termStart[i + 1]!);
    let s = '';
    for (let k = 0; k < a.length; k += 4096) s += String.fromCharCode.apply(null, a.subarray(k, k + 4096) as unknown as number[]);
    if (!this.termStrings.length) this.termStrings = new Array<string | undefined>(this.size);
    this.termStrings[i] = s;
    return s;
  }

  /** Term i's postings by field. */
  postingsOf(i: number): TermPostings {
    return new SegmentTermPostings(this, this.termRuns[i]!, this.termRuns[i + 1]!);
  }

  /** Compares term i with `s` by code unit (< 0: the term sorts first). */
  private compare(i: number, s: string): number {
    const c = this.termChars;
    const from = this.termStart[i]!;
    const n = this.termStart[i + 1]! - from;
    const m = Math.min(n, s.length);
    for (let k = 0; k < m; k++) {
      const d = c[from + k]! - s.charCodeAt(k);
      if (d) return d;
    }
    return n - s.length;
  }

  /** Whether term i starts with `s`. */
  private startsWith(i: number, s: string): boolean {
    const c = this.termChars;
    const from = this.termStart[i]!;
    if (this.termStart[i + 1]! - from < s.length) return false;
    for (let k = 0; k < s.length; k++) if (c[from + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** First term ≥ s. */
  private lowerBound(s: string): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(mid, s) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First term from `lo` on that does not start with term `i`'s first `len` characters. */
  private prefixEnd(i: number, len: number, lo: number): number {
    const c = this.termChars;
    const p = this.termStart[i]!;
    let hi = this.size;
    const startsWith = (j: number) => {
      const from = this.termStart[j]!;
      if (this.termStart[j + 1]! - from < len) return false;
      for (let k = 0; k < len; k++) if (c[from + k] !== c[p + k]) return false;
      return true;
    };
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      // Terms with the prefix are contiguous and follow term i.
      if (startsWith(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of a term, -1 when absent. */
  find(term: string): number {
    const i = this.lowerBound(term);
    return i < this.size && this.compare(i, term) === 0 ? i : -1;
  }

  get(term: string): TermPostings | undefined {
    const i = this.find(term);
    return i < 0 ? undefined : this.postingsOf(i);
  }

  /** Indexes of the terms starting with `prefix`: `[from, to)`. */
  prefixRange(prefix: string): [number, number] {
    const from = this.lowerBound(prefix);
    if (from >= this.size || !this.startsWith(from, prefix)) return [from, from];
    return [from, this.prefixEnd(from, prefix.length, from + 1)];
  }

  *atPrefix(prefix: string): Iterable<[string, TermPostings]> {
    const [from, to] = this.prefixRange(prefix);
    for (let i = from; i < to; i++) yield [this.term(i), this.postingsOf(i)];
  }

  private lcpCache: Uint8Array | null = null;

  /** Length of the prefix each term shares with the one before it (capped at 255), made on first use. */
  private lcp(): Uint8Array {
    if (this.lcpCache) return this.lcpCache;
    const c = this.termChars;
    const lcp = new Uint8Array(this.size);
    for (let i = 1; i < this.size; i++) {
      const a = this.termStart[i - 1]!;
      const b = this.termStart[i]!;
      const m = Math.min(b - a, this.termStart[i + 1]! - b, 255);
      let k = 0;
      while (k < m && c[a + k] === c[b + k]) k++;
      lcp[i] = k;
    }
    this.lcpCache = lcp;
    return lcp;
  }

  /**
   * Term indexes within `maxDistance` edits of `query` (Levenshtein: insertions, deletions,
   * substitutions, as MiniSearch's `fuzzyGet`), with their distance. A walk over the sorted terms
   * that keeps one matrix row per character of the current term, each row only within
   * `maxDistance` of the diagonal: the rows of the prefix a term shares with the one before it
   * are kept, and once a prefix is too far every term that starts with it is skipped.
   */
  fuzzyIndexes(query: string, maxDistance: number): [number, number][] {
    const out: [number, number][] = [];
    const qlen = query.length;
    const n = qlen + 1;
    const max = maxDistance;
    const far = max + 1;
    const maxLen = qlen + max;
    const q = new Uint16Array(qlen);
    for (let j = 0; j < qlen; j++) q[j] = query.charCodeAt(j);
    // rows[d * n + j]: edit distance between the first d characters of the term and the first j of the query.
    const rows = new Int32Array((maxLen + 1) * n);
    for (let j = 0; j < n; j++) rows[j] = j;
    const c = this.termChars;
    const starts = this.termStart;
    const lcp = this.lcp();
    const size = this.size;
    /** Rows 1..valid hold the prefix of the last term walked. */
    let valid = 0;
    let i = 0;
    while (i < size) {
      const from = starts[i]!;
      const len = starts[i + 1]! - from;
      const shared = Math.min(lcp[i]!, valid);
      const upto = len < maxLen ? len : maxLen;
      let pruned = 0;
      for (let d = shared; d < upto; d++) {
        const ch = c[from + d]!;
        const r = d + 1;
        const prev = d * n;
        const cur = prev + n;
        const lo = r - max > 1 ? r - max : 1;
        const hi = r + max < qlen ? r + max : qlen;
        rows[cur + lo - 1] = lo === 1 ? r : far;
        let min = lo === 1 ? r : far;
        for (let j = lo; j <= hi; j++) {
          const rpl = rows[prev + j - 1]! + (ch === q[j - 1] ? 0 : 1);
          const del = rows[prev + j]! + 1;
          const ins = rows[cur + j - 1]! + 1;
          const v = rpl < del ? (rpl < ins ? rpl : ins) : del < ins ? del : ins;
          rows[cur + j] = v;
          if (v < min) min = v;
        }
        if (hi < qlen) rows[cur + hi + 1] = far;
        if (min > max) {
          pruned = r;
          break;
        }
      }
      // Too far already after `pruned` characters, or too long: so is every following term that shares them.
      const skipFrom = pruned || (len > maxLen ? maxLen : 0);
      if (skipFrom) {
        valid = skipFrom;
        i++;
        while (i < size && lcp[i]! >= skipFrom) i++;
        continue;
      }
      valid = upto;
      if (len >= qlen - max) {
        const dist = rows[len * n + qlen]!;
        if (dist <= max) out.push([i, dist]);
      }
      i++;
    }
    return out;
  }

  fuzzyGet(term: string, maxDistance: number): Map<string, [TermPostings, number]> {
    const out = new Map<string, [TermPostings, number]>();
    for (const [i, d] of this.fuzzyIndexes(term, maxDistance)) out.set(this.term(i), [this.postingsOf(i), d]);
    return out;
  }

  *keys(): Iterable<string> {
    for (let i = 0; i < this.size; i++) yield this.term(i);
  }

  fieldLength(doc: number, fieldId: number): number | undefined {
    if (doc >= this.nextId) return undefined;
    const l = this.lengths[doc * this.fields.length + fieldId]!;
    return l < 0 ? undefined : l;
  }

  documentId(doc: number): unknown {
    const id = this.ids[doc];
    return id === null ? undefined : id;
  }

  storedField(doc: number, field: string): unknown {
    const k = this.storeIndex.get(field);
    if (k === undefined) return undefined;
    const v = this.stored[k]![doc];
    return v === null ? undefined : v;
  }
}
