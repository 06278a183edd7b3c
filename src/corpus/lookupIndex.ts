/**
 * The lookups of a library (`libraryLookups` in src/search/library.ts, in their id form), its
 * categories and acronyms, kept up to date record by record for the incremental library diff
 * (src/search/diff.ts): a change of a few records costs a few entries, not a pass over the corpus.
 *
 * Each entry is kept as the records contributing to it; its value is derived from them in
 * corpus order, as `libraryLookups` derives it in one pass: the last paper in corpus order for
 * `byTitleKey` and `aliasIds`, every contribution in corpus order for `byShortName` (a paper
 * once per title or alias giving the short name), the authors in corpus order for
 * `authorsByKey`, the posts in corpus order for `postsByPaper`. Paper order is given by the
 * caller (`rank`, the incremental merge's positions); authors are few per key and compared with
 * `compareAuthors`.
 *
 * Acronyms (`findAcronyms`: the most frequent expansion, the first seen on a tie; acronyms in
 * the order first seen) are kept per text as the `(acronym, expansion)` pairs each defines,
 * found by running `findAcronyms` on each `(ACRONYM)` with the 120 characters before it (its
 * whole context); each acronym keeps its counts and first positions, and only acronyms of
 * changed records are placed again.
 */
import { findAcronyms, type AcronymMap } from '../search/acronyms.ts';
import type { LookupName } from '../search/library.ts';
import { compareAuthors, paperId } from './merge.ts';
import type { Author, Corpus, Paper, Post } from './schema.ts';
import { nameKey, titleKey } from './text.ts';

/** An entry's value in id form (as `lookupIdEntries` gives it). */
export type LookupValue = string | string[];

/** A text position in corpus order: papers (abstract, then title) before posts. */
interface Pos {
  /** `p:<id>` or `s:<id>`. */
  record: string;
  /** Occurrence number within the record's texts. */
  n: number;
}

interface AcronymRow {
  key: string;
  first: Pos;
  exp: string;
}

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

function textsOf(record: string, p: Paper | Post): string[] {
  if (record.startsWith('s:')) return [(p as Post).body];
  const paper = p as Paper;
  return [...(paper.abstract ? [paper.abstract] : []), ...(paper.title ? [paper.title] : [])];
}

function add<K, V>(m: Map<K, Set<V>>, k: K, v: V, on: boolean): void {
  let s = m.get(k);
  if (on) {
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  } else if (s) {
    s.delete(v);
    if (!s.size) m.delete(k);
  }
}

export class LookupIndex {
  private readonly papers = new Map<string, Paper>();
  private readonly authors = new Map<string, Author>();
  private readonly posts = new Map<string, Post>();
  private postRank = new Map<string, number>();
  private readonly contributors: Record<Exclude<LookupName, 'byShortName'>, Map<string, Set<string>>> = {
    byTitleKey: new Map(), aliasIds: new Map(), authorsByKey: new Map(), postsByPaper: new Map(),
  };
  private readonly shortNames = new Map<string, Map<string, number>>();
  private readonly categoryCounts = new Map<string, number>();
  /** Acronym → its contributions per record, expansion counts and first positions. */
  private readonly acronymsByKey = new Map<string, { records: Map<string, [number, string][]>; counts: Map<string, number> }>();
  private readonly acronymsOfRecord = new Map<string, [string, string][]>();
  /** Each acronym's first position and winning expansion, and all of them in corpus order. */
  private readonly acronymRows = new Map<string, AcronymRow>();
  private acronymOrder: AcronymRow[] = [];
  /** Acronyms whose contributions changed since `acronyms` was last called. */
  private dirtyAcronyms = new Set<string>();

  constructor(corpus: Corpus) {
    for (const p of corpus.papers) this.setPaper(p, true);
    for (const a of corpus.authors) this.setAuthor(a, true);
    corpus.posts.forEach((p) => this.setPost(p, true));
    this.postRank = new Map(corpus.posts.map((p, i) => [p.id, i]));
    const rank = new Map(corpus.papers.map((p, i) => [p.id, i]));
    this.acronyms((id) => rank.get(id)!);
  }

