/**
 * Relevance ranking of a digest's new papers (pure). A subscription's interest profile is its
 * keywords and authors, the papers it was seeded with (`like:`), its 👍/👎 feedback and — for a
 * personal digest — the owner's author follows and their 👍/👎 on /search results (merged into the
 * feedback by the scheduler's `rankingFor`). Each candidate is scored against it:
 *
 * - keywords: BM25 of the keywords' terms against the candidate (title counted twice, abstract),
 *   with document frequencies from the library's index (`libraryTermStats`);
 * - liked papers (seeds and 👍): TF-IDF cosine similarity (term overlap weighted by rarity) to the
 *   closest liked paper, times `LIKE_WEIGHT`; disliked papers (👎) subtract the same way;
 * - authors: a followed author (or an author the subscription names) adds `AUTHOR_WEIGHT`.
 *
 * The digest lists the best first (ties: newest first) and each paper carries its score's main
 * reason (`matches your keyword *retrieval*`, `like *GLaM*, which you rated up`, `by Nan Du, whom
 * you follow`). When more papers match than the digest shows, those below `DEFAULT_MIN_SCORE` are
 * left out (only when the profile has something positive to match). An empty profile leaves the
 * order as it was (latest first).
 */
import type { Paper } from '../corpus/schema.ts';
import { nameKey } from '../corpus/text.ts';
import type { Library } from '../search/library.ts';
import { queryTerms } from '../search/terms.ts';
import type { DigestFeedback, Follow } from '../store/types.ts';
import { authorMatches } from './select.ts';

/** Score added by a followed (or named) author. */
export const AUTHOR_WEIGHT = 4;
/** Cosine similarity to the closest liked paper is multiplied by this. */
export const LIKE_WEIGHT = 10;
/** Cosine similarity to the closest disliked paper is multiplied by this and subtracted. */
export const DISLIKE_WEIGHT = 10;
/**
 * Papers scoring below this are left out when more papers match than the digest shows. About one
 * mention of a keyword in an abstract (BM25 ≈ 2–4), or a similarity of 0.15 to a liked paper.
 */
export const DEFAULT_MIN_SCORE = 1.5;
/** A part of the score must reach this to be named as the reason. */
const REASON_MIN = 0.5;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

/** Document frequencies for IDF: the library's index, or any collection of papers. */
export interface TermStats {
  documentCount: number;
  df(term: string): number;
}

/** A paper of the profile: liked or disliked, and why it is there. */
export interface ProfilePaper {
  paper: Paper;
  /** `seed`: the subscription was created with it; `feedback`: rated 👍/👎. */
  source: 'seed' | 'feedback';
}

export interface ProfileAuthor {
  /** The name as the subscription or follow names it. */
  name: string;
  /** `follow`: the owner follows the author (`/follow author`); `filter`: the subscription's authors. */
  source: 'follow' | 'filter';
  /** Library author ids (follows picked from the corpus). */
  authorIds: string[];
  /** Name keys (`nameKey`) matched against a paper's author names. */
  nameKeys: string[];
}

export interface InterestProfile {
  keywords: string[];
  authors: ProfileAuthor[];
  liked: ProfilePaper[];
  disliked: ProfilePaper[];
}

export const EMPTY_PROFILE: InterestProfile = { keywords: [], authors: [], liked: [], disliked: [] };

/** True when nothing in the profile can score a paper (the digest then stays latest first). */
export function profileIsEmpty(p: InterestProfile): boolean {
  return p.keywords.length === 0 && p.authors.length === 0 && p.liked.length === 0 && p.disliked.length === 0;
}

/** True when the profile can score a paper above zero (the minimum score then applies). */
export function profileHasPositive(p: InterestProfile): boolean {
  return p.keywords.length > 0 || p.authors.length > 0 || p.liked.length > 0;
}

/**
 * The profile of a subscription: its keywords and authors, its feedback (summed per paper over
 * everyone who rated it: > 0 liked, < 0 disliked; seeds count as a 👍 of the creator), and the
 * author follows of its owner (personal digests). Feedback on papers no longer in the corpus is skipped.
 */
