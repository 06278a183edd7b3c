/**
 * The merger: many source records → one deduplicated corpus of papers, authors and posts.
 *
 * Papers are grouped first by identity — records sharing a DOI or an arXiv id (version stripped)
 * are one paper whatever their titles — then when their titles match up to case, punctuation and
 * diacritics (never joining two different arXiv ids: two submissions are two papers, while two
 * DOIs may be a preprint and its published version), or when their abstracts are near-identical
 * (a paper listed under an earlier title keeps that title as an alias). Entries without a title
 * join the paper whose abstract they share; one that matches nothing stays untitled. Authors are
 * merged across spelling variants by `nameKey`, and within one paper a shorter form that is a
 * prefix of a fuller one (`Daniel De Freitas` / `Daniel De Freitas Adiwardana`) is the same
 * person. Ids are derived from content only, and records are merged in an order given by their
 * content, so the same records give the same corpus whatever the file names or the order the
 * files were read in.
 *
 * Nothing here is quadratic in the corpus: grouping goes through title keys and blocked
 * abstract shingles, author lists through key/prefix indexes, homonym checks per name.
 */
import { categoryName } from './categories.ts';
import { ContentWordIds, splitHomonyms, type PaperKeyIds } from './homonyms.ts';
import { arxivIdFromDoi, identityKeys } from './identity.ts';
import type { Author, AuthorProfile, Corpus, LoadIssue, Paper, Post, RawPaper, RawPost } from './schema.ts';
import { similarTexts, type SimilarIndexOut, type SimilarPair } from './similar.ts';
import { nameKey, shortHash, slug, titleKey } from './text.ts';
import { UnionFind } from './unionFind.ts';

export interface MergeInput {
  papers: RawPaper[];
  posts: RawPost[];
  profiles: AuthorProfile[];
}

export interface MergeOptions {
  /**
   * Containment of abstract shingles (word 3-grams) above which two entries are one paper.
   * Measured on the shipped corpus: the same paper under an earlier abstract scores 0.47,
   * the closest two different papers 0.13.
   */
  abstractThreshold?: number;
}

export interface MergeResult {
  corpus: Corpus;
  issues: LoadIssue[];
}

function mostCommon<T>(items: T[], key: (t: T) => string = String): T | undefined {
  const counts = new Map<string, { item: T; n: number; first: number }>();
  items.forEach((item, idx) => {
    const k = key(item);
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { item, n: 1, first: idx });
  });
  let best: { item: T; n: number; first: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n || (c.n === best.n && c.first < best.first)) best = c;
  return best?.item;
}

/** Same person within one paper's author lists: equal keys, or one a prefix of the other. */
export function samePersonInPaper(a: string, b: string): boolean {
  const ka = nameKey(a);
  const kb = nameKey(b);
  if (ka === kb) return true;
  const ta = ka.split(' ');
  const tb = kb.split(' ');
  const [short, long] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  if (short.length < 2 || short.length === long.length) return false;
  return short.every((t, i) => long[i] === t);
}

interface MergedAuthors {
  names: string[];
  truncated: boolean;
  /** Pairs of spellings found to be one person in this paper. */
  links: [string, string][];
}

/**
 * Merges the author lists of one paper's source records; order from the most authoritative.
 * A name joins the first kept name it is `samePersonInPaper` with, except that the prefix rule
 * never joins two names of the same list (one list naming `Wei Li` and `Wei Li Chen` names two
 * people). Kept names are found through key and prefix indexes, not by scanning: linear in the
 * number of names, so a paper with thousands of authors costs no more than its lists.
 */
