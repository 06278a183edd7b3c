/**
 * The corpus acronyms (`corpusAcronyms` in src/search/library.ts: `findAcronyms` over every
 * paper's abstract and title, then every post's body) kept up to date record by record, for
 * the incremental library diff.
 *
 * `findAcronyms` gives each acronym its most frequent expansion (the first seen on a tie) and
 * lists acronyms in the order first seen. So each record keeps the `(acronym, expansion)` pairs
 * its texts define, in order (`acronymsOf`); each acronym keeps its expansion counts and the
 * first position of each expansion (positions compare by the corpus order of their records,
 * which the caller gives as ranks). A record that comes or goes updates the counts and first
 * positions of its acronyms only, and only those acronyms are placed again in the sorted list:
 * the others keep their relative order, as their records do.
 */
import { findAcronyms, type AcronymMap } from '../search/acronyms.ts';
import { patchSorted } from './sorted.ts';

const ACRONYM = /\(([\p{Lu}][\p{L}\d]{1,9})\)/gu;

/**
 * The acronym definitions of one text in order, as `findAcronyms` counts them: each
 * `(ACRONYM)` is looked at alone with the 120 characters before it (its whole context there),
 * the parentheses of earlier ones made brackets (the same words, no second match).
 */
export function acronymsOf(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const m of text.matchAll(ACRONYM)) {
    const key = m[1]!.replace(/(?<=\p{Lu})s$/u, '').toLowerCase();
    const context = text.slice(Math.max(0, m.index - 120), m.index).replaceAll('(', '[');
    const exp = findAcronyms([context + m[0]]).get(key);
    if (exp !== undefined) out.push([key, exp]);
  }
  return out;
}

/** A record of the corpus: a paper or a post, by id. */
export interface TextRecord {
  post: boolean;
  id: string;
}

/** A definition's position: its record, and its number among the record's definitions. */
interface Pos extends TextRecord {
  n: number;
}

interface Entry {
  /** Record key → the positions and expansions of its definitions of this acronym. */
  records: Map<string, { pos: Pos; exp: string }[]>;
  counts: Map<string, number>;
  firstOf: Map<string, Pos>;
}

interface Row {
  key: string;
  first: Pos;
  exp: string;
}

const recordKey = (r: TextRecord) => `${r.post ? 's' : 'p'}:${r.id}`;

export class AcronymIndex {
  private readonly byKey = new Map<string, Entry>();
  private readonly ofRecord = new Map<string, string[]>();
  private readonly rows = new Map<string, Row>();
  private order: Row[] = [];
  private dirty = new Set<string>();
  /** Expansions whose first position was a removed record's (found again by `map`). */
  private stale = new Map<string, Set<string>>();

  /** `paperRank` and `postRank`: positions in the corpus order (replaced by `setOrder`). */
  constructor(
    private paperRank: (id: string) => number,
    private postRank: (id: string) => number,
  ) {}

  setOrder(paperRank: (id: string) => number, postRank: (id: string) => number): void {
    this.paperRank = paperRank;
    this.postRank = postRank;
  }

  private compare(a: Pos, b: Pos): number {
    if (a.post !== b.post) return a.post ? 1 : -1;
    const rank = a.post ? this.postRank : this.paperRank;
    return (a.id === b.id ? 0 : rank(a.id) - rank(b.id)) || a.n - b.n;
  }

  private firstOfExp(entry: Entry, exp: string): Pos | undefined {
    let first: Pos | undefined;
    for (const defs of entry.records.values()) for (const d of defs) if (d.exp === exp && (!first || this.compare(d.pos, first) < 0)) first = d.pos;
    return first;
  }

  /** Adds (`texts` given) or removes (`texts` null) a record's definitions. */
  set(record: TextRecord, texts: readonly string[] | null): void {
    const rk = recordKey(record);
    if (!texts) {
      const keys = this.ofRecord.get(rk);
      if (!keys) return;
      this.ofRecord.delete(rk);
      for (const key of keys) {
        const entry = this.byKey.get(key)!;
        const defs = entry.records.get(rk)!;
        entry.records.delete(rk);
        this.dirty.add(key);
        for (const { exp } of defs) {
          const c = entry.counts.get(exp)! - 1;
          if (c) entry.counts.set(exp, c);
          else entry.counts.delete(exp);
        }
        for (const exp of new Set(defs.map((d) => d.exp))) {
          const first = entry.firstOf.get(exp);
          if (!entry.counts.has(exp)) {
            entry.firstOf.delete(exp);
            this.stale.get(key)?.delete(exp);
            continue;
          }
          if (!first || first.id !== record.id || first.post !== record.post) continue;
          // Other removed records may still be listed: their ranks are gone. Found again in `map`.
          entry.firstOf.delete(exp);
          const stale = this.stale.get(key);
          if (stale) stale.add(exp);
          else this.stale.set(key, new Set([exp]));
        }
        if (!entry.records.size) this.byKey.delete(key);
      }
      return;
    }
    const defs = texts.flatMap(acronymsOf);
    if (!defs.length) return;
    const keys = new Set<string>();
    defs.forEach(([key, exp], n) => {
      keys.add(key);
      this.dirty.add(key);
      let entry = this.byKey.get(key);
      if (!entry) this.byKey.set(key, (entry = { records: new Map(), counts: new Map(), firstOf: new Map() }));
      const pos = { ...record, n };
      const list = entry.records.get(rk);
      if (list) list.push({ pos, exp });
      else entry.records.set(rk, [{ pos, exp }]);
      entry.counts.set(exp, (entry.counts.get(exp) ?? 0) + 1);
      const first = entry.firstOf.get(exp);
      if (!first || (!this.stale.get(key)?.has(exp) && this.compare(pos, first) < 0)) entry.firstOf.set(exp, pos);
    });
    this.ofRecord.set(rk, [...keys]);
  }

  /** After posts were reordered: the first positions held by posts are found again. */
  postsReordered(): void {
    for (const [key, entry] of this.byKey) {
      if (![...entry.firstOf.values()].some((p) => p.post)) continue;
      for (const exp of entry.counts.keys()) entry.firstOf.set(exp, this.firstOfExp(entry, exp)!);
      this.dirty.add(key);
    }
  }

  /** The acronyms as `findAcronyms` orders and chooses them. */
  map(): AcronymMap {
    for (const [key, exps] of this.stale) {
      const entry = this.byKey.get(key);
      if (entry) for (const exp of exps) if (entry.counts.has(exp)) entry.firstOf.set(exp, this.firstOfExp(entry, exp)!);
    }
    this.stale = new Map();
    const removed = new Set<Row>();
    const added: Row[] = [];
    for (const key of this.dirty) {
      const old = this.rows.get(key);
      if (old) removed.add(old);
      this.rows.delete(key);
      const entry = this.byKey.get(key);
      if (!entry) continue;
      let first: Pos | undefined;
      let best: string | undefined;
      for (const [exp, pos] of entry.firstOf) {
        if (!first || this.compare(pos, first) < 0) first = pos;
        const c = entry.counts.get(exp)!;
        const bc = best === undefined ? -1 : entry.counts.get(best)!;
        if (c > bc || (c === bc && this.compare(pos, entry.firstOf.get(best!)!) < 0)) best = exp;
      }
      const row = { key, first: first!, exp: best! };
      this.rows.set(key, row);
      added.push(row);
    }
    this.dirty = new Set();
    this.order = patchSorted(this.order, removed, added, (a, b) => this.compare(a.first, b.first));
    return new Map(this.order.map((r) => [r.key, r.exp]));
  }
}
