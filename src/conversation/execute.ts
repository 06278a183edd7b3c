/**
 * Frame → result sets, with no text in it: the papers a frame's filters select (authors all-of /
 * any-of / none-of, period, category, venue, organisation, code, excluded topic, previous
 * results), ranked by relevance to its topic or by date, and the aggregates over them.
 */
import type { Paper } from '../corpus/schema.ts';
import { byDateDesc, type Hit, type Library } from '../search/library.ts';
import { topK } from '../search/select.ts';
import { queryTerms } from '../search/terms.ts';
import { inPeriod } from './understand/dates.ts';
import type { Frame, GroupBy } from './types.ts';

export interface Selection {
  /** One page of papers, best first. */
  papers: Paper[];
  /** How many papers match in all. */
  total: number;
  /** Search hits of the page (snippets), when there was a topic. */
  hits: Hit[];
  expansions: string[];
  /** Papers that match only part of the topic (offered, not answered). */
  partial?: Paper[];
  /** The topic as searched, when misspelt words were corrected. */
  corrected?: string;
}

/**
 * Newest first, as `byDateDesc` orders them, with the dates compared as plain strings (ISO dates
 * order the same way under both, and `localeCompare` dominates the cost of ordering thousands of
 * papers); titles still break ties by `localeCompare`.
 */
function newestFirst(a: Paper, b: Paper): number {
  const x = a.date ?? '';
  const y = b.date ?? '';
  return x === y ? byDateDesc(a, b) : x > y ? -1 : 1;
}

function oldestFirst(a: Paper, b: Paper): number {
  return newestFirst(b, a);
}

/** The first `limit` papers in `order` (all of them, sorted, when `limit` is infinite), without sorting the rest. */
function firstInOrder(papers: Paper[], order: (a: Paper, b: Paper) => number, limit: number): Paper[] {
  if (!Number.isFinite(limit)) return papers.sort(order);
  return topK(papers.length, limit, (a, b) => order(papers[a]!, papers[b]!) || a - b).map((i) => papers[i]!);
}

/** Names each author id stands for (namesakes and one person's records compare by name). */
function nameGroups(ids: readonly string[], lib: Library): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const id of ids) {
    const name = lib.authors.get(id)?.name ?? id;
    const set = groups.get(name) ?? new Set();
    set.add(id);
    groups.set(name, set);
  }
  return groups;
}

/** A predicate for every filter except the topic; null when there is none. */
export function paperFilter(frame: Frame, lib: Library): ((p: Paper) => boolean) | null {
  const tests: ((p: Paper) => boolean)[] = [];
  if (frame.authors?.length) {
    const groups = [...nameGroups(frame.authors, lib).values()];
    if (frame.authorMode === 'all' && groups.length > 1) tests.push((p) => groups.every((g) => p.authorIds.some((id) => g.has(id))));
    else {
      const any = new Set(frame.authors);
      tests.push((p) => p.authorIds.some((id) => any.has(id)));
    }
  }
  if (frame.excludeAuthors?.length) {
    const none = new Set(frame.excludeAuthors);
    tests.push((p) => !p.authorIds.some((id) => none.has(id)));
  }
  if (frame.year !== undefined) tests.push((p) => p.year === frame.year);
  if (frame.from || frame.to) {
    const period = { from: frame.from, to: frame.to };
    tests.push((p) => inPeriod(p.date, period));
  }
  if (frame.category) tests.push((p) => p.category === frame.category);
  if (frame.categories?.length) {
    const cats = new Set(frame.categories);
    tests.push((p) => !!p.category && cats.has(p.category));
  }
  if (frame.excludeCategory) tests.push((p) => p.category !== frame.excludeCategory);
  if (frame.excludePeriod) {
    const period = frame.excludePeriod;
    tests.push((p) => !inPeriod(p.date, period));
  }
  if (frame.venue) {
    const v = frame.venue.toLowerCase();
    tests.push((p) => !!p.venue && p.venue.toLowerCase().includes(v));
  }
  if (frame.org) tests.push((p) => p.orgs.includes(frame.org!));
  if (frame.hasCode !== undefined) tests.push((p) => p.hasCode === frame.hasCode);
  if (frame.within) {
    const w = new Set(frame.within);
    tests.push((p) => w.has(p.id));
  }
  if (!tests.length) return null;
  return (p) => tests.every((t) => t(p));
}

/** Candidate papers before the topic: by the authors' lists when there are authors (small), else all. */
function pool(frame: Frame, lib: Library): Iterable<Paper> {
  if (frame.authors?.length && frame.authorMode !== 'all') {
    const ids = new Set(frame.authors.flatMap((id) => lib.authors.get(id)?.paperIds ?? []));
    return [...ids].map((id) => lib.papers.get(id)!).filter(Boolean);
  }
  if (frame.authors?.length) {
    const first = frame.authors.filter((id) => lib.authors.get(id)?.name === lib.authors.get(frame.authors![0]!)?.name);
    const ids = new Set(first.flatMap((id) => lib.authors.get(id)?.paperIds ?? []));
    return [...ids].map((id) => lib.papers.get(id)!).filter(Boolean);
  }
  if (frame.within) return frame.within.map((id) => lib.papers.get(id)!).filter(Boolean);
  return lib.corpus.papers;
}