export function mergeAuthorLists(raws: readonly RawPaper[], keyOf: (name: string) => string = nameKey): MergedAuthors {
  const links: [string, string][] = [];
  // Truncated lists show the true leading order; complete lists are authoritative for the rest.
  const ordered = [...raws].sort((x, y) => Number(y.authorsTruncated) - Number(x.authorsTruncated) || y.authors.length - x.authors.length);
  const names: string[] = [];
  /** Name key of each kept name → its index. */
  const byKey = new Map<string, number>();
  /** Every proper prefix (two tokens or more) of a kept name's key → the lowest such index. */
  const byPrefix = new Map<string, number>();
  const index = (key: string, idx: number) => {
    byKey.set(key, idx);
    const tokens = key.split(' ');
    for (let n = 2; n < tokens.length; n++) {
      const prefix = tokens.slice(0, n).join(' ');
      const known = byPrefix.get(prefix);
      if (known === undefined || idx < known) byPrefix.set(prefix, idx);
    }
  };
  /** Per kept name, the last list that contributed a name to it. */
  const touchedBy: number[] = [];
  const match = (key: string, list: number): number => {
    let best = byKey.get(key) ?? -1;
    const consider = (idx: number | undefined) => {
      if (idx !== undefined && touchedBy[idx] !== list && (best < 0 || idx < best)) best = idx;
    };
    const tokens = key.split(' ');
    if (tokens.length >= 2) consider(byPrefix.get(key)); // a kept fuller form of this name
    for (let n = 2; n < tokens.length; n++) consider(byKey.get(tokens.slice(0, n).join(' '))); // a kept shorter form
    return best;
  };
  const add = (name: string, list: number) => {
    const key = keyOf(name);
    const idx = match(key, list);
    if (idx < 0) {
      index(key, names.length);
      touchedBy.push(list);
      names.push(name);
      return;
    }
    touchedBy[idx] = list;
    const existing = names[idx]!;
    if (existing === name) return;
    links.push([existing, name]);
    const existingKey = keyOf(existing);
    if (key.length > existingKey.length) {
      names[idx] = name;
      if (byKey.get(existingKey) === idx) byKey.delete(existingKey);
      index(key, idx);
    }
  };
  ordered.forEach((raw, list) => {
    for (const a of raw.authors) add(a, list);
  });
  // The page owner is matched like a name of a list of its own.
  raws.forEach((raw, r) => {
    if (raw.pageOwner) add(raw.pageOwner, ordered.length + r);
  });
  const truncated = raws.every((r) => r.authorsTruncated);
  return { names, truncated, links };
}

function chooseDate(raws: readonly RawPaper[]): string | null {
  const full = raws.map((r) => r.date).filter((d): d is string => !!d && d.length === 10);
  if (full.length) return mostCommon(full)!;
  return mostCommon(raws.map((r) => r.date).filter((d): d is string => !!d)) ?? null;
}

export function paperId(title: string | null, abstract: string | null): string {
  if (title) return `${slug(title)}-${shortHash(titleKey(title))}`;
  return `untitled-${shortHash(abstract ?? '')}`;
}

/** `nameKey` memoised for one merge (names repeat across records and papers). */
function memoNameKey(): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let key = cache.get(name);
    if (key === undefined) {
      key = nameKey(name);
      cache.set(name, key);
    }
    return key;
  };
}

/** Plain code-unit comparison (locale-independent). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A record's content as one string: the first part of the canonical order of records. */
export function canonicalKey(r: RawPaper): string {
  return [
    titleKey(r.title ?? ''), r.title ?? '', r.abstract ?? '', r.authors.join('\u0001'), r.date ?? '', r.category ?? '',
    r.venue ?? '', r.orgs.join('\u0001'), String(r.hasCode), String(r.authorsTruncated), r.pageOwner ?? '',
    r.doi ?? '', r.arxivId ?? '',
  ].join('\u0000');
}

/** The canonical order of records given with their `canonicalKey`s. */
export function compareCanonical(x: { key: string; r: RawPaper }, y: { key: string; r: RawPaper }): number {
  return compareStrings(x.key, y.key) || compareStrings(x.r.source, y.r.source) || x.r.line - y.r.line;
}

/**
 * The records in an order given by their content alone, so that every tie-break below ("the
 * first one seen") and therefore every id and chosen spelling is the same whatever the file
 * names or the order the files were read in. File name and line only order records that are
 * otherwise identical (and then give the same result either way).
 */
