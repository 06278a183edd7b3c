/**
 * The library: the merged corpus plus its MiniSearch indexes and lookups. Every answer the
 * bot gives comes from here. Built once per corpus load; immutable afterwards (a reload
 * builds a new one and swaps it in).
 */
import MiniSearch from 'minisearch';
import { CATEGORY_NAMES, categoryName, resolveCategory } from '../corpus/categories.ts';
import type { Author, Corpus, Paper, Post } from '../corpus/schema.ts';
import { foldDiacritics, nameKey, titleKey } from '../corpus/text.ts';
import { paperId } from '../corpus/merge.ts';
import { expandQuery, findAcronyms, type AcronymMap } from './acronyms.ts';
import { coverageOf } from './coverage.ts';
import { QueryExecutor, type ExecOptions, type RawResults } from './executor.ts';
import type { LibraryDiff, RecordsDiff } from './diff.ts';
import { addAllCached, dumpIndex, miniSearchView, restoreIndex, type IndexDump } from './internals.ts';
import { topDocuments } from './rank.ts';
import { topKByScore } from './select.ts';
import { makeSnippet, type Snippet } from './snippet.ts';
import { Segment } from './segment.ts';
import { processTerm, queryTerms, tokenize } from './terms.ts';
import { TieredIndex } from './tiered.ts';

export type DocKind = 'paper' | 'post' | 'author';

/** Ranking options (defaults checked against the answer and evaluation tests on the shipped corpus). */
export interface RankingOptions {
  /** Field boosts. */
  boost: Record<string, number>;
  /** Fuzzy edit distance as a fraction of term length, for terms of at least `fuzzyMinLength`. */
  fuzzy: number;
  fuzzyMinLength: number;
  /** Prefix matching for terms of at least this length (0 = off). */
  prefixMinLength: number;
  /** Hits must match at least this share of the query's terms (all of them for one- and two-term queries). */
  minCoverage: number;
  /** Hits scoring below this fraction of the best hit are dropped as noise. */
  minRelativeScore: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  boost: { title: 5, aliases: 4, name: 5, authors: 2.5, categoryName: 1.5, venue: 1, orgs: 1, abstract: 1, body: 0.8 },
  fuzzy: 0.2,
  fuzzyMinLength: 5,
  prefixMinLength: 4,
  minCoverage: 0.5,
  minRelativeScore: 0.1,
};

export interface SearchFilters {
  kinds?: DocKind[];
  /** Category code or name. */
  category?: string;
  year?: number;
  /** Author id (papers only). */
  authorId?: string;
  /** Restrict to these document ids (follow-ups over a retrieved set). */
  within?: ReadonlySet<string>;
}

export interface Hit {
  kind: DocKind;
  id: string;
  score: number;
  /** Share of query terms matched (0..1). */
  coverage: number;
  snippet: Snippet | null;
}

export interface SearchPage {
  hits: Hit[];
  total: number;
  /** Query expansions applied (acronyms). */
  expansions: string[];
}

export interface IndexedDoc {
  uid: string;
  kind: DocKind;
  id: string;
  title?: string;
  aliases?: string;
  name?: string;
  authors?: string;
  abstract?: string;
  body?: string;
  categoryName?: string;
  venue?: string;
  orgs?: string;
}

const MAIN_FIELDS = ['title', 'aliases', 'name', 'authors', 'abstract', 'body', 'categoryName', 'venue', 'orgs'];

function miniSearchOptions() {
  return {
    idField: 'uid',
    fields: MAIN_FIELDS,
    storeFields: ['kind', 'id'],
    tokenize,
    processTerm,
  };
}

function titleIndexOptions() {
  return {
    idField: 'id',
    fields: ['title', 'aliases'],
    storeFields: [] as string[],
    tokenize,
    processTerm: foldLower,
  };
}

function authorIndexOptions() {
  return {
    idField: 'id',
    fields: ['name', 'variants'],
    storeFields: [] as string[],
    tokenize,
    processTerm: foldLower,
  };
}

/** Term processing of the title and author-name indexes: folded, lower case, nothing dropped. */
function foldLower(t: string): string | null {
  return foldDiacritics(t).toLowerCase() || null;
}

/** How a library keeps its indexes. */
export interface LibraryOptions {
  /**
   * A library of at least this many documents (papers, posts and authors) keeps each index as a
   * compact immutable segment (`segment.ts`; later changes in a small MiniSearch index beside it,
   * `tiered.ts`): it loads from a snapshot as a few array views instead of millions of maps.
   * Smaller libraries keep MiniSearch indexes (scored bit for bit as `MiniSearch#search`).
   */
  segmentMinDocs: number;
}

export const DEFAULT_LIBRARY_OPTIONS: LibraryOptions = { segmentMinDocs: 20_000 };

/** A library's lookups with records as ids (`lookupIdEntries`), and its categories. */
export type LookupEntries = Record<LookupName, [string, string | string[]][]> & { categories: string[] };

/**
 * The indexes of a library, for a warm start, with what is derived from the corpus at build
 * time (the acronyms; the lookups, which cost more to compute than to read). Version 3: each
 * index as a segment (`Segment#toBytes`; libraries of `segmentMinDocs` and more). Version 2:
 * each index as JSON of `dumpIndex`. Version 1 (MiniSearch JSON) is still read.
 */
export type LibrarySnapshot =
  | { version: 1; main: string; titles: string; authors: string }
  | { version: 2; main: string; titles: string; authors: string; acronyms: [string, string][]; lookups?: LookupEntries }
  | { version: 3; main: Uint8Array; titles: Uint8Array; authors: Uint8Array; acronyms: [string, string][]; lookups?: LookupEntries };

/** Lookups derived from a corpus at build time (a worker computes them; see `transfer.ts`). */
export interface LibraryLookups {
  papers: Map<string, Paper>;
  posts: Map<string, Post>;
  authors: Map<string, Author>;
  /** Papers by exact title key (titles and aliases). */
  byTitleKey: Map<string, string>;
  /** Ids a paper had under its other titles (a new source can change which title wins). */
  aliasIds: Map<string, string>;
  /** Papers by short name (`GPipe`, `GLaM`: the part of a title before the colon). */
  byShortName: Map<string, string[]>;
  authorsByKey: Map<string, Author[]>;
  postsByPaper: Map<string, Post[]>;
  categories: string[];
}

