/**
 * Paged result lists (`/search`, `/topic`): the query (stored in the kv table so that Prev/Next
 * keep working after a restart) and its evaluation against the library. Pure; pages are cached
 * per library (a reload builds a new one), since the same queries and Prev/Next clicks repeat.
 */
import { resolveCategory } from '../corpus/categories.ts';
import type { Paper } from '../corpus/schema.ts';
import { byDateDesc, type Library, type SearchFilters } from '../search/library.ts';
import type { Snippet } from '../search/snippet.ts';

export const PAGE_SIZE = 5;

export interface ListQuery {
  mode: 'search' | 'topic';
  /** Query text (search) or topic / category as typed (topic). */
  q: string;
  category?: string;
  year?: number;
  /** Author ids (several when a name is shared by different people). */
  authorIds?: string[];
  kind: 'papers' | 'posts' | 'all';
}

export interface ListItem {
  kind: 'paper' | 'post';
  id: string;
  snippet: Snippet | null;
}

export interface ListPage {
  items: ListItem[];
  total: number;
  page: number;
  pages: number;
  /** Acronym expansions searched too (search mode). */
  expansions: string[];
  /** Set when a topic named a category. */
  category: string | null;
}

function kinds(kind: ListQuery['kind']): ('paper' | 'post')[] {
  return kind === 'posts' ? ['post'] : kind === 'all' ? ['paper', 'post'] : ['paper'];
}

function filtersOf(q: ListQuery, lib: Library): SearchFilters {
  const f: SearchFilters = { kinds: kinds(q.kind) };
  if (q.category) f.category = q.category;
  if (q.year !== undefined) f.year = q.year;
  if (q.authorIds?.length === 1) f.authorId = q.authorIds[0]!;
  else if (q.authorIds && q.authorIds.length > 1) f.within = new Set(q.authorIds.flatMap((id) => lib.authors.get(id)?.paperIds ?? []));
  return f;
}

/** Pages kept per library (least recently used dropped first). */
const CACHE_SIZE = 500;
const caches = new WeakMap<Library, Map<string, ListPage>>();

/** Evaluates one page of a list (page is clamped into range). The result is shared: don't mutate it. */
export function listPage(q: ListQuery, lib: Library, page: number): ListPage {
  let cache = caches.get(lib);
  if (!cache) caches.set(lib, (cache = new Map()));
  const key = JSON.stringify([q.mode, q.q, q.category ?? null, q.year ?? null, q.authorIds ?? null, q.kind, page]);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const result = evaluatePage(q, lib, page);
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return result;
}

function evaluatePage(q: ListQuery, lib: Library, page: number): ListPage {
  if (q.mode === 'search') {
    const first = lib.search(q.q, filtersOf(q, lib), { limit: PAGE_SIZE, offset: 0 });
    const pages = Math.max(1, Math.ceil(first.total / PAGE_SIZE));
    const p = Math.min(Math.max(0, page), pages - 1);
    const res = p === 0 ? first : lib.search(q.q, filtersOf(q, lib), { limit: PAGE_SIZE, offset: p * PAGE_SIZE });
    return { items: res.hits.filter((h) => h.kind !== 'author').map((h) => ({ kind: h.kind as 'paper' | 'post', id: h.id, snippet: h.snippet })), total: res.total, page: p, pages, expansions: res.expansions, category: null };
  }
  // Topic: a category (code or name) → its papers newest first, then posts naming it; else a free topic.
  const category = topicCategory(q, lib);
  const items: ListItem[] = [];
  let expansions: string[] = [];
  if (q.kind !== 'posts') {
    const papers = topicPaperItems(q, lib, category, q.year);
    items.push(...papers.items);
    expansions = papers.expansions;
  }
  if (q.kind !== 'papers') {
    const query = category ? (lib.suggestCategories(category, 1)[0]?.name ?? category) : q.q;
    for (const h of lib.search(query, { kinds: ['post'] }, { limit: 50 }).hits) items.push({ kind: 'post', id: h.id, snippet: h.snippet });
  }
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), total: items.length, page: p, pages, expansions, category };
}

/** The category a topic names (a code or name the library knows), or null for a free topic. */
export function topicCategory(q: ListQuery, lib: Library): string | null {
  const category = q.category ?? resolveCategory(q.q, lib.categories);
  return category && lib.categories.includes(category) ? category : null;
}

/** A topic's papers newest first: a category's papers, or a free topic's matches with their snippets. */
function topicPaperItems(q: ListQuery, lib: Library, category: string | null, year: number | undefined): { items: ListItem[]; expansions: string[] } {
  if (category) {
    const papers = lib.latest(1_000_000, (x) => x.category === category && (year === undefined || x.year === year));
    return { items: papers.map((p) => ({ kind: 'paper', id: p.id, snippet: null })), expansions: [] };
  }
  const res = lib.search(q.q, { kinds: ['paper'], ...(year !== undefined ? { year } : {}) }, { limit: 1000 });
  const snippets = new Map(res.hits.map((h) => [h.id, h.snippet]));
  const papers = res.hits.map((h) => lib.papers.get(h.id)!).filter(Boolean).sort(byDateDesc);
  return { items: papers.map((p) => ({ kind: 'paper', id: p.id, snippet: snippets.get(p.id) ?? null })), expansions: res.expansions };
}

/** Every paper of a topic, whatever the list's year filter (what its papers-per-year chart counts). */
export function topicPapers(q: ListQuery, lib: Library): Paper[] {
  return topicPaperItems(q, lib, topicCategory(q, lib), undefined).items.map((it) => lib.papers.get(it.id)!);
}
