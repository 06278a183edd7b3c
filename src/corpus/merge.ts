/**
 * The merger: many source records → one deduplicated corpus of papers, authors and posts.
 *
 * Papers are grouped when their titles match up to case, punctuation and diacritics, or when
 * their abstracts are near-identical (a paper listed under an earlier title keeps that title
 * as an alias). Entries without a title join the paper whose abstract they share; one that
 * matches nothing stays untitled. Authors are merged across spelling variants by `nameKey`,
 * and within one paper a shorter form that is a prefix of a fuller one (`Daniel De Freitas` /
 * `Daniel De Freitas Adiwardana`) is the same person. Ids are derived from content only, so the
 * same input always gives the same ids.
 */
import { categoryName } from './categories.ts';
import { splitHomonyms } from './homonyms.ts';
import type { Author, AuthorProfile, Corpus, LoadIssue, Paper, Post, RawPaper, RawPost } from './schema.ts';
import { similarTexts } from './similar.ts';
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
function samePersonInPaper(a: string, b: string): boolean {
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

/** Merges the author lists of one paper's source records; order from the most authoritative. */
function mergeAuthorLists(raws: RawPaper[]): MergedAuthors {
  const links: [string, string][] = [];
  // Truncated lists show the true leading order; complete lists are authoritative for the rest.
  const ordered = [...raws].sort((x, y) => Number(y.authorsTruncated) - Number(x.authorsTruncated) || y.authors.length - x.authors.length);
  const names: string[] = [];
  const add = (name: string) => {
    const idx = names.findIndex((n) => samePersonInPaper(n, name));
    if (idx < 0) {
      names.push(name);
      return;
    }
    const existing = names[idx]!;
    if (existing !== name) {
      links.push([existing, name]);
      if (nameKey(name).length > nameKey(existing).length) names[idx] = name;
    }
  };
  for (const raw of ordered) for (const a of raw.authors) add(a);
  for (const raw of raws) if (raw.pageOwner) add(raw.pageOwner);
  const truncated = raws.every((r) => r.authorsTruncated);
  return { names, truncated, links };
}

function chooseDate(raws: RawPaper[]): string | null {
  const full = raws.map((r) => r.date).filter((d): d is string => !!d && d.length === 10);
  if (full.length) return mostCommon(full)!;
  return mostCommon(raws.map((r) => r.date).filter((d): d is string => !!d)) ?? null;
}

function paperId(title: string | null, abstract: string | null): string {
  if (title) return `${slug(title)}-${shortHash(titleKey(title))}`;
  return `untitled-${shortHash(abstract ?? '')}`;
}

export function mergeCorpus(input: MergeInput, options: MergeOptions = {}): MergeResult {
  const issues: LoadIssue[] = [];
  const raws = input.papers;
  const uf = new UnionFind(raws.length);

  // 1. Same title (case, punctuation, diacritics aside).
  const byTitle = new Map<string, number>();
  raws.forEach((r, i) => {
    if (!r.title) return;
    const k = titleKey(r.title);
    const first = byTitle.get(k);
    if (first === undefined) byTitle.set(k, i);
    else uf.union(first, i);
  });

  // 2. Same abstract: untitled entries and papers listed under another title.
  const threshold = options.abstractThreshold ?? 0.35;
  for (const pair of similarTexts(raws.map((r) => r.abstract), { threshold })) uf.union(pair.a, pair.b);

  const groups = uf.groups().map((idxs) => idxs.map((i) => raws[i]!));
  const papers: Paper[] = [];
  const allLinks: [string, string][] = [];
  const usedIds = new Set<string>();
  const explicit = new Map<string, Set<string>>();
  for (const group of groups) {
    const titled = group.filter((r) => r.title);
    const title = mostCommon(titled.map((r) => r.title!), titleKey) ?? null;
    // Prefer the spelling seen most often among the title's case variants.
    const spelling = title ? mostCommon(titled.map((r) => r.title!).filter((t) => titleKey(t) === titleKey(title))) ?? title : null;
    const aliases = [...new Set(titled.map((r) => r.title!).filter((t) => titleKey(t) !== titleKey(spelling ?? '')))];
    const dedupAliases = aliases.filter((t, i) => aliases.findIndex((u) => titleKey(u) === titleKey(t)) === i);
    // The fullest abstract, but not one full of LaTeX markup when a clean one exists.
    const abstractScore = (a: string) => a.length - (/\\[a-z]+/i.test(a) ? 1e6 : 0);
    const abstract = group.map((r) => r.abstract).filter((a): a is string => !!a).sort((a, b) => abstractScore(b) - abstractScore(a))[0] ?? null;
    const authors = mergeAuthorLists(group);
    allLinks.push(...authors.links);
    const date = chooseDate(group);
    const category = mostCommon(group.map((r) => r.category).filter((c): c is string => !!c)) ?? null;
    let id = paperId(spelling, abstract);
    while (usedIds.has(id)) id = `${id}-${shortHash(id, 3)}`;
    usedIds.add(id);
    explicit.set(id, new Set(group.flatMap((r) => r.authors.map(nameKey))));
    if (!spelling) {
      for (const r of group) issues.push({ level: 'warn', file: r.source, line: r.line, message: 'untitled entry matches no other source; kept untitled' });
    } else {
      for (const r of group.filter((g) => !g.title)) {
        issues.push({ level: 'warn', file: r.source, line: r.line, message: `untitled entry recovered as "${spelling}" by its abstract` });
      }
    }
    papers.push({
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
    });
  }
  papers.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || a.id.localeCompare(b.id));

  const authors = buildAuthors(papers, raws, allLinks, input.profiles, explicit);
  const posts = buildPosts(input.posts, papers);
  return { corpus: { papers, posts, authors }, issues };
}