/** The lookups that map keys to records or ids (what crosses threads and is diffed, as ids). */
export const LOOKUP_NAMES = ['byTitleKey', 'aliasIds', 'byShortName', 'authorsByKey', 'postsByPaper'] as const;
export type LookupName = (typeof LOOKUP_NAMES)[number];

/** One lookup's entries with records as their ids. */
export function lookupIdEntries(l: LibraryLookups, name: LookupName): [string, string | string[]][] {
  if (name === 'authorsByKey') return [...l.authorsByKey].map(([k, as]) => [k, as.map((a) => a.id)]);
  if (name === 'postsByPaper') return [...l.postsByPaper].map(([k, ps]) => [k, ps.map((p) => p.id)]);
  return [...l[name]];
}

/** Sets one lookup entry given with records as ids (`lookupIdEntries`); the records must be in `l`. */
export function setLookupEntry(l: LibraryLookups, name: LookupName, key: string, value: string | string[]): void {
  const known = <T>(map: Map<string, T>, id: string): T => {
    const r = map.get(id);
    if (r === undefined) throw new Error(`papertalk: lookup entry refers to unknown record ${id}`);
    return r;
  };
  if (name === 'authorsByKey') l.authorsByKey.set(key, (value as string[]).map((id) => known(l.authors, id)));
  else if (name === 'postsByPaper') l.postsByPaper.set(key, (value as string[]).map((id) => known(l.posts, id)));
  else if (name === 'byShortName') l.byShortName.set(key, value as string[]);
  else l[name].set(key, value as string);
}

/** Record maps of a corpus, the other lookups empty. */
function recordLookups(corpus: Corpus): LibraryLookups {
  const l: LibraryLookups = { papers: new Map(), posts: new Map(), authors: new Map(), byTitleKey: new Map(), aliasIds: new Map(), byShortName: new Map(), authorsByKey: new Map(), postsByPaper: new Map(), categories: [] };
  for (const p of corpus.papers) l.papers.set(p.id, p);
  for (const p of corpus.posts) l.posts.set(p.id, p);
  for (const a of corpus.authors) l.authors.set(a.id, a);
  return l;
}

/** The lookups as entries with records as ids (for a snapshot). */
export function lookupEntries(l: LibraryLookups): LookupEntries {
  const out = { categories: [...l.categories] } as LookupEntries;
  for (const name of LOOKUP_NAMES) out[name] = lookupIdEntries(l, name);
  return out;
}

/** The lookups of a corpus from `lookupEntries` output. */
export function lookupsFromEntries(corpus: Corpus, entries: LookupEntries): LibraryLookups {
  const l = recordLookups(corpus);
  for (const name of LOOKUP_NAMES) if (!Array.isArray(entries[name])) throw new Error(`papertalk: snapshot lookups lack ${name}`);
  // Maps of ids are taken whole (the entries are already pairs); records are looked up.
  l.byTitleKey = new Map(entries.byTitleKey as [string, string][]);
  l.aliasIds = new Map(entries.aliasIds as [string, string][]);
  l.byShortName = new Map(entries.byShortName as [string, string[]][]);
  for (const [k, v] of entries.authorsByKey) setLookupEntry(l, 'authorsByKey', k, v);
  for (const [k, v] of entries.postsByPaper) setLookupEntry(l, 'postsByPaper', k, v);
  l.categories = [...entries.categories];
  return l;
}

/** The lookups of a corpus (linear in its size). */
export function libraryLookups(corpus: Corpus): LibraryLookups {
  const l = recordLookups(corpus);
  for (const a of corpus.authors) {
    for (const v of new Set([a.name, ...a.variants].map(nameKey))) {
      const list = l.authorsByKey.get(v);
      if (list) list.push(a);
      else l.authorsByKey.set(v, [a]);
    }
  }
  for (const p of corpus.papers) {
    for (const t of [p.title, ...p.aliases]) {
      if (!t) continue;
      l.byTitleKey.set(titleKey(t), p.id);
      const other = paperId(t, p.abstract);
      if (other !== p.id) l.aliasIds.set(other, p.id);
      const short = /^([^:]{2,40}):/.exec(t)?.[1];
      if (short) {
        const k = titleKey(short);
        const list = l.byShortName.get(k);
        if (list) list.push(p.id);
        else l.byShortName.set(k, [p.id]);
      }
    }
  }
  for (const post of corpus.posts) {
    for (const pid of post.mentions) {
      const list = l.postsByPaper.get(pid);
      if (list) list.push(post);
      else l.postsByPaper.set(pid, [post]);
    }
  }
  const cats = new Set(corpus.papers.map((p) => p.category).filter((c): c is string => !!c));
  l.categories = [...cats].sort();
  return l;
}

function paperDoc(p: Paper): IndexedDoc {
  return {
    uid: `paper:${p.id}`,
    kind: 'paper',
    id: p.id,
    title: p.title ?? '',
    aliases: p.aliases.join(' \n '),
    authors: p.authors.join(' \n '),
    abstract: p.abstract ?? '',
    categoryName: p.categoryName ?? '',
    venue: p.venue ?? '',
    orgs: p.orgs.join(' '),
  };
}

function postDoc(p: Post): IndexedDoc {
  return { uid: `post:${p.id}`, kind: 'post', id: p.id, title: p.title, body: p.body };
}

function authorDoc(a: Author): IndexedDoc {
  return { uid: `author:${a.id}`, kind: 'author', id: a.id, name: [a.name, ...a.variants].join(' \n ') };
}

type TitleDoc = { id: string; title: string; aliases: string };
type AuthorNameDoc = { id: string; name: string; variants: string };

function titleDoc(p: Paper): TitleDoc {
  return { id: p.id, title: p.title!, aliases: p.aliases.join(' ') };
}

function authorNameDoc(a: Author): AuthorNameDoc {
  return { id: a.id, name: a.name, variants: a.variants.join(' ') };
}