/** True when every filter is one the search index applies itself (year, category, one author). */
function nativeOnly(f: Frame): boolean {
  return !f.excludeAuthors?.length && !f.categories?.length && !f.from && !f.to && !f.venue && !f.org && f.hasCode === undefined && !f.within && !f.excludeCategory && !f.excludePeriod && (f.authors?.length ?? 0) <= 1;
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), small words only. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** A slip of the keyboard rather than another word: one edit (or swap) in 6+ letters, two in 9+. */
function likelyTypo(typed: string, word: string, length = typed.length): boolean {
  const d = editDistance(typed, word);
  return (d === 1 && length >= 6) || (d === 2 && length >= 9);
}

/**
 * A topic with its misspelt words corrected ("mixtrue of experts" → "mixture of experts"): a word
 * the corpus never uses becomes the most frequent indexed word within two edits that keeps its
 * first letter and length (±1). Words with no such neighbour stay (and then match nothing).
 */
export function correctTopic(topic: string, lib: Library): string {
  // Memoised per library: a turn asks for the same topic several times (readings, checks, the answer).
  let memo = corrections.get(lib);
  if (!memo) corrections.set(lib, (memo = new Map()));
  const hit = memo.get(topic);
  if (hit !== undefined) return hit;
  const fixed = correctNow(topic, lib);
  memo.set(topic, fixed);
  if (memo.size > 1024) memo.delete(memo.keys().next().value as string);
  return fixed;
}

const corrections = new WeakMap<Library, Map<string, string>>();

function correctNow(topic: string, lib: Library): string {
  return topic.replace(/[\p{L}\p{N}]+/gu, (word) => {
    const terms = queryTerms(word);
    if (terms.length !== 1) return word;
    const t = terms[0]!;
    if (word.length < 6 || lib.documentFrequency(t) > 0) return word;
    const best = lib.spellings(t, 0.34)
      .filter((x) => x !== t && x[0] === t[0] && Math.abs(x.length - t.length) <= 1 && likelyTypo(t, x, word.length))
      .map((x) => ({ x, df: lib.documentFrequency(x) }))
      .sort((a, b) => b.df - a.df || a.x.localeCompare(b.x))[0];
    return best ? best.x : word;
  });
}

/**
 * Whether a frame's lead paper may lead its listing: it passes the filters, except that a fact its
 * record does not give (no organisation, no venue) does not rule it out.
 */
function leads(frame: Frame, lib: Library): boolean {
  const p = lib.papers.get(frame.lead ?? '');
  if (!p) return false;
  const { org, venue, ...rest } = frame;
  const keep = paperFilter(rest, lib);
  if (keep && !keep(p)) return false;
  if (org && p.orgs.length && !p.orgs.includes(org)) return false;
  if (venue && p.venue && !p.venue.toLowerCase().includes(venue.toLowerCase())) return false;
  if (frame.excludeTopic && lib.search(frame.excludeTopic, { kinds: ['paper'], within: new Set([p.id]) }, { limit: 1 }).hits.length) return false;
  return true;
}

/** The author of a frame that asks for one author's papers, newest first, and nothing else. */
function onlyOneAuthor(frame: Frame, lib: Library): string | null {
  if (frame.topic || frame.excludeTopic || frame.sort === 'oldest' || frame.authors?.length !== 1) return null;
  const { authors, authorMode: _mode, ...rest } = frame;
  return paperFilter(rest, lib) ? null : authors[0]!;
}

