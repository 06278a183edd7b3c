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
 * Acronyms are kept the same way (acronymIndex.ts).
 */
import type { AcronymMap } from '../search/acronyms.ts';
import { AcronymIndex } from './acronymIndex.ts';
import type { LookupName } from '../search/library.ts';
import { compareAuthors, paperId } from './merge.ts';
import { touchedInOrder } from './sorted.ts';
import type { Author, Corpus, Paper, Post } from './schema.ts';
import { nameKey, titleKey } from './text.ts';

/** An entry's value in id form (as `lookupIdEntries` gives it). */
export type LookupValue = string | string[];

/** The texts of a paper the acronyms are read from, in the order `corpusAcronyms` reads them. */
function paperTexts(p: Paper): string[] {
  return [...(p.abstract ? [p.abstract] : []), ...(p.title ? [p.title] : [])];
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
  private readonly acronymIndex: AcronymIndex;
  /** Paper positions in the corpus order (the caller's, after each update). */
  private rank: (paperId: string) => number;

  constructor(corpus: Corpus) {
    const ranks = new Map(corpus.papers.map((p, i) => [p.id, i]));
    this.rank = (id) => ranks.get(id)!;
    this.postRank = new Map(corpus.posts.map((p, i) => [p.id, i]));
    this.acronymIndex = new AcronymIndex(this.rank, (id) => this.postRank.get(id)!);
    for (const p of corpus.papers) this.setPaper(p, true);
    for (const a of corpus.authors) this.setAuthor(a, true);
    for (const p of corpus.posts) this.setPost(p, true);
    this.acronymIndex.map();
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
    this.acronymIndex.set({ post: false, id: p.id }, on ? paperTexts(p) : null);
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
    this.acronymIndex.set({ post: true, id: p.id }, on ? [p.body] : null);
  }

  /**
   * Replaces the records of `ids` with their versions in `corpus` (absent: removed) and returns
   * the entry keys that may have changed, per lookup.
   */
  update(corpus: Corpus, ids: { papers: ReadonlySet<string>; posts: ReadonlySet<string>; authors: ReadonlySet<string> }, rank: (paperId: string) => number): Record<LookupName, Set<string>> {
    this.rank = rank;
    const postRank = ids.posts.size ? new Map(corpus.posts.map((p, i) => [p.id, i])) : this.postRank;
    this.acronymIndex.setOrder(rank, (id) => postRank.get(id)!);
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
    const swap = <T extends { id: string }>(list: readonly T[], touched: ReadonlySet<string>, have: Map<string, T>, set: (r: T, on: boolean) => void, keysOf: (r: T) => void, position?: (id: string) => number) => {
      if (!touched.size) return;
      for (const id of touched) {
        const old = have.get(id);
        if (!old) continue;
        keysOf(old);
        set(old, false);
      }
      for (const r of touchedInOrder(list, touched, position)) {
        set(r, true);
        keysOf(r);
      }
    };
    swap(corpus.papers, ids.papers, this.papers, (p, on) => this.setPaper(p, on), paperKeys, rank);
    swap(corpus.authors, ids.authors, this.authors, (a, on) => this.setAuthor(a, on), (a) => {
      for (const v of [a.name, ...a.variants]) keys.authorsByKey.add(nameKey(v));
    });
    // Posts are few: their order is taken again when one changed (acronyms and `postsByPaper` follow it).
    if (ids.posts.size) {
      const oldRank = this.postRank;
      this.acronymIndex.setOrder(rank, (id) => postRank.get(id) ?? oldRank.get(id)!);
      swap(corpus.posts, ids.posts, this.posts, (p, on) => this.setPost(p, on), (p) => {
        for (const pid of p.mentions) keys.postsByPaper.add(pid);
      });
      this.postRank = postRank;
      this.acronymIndex.setOrder(rank, (id) => postRank.get(id)!);
      this.acronymIndex.postsReordered();
      for (const k of this.contributors.postsByPaper.keys()) keys.postsByPaper.add(k);
    }
    return keys;
  }

  /** An entry's value (id form); undefined when there is none. */
  value(name: LookupName, key: string): LookupValue | undefined {
    const rank = this.rank;
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

  /** The corpus acronyms (as `corpusAcronyms`). */
  get acronyms(): AcronymMap {
    return this.acronymIndex.map();
  }
}