/** The three indexes of a library (each a MiniSearch index, or a segment with additions). */
export interface LibraryIndexes {
  main: TieredIndex<IndexedDoc>;
  titles: TieredIndex<TitleDoc>;
  authors: TieredIndex<AuthorNameDoc>;
}

export type IndexName = keyof LibraryIndexes;

/** Empty MiniSearch indexes with the library's options (to restore dumps into). */
export const createIndex = {
  main: (): MiniSearch<IndexedDoc> => new MiniSearch<IndexedDoc>(miniSearchOptions()),
  titles: (): MiniSearch<TitleDoc> => new MiniSearch(titleIndexOptions()),
  authors: (): MiniSearch<AuthorNameDoc> => new MiniSearch(authorIndexOptions()),
};

/** A library index over a MiniSearch index, or over a segment (additions go to a new MiniSearch index). */
export const libraryIndex = {
  main: (from: MiniSearch<IndexedDoc> | Segment): LibraryIndexes['main'] => (from instanceof Segment ? TieredIndex.ofSegment(from, createIndex.main(), (d) => d.uid) : TieredIndex.ofMiniSearch(from, (d) => d.uid)),
  titles: (from: MiniSearch<TitleDoc> | Segment): LibraryIndexes['titles'] => (from instanceof Segment ? TieredIndex.ofSegment(from, createIndex.titles(), (d) => d.id) : TieredIndex.ofMiniSearch(from, (d) => d.id)),
  authors: (from: MiniSearch<AuthorNameDoc> | Segment): LibraryIndexes['authors'] => (from instanceof Segment ? TieredIndex.ofSegment(from, createIndex.authors(), (d) => d.id) : TieredIndex.ofMiniSearch(from, (d) => d.id)),
};

/** Stored fields of each index (what a segment keeps of them). */
const STORE_FIELDS: Record<IndexName, string[]> = { main: miniSearchOptions().storeFields, titles: [], authors: [] };

/** The segment of a freshly built MiniSearch index. */
function segmentOf(which: IndexName, ms: MiniSearch<any>): Segment {
  return Segment.build(miniSearchView(ms), STORE_FIELDS[which]);
}

/** The acronyms a corpus defines (scans every abstract, title and post). */
export function corpusAcronyms(corpus: Corpus): AcronymMap {
  const acronymTexts = function* () {
    for (const p of corpus.papers) {
      if (p.abstract) yield p.abstract;
      if (p.title) yield p.title;
    }
    for (const p of corpus.posts) yield p.body;
  };
  return findAcronyms(acronymTexts());
}

/** Everything a library is made of, computed elsewhere (a worker thread; see `transfer.ts`). */
export interface LibraryParts {
  lookups: LibraryLookups;
  indexes: LibraryIndexes;
  acronyms: AcronymMap;
}

export interface PatchOptions {
  /**
   * Leave the average field lengths of segmented indexes as they were instead of replaying them
   * over every document (a large library: hundreds of ms at 100k). Scores are then off by the
   * change's share of the averages until `setAverages` gives them (the corpus worker sends those
   * of its fresh build).
   */
  deferAverages?: boolean;
}

/** Average field lengths by index (field ids as the index numbers them). */
export interface IndexAverages {
  main: number[];
  titles: number[];
  authors: number[];
}

/**
 * The records of one kind after a diff, in corpus order: the previous ones less those removed or
 * upserted, with the upserted ones at their positions (`at`), or all of them in `order`.
 */
function arrange<T extends { id: string }>(map: ReadonlyMap<string, T>, prev: readonly T[], d: RecordsDiff<T>): T[] {
  if (d.order) {
    return d.order.map((id) => {
      const r = map.get(id);
      if (r === undefined) throw new Error(`papertalk: library diff orders an unknown record ${id}`);
      return r;
    });
  }
  const at = d.at ?? [];
  const was = d.was ?? [];
  const wrong = () => new Error('papertalk: library diff places its records wrongly');
  if (at.length !== d.upsert.length) throw wrong();
  // The records that leave their place are those removed or upserted (a check of `was`, not a pass over every record).
  const moved = new Set([...d.remove, ...d.upsert.map((r) => r.id)]);
  if (was.some((i) => !moved.has(prev[i]?.id ?? ''))) throw wrong();
  const out: T[] = [];
  let u = 0;
  let w = 0;
  const place = () => {
    while (u < at.length && at[u] === out.length) out.push(d.upsert[u++]!);
  };
  for (let i = 0; i < prev.length; i++) {
    if (w < was.length && was[w] === i) {
      w++;
      continue;
    }
    place();
    out.push(prev[i]!);
  }
  place();
  if (u !== at.length || w !== was.length) throw wrong();
  return out;
}

export class Library {
  readonly corpus: Corpus;
  readonly papers: Map<string, Paper>;
  readonly posts: Map<string, Post>;
  readonly authors: Map<string, Author>;
  readonly acronyms: AcronymMap;
  readonly ranking: RankingOptions;
  /** The lookups (`papers`, `posts`, `authors` and `categories` above are theirs). */
  private readonly l: LibraryLookups;
  private readonly main: LibraryIndexes['main'];
  private readonly titleIndex: LibraryIndexes['titles'];
  private readonly authorIndex: LibraryIndexes['authors'];
  readonly categories: string[];

