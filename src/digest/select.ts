/**
 * Choosing a digest's papers (pure). Candidates are the papers first seen after the subscription's last
 * digest (or, for the first digest, the latest papers by date); the subscription's filters apply; each
 * chosen paper says why it was chosen; newest first — or, for a later digest with an interest profile
 * (`ranking`, see rank.ts), best first with the score's main reason, weak matches left out when more
 * match than the digest shows; trimmed to the subscription's maximum.
 */
import type { Paper } from '../corpus/schema.ts';
import type { SeenPaper, SubscriptionFilters } from '../store/types.ts';
import { DEFAULT_MIN_SCORE, ProfileScorer, profileHasPositive, profileIsEmpty, type InterestProfile, type TermStats } from './rank.ts';

export interface SelectedPaper {
  paper: Paper;
  /** Why it is in the digest, e.g. `category CL`, `author Nan Du`, `keyword: speech`. */
  why: string[];
  /** When the store first saw it (null when unknown). */
  firstSeenAt: Date | null;
  /** Relevance to the subscription's interest profile (ranked digests only). */
  score?: number;
  /** The score's main reason, e.g. `matches your keyword *retrieval*` (ranked digests only; null when nothing applies). */
  reason?: string | null;
}

/** Ranking a later digest against an interest profile (rank.ts). */
export interface RankingInput {
  profile: InterestProfile;
  stats: TermStats;
  /** Left out below this when more papers match than `maxPapers` (default `DEFAULT_MIN_SCORE`). */
  minScore?: number;
  /** The number of matches above which the minimum score applies (default `maxPapers`; "Show all" passes the subscription's). */
  cutAbove?: number;
}

export interface DigestSelection {
  papers: SelectedPaper[];
  /** Matching papers before trimming to the maximum. */
  total: number;
  /** How many matching papers were left out by the maximum. */
  trimmed: number;
  /** True for a subscription's first digest: the latest papers by date rather than "new since last time". */
  firstDigest: boolean;
}

export interface SelectInput {
  /** The corpus as it is now. */
  papers: readonly Paper[];
  /** First-seen records (all of them, or at least those up to `until`). */
  seen: readonly SeenPaper[];
  filters: SubscriptionFilters;
  maxPapers: number;
  /** The previous digest's cut-off; null for the first digest. */
  since: Date | null;
  /** This digest's cut-off: papers first seen after it wait for the next digest. */
  until: Date;
  /** Rank later digests by relevance (ignored for a first digest, which lists the latest papers by date). */
  ranking?: RankingInput;
}

/** Lower-case, diacritics removed, punctuation → spaces, whitespace collapsed. */
export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[ıİ]/g, 'i')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Key used to dedupe papers by title. */
export function titleKey(title: string): string {
  return foldText(title);
}

function wordRegex(keyword: string): RegExp | null {
  const folded = foldText(keyword);
  if (folded === '') return null;
  const body = folded
    .split(' ')
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'u');
}

/** Whether `name` (as a paper lists it) is the author the user asked for (case/diacritic-insensitive, whole words). */
export function authorMatches(name: string, wanted: string): boolean {
  const have = foldText(name).split(' ').filter(Boolean);
  const want = foldText(wanted).split(' ').filter(Boolean);
  if (want.length === 0) return false;
  if (have.join(' ') === want.join(' ')) return true;
  return want.every((w) => have.includes(w));
}

/** Matches a paper against filters; returns why it matches, or null when it does not. */
export function matchPaper(paper: Paper, filters: SubscriptionFilters): string[] | null {
  const why: string[] = [];
  const text = foldText(`${paper.title ?? ''}\n${paper.abstract ?? ''}`);

  if (filters.excludeKeywords.some((k) => wordRegex(k)?.test(text) ?? false)) return null;

  if (filters.categories.length > 0) {
    const cat = paper.category?.toUpperCase() ?? null;
    const hit = filters.categories.find((c) => c.toUpperCase() === cat);
    if (!hit) return null;
    why.push(`category ${paper.category ?? hit}`);
  }
  if (filters.authors.length > 0) {
    const hits: string[] = [];
    for (const wanted of filters.authors) {
      const name = paper.authors.find((a) => authorMatches(a, wanted));
      if (name !== undefined && !hits.includes(name)) hits.push(name);
    }
    if (hits.length === 0) return null;
    for (const h of hits) why.push(`author ${h}`);
  }
  if (filters.keywords.length > 0) {
    const hits = filters.keywords.filter((k) => wordRegex(k)?.test(text) ?? false);
    if (hits.length === 0) return null;
    for (const k of hits) why.push(`keyword: ${k}`);
  }
  return why;
}