export function buildProfile(
  sub: { keywords: readonly string[]; authors: readonly string[] },
  feedback: readonly DigestFeedback[],
  papersById: ReadonlyMap<string, Paper>,
  follows: readonly Pick<Follow, 'kind' | 'label' | 'target'>[] = [],
): InterestProfile {
  const sums = new Map<string, { sum: number; seed: boolean; button: boolean }>();
  for (const f of feedback) {
    const s = sums.get(f.paperId) ?? { sum: 0, seed: false, button: false };
    s.sum += f.rating;
    if (f.source === 'seed') s.seed = true;
    else s.button = true;
    sums.set(f.paperId, s);
  }
  const liked: ProfilePaper[] = [];
  const disliked: ProfilePaper[] = [];
  for (const [id, s] of [...sums].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const paper = papersById.get(id);
    if (!paper || s.sum === 0) continue;
    const source = s.button ? 'feedback' : 'seed';
    (s.sum > 0 ? liked : disliked).push({ paper, source });
  }
  const authors: ProfileAuthor[] = sub.authors.map((name) => ({ name, source: 'filter', authorIds: [], nameKeys: [] }));
  for (const f of follows) {
    if (f.kind !== 'author') continue;
    authors.push({ name: f.label.replace(/\s*\(.*\)$/, ''), source: 'follow', authorIds: [...(f.target.authorIds ?? [])], nameKeys: [...(f.target.nameKeys ?? [])] });
  }
  return { keywords: [...sub.keywords], authors, liked, disliked };
}

/** IDF statistics from the library's main index (papers, posts and authors are its documents). */
export function libraryTermStats(lib: Library): TermStats {
  const c = lib.corpus;
  return { documentCount: c.papers.length + c.posts.length + c.authors.length, df: (t) => lib.documentFrequency(t) };
}

/** IDF statistics computed from a collection of papers (when there is no library, e.g. in tests). */
export function papersTermStats(papers: readonly Paper[]): TermStats {
  const df = new Map<string, number>();
  for (const p of papers) for (const t of new Set(queryTerms(`${p.title ?? ''} ${p.abstract ?? ''}`))) df.set(t, (df.get(t) ?? 0) + 1);
  return { documentCount: papers.length, df: (t) => df.get(t) ?? 0 };
}

interface DocVector {
  /** Term → frequency (title terms counted twice). */
  tf: Map<string, number>;
  length: number;
  /** TF-IDF weights and their norm (for cosine similarity). */
  weights: Map<string, number>;
  norm: number;
}

/** A scored candidate: the total, and the main reason in words (null when nothing in the profile applies). */
export interface PaperScore {
  score: number;
  reason: string | null;
}