  private constructor(corpus: Corpus, ranking: RankingOptions, from: { snapshot?: LibrarySnapshot; parts?: LibraryParts; options?: LibraryOptions }) {
    const { snapshot, parts } = from;
    this.corpus = corpus;
    this.ranking = ranking;
    const l = parts?.lookups ?? (snapshot && snapshot.version !== 1 && snapshot.lookups ? lookupsFromEntries(corpus, snapshot.lookups) : libraryLookups(corpus));
    this.l = l;
    this.papers = l.papers;
    this.posts = l.posts;
    this.authors = l.authors;
    this.categories = l.categories;
    if (parts) {
      this.main = parts.indexes.main;
      this.titleIndex = parts.indexes.titles;
      this.authorIndex = parts.indexes.authors;
    } else if (snapshot?.version === 3) {
      this.main = libraryIndex.main(Segment.fromBytes(snapshot.main));
      this.titleIndex = libraryIndex.titles(Segment.fromBytes(snapshot.titles));
      this.authorIndex = libraryIndex.authors(Segment.fromBytes(snapshot.authors));
    } else if (snapshot?.version === 2) {
      this.main = libraryIndex.main(restoreIndex(JSON.parse(snapshot.main) as IndexDump, createIndex.main));
      this.titleIndex = libraryIndex.titles(restoreIndex(JSON.parse(snapshot.titles) as IndexDump, createIndex.titles));
      this.authorIndex = libraryIndex.authors(restoreIndex(JSON.parse(snapshot.authors) as IndexDump, createIndex.authors));
    } else if (snapshot) {
      this.main = libraryIndex.main(MiniSearch.loadJSON<IndexedDoc>(snapshot.main, miniSearchOptions()));
      this.titleIndex = libraryIndex.titles(MiniSearch.loadJSON(snapshot.titles, titleIndexOptions()));
      this.authorIndex = libraryIndex.authors(MiniSearch.loadJSON(snapshot.authors, authorIndexOptions()));
    } else {
      const segments = corpus.papers.length + corpus.posts.length + corpus.authors.length >= (from.options ?? DEFAULT_LIBRARY_OPTIONS).segmentMinDocs;
      // Each index is built in MiniSearch (then, for a large library, turned into a segment and dropped) before the next.
      const main = createIndex.main();
      addAllCached(main, [...this.documents()]);
      this.main = libraryIndex.main(segments ? segmentOf('main', main) : main);
      const titles = createIndex.titles();
      addAllCached(titles, corpus.papers.filter((p) => p.title).map(titleDoc));
      this.titleIndex = libraryIndex.titles(segments ? segmentOf('titles', titles) : titles);
      const authors = createIndex.authors();
      addAllCached(authors, corpus.authors.map(authorNameDoc));
      this.authorIndex = libraryIndex.authors(segments ? segmentOf('authors', authors) : authors);
    }
    // Acronyms come with a snapshot (scanning every abstract is a large part of a start).
    this.acronyms = parts?.acronyms ?? (snapshot && snapshot.version !== 1 && Array.isArray(snapshot.acronyms) ? new Map(snapshot.acronyms) : corpusAcronyms(corpus));
  }

  /** A library from parts computed elsewhere (they must describe `corpus`). */
  static fromParts(corpus: Corpus, parts: LibraryParts, ranking: RankingOptions = DEFAULT_RANKING): Library {
    return new Library(corpus, ranking, { parts });
  }

  /** The indexes (for sending to another thread; see `transfer.ts`). */
  indexes(): LibraryIndexes {
    return { main: this.main, titles: this.titleIndex, authors: this.authorIndex };
  }

  /** The dumps of indexes held by MiniSearch alone (for sending to another thread; see `transfer.ts`). */
  indexDumps(): { main: IndexDump; titles: IndexDump; authors: IndexDump } {
    const dump = (index: TieredIndex<any>): IndexDump => {
      if (index.segment) throw new Error('papertalk: a segment-backed index is sent as its segment, not as a dump');
      return dumpIndex(index.delta);
    };
    return { main: dump(this.main), titles: dump(this.titleIndex), authors: dump(this.authorIndex) };
  }

  /** The lookups this library was built with. */
  lookups(): LibraryLookups {
    return this.l;
  }

  static build(corpus: Corpus, ranking: RankingOptions = DEFAULT_RANKING, options: LibraryOptions = DEFAULT_LIBRARY_OPTIONS): Library {
    return new Library(corpus, ranking, { options });
  }

  /** Rebuilds from a snapshot taken of the same corpus (see `snapshot()`). */
  static fromSnapshot(corpus: Corpus, snapshot: LibrarySnapshot, ranking: RankingOptions = DEFAULT_RANKING): Library {
    if (snapshot.version !== 1 && snapshot.version !== 2 && snapshot.version !== 3) throw new Error('papertalk: unsupported index snapshot version');
    return new Library(corpus, ranking, { snapshot });
  }

  /** The library's indexes and what it derived from the corpus: version 3 (segments) when its indexes are segments, else version 2. */
  snapshot(): LibrarySnapshot {
    const derived = { acronyms: [...this.acronyms], lookups: lookupEntries(this.l) };
    if (this.main.segment) return { version: 3, main: this.main.toBytes(), titles: this.titleIndex.toBytes(), authors: this.authorIndex.toBytes(), ...derived };
    return {
      version: 2,
      main: JSON.stringify(dumpIndex(this.main.delta)),
      titles: JSON.stringify(dumpIndex(this.titleIndex.delta)),
      authors: JSON.stringify(dumpIndex(this.authorIndex.delta)),
      ...derived,
    };
  }

  private *documents(): Generator<IndexedDoc> {
    for (const p of this.corpus.papers) yield paperDoc(p);
    for (const p of this.corpus.posts) yield postDoc(p);
    for (const a of this.corpus.authors) yield authorDoc(a);
  }

  /** This library was replaced by `patched` (its indexes and lookups now describe the new corpus). */
  private retired = false;

  /** Drops everything cached from the indexes (they changed under this library). */
  private retire(): void {
    this.retired = true;
    this.searchCache.clear();
    this.memo.clear();
    this.executors.clear();
    this.docs = null;
    this.byDate = null;
    this.papersOfCache.clear();
    this.paperCounts = null;
  }