export function canonicalPapers(raws: readonly RawPaper[]): RawPaper[] {
  const keyed = raws.map((r) => ({ r, key: canonicalKey(r) }));
  keyed.sort(compareCanonical);
  return keyed.map((k) => k.r);
}

/** Containment of abstract shingles above which two entries are one paper (see `MergeOptions`). */
export const ABSTRACT_THRESHOLD = 0.35;

/**
 * Groups records (in canonical order) into papers: by identity, then title, then abstract
 * (`pairs`: `similarTexts` of their abstracts, in its order). Groups come in the order of their
 * first record, each in canonical order. Which records end up together depends only on the
 * records linked to them by a shared identity key, title key or abstract pair.
 */
export function groupRecords(raws: readonly RawPaper[], pairs: readonly SimilarPair[]): number[][] {
  const uf = new UnionFind(raws.length);
  // 1. Same DOI or arXiv id: one paper, whatever its titles.
  const byIdentity = new Map<string, number>();
  raws.forEach((r, i) => {
    for (const key of identityKeys(r)) {
      const first = byIdentity.get(key);
      if (first === undefined) byIdentity.set(key, i);
      else uf.union(first, i);
    }
  });
  // The arXiv ids of each group so far (by root; only groups that have one).
  const arxivIds = new Map<number, Set<string>>();
  raws.forEach((r, i) => {
    if (!r.arxivId) return;
    const root = uf.find(i);
    const ids = arxivIds.get(root);
    if (ids) ids.add(r.arxivId);
    else arxivIds.set(root, new Set([r.arxivId]));
  });
  /** Two groups that each have arXiv ids, none in common: two submissions, two papers. */
  const differentSubmissions = (a: number, b: number): boolean => {
    const x = arxivIds.get(uf.find(a));
    const y = arxivIds.get(uf.find(b));
    if (!x || !y) return false;
    for (const id of x) if (y.has(id)) return false;
    return true;
  };
  const join = (a: number, b: number): void => {
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb) return;
    uf.union(ra, rb);
    const root = uf.find(ra);
    const other = root === ra ? rb : ra;
    const moved = arxivIds.get(other);
    if (!moved) return;
    arxivIds.delete(other);
    const kept = arxivIds.get(root);
    if (kept) for (const id of moved) kept.add(id);
    else arxivIds.set(root, moved);
  };

  // 2. Same title (case, punctuation, diacritics aside), unless that joins two submissions.
  /** Title key → the first record of each group the title was found in (one, but for namesakes). */
  const byTitle = new Map<string, number[]>();
  raws.forEach((r, i) => {
    if (!r.title) return;
    const k = titleKey(r.title);
    const heads = byTitle.get(k);
    if (!heads) {
      byTitle.set(k, [i]);
      return;
    }
    const head = heads.find((h) => !differentSubmissions(h, i));
    if (head === undefined) heads.push(i);
    else join(head, i);
  });

  // 3. Same abstract: untitled entries and papers listed under another title.
  // An untitled entry joins only the entry its abstract is closest to: one abstract-only entry
  // must not bridge two different papers whose abstracts it happens to resemble.
  const bestOfUntitled = new Map<number, SimilarPair>();
  for (const pair of pairs) {
    const untitled = [pair.a, pair.b].filter((i) => !raws[i]!.title);
    if (!untitled.length) {
      uf.union(pair.a, pair.b);
      continue;
    }
    for (const u of untitled) {
      const best = bestOfUntitled.get(u);
      if (!best || pair.score > best.score) bestOfUntitled.set(u, pair);
    }
  }
  for (const pair of bestOfUntitled.values()) uf.union(pair.a, pair.b);
  return uf.groups();
}

/** One paper drafted from its group of records (authors as merged spellings; ids not yet given). */
export interface PaperDraft {
  /** Its `id` is `baseId` until `mergeCorpus` (or the incremental merge) settles collisions. */
  paper: Paper;
  /** The id the paper wants (`paperId` of its title and abstract). */
  baseId: string;
  /** The merged author spellings (the paper's `authors` before display names replace them). */
  names: string[];
  links: [string, string][];
  /** Name keys its records list explicitly (not as page owner). */
  explicit: Set<string>;
  issues: LoadIssue[];
}

