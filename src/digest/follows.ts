/**
 * Follows, platform-free: what a `/follow` names (resolved against the library when it is created),
 * which newly arrived papers match which follow, and the alert message model.
 *
 * - author: by the library's author ids (the person picked, or every person of the name typed), and —
 *   unless one of several namesakes was picked — by name (the name and its spellings, compared by
 *   `nameKey`), so a paper by a name the corpus does not know yet still matches when it arrives;
 * - topic: a category (code or name, as `/topic` reads it) by the paper's category; any other topic as
 *   a search;
 * - search: the library's search (acronyms, fuzzy and prefix matching as `/search`), restricted to the
 *   new papers, keeping only hits that match every query term (full coverage).
 *
 * A paper is "new" when it arrived (first seen by the store) after the follow was created, and is
 * not a paper the store already knew under another id (re-keyed by the merger: same title).
 */
import { CATEGORY_NAMES, categoryName, resolveCategory } from '../corpus/categories.ts';
import type { Author, Paper } from '../corpus/schema.ts';
import { nameKey } from '../corpus/text.ts';
import { UserError } from '../errors.ts';
import type { Library } from '../search/library.ts';
import { queryTerms } from '../search/terms.ts';
import type { Follow, FollowKind, FollowTarget, NewFollow, NewFollowMatch, PaperArrival, SeenPaper } from '../store/types.ts';
import { CONTENT_LIMIT, formatDigest } from './format.ts';
import type { DigestMessage } from './format.ts';
import { foldText, titleKey } from './select.ts';
import type { DigestSelection, SelectedPaper } from './select.ts';

/** Longest text a follow may name. */
export const FOLLOW_TEXT_MAX = 200;