  /**
   * The library of the corpus after `diff` (see diff.ts), made of this library's indexes and
   * lookups updated in place; this library is retired (its caches are dropped, and it should
   * no longer be used: its corpus arrays describe the old corpus).
   */
  patched(diff: LibraryDiff, ranking: RankingOptions = this.ranking, options: PatchOptions = {}): Library {
    if (this.retired) throw new Error('papertalk: a retired library cannot be patched');
    const l = this.lookups();
    const out = <T>(index: TieredIndex<T>, doc: T & { id?: string; uid?: string }) => {
      const id = doc.uid ?? doc.id;
      if (id !== undefined && index.has(id)) index.remove(doc);
    };
    // Out with the documents as they were indexed (an exact removal), then in with the new ones.
    for (const id of [...diff.papers.remove, ...diff.papers.upsert.map((p) => p.id)]) {
      const old = l.papers.get(id);
      if (!old) continue;
      out(this.main, paperDoc(old));
      if (old.title) out(this.titleIndex, titleDoc(old));
    }
    for (const id of [...diff.posts.remove, ...diff.posts.upsert.map((p) => p.id)]) {
      const old = l.posts.get(id);
      if (old) out(this.main, postDoc(old));
    }
    for (const id of [...diff.authors.remove, ...diff.authors.upsert.map((a) => a.id)]) {
      const old = l.authors.get(id);
      if (!old) continue;
      out(this.main, authorDoc(old));
      out(this.authorIndex, authorNameDoc(old));
    }
    for (const id of diff.papers.remove) l.papers.delete(id);
    for (const id of diff.posts.remove) l.posts.delete(id);
    for (const id of diff.authors.remove) l.authors.delete(id);
    for (const p of diff.papers.upsert) {
      l.papers.set(p.id, p);
      this.main.add(paperDoc(p));
      if (p.title) this.titleIndex.add(titleDoc(p));
    }
    for (const p of diff.posts.upsert) {
      l.posts.set(p.id, p);
      this.main.add(postDoc(p));
    }
    for (const a of diff.authors.upsert) {
      l.authors.set(a.id, a);
      this.main.add(authorDoc(a));
      this.authorIndex.add(authorNameDoc(a));
    }
    for (const change of diff.lookups) {
      for (const k of change.remove) l[change.name].delete(k);
      for (const [k, v] of change.set) setLookupEntry(l, change.name, k, v);
    }
    const corpus: Corpus = { papers: arrange(l.papers, this.corpus.papers, diff.papers), posts: arrange(l.posts, this.corpus.posts, diff.posts), authors: arrange(l.authors, this.corpus.authors, diff.authors) };
    // Average field lengths as a fresh build in corpus order has them (the scores depend on them),
    // unless they come later for a segmented index (`setAverages`).
    const replay = (index: TieredIndex<any>) => !(options.deferAverages && index.segmented);
    if (replay(this.main)) {
      this.main.replayAverages((function* () {
        for (const p of corpus.papers) yield `paper:${p.id}`;
        for (const p of corpus.posts) yield `post:${p.id}`;
        for (const a of corpus.authors) yield `author:${a.id}`;
      })());
    }
    if (replay(this.titleIndex)) this.titleIndex.replayAverages(corpus.papers.filter((p) => p.title).map((p) => p.id));
    if (replay(this.authorIndex)) this.authorIndex.replayAverages(corpus.authors.map((a) => a.id));
    const indexes: LibraryIndexes = { main: this.main, titles: this.titleIndex, authors: this.authorIndex };
    this.retire();
    return new Library(corpus, ranking, { parts: { lookups: { ...l, categories: diff.categories }, indexes, acronyms: new Map(diff.acronyms) } });
  }

  /** The average field lengths of the indexes (what `setAverages` of a patched library takes). */
  averages(): IndexAverages {
    return { main: this.main.averages(), titles: this.titleIndex.averages(), authors: this.authorIndex.averages() };
  }

  /**
   * Takes the average field lengths of a fresh build of this library's corpus for the indexes a
   * patch left them to (`deferAverages`); searches cached with the previous ones are dropped.
   */
  setAverages(avg: IndexAverages): void {
    if (this.retired) throw new Error('papertalk: a retired library takes no averages');
    if (this.main.segmented) this.main.setAverages(avg.main);
    if (this.titleIndex.segmented) this.titleIndex.setAverages(avg.titles);
    if (this.authorIndex.segmented) this.authorIndex.setAverages(avg.authors);
    this.searchCache.clear();
    this.memo.clear();
    this.executors.clear();
  }

  /** Recent searches (the library never changes, so results stay valid). */
  private readonly searchCache = new Map<string, SearchPage>();

  /**
   * Full-text search with filters, acronym expansion, coverage cut-off and snippets. The last
   * 256 distinct searches are cached: a conversation turn repeats searches (the rephraser's
   * candidates, then the answer), and busy channels repeat queries.
   */
  search(query: string, filters: SearchFilters = {}, page: { limit?: number; offset?: number; cache?: boolean } = {}): SearchPage {
    if (page.cache === false) return this.runSearch(query, filters, page);
    const key = JSON.stringify([query, filters.kinds, filters.category, filters.year, filters.authorId, filters.within ? [...filters.within] : null, page.limit, page.offset]);
    const cached = this.searchCache.get(key);
    if (cached) {
      this.searchCache.delete(key);
      this.searchCache.set(key, cached);
      return { ...cached, hits: [...cached.hits] };
    }
    const result = this.runSearch(query, filters, page);
    this.searchCache.set(key, result);
    if (this.searchCache.size > 256) this.searchCache.delete(this.searchCache.keys().next().value as string);
    return { ...result, hits: [...result.hits] };
  }