/** The papers a frame selects; `limit` per page (Infinity for aggregates). */
export function selectPapers(frame: Frame, lib: Library, limit: number): Selection {
  const one = onlyOneAuthor(frame, lib);
  if (one) {
    // The library keeps each author's papers sorted, newest first: no set to build, nothing to sort.
    const papers = lib.papersOf(one);
    return { papers: Number.isFinite(limit) ? papers.slice(0, limit) : papers, total: papers.length, hits: [], expansions: [] };
  }
  const filter = paperFilter(frame, lib);
  let set: Set<string> | undefined;
  if (filter && !(frame.topic && nativeOnly(frame) && !frame.excludeTopic)) {
    set = new Set();
    for (const p of pool(frame, lib)) if (filter(p)) set.add(p.id);
  }
  if (frame.excludeTopic) {
    const out = lib.search(frame.excludeTopic, { kinds: ['paper'], ...(set ? { within: set } : {}) }, { limit: set?.size ?? lib.papers.size }).hits;
    const drop = new Set(out.map((h) => h.id));
    set = new Set([...(set ?? lib.corpus.papers.map((p) => p.id))].filter((id) => !drop.has(id)));
  }
  const sort = frame.sort === 'oldest' ? oldestFirst : newestFirst;
  if (frame.topic) {
    const original = frame.topic;
    const fixed = correctTopic(frame.topic, lib);
    if (fixed !== frame.topic) frame = { ...frame, topic: fixed };
    const sorted = !!frame.sort || !Number.isFinite(limit);
    // Year, category and one author are filters the index applies itself: no set of ids to build.
    const native = nativeOnly(frame) && !frame.excludeTopic;
    const filters = native
      ? { kinds: ['paper' as const], ...(frame.year !== undefined ? { year: frame.year } : {}), ...(frame.category ? { category: frame.category } : {}), ...(frame.authors?.length === 1 ? { authorId: frame.authors[0]! } : {}) }
      : { kinds: ['paper' as const], ...(set ? { within: set } : {}) };
    const res = lib.search(frame.topic!, filters, { limit: sorted ? Math.min(Math.max(500, Number.isFinite(limit) ? limit : 0), lib.papers.size) : limit });
    // Precision: when no paper matches more than half of a several-word topic ("federated learning"
    // matching only "learning"), nothing matches; the partial matches are only suggestions.
    const terms = queryTerms(frame.topic!);
    const best = res.hits.reduce((m, h) => Math.max(m, h.coverage), 0);
    // Words the corpus never uses count as unmatched (the index only ever matches them loosely).
    // Words the corpus never uses (after typo correction) match nothing, however loosely the index matches them.
    const distinct = [...new Set(terms)];
    const unknown = distinct.length ? distinct.filter((t) => lib.documentFrequency(t) === 0).length / distinct.length : 0;
    if (terms.length >= 2 && (best <= 0.5 || unknown >= 0.5) && !(frame.lead && !frame.sort && leads(frame, lib))) return { papers: [], total: 0, hits: [], expansions: res.expansions, partial: res.hits.map((h) => lib.papers.get(h.id)!).filter(Boolean) };
    let papers = res.hits.map((h) => lib.papers.get(h.id)!).filter(Boolean);
    if (frame.sort) papers = papers.sort(sort);
    else if (frame.lead && leads(frame, lib)) {
      // The words describe one paper: it comes first, whatever its rank.
      papers = [lib.papers.get(frame.lead)!, ...papers.filter((p) => p.id !== frame.lead)];
    }
    return { papers: Number.isFinite(limit) ? papers.slice(0, limit) : papers, total: Math.max(res.total, papers.length), hits: frame.sort ? [] : res.hits, expansions: res.expansions, ...(fixed !== original ? { corrected: fixed } : {}) };
  }
  if (!set) {
    if (frame.sort !== 'oldest' && Number.isFinite(limit)) return { papers: lib.latest(limit), total: lib.papers.size, hits: [], expansions: [] };
    return { papers: firstInOrder([...lib.corpus.papers], sort, limit), total: lib.papers.size, hits: [], expansions: [] };
  }
  const papers = [...set].map((id) => lib.papers.get(id)!).filter(Boolean);
  return { papers: firstInOrder(papers, sort, limit), total: papers.length, hits: [], expansions: [] };
}

export interface Group {
  key: string;
  label: string;
  count: number;
}

/** Papers grouped by a dimension, largest first (years: in order). */
export function groupPapers(papers: readonly Paper[], by: GroupBy, lib: Library): Group[] {
  const counts = new Map<string, { label: string; count: number }>();
  const bump = (key: string, label: string) => {
    const g = counts.get(key) ?? { label, count: 0 };
    g.count++;
    counts.set(key, g);
  };
  for (const p of papers) {
    switch (by) {
      case 'year':
        bump(p.year === null ? 'unknown' : String(p.year), p.year === null ? 'date unknown' : String(p.year));
        break;
      case 'category':
        if (p.category) bump(p.category, `${p.categoryName ?? p.category} (${p.category})`);
        break;
      case 'venue':
        if (p.venue) bump(venueName(p.venue), venueName(p.venue));
        break;
      case 'org':
        for (const o of p.orgs) bump(o, o);
        break;
      case 'author':
        p.authorIds.forEach((id) => bump(id, lib.authors.get(id)?.name ?? id));
        break;
    }
  }
  const out = [...counts.entries()].map(([key, v]) => ({ key, label: v.label, count: v.count }));
  if (by === 'year') return out.sort((a, b) => a.key.localeCompare(b.key));
  return out.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/** A venue's short name: "ICLR 2021 (to appear)" → "ICLR", "… (OSDI 22) …" → "OSDI". */
export function venueName(venue: string): string {
  const acr = /\b(ICLR|ICML|NeurIPS|OSDI|ICASSP|ACL|EMNLP|CVPR|ICCV|ECCV|AAAI|IJCAI|KDD|SIGIR|Interspeech|INTERSPEECH)\b/.exec(venue)?.[1];
  if (acr) return acr;
  if (/arxiv/i.test(venue)) return 'arXiv';
  return venue.split(/[,(]/)[0]!.trim();
}