/** A follow resolved against the library, ready to store (plus what the confirmation should say). */
export interface ResolvedFollow extends Omit<NewFollow, 'userId' | 'channelId' | 'guildId'> {
  /** author: the people followed (empty when the name is not in the corpus yet). */
  authors: Author[];
  /** author: the name is not in the corpus yet (followed by name); these are close names. */
  unknownAuthor: { suggestions: string[] } | null;
  /** Papers the corpus already has for it (not alerted: they are not new). */
  existing: number;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/**
 * Resolves what a `/follow author|topic|search` names. Throws `UserError` (quoting the input; the
 * Discord layer escapes echoes) when it names nothing that could ever match.
 */
export function resolveFollow(kind: FollowKind, text: string, lib: Library): ResolvedFollow {
  const q = oneLine(String(text));
  if (!q) {
    throw new UserError(
      'follow-empty',
      kind === 'author' ? 'Which author? Type a name (e.g. Yanqi Zhou) or pick one from the list.' : kind === 'topic' ? 'Which topic? Type a category (e.g. CL) or a few words.' : 'Search for what? Type a few keywords.',
    );
  }
  if (q.length > FOLLOW_TEXT_MAX) throw new UserError('follow-too-long', `That is too long to follow: at most ${FOLLOW_TEXT_MAX} characters.`);
  if (kind === 'author') return resolveAuthor(q, lib);
  if (kind === 'topic') {
    const category = topicCategoryOf(q, lib);
    if (category) {
      const name = categoryName(category) ?? category;
      return {
        kind,
        query: q,
        label: `${name} (${category})`,
        key: `cat:${category}`,
        target: { category },
        authors: [],
        unknownAuthor: null,
        existing: lib.countPapers({ category }),
      };
    }
  }
  return resolveQuery(kind, q, lib);
}

/** The category a topic names (code or name; those of the corpus first, then every known one), or null. */
export function topicCategoryOf(text: string, lib: Library): string | null {
  return resolveCategory(text, lib.categories) ?? resolveCategory(text, CATEGORY_NAMES.keys());
}

function resolveQuery(kind: FollowKind, q: string, lib: Library): ResolvedFollow {
  const terms = queryTerms(q);
  if (terms.length === 0) {
    throw new UserError('follow-no-words', `“${q}” has no words I can search for. Try a few keywords, e.g. mixture of experts.`);
  }
  const existing = lib.search(q, { kinds: ['paper'] }, { limit: 1000 }).hits.filter((h) => h.coverage >= 1).length;
  return {
    kind,
    query: q,
    label: `“${q}”`,
    key: `q:${foldText(q) || terms.join(' ')}`,
    target: { query: q },
    authors: [],
    unknownAuthor: null,
    existing,
  };
}

function resolveAuthor(q: string, lib: Library): ResolvedFollow {
  const byId = lib.authors.get(q);
  const people = byId ? [byId] : lib.findAuthors(q);
  if (people.length > 0) {
    const names = unique(people.map((a) => a.name));
    if (names.length > 1) {
      throw new UserError('follow-author-ambiguous', `Several authors match “${q}”: ${names.slice(0, 5).join(', ')}. Pick one from the list, or type the full name.`);
    }
    const first = people[0]!;
    // One of several people of the same name, picked from the list: that person only (by id).
    const specific = byId !== undefined && byId.disambiguation !== null;
    const nameKeys = specific ? [] : unique(people.flatMap((a) => [a.name, ...a.variants]).map(nameKey).filter(Boolean)).sort();
    const target: FollowTarget = { authorIds: people.map((a) => a.id).sort(), nameKeys };
    return {
      kind: 'author',
      query: q,
      label: specific ? `${first.name} (${byId.disambiguation})` : first.name,
      key: specific ? `id:${byId.id}` : `name:${nameKey(first.name)}`,
      target,
      authors: people,
      unknownAuthor: null,
      existing: unique(people.flatMap((a) => a.paperIds)).length,
    };
  }
  const key = nameKey(q);
  if (!/\p{L}/u.test(key)) throw new UserError('follow-author-empty', `“${q}” is not a name. Type an author's name (e.g. Yanqi Zhou) or pick one from the list.`);
  const suggestions = unique(lib.closestAuthors(q, 3).map((a) => a.name));
  return {
    kind: 'author',
    query: q,
    label: q,
    key: `name:${key}`,
    target: { authorIds: [], nameKeys: [key] },
    authors: [],
    unknownAuthor: { suggestions },
    existing: 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// New papers

/** A newly arrived paper, with its arrival sequence number. */
export interface ArrivedPaper {
  seq: number;
  paper: Paper;
  seenAt: Date;
}

function titleKeysOf(paper: Paper): string[] {
  return [paper.title, ...paper.aliases]
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .map(titleKey)
    .filter((k) => k !== '');
}

/**
 * The arrivals that are new papers of the current library: in the library (not dropped since), and
 * not a paper the store knew before under another id (`seen`: every first-seen record; those not in
 * `arrivals` are the ones known before).
 */
export function arrivedPapers(lib: Library, arrivals: readonly PaperArrival[], seen: readonly SeenPaper[]): ArrivedPaper[] {
  const batch = new Set(arrivals.map((a) => a.paperId));
  const oldTitles = new Set<string>();
  for (const s of seen) if (!batch.has(s.paperId) && s.title) oldTitles.add(titleKey(s.title));
  const out: ArrivedPaper[] = [];
  for (const a of arrivals) {
    const paper = lib.papers.get(a.paperId);
    if (!paper) continue;
    if (titleKeysOf(paper).some((k) => oldTitles.has(k))) continue;
    out.push({ seq: a.seq, paper, seenAt: a.seenAt });
  }
  return out;
}

/** Why a paper matches a follow, or null. `searchHits`: the papers a query follow's search matched. */
function matchOne(follow: Pick<Follow, 'kind' | 'target'>, paper: Paper, searchHits: ReadonlySet<string> | undefined): string[] | null {
  const t = follow.target;
  switch (follow.kind) {
    case 'author': {
      const ids = new Set(t.authorIds ?? []);
      const keys = new Set(t.nameKeys ?? []);
      const names: string[] = [];
      paper.authors.forEach((name, i) => {
        const id = paper.authorIds[i];
        if ((id !== undefined && ids.has(id)) || keys.has(nameKey(name))) names.push(name);
      });
      return names.length ? unique(names).map((n) => `author ${n}`) : null;
    }
    case 'topic':
    case 'search': {
      if (t.category) return paper.category === t.category ? [`category ${t.category}`] : null;
      if (t.query === undefined || !searchHits?.has(paper.id)) return null;
      return [`${follow.kind} “${t.query}”`];
    }
  }
}

/**
 * Papers among `candidates` that the library's search matches with every query term (full
 * coverage). Runs until no hit is left, so that a weak full match is not lost to the relative score
 * cut-off of a strong one.
 */
export function searchMatches(lib: Library, query: string, candidates: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  let remaining = new Set(candidates);
  while (remaining.size > 0) {
    const page = lib.search(query, { kinds: ['paper'], within: remaining }, { limit: remaining.size, cache: false });
    if (page.hits.length === 0) break;
    const next = new Set(remaining);
    for (const h of page.hits) {
      next.delete(h.id);
      if (h.coverage >= 1) out.add(h.id);
    }
    if (next.size === remaining.size) break;
    remaining = next;
  }
  return out;
}

/**
 * Which new papers match which follow. A follow considers only the papers that arrived after it was
 * created (`seq > afterSeq`). Pure apart from the library's search cache (not used).
 */
export function matchFollows(follows: readonly Pick<Follow, 'id' | 'kind' | 'target' | 'afterSeq'>[], arrived: readonly ArrivedPaper[], lib: Library): NewFollowMatch[] {
  if (follows.length === 0 || arrived.length === 0) return [];
  const all = new Set(arrived.map((a) => a.paper.id));
  const searches = new Map<string, Set<string>>();
  const out: NewFollowMatch[] = [];
  for (const f of follows) {
    const q = f.target.category ? undefined : f.target.query;
    let hits: Set<string> | undefined;
    if ((f.kind === 'topic' || f.kind === 'search') && q !== undefined) {
      hits = searches.get(q);
      if (!hits) searches.set(q, (hits = searchMatches(lib, q, all)));
    }
    for (const a of arrived) {
      if (a.seq <= f.afterSeq) continue;
      const why = matchOne(f, a.paper, hits);
      if (why) out.push({ followId: f.id, paperId: a.paper.id, why });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The alert message

/** Papers listed in an alert DM (the rest behind "Show all"). */
export const ALERT_MAX_SHOWN = 10;

export interface AlertPaper {
  paper: Paper;
  why: string[];
  firstSeenAt: Date | null;
}

export interface AlertFormatOptions {
  /** When the alert goes out (its date is the message's `localDate`, UTC). */
  now: Date;
  /** Papers shown (default 10). */
  maxShown?: number;
  /** Applied to each "why" (they quote what the follower typed): the platform's escaping. */
  escape?: (text: string) => string;
}

function byNewest(a: AlertPaper, b: AlertPaper): number {
  const da = a.paper.date ?? '';
  const db = b.paper.date ?? '';
  if (da !== db) return da < db ? 1 : -1;
  const ta = a.paper.title ?? '';
  const tb = b.paper.title ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.paper.id < b.paper.id ? -1 : a.paper.id > b.paper.id ? 1 : 0;
}

/** `3 new papers for your follows`. */
export function alertTitle(total: number): string {
  return `${total} new paper${total === 1 ? '' : 's'} for your follows`;
}

/**
 * The alert DM as a digest-shaped message (one message: the full titles as text, details in embeds;
 * what does not fit is left to "Show all"), newest first, each paper with the follows it matched.
 */
export function formatFollowAlert(papers: readonly AlertPaper[], opts: AlertFormatOptions): DigestMessage {
  const escape = opts.escape ?? ((s: string) => s);
  const sorted = [...papers].sort(byNewest);
  const max = Math.max(1, Math.floor(opts.maxShown ?? ALERT_MAX_SHOWN));
  const shown: SelectedPaper[] = sorted.slice(0, max).map((p) => ({ paper: p.paper, why: p.why.map(escape), firstSeenAt: p.firstSeenAt }));
  const selection: DigestSelection = { papers: shown, total: sorted.length, trimmed: sorted.length - shown.length, firstDigest: false };
  const localDate = opts.now.toISOString().slice(0, 10);
  const title = alertTitle(sorted.length);
  // The digest's heading (`Papers for Mon 1 Dec 2025 — N new`) is never shorter than this one, which replaces it.
  const m = formatDigest(selection, { localDate, maxContentChars: CONTENT_LIMIT });
  const head = `**${m.title}**`;
  const content = m.content.startsWith(head) ? `**${title}**${m.content.slice(head.length)}` : m.content;
  return { ...m, title, content };
}