  private runSearch(query: string, filters: SearchFilters, page: { limit?: number; offset?: number }): SearchPage {
    const limit = page.limit ?? 10;
    const offset = page.offset ?? 0;
    // The executor tracks up to 64 distinct query terms: longer queries are cut (their first 48).
    const all = queryTerms(query);
    const terms = new Set(all).size > 48 ? all.slice(0, cutAt(all, 48)) : all;
    if (!terms.length) return { hits: [], total: 0, expansions: [] };
    const expansions = expandQuery(terms === all ? query : terms.join(' '), this.acronyms);
    while (expansions.length && new Set([...terms, ...expansions.flatMap((e) => queryTerms(e))]).size > 64) expansions.pop();
    const r = this.ranking;
    const category = filters.category ? resolveCategory(filters.category, this.categories) ?? filters.category : null;
    const kinds = filters.kinds ? new Set(filters.kinds) : null;
    const docs = this.docTable();
    const filter = (doc: number): boolean => {
      const kind = docs.kinds[doc]!;
      const id = docs.ids[doc]!;
      if (kinds && !kinds.has(kind)) return false;
      if (filters.within && !filters.within.has(id)) return false;
      if (category || filters.year !== undefined || filters.authorId) {
        if (kind !== 'paper') return false;
        const p = this.papers.get(id)!;
        if (category && p.category !== category) return false;
        if (filters.year !== undefined && p.year !== filters.year) return false;
        if (filters.authorId && !p.authorIds.includes(filters.authorId)) return false;
      }
      return true;
    };
    const options: ExecOptions = {
      boost: r.boost,
      fuzzy: (term: string) => (term.length >= r.fuzzyMinLength ? r.fuzzy : false),
      // Prefix matching on the last term only (the one being typed): earlier terms are complete words.
      prefix: (term: string, i: number, all: string[]) => r.prefixMinLength > 0 && i === all.length - 1 && term.length >= r.prefixMinLength,
    };
    const exec = this.executor('main');
    // Coverage: a query term counts as matched when it or one of its expansions matched.
    const expansionTerms = expansions.map((e) => new Set(queryTerms(e)));
    const groups = [terms.join(' '), ...expansions];
    const sourceTerms = [...new Set(groups.flatMap((g) => exec.terms(g)))];
    const coverage = coverageOf(terms, expansionTerms, sourceTerms);
    const minCoverage = terms.length <= 2 ? 1 : r.minCoverage;
    const unfiltered = !kinds && !filters.within && !category && filters.year === undefined && !filters.authorId;
    const idOf = (doc: number) => docs.ids[doc]!;
    const top = topDocuments(exec, groups, options, {
      k: offset + limit,
      minRelative: r.minRelativeScore,
      factor: (lo, hi) => {
        const c = coverage(lo, hi);
        return c < minCoverage ? NaN : 0.5 + c;
      },
      ...(unfiltered ? {} : { filter }),
      // Ties broken by id: the same order from a fresh index and from a snapshot.
      tie: (a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0),
    });
    const pageHits: Hit[] = [];
    for (let i = offset; i < top.docs.length; i++) {
      const doc = top.docs[i]!;
      pageHits.push({ kind: docs.kinds[doc]!, id: idOf(doc), score: top.scores[i]!, coverage: coverage(top.lo[i]!, top.hi[i]!), snippet: null });
    }
    // Snippets highlight the terms any hit of the page matched.
    const pageDocs = top.docs.slice(offset);
    const matchedTerms = (fast: boolean): Set<string> => {
      const matched = new Set([...terms, ...expansionTerms.flatMap((s) => [...s])]);
      // `fast`: the run's own lists (valid until the executor's next run); else its index terms' postings.
      for (const doc of pageDocs) for (const t of exec.termsOf(fast ? top : { derived: top.derived }, doc)) matched.add(t);
      return matched;
    };
    if (pageHits.length <= EAGER_SNIPPETS) {
      const matched = matchedTerms(true);
      for (const h of pageHits) h.snippet = this.snippetFor(h, matched);
    } else {
      // Long pages (a conversation's sorted lists, exclusions, posts naming a paper) mostly go
      // unread as snippets: each is made when first read.
      let matched: Set<string> | null = null;
      for (const h of pageHits) lazySnippet(h, () => this.snippetFor(h, (matched ??= matchedTerms(false))));
    }
    return { hits: pageHits, total: top.total, expansions };
  }

  private readonly executors = new Map<string, QueryExecutor>();

  /** The query executor over one of the MiniSearch indexes (created on first use). */
  private executor(which: 'main' | 'titles' | 'authors'): QueryExecutor {
    let e = this.executors.get(which);
    if (!e) {
      const index = which === 'main' ? this.main : which === 'titles' ? this.titleIndex : this.authorIndex;
      e = new QueryExecutor(index.view(), tokenize, which === 'main' ? processTerm : foldLower);
      this.executors.set(which, e);
    }
    return e;
  }

  private docs: { kinds: DocKind[]; ids: string[] } | null = null;

  /**
   * What the first search of a new library would otherwise build on the answer path, a step at a
   * time (run between other work after a library is installed or patched): the indexes' document
   * numbers by id (see `TieredIndex.warmSteps`), the main index's document table, the acronym index
   * (at 100k papers 10-20 ms each: they made the first search after a drop ~60 ms).
   */
  *warmSteps(): Generator<void, void> {
    for (const index of [this.main, this.titleIndex, this.authorIndex]) yield* index.warmSteps();
    if (this.retired) return;
    this.docTable();
    yield;
    if (this.retired) return;
    expandQuery('', this.acronyms);
  }

  /** Short id → kind and record id of the main index's documents (its stored fields, as arrays). */
  private docTable(): { kinds: DocKind[]; ids: string[] } {
    if (this.docs) return this.docs;
    const exec = this.executor('main');
    const kinds: DocKind[] = [];
    const ids: string[] = [];
    const v = exec.view;
    for (let doc = 0; doc < v.nextId; doc++) {
      if (v.documentId(doc) === undefined) continue;
      kinds[doc] = v.storedField(doc, 'kind') as DocKind;
      ids[doc] = v.storedField(doc, 'id') as string;
    }
    this.docs = { kinds, ids };
    return this.docs;
  }

  /**
   * Runs a query on a small index (titles, authors) and returns the best `limit` ids: by score,
   * ties in MiniSearch's result order (`ties: 'order'`) or by id (`ties: 'id'`, localeCompare).
   */
  private best(which: 'titles' | 'authors', q: string, options: ExecOptions, limit: number, ties: 'order' | 'id', minRatio = 0): { id: string; score: number }[] {
    const exec = this.executor(which);
    const raw: RawResults = exec.run([q], options);
    const idOf = (k: number) => String(exec.documentId(raw.docs[k]!));
    const tie = ties === 'order' ? (a: number, b: number) => a - b : (a: number, b: number) => idOf(a).localeCompare(idOf(b));
    let floor = -Infinity;
    if (minRatio > 0) {
      let top = -Infinity;
      for (let k = 0; k < raw.n; k++) if (raw.scores[k]! > top) top = raw.scores[k]!;
      floor = top * minRatio;
    }
    return topKByScore(raw.n, limit, raw.scores, tie, undefined, floor).map((k) => ({ id: idOf(k), score: raw.scores[k]! }));
  }