  private setPaper(p: Paper, on: boolean): void {
    if (on) this.papers.set(p.id, p);
    else this.papers.delete(p.id);
    for (const t of [p.title, ...p.aliases]) {
      if (!t) continue;
      add(this.contributors.byTitleKey, titleKey(t), p.id, on);
      const other = paperId(t, p.abstract);
      if (other !== p.id) add(this.contributors.aliasIds, other, p.id, on);
      const short = /^([^:]{2,40}):/.exec(t)?.[1];
      if (short) {
        const k = titleKey(short);
        let m = this.shortNames.get(k);
        if (!m) this.shortNames.set(k, (m = new Map()));
        const n = (m.get(p.id) ?? 0) + (on ? 1 : -1);
        if (n) m.set(p.id, n);
        else m.delete(p.id);
        if (!m.size) this.shortNames.delete(k);
      }
    }
    if (p.category) {
      const n = (this.categoryCounts.get(p.category) ?? 0) + (on ? 1 : -1);
      if (n) this.categoryCounts.set(p.category, n);
      else this.categoryCounts.delete(p.category);
    }
    this.setAcronyms(`p:${p.id}`, p, on);
  }

  private setAuthor(a: Author, on: boolean): void {
    if (on) this.authors.set(a.id, a);
    else this.authors.delete(a.id);
    for (const k of new Set([a.name, ...a.variants].map(nameKey))) add(this.contributors.authorsByKey, k, a.id, on);
  }

  private setPost(p: Post, on: boolean): void {
    if (on) this.posts.set(p.id, p);
    else this.posts.delete(p.id);
    for (const pid of p.mentions) add(this.contributors.postsByPaper, pid, p.id, on);
    this.setAcronyms(`s:${p.id}`, p, on);
  }

  private setAcronyms(record: string, p: Paper | Post, on: boolean): void {
    let defs = this.acronymsOfRecord.get(record);
    if (on) {
      defs = [];
      for (const text of textsOf(record, p)) defs.push(...acronymsOf(text));
      if (!defs.length) return;
      this.acronymsOfRecord.set(record, defs);
    } else {
      if (!defs) return;
      this.acronymsOfRecord.delete(record);
    }
    defs.forEach(([key, exp], n) => {
      this.dirtyAcronyms.add(key);
      let entry = this.acronymsByKey.get(key);
      if (!entry) this.acronymsByKey.set(key, (entry = { records: new Map(), counts: new Map() }));
      const c = (entry.counts.get(exp) ?? 0) + (on ? 1 : -1);
      if (c) entry.counts.set(exp, c);
      else entry.counts.delete(exp);
      const list = entry.records.get(record) ?? [];
      if (on) list.push([n, exp]);
      if (on) entry.records.set(record, list);
      else entry.records.delete(record);
      if (!entry.records.size) this.acronymsByKey.delete(key);
    });
  }

  /**
   * Replaces the records of `ids` with their versions in `corpus` (absent: removed) and returns
   * the entry keys that may have changed, per lookup.
   */
  update(corpus: Corpus, ids: { papers: ReadonlySet<string>; posts: ReadonlySet<string>; authors: ReadonlySet<string> }): Record<LookupName, Set<string>> {
    const keys: Record<LookupName, Set<string>> = { byTitleKey: new Set(), aliasIds: new Set(), byShortName: new Set(), authorsByKey: new Set(), postsByPaper: new Set() };
    const paperKeys = (p: Paper) => {
      for (const t of [p.title, ...p.aliases]) {
        if (!t) continue;
        keys.byTitleKey.add(titleKey(t));
        keys.aliasIds.add(paperId(t, p.abstract));
        const short = /^([^:]{2,40}):/.exec(t)?.[1];
        if (short) keys.byShortName.add(titleKey(short));
      }
    };
    const swap = <T extends { id: string }>(list: readonly T[], touched: ReadonlySet<string>, have: Map<string, T>, set: (r: T, on: boolean) => void, keysOf: (r: T) => void) => {
      if (!touched.size) return;
      for (const id of touched) {
        const old = have.get(id);
        if (!old) continue;
        keysOf(old);
        set(old, false);
      }
      for (const r of list) {
        if (!touched.has(r.id)) continue;
        set(r, true);
        keysOf(r);
      }
    };
    swap(corpus.papers, ids.papers, this.papers, (p, on) => this.setPaper(p, on), paperKeys);
    swap(corpus.authors, ids.authors, this.authors, (a, on) => this.setAuthor(a, on), (a) => {
      for (const v of [a.name, ...a.variants]) keys.authorsByKey.add(nameKey(v));
    });
    swap(corpus.posts, ids.posts, this.posts, (p, on) => this.setPost(p, on), (p) => {
      for (const pid of p.mentions) keys.postsByPaper.add(pid);
    });
    // Posts are few: their order is taken again when one changed (acronyms and `postsByPaper` follow it).
    if (ids.posts.size) {
      this.postRank = new Map(corpus.posts.map((p, i) => [p.id, i]));
      for (const k of this.contributors.postsByPaper.keys()) keys.postsByPaper.add(k);
      for (const [key, entry] of this.acronymsByKey) if ([...entry.records.keys()].some((r) => r.startsWith('s:'))) this.dirtyAcronyms.add(key);
    }
    return keys;
  }