/** Groups spellings into people, splits people who only share a name, fills `authorIds`. */
function buildAuthors(papers: Paper[], raws: RawPaper[], links: [string, string][], profiles: AuthorProfile[], explicit: ReadonlyMap<string, ReadonlySet<string>>): Author[] {
  const keyIndex = new Map<string, number>();
  const keyOf = (name: string) => {
    const k = nameKey(name);
    let i = keyIndex.get(k);
    if (i === undefined) {
      i = keyIndex.size;
      keyIndex.set(k, i);
    }
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
  for (const r of raws) for (const a of [...r.authors, ...(r.pageOwner ? [r.pageOwner] : [])]) spellingCounts.set(a, (spellingCounts.get(a) ?? 0) + 1);

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
      if (!person.paperIdx.includes(pi)) person.paperIdx.push(pi);
    }
  });
  for (const [a, b] of links) {
    const person = people.get(uf.find(keyOf(a)));
    person?.variants.add(a);
    person?.variants.add(b);
  }
  const profileByKey = new Map(profiles.map((pr) => [nameKey(pr.name), pr]));
  const authors: Author[] = [];
  const idOfPaperAuthor = new Map<string, string>(); // `${paperIdx}|${root}` → author id
  for (const person of people.values()) {
    const variants = [...person.variants];
    const display = [...variants].sort((x, y) => (spellingCounts.get(y) ?? 0) - (spellingCounts.get(x) ?? 0) || y.length - x.length || x.localeCompare(y))[0]!;
    const baseId = `a-${slug(nameKey(display), 5)}`;
    const clusters = splitHomonyms(person.paperIdx.map((pi) => papers[pi]!), nameKey(display), explicit);
    clusters.forEach((cluster, ci) => {
      const id = ci === 0 ? baseId : `${baseId}-${ci + 1}`;
      const paperIds = cluster.papers.map((p) => p.id);
      for (const p of cluster.papers) idOfPaperAuthor.set(`${p.id}|${person.root}`, id);
      authors.push({
        id,
        name: display,
        paperIds,
        variants: variants.sort(),
        disambiguation: clusters.length > 1 ? cluster.label : null,
        profile: ci === 0 ? profileByKey.get(nameKey(display)) ?? variants.map((v) => profileByKey.get(nameKey(v))).find(Boolean) ?? null : null,
      });
    });
  }
  const displayById = new Map(authors.map((a) => [a.id, a.name]));
  for (const p of papers) {
    p.authorIds = p.authors.map((a) => idOfPaperAuthor.get(`${p.id}|${uf.find(keyOf(a))}`)!);
    p.authors = p.authorIds.map((id) => displayById.get(id)!);
  }
  authors.sort((a, b) => b.paperIds.length - a.paperIds.length || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return authors;
}

function buildPosts(raws: RawPost[], papers: Paper[]): Post[] {
  const byKey = new Map<string, string>();
  for (const p of papers) for (const t of [p.title, ...p.aliases]) if (t) byKey.set(titleKey(t), p.id);
  const seen = new Map<string, Post>();
  for (const r of raws) {
    const key = titleKey(r.title);
    const mentions = [...new Set(r.citedTitles.map((t) => byKey.get(titleKey(t))).filter((id): id is string => !!id))];
    const existing = seen.get(key);
    if (existing) {
      existing.sources = [...new Set([...existing.sources, r.source])].sort();
      existing.mentions = [...new Set([...existing.mentions, ...mentions])];
      continue;
    }
    seen.set(key, {
      id: `post-${slug(r.title)}-${shortHash(key)}`,
      title: r.title,
      body: r.paragraphs.join('\n\n'),
      mentions,
      citedTitles: r.citedTitles,
      acknowledged: r.acknowledged,
      sources: [r.source],
    });
  }
  return [...seen.values()];
}