  private snippetFor(hit: Hit, terms: ReadonlySet<string>): Snippet | null {
    if (hit.kind === 'paper') return makeSnippet(this.papers.get(hit.id)?.abstract ?? null, terms);
    if (hit.kind === 'post') return makeSnippet(this.posts.get(hit.id)?.body ?? null, terms);
    return null;
  }

  /** Title autocomplete: prefix matching on title words, best first. */
  suggestTitles(prefix: string, limit = 25): { id: string; title: string }[] {
    const q = prefix.trim();
    if (!q) return this.corpus.papers.filter((p) => p.title).slice(0, limit).map((p) => ({ id: p.id, title: p.title! }));
    const res = this.best('titles', q, { prefix: lastTermPrefix, fuzzy: (t) => (t.length >= 5 ? 0.2 : false), combineWith: 'AND', boost: { title: 2 } }, limit, 'id');
    return res.map((r) => ({ id: r.id, title: this.papers.get(r.id)!.title! }));
  }

  /** Author-name autocomplete. */
  suggestAuthors(prefix: string, limit = 25): Author[] {
    const q = prefix.trim();
    if (!q) return this.corpus.authors.slice(0, limit);
    const res = this.best('authors', q, { prefix: lastTermPrefix, fuzzy: (t) => (t.length >= 5 ? 0.2 : false), combineWith: 'AND' }, limit, 'id');
    return res.map((r) => this.authors.get(r.id)!);
  }

  /** Category autocomplete over the categories present in the corpus. */
  suggestCategories(prefix: string, limit = 25): { code: string; name: string }[] {
    const q = foldDiacritics(prefix.trim()).toLowerCase();
    return this.categories
      .map((code) => ({ code, name: categoryName(code) ?? code }))
      .filter((c) => !q || c.code.toLowerCase().startsWith(q) || c.name.toLowerCase().includes(q))
      .slice(0, limit);
  }

  private readonly memo = new Map<string, unknown>();

