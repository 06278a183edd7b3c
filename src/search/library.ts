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
import { QueryExecutor, type ExecOptions, type RawResults } from './executor.ts';
import { topK } from './select.ts';
import { makeSnippet, type Snippet } from './snippet.ts';
import { processTerm, queryTerms, tokenize } from './terms.ts';

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

interface IndexedDoc {
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

export interface LibrarySnapshot {
  version: 1;
  main: string;
  titles: string;
  authors: string;
}

export class Library {
  readonly corpus: Corpus;
  readonly papers = new Map<string, Paper>();
  readonly posts = new Map<string, Post>();
  readonly authors = new Map<string, Author>();
  readonly acronyms: AcronymMap;
  readonly ranking: RankingOptions;
  /** Papers by exact title key (titles and aliases). */
  private readonly byTitleKey = new Map<string, string>();
  /** Ids a paper had under its other titles (a new source can change which title wins). */
  private readonly aliasIds = new Map<string, string>();
  /** Papers by short name (`GPipe`, `GLaM`: the part of a title before the colon). */
  private readonly byShortName = new Map<string, string[]>();
  private readonly authorsByKey = new Map<string, Author[]>();
  private readonly postsByPaper = new Map<string, Post[]>();
  private readonly main: MiniSearch<IndexedDoc>;
  private readonly titleIndex: MiniSearch<{ id: string; title: string; aliases: string }>;
  private readonly authorIndex: MiniSearch<{ id: string; name: string; variants: string }>;
  readonly categories: string[];

  private constructor(corpus: Corpus, ranking: RankingOptions, snapshot?: LibrarySnapshot) {
    this.corpus = corpus;
    this.ranking = ranking;
    for (const p of corpus.papers) this.papers.set(p.id, p);
    for (const p of corpus.posts) this.posts.set(p.id, p);
    for (const a of corpus.authors) {
      this.authors.set(a.id, a);
      for (const v of new Set([a.name, ...a.variants].map(nameKey))) {
        const list = this.authorsByKey.get(v) ?? [];
        list.push(a);
        this.authorsByKey.set(v, list);
      }
    }
    for (const p of corpus.papers) {
      for (const t of [p.title, ...p.aliases]) {
        if (!t) continue;
        this.byTitleKey.set(titleKey(t), p.id);
        const other = paperId(t, p.abstract);
        if (other !== p.id) this.aliasIds.set(other, p.id);
        const short = /^([^:]{2,40}):/.exec(t)?.[1];
        if (short) {
          const k = titleKey(short);
          this.byShortName.set(k, [...(this.byShortName.get(k) ?? []), p.id]);
        }
      }
    }
    for (const post of corpus.posts) {
      for (const pid of post.mentions) this.postsByPaper.set(pid, [...(this.postsByPaper.get(pid) ?? []), post]);
    }
    const cats = new Set(corpus.papers.map((p) => p.category).filter((c): c is string => !!c));
    this.categories = [...cats].sort();
    if (snapshot) {
      this.main = MiniSearch.loadJSON<IndexedDoc>(snapshot.main, miniSearchOptions());
      this.titleIndex = MiniSearch.loadJSON(snapshot.titles, titleIndexOptions());
      this.authorIndex = MiniSearch.loadJSON(snapshot.authors, authorIndexOptions());
    } else {
      this.main = new MiniSearch<IndexedDoc>(miniSearchOptions());
      this.main.addAll([...this.documents()]);
      this.titleIndex = new MiniSearch(titleIndexOptions());
      this.titleIndex.addAll(corpus.papers.filter((p) => p.title).map((p) => ({ id: p.id, title: p.title!, aliases: p.aliases.join(' ') })));
      this.authorIndex = new MiniSearch(authorIndexOptions());
      this.authorIndex.addAll(corpus.authors.map((a) => ({ id: a.id, name: a.name, variants: a.variants.join(' ') })));
    }
    const acronymTexts = function* () {
      for (const p of corpus.papers) {
        if (p.abstract) yield p.abstract;
        if (p.title) yield p.title;
      }
      for (const p of corpus.posts) yield p.body;
    };
    this.acronyms = findAcronyms(acronymTexts());
  }

  static build(corpus: Corpus, ranking: RankingOptions = DEFAULT_RANKING): Library {
    return new Library(corpus, ranking);
  }