/** Escapes markdown in a name shown in a reason (it is set in italics). */
function md(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/([\\*_~`|<>[\]])/g, '\\$1');
}

/** How a reason names a paper: its short name (`GLaM`) when the title has one, else the title (≤ 80 chars). */
export function shortTitle(p: Paper): string {
  const t = (p.title ?? '(untitled)').replace(/\s+/g, ' ').trim();
  const short = /^([^:]{2,40}):/.exec(t)?.[1];
  if (short) return short.trim();
  return t.length <= 80 ? t : `${t.slice(0, 79).trimEnd()}…`;
}

/** Scores papers against one profile; vectors and IDF values are cached for the scorer's life. */
export class ProfileScorer {
  private readonly profile: InterestProfile;
  private readonly stats: TermStats;
  private readonly idfCache = new Map<string, number>();
  private readonly vectors = new Map<string, DocVector>();
  private readonly keywordTerms: { keyword: string; terms: string[] }[];
  private readonly likedVectors: { p: ProfilePaper; v: DocVector }[];
  private readonly dislikedVectors: { p: ProfilePaper; v: DocVector }[];
  private avgLength: number;

  constructor(profile: InterestProfile, stats: TermStats, candidates: readonly Paper[] = []) {
    this.profile = profile;
    this.stats = stats;
    this.keywordTerms = profile.keywords.map((keyword) => ({ keyword, terms: [...new Set(queryTerms(keyword))] })).filter((k) => k.terms.length > 0);
    this.likedVectors = profile.liked.map((p) => ({ p, v: this.vector(p.paper) }));
    this.dislikedVectors = profile.disliked.map((p) => ({ p, v: this.vector(p.paper) }));
    const lengths = candidates.map((c) => this.vector(c).length);
    this.avgLength = lengths.length ? Math.max(1, lengths.reduce((a, b) => a + b, 0) / lengths.length) : 100;
  }

  private idf(term: string): number {
    let v = this.idfCache.get(term);
    if (v === undefined) {
      const n = Math.max(1, this.stats.documentCount);
      const df = Math.min(n, Math.max(1, this.stats.df(term)));
      v = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      this.idfCache.set(term, v);
    }
    return v;
  }

  private vector(p: Paper): DocVector {
    const hit = this.vectors.get(p.id);
    if (hit) return hit;
    const tf = new Map<string, number>();
    const title = queryTerms(p.title ?? '');
    for (const t of [...title, ...title, ...queryTerms(p.abstract ?? '')]) tf.set(t, (tf.get(t) ?? 0) + 1);
    let length = 0;
    for (const n of tf.values()) length += n;
    const weights = new Map<string, number>();
    let sq = 0;
    for (const [t, n] of tf) {
      const w = (1 + Math.log(n)) * this.idf(t);
      weights.set(t, w);
      sq += w * w;
    }
    const v = { tf, length, weights, norm: Math.sqrt(sq) };
    this.vectors.set(p.id, v);
    return v;
  }

  private static cosine(a: DocVector, b: DocVector): number {
    if (a.norm === 0 || b.norm === 0) return 0;
    const [small, large] = a.weights.size <= b.weights.size ? [a, b] : [b, a];
    let dot = 0;
    for (const [t, w] of small.weights) {
      const x = large.weights.get(t);
      if (x !== undefined) dot += w * x;
    }
    return dot / (a.norm * b.norm);
  }

  /** BM25 of one term in a candidate. */
  private bm25(term: string, v: DocVector): number {
    const tf = v.tf.get(term) ?? 0;
    if (tf === 0) return 0;
    const norm = tf + BM25_K1 * (1 - BM25_B + (BM25_B * v.length) / this.avgLength);
    return this.idf(term) * ((tf * (BM25_K1 + 1)) / norm);
  }

  /** Similarity (0..1) of a paper to another, by TF-IDF cosine. */
  similarity(a: Paper, b: Paper): number {
    return ProfileScorer.cosine(this.vector(a), this.vector(b));
  }

  score(paper: Paper): PaperScore {
    const v = this.vector(paper);
    const parts: { value: number; reason: string }[] = [];

    let keywordTotal = 0;
    let bestKeyword: { keyword: string; value: number } | null = null;
    for (const k of this.keywordTerms) {
      const value = k.terms.reduce((s, t) => s + this.bm25(t, v), 0);
      keywordTotal += value;
      if (value > 0 && (!bestKeyword || value > bestKeyword.value)) bestKeyword = { keyword: k.keyword, value };
    }
    if (bestKeyword) parts.push({ value: keywordTotal, reason: `matches your keyword *${md(bestKeyword.keyword)}*` });

    let author: { name: string; source: ProfileAuthor['source'] } | null = null;
    for (const a of this.profile.authors) {
      const ids = new Set(a.authorIds);
      const keys = new Set(a.nameKeys);
      const hit = paper.authors.find((name, i) => {
        const id = paper.authorIds[i];
        if (id !== undefined && ids.has(id)) return true;
        if (keys.size > 0 && keys.has(nameKey(name))) return true;
        return a.source === 'filter' && authorMatches(name, a.name);
      });
      if (hit !== undefined && (!author || (a.source === 'follow' && author.source !== 'follow'))) author = { name: hit, source: a.source };
    }
    if (author) {
      parts.push({ value: AUTHOR_WEIGHT, reason: author.source === 'follow' ? `by ${md(author.name)}, whom you follow` : `by ${md(author.name)}, an author this digest names` });
    }

    let like: { p: ProfilePaper; sim: number } | null = null;
    for (const l of this.likedVectors) {
      if (l.p.paper.id === paper.id) continue;
      const sim = ProfileScorer.cosine(v, l.v);
      if (!like || sim > like.sim) like = { p: l.p, sim };
    }
    if (like && like.sim > 0) {
      const why = like.p.source === 'seed' ? 'which this digest was seeded with' : 'which you rated up';
      parts.push({ value: LIKE_WEIGHT * like.sim, reason: `like *${md(shortTitle(like.p.paper))}*, ${why}` });
    }

    let dislike: { p: ProfilePaper; sim: number } | null = null;
    for (const d of this.dislikedVectors) {
      if (d.p.paper.id === paper.id) continue;
      const sim = ProfileScorer.cosine(v, d.v);
      if (!dislike || sim > dislike.sim) dislike = { p: d.p, sim };
    }
    const penalty = dislike ? DISLIKE_WEIGHT * dislike.sim : 0;

    const score = parts.reduce((s, p) => s + p.value, 0) - penalty;
    const main = parts.reduce<{ value: number; reason: string } | null>((best, p) => (!best || p.value > best.value ? p : best), null);
    let reason: string | null = main && main.value >= REASON_MIN ? main.reason : null;
    if (dislike && penalty >= REASON_MIN && (!main || penalty > main.value)) {
      reason = `ranked lower: like *${md(shortTitle(dislike.p.paper))}*, which you rated down`;
    }
    return { score, reason };
  }
}

/** Precision at k of a ranked list of ids against a relevant set. */
export function precisionAt(k: number, ranked: readonly string[], relevant: ReadonlySet<string>): number {
  const top = ranked.slice(0, k);
  if (top.length === 0) return 0;
  return top.filter((id) => relevant.has(id)).length / k;
}