/** The paper of one group of records (in canonical order). */
export function draftPaper(group: readonly RawPaper[], keyOf: (name: string) => string): PaperDraft {
  const issues: LoadIssue[] = [];
  const titled = group.filter((r) => r.title);
  const title = mostCommon(titled.map((r) => r.title!), titleKey) ?? null;
  // Prefer the spelling seen most often among the title's case variants.
  const spelling = title ? mostCommon(titled.map((r) => r.title!).filter((t) => titleKey(t) === titleKey(title))) ?? title : null;
  const aliases = [...new Set(titled.map((r) => r.title!).filter((t) => titleKey(t) !== titleKey(spelling ?? '')))];
  const dedupAliases = aliases.filter((t, i) => aliases.findIndex((u) => titleKey(u) === titleKey(t)) === i);
  // The fullest abstract, but not one full of LaTeX markup when a clean one exists.
  const abstractScore = (a: string) => a.length - (/\\[a-z]+/i.test(a) ? 1e6 : 0);
  const abstract = group.map((r) => r.abstract).filter((a): a is string => !!a).sort((a, b) => abstractScore(b) - abstractScore(a))[0] ?? null;
  const authors = mergeAuthorLists(group, keyOf);
  const date = chooseDate(group);
  const category = mostCommon(group.map((r) => r.category).filter((c): c is string => !!c)) ?? null;
  // The published version's DOI before the arXiv-issued one (10.48550/arXiv.…).
  const dois = group.map((r) => r.doi).filter((d): d is string => !!d);
  const doi = mostCommon(dois.filter((d) => !arxivIdFromDoi(d))) ?? mostCommon(dois);
  const arxivId = mostCommon(group.map((r) => r.arxivId).filter((a): a is string => !!a));
  const id = paperId(spelling, abstract);
  if (!spelling) {
    for (const r of group) issues.push({ level: 'warn', file: r.source, line: r.line, message: 'untitled entry matches no other source; kept untitled' });
  } else {
    for (const r of group.filter((g) => !g.title)) {
      issues.push({ level: 'warn', file: r.source, line: r.line, message: `untitled entry recovered as "${spelling}" by its abstract` });
    }
  }
  const paper: Paper = {
    id,
    title: spelling,
    aliases: dedupAliases,
    authors: authors.names,
    date,
    category,
    venue: mostCommon(group.map((r) => r.venue).filter((v): v is string => !!v)) ?? null,
    orgs: [...new Set(group.flatMap((r) => r.orgs))],
    hasCode: group.some((r) => r.hasCode),
    abstract,
    sources: [...new Set(group.map((r) => r.source))].sort(),
    categoryName: categoryName(category),
    authorsTruncated: authors.truncated,
    authorIds: [],
    year: date ? Number(date.slice(0, 4)) : null,
    ...(doi ? { doi } : {}),
    ...(arxivId ? { arxivId } : {}),
  };
  return { paper, baseId: id, names: authors.names, links: authors.links, explicit: new Set(group.flatMap((r) => r.authors.map(keyOf))), issues };
}

/** The order of papers in a corpus: newest first, then by id. */
export function comparePapers(a: Paper, b: Paper): number {
  return (b.date ?? '').localeCompare(a.date ?? '') || a.id.localeCompare(b.id);
}