  /** Rebuilds from a snapshot taken of the same corpus (see `snapshot()`). */
  static fromSnapshot(corpus: Corpus, snapshot: LibrarySnapshot, ranking: RankingOptions = DEFAULT_RANKING): Library {
    if (snapshot.version !== 1) throw new Error('papertalk: unsupported index snapshot version');
    return new Library(corpus, ranking, snapshot);
  }

  snapshot(): LibrarySnapshot {
    return { version: 1, main: JSON.stringify(this.main), titles: JSON.stringify(this.titleIndex), authors: JSON.stringify(this.authorIndex) };
  }

  private *documents(): Generator<IndexedDoc> {
    for (const p of this.corpus.papers) {
      yield {
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
    for (const p of this.corpus.posts) yield { uid: `post:${p.id}`, kind: 'post', id: p.id, title: p.title, body: p.body };
    for (const a of this.corpus.authors) yield { uid: `author:${a.id}`, kind: 'author', id: a.id, name: [a.name, ...a.variants].join(' \n ') };
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
    const terms = queryTerms(query);
    if (!terms.length) return { hits: [], total: 0, expansions: [] };
    const expansions = expandQuery(query, this.acronyms);
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
    const raw = exec.run([terms.join(' '), ...expansions], options);
    // Coverage: a query term counts as matched when it or one of its expansions matched.
    const expansionTerms = expansions.map((e) => new Set(queryTerms(e)));
    const termBits = terms.map((t) => raw.sourceTerms.indexOf(t));
    const expansionBits = expansionTerms.map((set) => [...set].map((t) => raw.sourceTerms.indexOf(t)));
    const minCoverage = terms.length <= 2 ? 1 : r.minCoverage;
    const scores = new Float64Array(raw.n);
    const coverages = new Float64Array(raw.n);
    let best = 0;
    for (let k = 0; k < raw.n; k++) {
      scores[k] = NaN;
      const has = (bit: number) => bit >= 0 && (bit < 32 ? (raw.maskLo[k]! >>> bit) & 1 : (raw.maskHi[k]! >>> (bit - 32)) & 1) === 1;
      let covered = 0;
      for (const b of termBits) if (has(b)) covered++;
      if (expansionBits.some((bits) => bits.length > 0 && bits.every(has))) covered = Math.max(covered, terms.length);
      else if (expansionBits.some((bits) => bits.some(has))) covered = Math.min(terms.length, covered + 1);
      const coverage = covered / terms.length;
      if (coverage < minCoverage || !filter(raw.docs[k]!)) continue;
      const score = raw.scores[k]! * (0.5 + coverage);
      scores[k] = score;
      coverages[k] = coverage;
      if (score > best) best = score;
    }
    // Hits scoring below a fraction of the best are noise; ties broken by id (the same order from a fresh index and from a snapshot).
    const floor = best * r.minRelativeScore;
    let total = 0;
    for (let k = 0; k < raw.n; k++) if (scores[k]! >= floor) total++;
    const idOf = (k: number) => docs.ids[raw.docs[k]!]!;
    const order = topK(raw.n, offset + limit, (a, b) => scores[b]! - scores[a]! || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0), (k) => scores[k]! >= floor);
    const pageHits: Hit[] = order.slice(offset).map((k) => ({ kind: docs.kinds[raw.docs[k]!]!, id: idOf(k), score: scores[k]!, coverage: coverages[k]!, snippet: null }));
    const matchedTerms = new Set([...terms, ...expansionTerms.flatMap((s) => [...s])]);
    for (const k of order.slice(offset)) for (const t of exec.termsOf(raw, raw.docs[k]!)) matchedTerms.add(t);
    for (const h of pageHits) h.snippet = this.snippetFor(h, matchedTerms);
    return { hits: pageHits, total, expansions };
  }

  private readonly executors = new Map<string, QueryExecutor>();

  /** The query executor over one of the MiniSearch indexes (created on first use). */
  private executor(which: 'main' | 'titles' | 'authors'): QueryExecutor {
    let e = this.executors.get(which);
    if (!e) {
      const index = which === 'main' ? this.main : which === 'titles' ? this.titleIndex : this.authorIndex;
      e = new QueryExecutor(index, tokenize, which === 'main' ? processTerm : foldLower);
      this.executors.set(which, e);
    }
    return e;
  }

  private docs: { kinds: DocKind[]; ids: string[] } | null = null;

  /** Short id → kind and record id of the main index's documents (its stored fields, as arrays). */
  private docTable(): { kinds: DocKind[]; ids: string[] } {
    if (this.docs) return this.docs;
    const exec = this.executor('main');
    const kinds: DocKind[] = [];
    const ids: string[] = [];
    for (const [doc, stored] of exec.view.storedFields) {
      kinds[doc] = stored['kind'] as DocKind;
      ids[doc] = stored['id'] as string;
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
    const before = ties === 'order' ? (a: number, b: number) => raw.scores[b]! - raw.scores[a]! || a - b : (a: number, b: number) => raw.scores[b]! - raw.scores[a]! || idOf(a).localeCompare(idOf(b));
    let floor = -Infinity;
    if (minRatio > 0) {
      let top = -Infinity;
      for (let k = 0; k < raw.n; k++) if (raw.scores[k]! > top) top = raw.scores[k]!;
      floor = top * minRatio;
    }
    return topK(raw.n, limit, before, (k) => raw.scores[k]! >= floor).map((k) => ({ id: idOf(k), score: raw.scores[k]! }));
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

  /**
   * Finds one paper by id, exact title or alias, short name (`GPipe`), or a title search whose
   * best hit clearly stands out. Null when nothing matches well enough.
   */
  findPaper(text: string): { paper: Paper; how: 'id' | 'title' | 'short-name' | 'search' } | null {
    const q = text.trim().replace(/^["“'‘]|["”'’?.!]$/g, '').trim();
    if (!q) return null;
    const byId = this.resolvePaperId(q);
    if (byId) return { paper: this.papers.get(byId)!, how: 'id' };
    const exact = this.byTitleKey.get(titleKey(q));
    if (exact) return { paper: this.papers.get(exact)!, how: 'title' };
    const short = this.byShortName.get(titleKey(q));
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
    return this.aliasIds.get(id) ?? null;
  }

  /** Papers whose title words all match (for "did you mean"). */
  closestTitles(text: string, limit = 3): Paper[] {
    return this.best('titles', text, { prefix: () => true, fuzzy: () => 0.3, combineWith: 'OR' }, limit, 'order').map((r) => this.papers.get(r.id)!);
  }

  /** Authors by name: exact spelling variants first, then a fuzzy name search. */
  findAuthors(text: string): Author[] {
    const key = nameKey(text);
    const exact = this.authorsByKey.get(key);
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
    return this.best('authors', text, { fuzzy: () => 0.4, prefix: () => true, combineWith: 'OR' }, limit, 'order').map((r) => this.authors.get(r.id)!);
  }

  postsAbout(paperId: string): Post[] {
    return this.postsByPaper.get(paperId) ?? [];
  }

  /** Papers similar to one: its title and key abstract words as a query, itself excluded. */
  similar(paperId: string, limit = 5): Hit[] {
    const p = this.papers.get(paperId);
    if (!p) return [];
    const terms = [...new Set(queryTerms(`${p.title ?? ''} ${p.title ?? ''} ${p.abstract ?? ''}`))].slice(0, 40);
    const raw = this.executor('main').run([terms.join(' ')], { boost: this.ranking.boost });
    const docs = this.docTable();
    const keep = (k: number) => docs.kinds[raw.docs[k]!] === 'paper' && docs.ids[raw.docs[k]!] !== paperId;
    // By score, ties in MiniSearch's result order.
    return topK(raw.n, limit, (a, b) => raw.scores[b]! - raw.scores[a]! || a - b, keep).map((k) => ({ kind: 'paper' as const, id: docs.ids[raw.docs[k]!]!, score: raw.scores[k]!, coverage: 1, snippet: null }));
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

  /** Papers of an author, newest first. */
  papersOf(authorId: string): Paper[] {
    const a = this.authors.get(authorId);
    return (a?.paperIds ?? []).map((id) => this.papers.get(id)!).filter(Boolean).sort(byDateDesc);
  }

  latest(limit = 10, filter: (p: Paper) => boolean = () => true): Paper[] {
    return this.corpus.papers.filter(filter).sort(byDateDesc).slice(0, limit);
  }

  /** All category codes the corpus knows with readable names. */
  categoryList(): { code: string; name: string; count: number }[] {
    return this.categories.map((code) => ({ code, name: CATEGORY_NAMES.get(code) ?? code, count: this.corpus.papers.filter((p) => p.category === code).length }));
  }
}

/** Prefix expansion for the word being typed (the last), once it has two characters. */
function lastTermPrefix(term: string, i: number, all: string[]): boolean {
  return i === all.length - 1 && term.length >= 2;
}

export function byDateDesc(a: Paper, b: Paper): number {
  return (b.date ?? '').localeCompare(a.date ?? '') || (a.title ?? '').localeCompare(b.title ?? '');
}