  /** An entry's value (id form) with papers in the order `rank` gives; undefined when there is none. */
  value(name: LookupName, key: string, rank: (paperId: string) => number): LookupValue | undefined {
    if (name === 'byShortName') {
      const m = this.shortNames.get(key);
      if (!m) return undefined;
      return [...m].sort((x, y) => rank(x[0]) - rank(y[0])).flatMap(([id, n]) => Array<string>(n).fill(id));
    }
    const ids = this.contributors[name].get(key);
    if (!ids) return undefined;
    if (name === 'authorsByKey') return [...ids].map((id) => this.authors.get(id)!).sort(compareAuthors).map((a) => a.id);
    if (name === 'postsByPaper') return [...ids].sort((x, y) => this.postRank.get(x)! - this.postRank.get(y)!);
    let best: string | undefined;
    for (const id of ids) if (best === undefined || rank(id) > rank(best)) best = id;
    return best;
  }

  get categories(): string[] {
    return [...this.categoryCounts.keys()].sort();
  }

  /** The corpus acronyms (as `corpusAcronyms`), papers in the order `rank` gives. */
  acronyms(rank: (paperId: string) => number): AcronymMap {
    const pos = (p: Pos): [number, number, number] => {
      const post = p.record.startsWith('s:');
      return [post ? 1 : 0, post ? this.postRank.get(p.record.slice(2))! : rank(p.record.slice(2)), p.n];
    };
    const before = (a: Pos, b: Pos) => {
      const [x, y] = [pos(a), pos(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    };
    // Rows of the acronyms that changed; the order of the others holds (records keep their relative order).
    const dirty = this.dirtyAcronyms;
    this.dirtyAcronyms = new Set();
    const removed = new Set<AcronymRow>();
    const added: AcronymRow[] = [];
    for (const key of dirty) {
      const old = this.acronymRows.get(key);
      if (old) removed.add(old);
      this.acronymRows.delete(key);
      const entry = this.acronymsByKey.get(key);
      if (!entry) continue;
      let first: Pos | undefined;
      const firstOfExp = new Map<string, Pos>();
      for (const [record, list] of entry.records) {
        for (const [n, exp] of list) {
          const p = { record, n };
          if (!first || before(p, first) < 0) first = p;
          const f = firstOfExp.get(exp);
          if (!f || before(p, f) < 0) firstOfExp.set(exp, p);
        }
      }
      let best: string | undefined;
      for (const [exp, c] of entry.counts) {
        const bc = best === undefined ? -1 : entry.counts.get(best)!;
        if (c > bc || (c === bc && before(firstOfExp.get(exp)!, firstOfExp.get(best!)!) < 0)) best = exp;
      }
      const row = { key, first: first!, exp: best! };
      this.acronymRows.set(key, row);
      added.push(row);
    }
    // A post's position is its index: when posts changed, all rows are placed again.
    const rows = this.acronymOrder.filter((r) => !removed.has(r));
    added.sort((a, b) => before(a.first, b.first));
    const out: AcronymRow[] = [];
    let from = 0;
    for (const row of added) {
      let lo = from;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(rows[mid]!.first, row.first) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = from; i < lo; i++) out.push(rows[i]!);
      out.push(row);
      from = lo;
    }
    for (let i = from; i < rows.length; i++) out.push(rows[i]!);
    this.acronymOrder = out;
    return new Map(out.map((r) => [r.key, r.exp]));
  }
}