/** The order of authors in a corpus: most papers first, then by name and id. */
export function compareAuthors(a: Author, b: Author): number {
  return b.paperIds.length - a.paperIds.length || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/** The profiles in their canonical order (a later one of the same name key wins). */
export function sortedProfiles(profiles: readonly AuthorProfile[]): AuthorProfile[] {
  return [...profiles].sort((x, y) => compareStrings(JSON.stringify(x), JSON.stringify(y)));
}

/** Profile by name key (the last of the canonical order wins). */
export function profilesByKey(sorted: readonly AuthorProfile[]): Map<string, AuthorProfile> {
  return new Map(sorted.map((pr) => [nameKey(pr.name), pr]));
}

/** A free paper id: the first group of a shared title gets it plain, the next ones a suffix. */
export function freePaperId(wanted: string, used: ReadonlySet<string>): string {
  let id = wanted;
  while (used.has(id)) id = `${id}-${shortHash(id, 3)}`;
  return id;
}

/**
 * What the incremental merge (incrementalMerge.ts) takes over from a full merge: the records in
 * canonical order, their abstract pairs, the groups and drafts, and the people.
 */
export interface MergeTrace {
  raws: RawPaper[];
  pairs: SimilarPair[];
  groups: number[][];
  drafts: PaperDraft[];
  people: PersonResult[];
  /** The numberings of name keys and spellings the homonym split used, and each paper's ids in them (`PersonContext.keyIds`). */
  keyIds: { ids: Map<string, number>; spellings: Map<string, number>; of: Map<Paper, PaperKeyIds> };
  /** The content words the homonym split read (of the people it had lone papers to place). */
  words: ContentWordIds;
  /** The inverted index of abstract shingles `similarTexts` built (see `SimilarIndexOut`). */
  shingles: SimilarIndexOut;
}

export function mergeCorpus(input: MergeInput, options: MergeOptions = {}, trace?: (t: MergeTrace) => void): MergeResult {
  const issues: LoadIssue[] = [];
  const raws = canonicalPapers(input.papers);
  const keyOf = memoNameKey();
  const index: SimilarIndexOut = {};
  const pairs = similarTexts(raws.map((r) => r.abstract), { threshold: options.abstractThreshold ?? ABSTRACT_THRESHOLD }, trace ? index : undefined);
  const groups = groupRecords(raws, pairs);
  const papers: Paper[] = [];
  const drafts: PaperDraft[] = [];
  const allLinks: [string, string][] = [];
  const usedIds = new Set<string>();
  const explicit = new Map<string, Set<string>>();
  for (const group of groups) {
    const d = draftPaper(group.map((i) => raws[i]!), keyOf);
    const id = freePaperId(d.baseId, usedIds);
    usedIds.add(id);
    d.paper.id = id;
    explicit.set(id, d.explicit);
    issues.push(...d.issues);
    allLinks.push(...d.links);
    papers.push(d.paper);
    drafts.push(d);
  }
  papers.sort(comparePapers);

  const profiles = sortedProfiles(input.profiles);
  const traced: BuildTrace | null = trace ? { people: [], keyIds: { ids: new Map(), spellings: new Map(), of: new Map() }, words: new ContentWordIds() } : null;
  const authors = buildAuthors(papers, raws, allLinks, profiles, explicit, keyOf, traced);
  const posts = buildPosts(input.posts, titleResolver(papers));
  // Reported in file and line order, whatever order the groups were merged in.
  issues.sort(compareIssues);
  if (trace) trace({ raws, pairs, groups, drafts, ...traced!, shingles: index });
  return { corpus: { papers, posts, authors }, issues };
}

/** Merge issues in file and line order (a stable sort: ties keep the order of their groups). */
export function compareIssues(x: LoadIssue, y: LoadIssue): number {
  return compareStrings(x.file, y.file) || (x.line ?? 0) - (y.line ?? 0);
}

/** One person's author records (several when a name is shared) and the papers of each. */
export interface PersonAuthors {
  authors: Author[];
  /** Per author (parallel to `authors`), its papers in corpus order. */
  clusters: Paper[][];
}

/** One person of a merge (see `MergeTrace`). */
export interface PersonResult extends PersonAuthors {
  /** The name keys of the person (spellings found to be one person through some paper). */
  keys: string[];
}

/** What `personAuthors` needs of the corpus beyond the person's own spellings and papers. */
export interface PersonContext {
  /** Occurrences of a spelling in all source records (authors and page owners). */
  spellingCount: (spelling: string) => number;
  profileByKey: ReadonlyMap<string, AuthorProfile>;
  nameKeyOf: (name: string) => string;
  /**
   * Name keys as integers for the homonym split (`HomonymOptions.keyIds`): `id` of a key, `of` a
   * paper's author keys, spellings and explicit keys (the names its sources list, not as page
   * owner). Numbered once per paper, as a paper is examined once per author.
   */
  keyIds: { id: (key: string) => number; of: (paper: Paper) => PaperKeyIds };
  /** A paper's content words for the homonym split, when the caller keeps them (`HomonymOptions.contentWordIdsOf`). */
  contentWordIdsOf?: (paper: Paper) => Int32Array;
  /** The id a cluster gets given the id it wants (free of collisions with other people's). */
  freeId: (wanted: string, personKey: string) => string;
}

/**
 * The author records of one person: the display spelling (the most frequent), the split into
 * homonyms, ids and profile. `papers` are the person's papers in corpus order, their `authors`
 * still the merged spellings.
 */
export function personAuthors(variantSet: Iterable<string>, papers: Paper[], ctx: PersonContext): PersonAuthors {
  const variants = [...variantSet];
  const display = displaySpelling(variants, ctx.spellingCount);
  const personKey = ctx.nameKeyOf(display);
  const keyIds = { person: ctx.keyIds.id(personKey), of: ctx.keyIds.of };
  const clusters = splitHomonyms(papers, personKey, new Map(), { keyIds, labelSingle: false, ...(ctx.contentWordIdsOf ? { contentWordIdsOf: ctx.contentWordIdsOf } : {}) });
  return { authors: clusterAuthors(display, variants, clusters.map((c) => ({ paperIds: c.papers.map((p) => p.id), label: c.label })), ctx), clusters: clusters.map((c) => c.papers) };
}

/** The display spelling of a person's spellings: the most frequent in the records, then the longest. */
export function displaySpelling(variants: readonly string[], spellingCount: (spelling: string) => number): string {
  return [...variants].sort((x, y) => spellingCount(y) - spellingCount(x) || y.length - x.length || x.localeCompare(y))[0]!;
}

/**
 * A person's author records given its display spelling and, per cluster of the homonym split
 * (the main person first), its papers' ids in corpus order and label. Sorts `variants`.
 */
export function clusterAuthors(display: string, variants: string[], clusters: readonly { paperIds: string[]; label: string }[], ctx: Pick<PersonContext, 'nameKeyOf' | 'profileByKey' | 'freeId'>): Author[] {
  const { profileByKey } = ctx;
  const baseId = `a-${slug(nameKey(display), 5)}`;
  const personKey = ctx.nameKeyOf(display);
  return clusters.map((cluster, ci) => ({
    id: ctx.freeId(ci === 0 ? baseId : `${baseId}-${ci + 1}`, personKey),
    name: display,
    paperIds: cluster.paperIds,
    variants: variants.sort(),
    disambiguation: clusters.length > 1 ? cluster.label : null,
    profile: ci === 0 ? profileByKey.get(nameKey(display)) ?? variants.map((v) => profileByKey.get(nameKey(v))).find(Boolean) ?? null : null,
  }));
}

/** An author id free of `used` (two people whose names slug alike, `Chung-Cheng Chiu` and `Chung Cheng Chiu`, still get two). */
export function freeAuthorId(wanted: string, personKey: string, used: ReadonlySet<string>): string {
  let id = wanted;
  if (used.has(id)) id = `${wanted}-${shortHash(personKey)}`;
  while (used.has(id)) id = `${id}-${shortHash(id, 3)}`;
  return id;
}

/** A paper's author ids (one per person) from its merged spellings, and their display names. */
export function paperAuthors(names: readonly string[], idOfName: (name: string) => string, displayOf: (id: string) => string): { authorIds: string[]; authors: string[] } {
  const authorIds = [...new Set(names.map(idOfName))];
  return { authorIds, authors: authorIds.map(displayOf) };
}

/** What `buildAuthors` hands to a `MergeTrace`. */
interface BuildTrace {
  people: PersonResult[];
  keyIds: MergeTrace['keyIds'];
  words: ContentWordIds;
}

/** Groups spellings into people, splits people who only share a name, fills `authorIds`. */
function buildAuthors(
  papers: Paper[],
  raws: RawPaper[],
  links: [string, string][],
  profiles: AuthorProfile[],
  explicit: ReadonlyMap<string, ReadonlySet<string>>,
  nameKeyOf: (name: string) => string,
  traced: BuildTrace | null,
): Author[] {
  const keyIndex = new Map<string, number>();
  /** Spelling → index of its name key (one lookup for a spelling seen before). */
  const indexOfName = new Map<string, number>();
  const keyOf = (name: string) => {
    let i = indexOfName.get(name);
    if (i !== undefined) return i;
    const k = nameKeyOf(name);
    i = keyIndex.get(k);
    if (i === undefined) {
      i = keyIndex.size;
      keyIndex.set(k, i);
    }
    indexOfName.set(name, i);
    return i;
  };
  for (const p of papers) for (const a of p.authors) keyOf(a);
  for (const [a, b] of links) {
    keyOf(a);
    keyOf(b);
  }
  const uf = new UnionFind(keyIndex.size);
  for (const [a, b] of links) uf.union(keyOf(a), keyOf(b));

  // Spelling counts across all raw listings (display = the most frequent spelling).
  const spellingCounts = new Map<string, number>();
  const count = (a: string) => spellingCounts.set(a, (spellingCounts.get(a) ?? 0) + 1);
  for (const r of raws) {
    for (const a of r.authors) count(a);
    if (r.pageOwner) count(r.pageOwner);
  }

  interface Person { root: number; variants: Set<string>; paperIdx: number[] }
  const people = new Map<number, Person>();
  papers.forEach((p, pi) => {
    for (const a of p.authors) {
      const root = uf.find(keyOf(a));
      let person = people.get(root);
      if (!person) {
        person = { root, variants: new Set(), paperIdx: [] };
        people.set(root, person);
      }
      person.variants.add(a);
      // Papers are visited in order, so a repeat can only be the last one pushed (no `includes`).
      if (person.paperIdx[person.paperIdx.length - 1] !== pi) person.paperIdx.push(pi);
    }
  });
  for (const [a, b] of links) {
    const person = people.get(uf.find(keyOf(a)));
    person?.variants.add(a);
    person?.variants.add(b);
  }
  const authors: Author[] = [];
  /** Per paper, the person (root) → author id (objects and small integers as keys: no key strings). */
  const idOfPaperAuthor = new Map<Paper, Map<number, string>>();
  // Name keys as integers for the homonym split, numbered once per paper (each paper is seen once
  // per co-author below): the index of the key, keys only sources list (none expected: every
  // listed name is kept or linked) after them.
  const keyIds = traced?.keyIds.ids ?? new Map<string, number>();
  for (const [k, i] of keyIndex) keyIds.set(k, i);
  const keyId = (k: string) => {
    let i = keyIds.get(k);
    if (i === undefined) keyIds.set(k, (i = keyIds.size));
    return i;
  };
  const spellingIds = traced?.keyIds.spellings ?? new Map<string, number>();
  const spellingId = (s: string) => {
    let i = spellingIds.get(s);
    if (i === undefined) spellingIds.set(s, (i = spellingIds.size));
    return i;
  };
  const coded = traced?.keyIds.of ?? new Map<Paper, PaperKeyIds>();
  for (const p of papers) coded.set(p, { authors: p.authors.map(keyOf), spellings: p.authors.map(spellingId), explicit: [...(explicit.get(p.id) ?? [])].map(keyId) });
  const usedIds = new Set<string>();
  const ctx: PersonContext = {
    spellingCount: (s) => spellingCounts.get(s) ?? 0,
    profileByKey: profilesByKey(profiles),
    nameKeyOf,
    keyIds: { id: keyId, of: (p) => coded.get(p)! },
    ...(traced ? { contentWordIdsOf: (p: Paper) => traced.words.of(p) } : {}),
    freeId: (wanted, personKey) => {
      const id = freeAuthorId(wanted, personKey, usedIds);
      usedIds.add(id);
      return id;
    },
  };
  const keysOfRoot = traced ? new Map<number, string[]>() : null;
  if (keysOfRoot) for (const [k, i] of keyIndex) {
    const root = uf.find(i);
    const list = keysOfRoot.get(root);
    if (list) list.push(k);
    else keysOfRoot.set(root, [k]);
  }
  for (const person of people.values()) {
    const r = personAuthors(person.variants, person.paperIdx.map((pi) => papers[pi]!), ctx);
    r.clusters.forEach((cluster, ci) => {
      const id = r.authors[ci]!.id;
      for (const p of cluster) {
        let ids = idOfPaperAuthor.get(p);
        if (!ids) idOfPaperAuthor.set(p, (ids = new Map()));
        ids.set(person.root, id);
      }
    });
    authors.push(...r.authors);
    traced?.people.push({ keys: keysOfRoot!.get(person.root)!, ...r });
  }
  const displayById = new Map(authors.map((a) => [a.id, a.name]));
  for (const p of papers) {
    // Two spellings of one person (joined through another paper) are listed once.
    const ids = idOfPaperAuthor.get(p);
    const r = paperAuthors(p.authors, (a) => ids!.get(uf.find(keyOf(a)))!, (id) => displayById.get(id)!);
    p.authorIds = r.authorIds;
    p.authors = r.authors;
  }
  authors.sort(compareAuthors);
  return authors;
}

/**
 * Title key → the paper a post citing that title mentions: a paper's own title wins over
 * another paper's alias, and among equals the last paper in corpus order.
 */
export function titleResolver(papers: readonly Paper[]): (key: string) => string | undefined {
  const byKey = new Map<string, string>();
  for (const p of papers) for (const t of p.aliases) byKey.set(titleKey(t), p.id);
  for (const p of papers) if (p.title) byKey.set(titleKey(p.title), p.id);
  return (key) => byKey.get(key);
}

/** The posts of the raw posts (in reading order), their citations resolved to papers by title key. */
export function buildPosts(raws: readonly RawPost[], paperOfTitle: (key: string) => string | undefined): Post[] {
  // The same post in two archives is one post; its text comes from the first copy in content
  // order (not file order), its sources, citations and acknowledgements from all copies.
  const order = raws.map((r, i) => ({ r, i, key: titleKey(r.title), body: r.paragraphs.join('\n\n') }));
  order.sort((x, y) => compareStrings(x.key, y.key) || compareStrings(x.body, y.body) || compareStrings(x.r.source, y.r.source) || x.r.line - y.r.line);
  const seen = new Map<string, { post: Post; firstInput: number }>();
  for (const { r, i, key, body } of order) {
    const mentions = r.citedTitles.map((t) => paperOfTitle(titleKey(t))).filter((id): id is string => !!id);
    const existing = seen.get(key);
    if (existing) {
      const post = existing.post;
      post.sources = [...new Set([...post.sources, r.source])].sort();
      post.mentions = [...new Set([...post.mentions, ...mentions])];
      post.citedTitles = [...new Set([...post.citedTitles, ...r.citedTitles])];
      post.acknowledged = [...new Set([...post.acknowledged, ...r.acknowledged])];
      existing.firstInput = Math.min(existing.firstInput, i);
      continue;
    }
    seen.set(key, {
      firstInput: i,
      post: {
        id: `post-${slug(r.title)}-${shortHash(key)}`,
        title: r.title,
        body,
        mentions: [...new Set(mentions)],
        citedTitles: [...r.citedTitles],
        acknowledged: [...r.acknowledged],
        sources: [r.source],
      },
    });
  }
  // Output in reading order (the order the posts were first met).
  return [...seen.values()].sort((a, b) => a.firstInput - b.firstInput).map((s) => s.post);
}