/** Newest first: by date (YYYY-MM-DD > YYYY of the same year; unknown last), then first seen, then title. */
function compareNewest(a: SelectedPaper, b: SelectedPaper): number {
  const da = a.paper.date ?? '';
  const db = b.paper.date ?? '';
  if (da !== db) return da < db ? 1 : -1;
  const sa = a.firstSeenAt?.getTime() ?? 0;
  const sb = b.firstSeenAt?.getTime() ?? 0;
  if (sa !== sb) return sb - sa;
  const ta = a.paper.title ?? '';
  const tb = b.paper.title ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.paper.id < b.paper.id ? -1 : a.paper.id > b.paper.id ? 1 : 0;
}

function keysOf(paper: Paper): string[] {
  return [paper.title, ...paper.aliases]
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
    .map(titleKey)
    .filter((k) => k !== '');
}

/** Chooses the papers of one digest. Pure: same input, same output. */
export function selectDigest(input: SelectInput): DigestSelection {
  const firstDigest = input.since === null;
  const seenAt = new Map<string, Date>();
  const oldTitleKeys = new Set<string>();
  const sinceMs = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const untilMs = input.until.getTime();
  for (const s of input.seen) {
    seenAt.set(s.paperId, s.firstSeenAt);
    if (!firstDigest && s.firstSeenAt.getTime() <= sinceMs && s.title) oldTitleKeys.add(titleKey(s.title));
  }

  const matched: SelectedPaper[] = [];
  const ids = new Set<string>();
  for (const paper of input.papers) {
    if (ids.has(paper.id)) continue;
    const first = seenAt.get(paper.id) ?? null;
    if (!firstDigest) {
      // New = first seen in (since, until]; a paper never recorded is not "new" yet.
      if (first === null || first.getTime() <= sinceMs || first.getTime() > untilMs) continue;
      // A paper already known under another id (re-keyed by the merger) is not new either.
      if (keysOf(paper).some((k) => oldTitleKeys.has(k))) continue;
    } else if (first !== null && first.getTime() > untilMs) {
      continue;
    }
    const why = matchPaper(paper, input.filters);
    if (why === null) continue;
    ids.add(paper.id);
    if (why.length === 0) why.push(firstDigest ? 'latest paper' : 'new paper');
    matched.push({ paper, why, firstSeenAt: first });
  }

  matched.sort(compareNewest);
  let ranked = matched;
  const ranking = input.ranking;
  if (!firstDigest && ranking && !profileIsEmpty(ranking.profile) && matched.length > 0) {
    const scorer = new ProfileScorer(ranking.profile, ranking.stats, matched.map((m) => m.paper));
    for (const m of matched) {
      const s = scorer.score(m.paper);
      m.score = s.score;
      m.reason = s.reason;
    }
    // Stable sort: equal scores stay newest first.
    ranked = [...matched].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    const cutAbove = Math.max(1, Math.floor(ranking.cutAbove ?? input.maxPapers));
    if (ranked.length > cutAbove && profileHasPositive(ranking.profile)) {
      const min = ranking.minScore ?? DEFAULT_MIN_SCORE;
      ranked = ranked.filter((m) => (m.score ?? 0) >= min);
    }
  }
  const titleKeys = new Set<string>();
  const unique: SelectedPaper[] = [];
  for (const m of ranked) {
    const keys = keysOf(m.paper);
    if (keys.some((k) => titleKeys.has(k))) continue;
    for (const k of keys) titleKeys.add(k);
    unique.push(m);
  }

  const max = Math.max(1, Math.floor(input.maxPapers));
  const papers = unique.slice(0, max);
  return { papers, total: unique.length, trimmed: unique.length - papers.length, firstDigest };
}

/**
 * Rebuilds a selection from stored paper ids (a re-send after a crash or failure uses the same papers).
 * Papers no longer in the corpus are skipped.
 */
export function selectionFromIds(
  papers: readonly Paper[],
  paperIds: readonly string[],
  filters: SubscriptionFilters,
  opts: { firstDigest: boolean; seen?: readonly SeenPaper[]; ranking?: RankingInput },
): DigestSelection {
  const byId = new Map(papers.map((p) => [p.id, p]));
  const seenAt = new Map((opts.seen ?? []).map((s) => [s.paperId, s.firstSeenAt]));
  const out: SelectedPaper[] = [];
  for (const id of paperIds) {
    const paper = byId.get(id);
    if (!paper) continue;
    const why = matchPaper(paper, filters) ?? [];
    if (why.length === 0) why.push(opts.firstDigest ? 'latest paper' : 'new paper');
    out.push({ paper, why, firstSeenAt: seenAt.get(id) ?? null });
  }
  // The same papers in the same order; the reasons are computed again from the profile as it is now.
  const ranking = opts.ranking;
  if (!opts.firstDigest && ranking && !profileIsEmpty(ranking.profile) && out.length > 0) {
    const scorer = new ProfileScorer(ranking.profile, ranking.stats, out.map((o) => o.paper));
    for (const o of out) {
      const s = scorer.score(o.paper);
      o.score = s.score;
      o.reason = s.reason;
    }
  }
  return { papers: out, total: out.length, trimmed: 0, firstDigest: opts.firstDigest };
}
