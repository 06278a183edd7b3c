/**
 * The abstract pairs of `similarTexts` kept up to date as records come and go, for the
 * incremental merge (incrementalMerge.ts). The pairs `similarTexts` finds are exactly the
 * pairs (x, y) of texts with at least `MIN_SHINGLES` shingles each such that
 *
 *   blocking(x, y) ≥ 1,  blocking(x, y) / small ≥ threshold / 2  and  shared(x, y) / small ≥ threshold
 *
 * where `shared` counts their common shingles, `small` is the smaller shingle count, and
 * `blocking` counts the common shingles held by at most `MAX_POSTING` texts of the whole corpus.
 * Only `blocking` depends on other texts, and only through the posting sizes of the shingles
 * the pair shares. So when texts are added or removed, the pairs that can change are those
 * with an added text, and those of texts sharing a shingle whose posting size crossed
 * `MAX_POSTING` (at most `MAX_POSTING` texts each): both are re-checked exactly, nothing else.
 *
 * The inverted index is the one `similarTexts` built (entries `shingle * 2 ** docBits + slot`,
 * sorted; 8 bytes per shingle occurrence) plus an overlay of the texts added since; removed
 * texts are masked. Shingles of a text are recomputed from its abstract when needed.
 */
import { sharedShingles, textShingles } from './similar.ts';

/** `similarTexts` defaults, as the merge uses them. */
const MAX_POSTING = 8;
const MIN_SHINGLES = 8;

export class AbstractPairs {
  /** slot → slot → score, both ways. */
  readonly pairs = new Map<number, Map<number, number>>();
  private readonly doc: number;
  /** Base entries of a slot are valid (cleared when its record is removed). */
  private readonly baseLive: Uint8Array;
  private readonly overlay = new Map<number, number[]>();

  constructor(
    private readonly base: Float64Array,
    docBits: number,
    baseSlots: number,
    pairs: readonly { a: number; b: number; score: number }[],
    private readonly threshold: number,
    private readonly abstractOf: (slot: number) => string | null,
  ) {
    this.doc = 2 ** docBits;
    this.baseLive = new Uint8Array(baseSlots).fill(1);
    for (const p of pairs) this.set(p.a, p.b, p.score);
  }

  /** Slots of the index must stay below this. */
  get maxSlot(): number {
    return this.doc;
  }

  private set(a: number, b: number, score: number): void {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let m = this.pairs.get(x);
      if (!m) this.pairs.set(x, (m = new Map()));
      m.set(y, score);
    }
  }

  private unset(a: number, b: number): void {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const m = this.pairs.get(x);
      m?.delete(y);
      if (m && !m.size) this.pairs.delete(x);
    }
  }

  /** The live slots whose text has shingle `s`. */
  private posting(s: number): number[] {
    const out: number[] = [];
    const base = this.base;
    const lo0 = s * this.doc;
    let lo = 0;
    let hi = base.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (base[mid]! < lo0) lo = mid + 1;
      else hi = mid;
    }
    const end = lo0 + this.doc;
    for (let i = lo; i < base.length && base[i]! < end; i++) {
      const slot = base[i]! - lo0;
      if (this.baseLive[slot]) out.push(slot);
    }
    const more = this.overlay.get(s);
    if (more) out.push(...more);
    return out;
  }

  /**
   * Applies records removed and added (slots; removed slots still give their abstract) and
   * returns the slots whose pairs changed.
   */
  update(added: readonly number[], removed: readonly number[]): Set<number> {
    const touched = new Set<number>();
    const shingles = new Map<number, Uint32Array>();
    const shinglesOf = (slot: number) => {
      let s = shingles.get(slot);
      if (!s) shingles.set(slot, (s = textShingles(this.abstractOf(slot))));
      return s;
    };
    const delta = new Map<number, number>();
    for (const slot of removed) {
      for (const other of this.pairs.get(slot)?.keys() ?? []) {
        touched.add(other);
        touched.add(slot);
      }
      for (const other of [...(this.pairs.get(slot)?.keys() ?? [])]) this.unset(slot, other);
      // A slot's base entries are its first record's; a slot taken again is in the overlay.
      if (slot < this.baseLive.length) this.baseLive[slot] = 0;
      const sh = shinglesOf(slot);
      if (sh.length < MIN_SHINGLES) continue;
      for (const s of sh) {
        this.dropOverlay(s, slot);
        delta.set(s, (delta.get(s) ?? 0) - 1);
      }
    }
    const addedSet = new Set<number>();
    for (const slot of added) {
      const sh = shinglesOf(slot);
      if (sh.length < MIN_SHINGLES) continue;
      addedSet.add(slot);
      for (const s of sh) {
        const list = this.overlay.get(s);
        if (list) list.push(slot);
        else this.overlay.set(s, [slot]);
        delta.set(s, (delta.get(s) ?? 0) + 1);
      }
    }
    // Candidate pairs: with an added text through a blocking shingle, and among the texts of a
    // shingle that became or stopped being blocking.
    const candidates = new Map<number, [number, number]>();
    const consider = (x: number, y: number) => {
      const [a, b] = x < y ? [x, y] : [y, x];
      candidates.set(a * this.doc + b, [a, b]);
    };
    for (const [s, d] of delta) {
      const post = this.posting(s);
      const now = post.length;
      const before = now - d;
      if (now <= MAX_POSTING) {
        for (const x of post) if (addedSet.has(x)) for (const y of post) if (y !== x) consider(x, y);
      }
      if ((before <= MAX_POSTING) !== (now <= MAX_POSTING)) {
        const old = post.filter((x) => !addedSet.has(x));
        for (let i = 0; i < old.length; i++) for (let j = i + 1; j < old.length; j++) consider(old[i]!, old[j]!);
      }
    }
    const sizes = new Map<number, number>();
    const postingSize = (s: number) => {
      let n = sizes.get(s);
      if (n === undefined) sizes.set(s, (n = this.posting(s).length));
      return n;
    };
    for (const [a, b] of candidates.values()) {
      const x = shinglesOf(a);
      const y = shinglesOf(b);
      const shared = sharedShingles(x, y);
      const small = Math.min(x.length, y.length);
      let blocking = 0;
      for (const s of shared) if (postingSize(s) <= MAX_POSTING) blocking++;
      const score = shared.length / small;
      const pair = blocking > 0 && !(blocking / small < this.threshold * 0.5) && score >= this.threshold;
      const was = this.pairs.get(a)?.get(b);
      if (pair && was !== score) this.set(a, b, score);
      else if (!pair && was !== undefined) this.unset(a, b);
      else continue;
      touched.add(a);
      touched.add(b);
    }
    return touched;
  }

  private dropOverlay(s: number, slot: number): void {
    const list = this.overlay.get(s);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.overlay.delete(s);
  }
}