  /**
   * Lookups by text are memoised (the last 1024): a conversation turn parses the same words
   * several times (the literal reading, then each rewrite), and the library never changes.
   */
  private memoised<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) {
      const v = this.memo.get(key) as T;
      this.memo.delete(key);
      this.memo.set(key, v);
      return v;
    }
    const v = compute();
    this.memo.set(key, v);
    if (this.memo.size > 1024) this.memo.delete(this.memo.keys().next().value as string);
    return v;
  }

  /**
   * Finds one paper by id, exact title or alias, short name (`GPipe`), or a title search whose
   * best hit clearly stands out. Null when nothing matches well enough.
   */
  findPaper(text: string): { paper: Paper; how: 'id' | 'title' | 'short-name' | 'search' } | null {
    const found = this.memoised(`findPaper\0${text}`, () => this.findPaperNow(text));
    return found && { ...found };
  }

  private findPaperNow(text: string): { paper: Paper; how: 'id' | 'title' | 'short-name' | 'search' } | null {
    const q = text.trim().replace(/^["“'‘]|["”'’?.!]$/g, '').trim();
    if (!q) return null;
    const byId = this.resolvePaperId(q);
    if (byId) return { paper: this.papers.get(byId)!, how: 'id' };
    const exact = this.l.byTitleKey.get(titleKey(q));
    if (exact) return { paper: this.papers.get(exact)!, how: 'title' };
    const short = this.l.byShortName.get(titleKey(q));
    if (short?.length === 1) return { paper: this.papers.get(short[0]!)!, how: 'short-name' };
    const terms = queryTerms(q);
    if (!terms.length) return null;
    const res = this.best('titles', q, { prefix: (t) => t.length >= 3, fuzzy: (t) => (t.length >= 5 ? 0.2 : false), combineWith: 'AND' }, 2, 'order');
    const best = res[0];
    if (best && (res.length === 1 || best.score >= 1.5 * res[1]!.score)) return { paper: this.papers.get(best.id)!, how: 'search' };
    return null;
  }

  /** A paper id, or an id the paper had under another of its titles, → the current id. */
  resolvePaperId(id: string): string | null {
    if (this.papers.has(id)) return id;
    return this.l.aliasIds.get(id) ?? null;
  }

  /** How many documents hold this processed term exactly (0: the corpus never uses the word). */
  documentFrequency(term: string): number {
    return this.executor('main').df(term);
  }

  /** The index terms a query term is matched with by fuzzy search (itself when indexed). */
  spellings(term: string, fuzzy?: number): string[] {
    const r = this.ranking;
    const e = this.executor('main').expand([term], { fuzzy: (t: string) => (t.length >= r.fuzzyMinLength ? (fuzzy ?? r.fuzzy) : false) });
    return [...new Set(e.groups.flatMap((g) => g.flatMap((spec) => spec.items.map((i) => i[0]))))];
  }

  /** Papers whose title words all match (for "did you mean"). */
  closestTitles(text: string, limit = 3): Paper[] {
    return [...this.memoised(`closestTitles\0${limit}\0${text}`, () => this.closestTitlesNow(text, limit))];
  }

  private closestTitlesNow(text: string, limit: number): Paper[] {
    return this.best('titles', text, { prefix: () => true, fuzzy: () => 0.3, combineWith: 'OR' }, limit, 'order').map((r) => this.papers.get(r.id)!);
  }

  /** Authors by name: exact spelling variants first, then a fuzzy name search. */
  findAuthors(text: string): Author[] {
    return [...this.memoised(`findAuthors\0${text}`, () => this.findAuthorsNow(text))];
  }

  private findAuthorsNow(text: string): Author[] {
    const key = nameKey(text);
    const exact = this.l.authorsByKey.get(key);
    if (exact?.length) return exact;
    if (!key) return [];
    const res = this.best('authors', text, { fuzzy: (t) => (t.length >= 4 ? 0.25 : false), prefix: (t) => t.length >= 3, combineWith: 'AND' }, Infinity, 'id', 0.9);
    if (!res.length) return [];
    const close = res.map((r) => this.authors.get(r.id)!);
    // A fuzzy match that picks one name: all records of that name (namesakes included).
    const names = new Set(close.map((a) => a.name));
    return names.size === 1 ? close : close.slice(0, 5);
  }

  /** Closest author names for "did you mean". */
  closestAuthors(text: string, limit = 3): Author[] {
    return [...this.memoised(`closestAuthors\0${limit}\0${text}`, () => this.closestAuthorsNow(text, limit))];
  }

  private closestAuthorsNow(text: string, limit: number): Author[] {
    return this.best('authors', text, { fuzzy: () => 0.4, prefix: () => true, combineWith: 'OR' }, limit, 'order').map((r) => this.authors.get(r.id)!);
  }

  postsAbout(paperId: string): Post[] {
    return this.l.postsByPaper.get(paperId) ?? [];
  }

  /** Papers similar to one: its title and key abstract words as a query, itself excluded. */
  similar(paperId: string, limit = 5): Hit[] {
    const p = this.papers.get(paperId);
    if (!p) return [];
    let terms = [...new Set(queryTerms(`${p.title ?? ''} ${p.title ?? ''} ${p.abstract ?? ''}`))].slice(0, 40);
    const exec = this.executor('main');
    if (exec.planning) {
      // A large index: the 16 rarest words that some other document shares decide the ranking;
      // common words add little to it (low IDF) but most of the work.
      const byDf = terms.map((t) => ({ t, df: exec.df(t) })).filter((x) => x.df > 1);
      const keep = new Set(byDf.sort((a, b) => a.df - b.df).slice(0, 16).map((x) => x.t));
      terms = terms.filter((t) => keep.has(t));
    }
    const raw = exec.run([terms.join(' ')], { boost: this.ranking.boost });
    const docs = this.docTable();
    const keep = (k: number) => docs.kinds[raw.docs[k]!] === 'paper' && docs.ids[raw.docs[k]!] !== paperId;
    // By score, ties in MiniSearch's result order.
    return topKByScore(raw.n, limit, raw.scores, (a, b) => a - b, keep).map((k) => ({ kind: 'paper' as const, id: docs.ids[raw.docs[k]!]!, score: raw.scores[k]!, coverage: 1, snippet: null }));
  }

  /** Co-authors of an author with the number of shared papers, most first. */
  coauthors(authorId: string): { author: Author; count: number }[] {
    const a = this.authors.get(authorId);
    if (!a) return [];
    const counts = new Map<string, number>();
    for (const pid of a.paperIds) {
      for (const co of this.papers.get(pid)?.authorIds ?? []) if (co !== authorId) counts.set(co, (counts.get(co) ?? 0) + 1);
    }
    return [...counts.entries()]
      .map(([id, count]) => ({ author: this.authors.get(id)!, count }))
      .sort((x, y) => y.count - x.count || x.author.name.localeCompare(y.author.name));
  }

  private byDate: Paper[] | null = null;
  private readonly papersOfCache = new Map<string, Paper[]>();

  /** All papers, newest first (sorted once per library). */
  private papersByDate(): Paper[] {
    this.byDate ??= [...this.corpus.papers].sort(byDateDesc);
    return this.byDate;
  }

  /** Papers of an author, newest first (a fresh array; sorted once per author). */
  papersOf(authorId: string): Paper[] {
    let list = this.papersOfCache.get(authorId);
    if (!list) {
      const a = this.authors.get(authorId);
      list = (a?.paperIds ?? []).map((id) => this.papers.get(id)!).filter(Boolean).sort(byDateDesc);
      if (this.papersOfCache.size >= 4096) this.papersOfCache.delete(this.papersOfCache.keys().next().value as string);
      this.papersOfCache.set(authorId, list);
    }
    return [...list];
  }

  /** The newest `limit` papers that pass `filter` (a walk down the date order, no sort per call). */
  latest(limit = 10, filter: (p: Paper) => boolean = () => true): Paper[] {
    const out: Paper[] = [];
    if (limit <= 0) return out;
    for (const p of this.papersByDate()) {
      if (!filter(p)) continue;
      out.push(p);
      if (out.length >= limit) break;
    }
    return out;
  }

  private paperCounts: Map<string, number> | null = null;

  /** Number of papers of a year and / or category (either may be left out); counted once per library. */
  countPapers(filter: { year?: number | undefined; category?: string | undefined } = {}): number {
    if (!this.paperCounts) {
      const counts = new Map<string, number>();
      const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
      for (const p of this.corpus.papers) {
        const y = p.year === null || p.year === undefined ? '' : String(p.year);
        const c = p.category ?? '';
        bump('|');
        bump(`${y}|`);
        bump(`|${c}`);
        bump(`${y}|${c}`);
      }
      this.paperCounts = counts;
    }
    return this.paperCounts.get(`${filter.year ?? ''}|${filter.category ?? ''}`) ?? 0;
  }

  /** All category codes the corpus knows with readable names. */
  categoryList(): { code: string; name: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const p of this.corpus.papers) if (p.category) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
    return this.categories.map((code) => ({ code, name: CATEGORY_NAMES.get(code) ?? code, count: counts.get(code) ?? 0 }));
  }
}

/** Pages of at most this many hits get their snippets at once; longer ones when each is read (`lazySnippet`). */
const EAGER_SNIPPETS = 25;

/**
 * Makes a hit's `snippet` on first read (then kept; an assignment replaces it). An enumerable
 * property still, so copies, JSON and structured clones carry the snippet.
 */
function lazySnippet(hit: Hit, make: () => Snippet | null): void {
  let value: Snippet | null | undefined;
  Object.defineProperty(hit, 'snippet', {
    enumerable: true,
    configurable: true,
    get: () => (value === undefined ? (value = make()) : value),
    set: (v: Snippet | null) => {
      value = v;
    },
  });
}

/** Length of the shortest prefix of `terms` with `distinct` distinct terms. */
function cutAt(terms: string[], distinct: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < terms.length; i++) {
    seen.add(terms[i]!);
    if (seen.size > distinct) return i;
  }
  return terms.length;
}

/** Prefix expansion for the word being typed (the last), once it has two characters. */
function lastTermPrefix(term: string, i: number, all: string[]): boolean {
  return i === all.length - 1 && term.length >= 2;
}

export function byDateDesc(a: Paper, b: Paper): number {
  return (b.date ?? '').localeCompare(a.date ?? '') || (a.title ?? '').localeCompare(b.title ?? '');
}
