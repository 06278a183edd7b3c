/**
 * Relevance ranking of digests (src/digest/rank.ts through `selectDigest`): a generated day of 300 new
 * papers with a known relevant set (test/helpers/rankingDay.ts) — the digest's top 5 holds at least 4
 * relevant papers for profiles built from keywords, from liked (seed) papers and from 👍/👎 feedback
 * (precision@5 printed; the baseline without a profile is latest first) — and the rules around it:
 * reasons, follows, dislikes, the minimum score, first digests and empty profiles left as they were.
 */
import { describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { formatDigest } from '../src/digest/format.ts';
import { buildProfile, DEFAULT_MIN_SCORE, EMPTY_PROFILE, papersTermStats, profileIsEmpty } from '../src/digest/rank.ts';
import { selectDigest, selectionFromIds } from '../src/digest/select.ts';
import type { DigestFeedback, SeenPaper, SubscriptionFilters } from '../src/store/types.ts';
import { profileOf, rankedDigest, rankingDay, rankingPrecision } from './helpers/rankingDay.ts';

function paper(id: string, over: Partial<Paper> = {}): Paper {
  return {
    id,
    title: `Paper ${id}`,
    aliases: [],
    authors: ['Ada Lovelace'],
    date: '2025-11-20',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: null,
    sources: ['000_x.txt'],
    categoryName: null,
    authorsTruncated: false,
    authorIds: [],
    year: 2025,
    ...over,
  };
}

const noFilters: SubscriptionFilters = { categories: [], authors: [], keywords: [], excludeKeywords: [] };
const T0 = new Date('2025-11-20T08:00:00Z');
const T1 = new Date('2025-11-21T08:00:00Z');
const T2 = new Date('2025-11-22T08:00:00Z');
const seenAt = (p: Paper, at: Date): SeenPaper => ({ paperId: p.id, firstSeenAt: at, title: p.title, date: p.date });
const rating = (p: Paper, r: 1 | -1, source: 'seed' | 'button' = 'button'): DigestFeedback => ({ subscriptionId: 1, paperId: p.id, userId: 'u1', rating: r, source, title: p.title, createdAt: T0, updatedAt: T0 });

describe('ranking a generated day of 300 new papers', () => {
  const day = rankingDay();

  it('has 300 new papers and a relevant set of 30', () => {
    expect(day.today).toHaveLength(300);
    expect(day.relevant.size).toBe(30);
  });

  it('precision@5 ≥ 0.8 for profiles from keywords, liked papers and feedback (printed)', () => {
    const p = rankingPrecision();
    console.log(`precision@5 on a generated day of 300 new papers (30 relevant): keywords ${p.keywords.toFixed(2)}, liked papers ${p.liked.toFixed(2)}, feedback ${p.feedback.toFixed(2)}; no profile (latest first) ${p.none.toFixed(2)}`);
    expect(p.keywords).toBeGreaterThanOrEqual(0.8);
    expect(p.liked).toBeGreaterThanOrEqual(0.8);
    expect(p.feedback).toBeGreaterThanOrEqual(0.8);
    // Several generated days, not one lucky draw.
    for (const seed of [1, 2, 3]) {
      const q = rankingPrecision(seed);
      expect(Math.min(q.keywords, q.liked, q.feedback)).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('each paper names its main reason; weak matches stay out of a digest with more candidates than it shows', () => {
    const kw = rankedDigest(day, 'keywords');
    expect(kw.reasons[0]).toMatch(/^matches your keyword \*(retrieval|reranking)\*$/);
    const liked = rankedDigest(day, 'liked');
    expect(liked.reasons[0]).toMatch(/^like \*.+\*, which this digest was seeded with$/);
    const fb = rankedDigest(day, 'feedback');
    expect(fb.reasons[0]).toMatch(/^like \*.+\*, which you rated up$/);
    // All 300 are candidates for the liked profile; only those above the minimum score are kept (then the maximum).
    const { profile } = profileOf(day, 'liked');
    const all = selectDigest({ papers: day.papers, seen: day.seen, filters: noFilters, maxPapers: 25, since: day.since, until: day.until, ranking: { profile, stats: papersTermStats(day.papers) } });
    expect(all.total).toBeLessThan(300);
    expect(all.papers.every((p) => (p.score ?? 0) >= DEFAULT_MIN_SCORE)).toBe(true);
  });

  it('👎 on recommender papers moves similar papers down', () => {
    const byId = new Map(day.papers.map((p) => [p.id, p]));
    const up = day.yesterday.retrieval.slice(2, 4).map((p) => rating(p, 1));
    const down = day.yesterday.recommendation.map((p) => rating(p, -1));
    // Room for all 300 (no minimum score): where do the 30 recommender papers end up?
    const rank = (fb: DigestFeedback[]) =>
      selectDigest({ papers: day.papers, seen: day.seen, filters: noFilters, maxPapers: 300, since: day.since, until: day.until, ranking: { profile: buildProfile(noFilters, fb, byId), stats: papersTermStats(day.papers) } }).papers.map((p) => p.paper.id);
    const meanPlace = (ids: string[]) => {
      const places = ids.flatMap((id, i) => (id.startsWith('gen-recommendation-') ? [i] : []));
      return places.reduce((a, b) => a + b, 0) / places.length;
    };
    const withoutDown = rank(up);
    const withDown = rank([...up, ...down]);
    expect(withDown).toHaveLength(300);
    // Liked retrieval papers pull the recommenders (shared vocabulary) up; the 👎 sends them to the bottom.
    expect(meanPlace(withoutDown)).toBeLessThan(100);
    expect(meanPlace(withDown)).toBeGreaterThan(250);
  });
});

describe('ranking rules', () => {
  const old = paper('old', { title: 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts', abstract: 'A sparsely activated mixture of experts language model with gating over experts.' });
  const moe = paper('moe', { date: '2025-11-19', title: 'Routing Tokens to Experts', abstract: 'Sparse mixture of experts routing with gating and expert capacity for language models.' });
  const speech = paper('speech', { date: '2025-11-21', title: 'Streaming Speech Recognition', abstract: 'Acoustic models for speech recognition on devices.' });
  const byDu = paper('du', { date: '2025-11-20', title: 'A Study of Optimisers', abstract: 'Optimisers compared.', authors: ['Nan Du', 'B C'], authorIds: ['a-nan-du', 'a-b-c'] });
  const papers = [old, moe, speech, byDu];
  const seen = [seenAt(old, T0), seenAt(moe, T2), seenAt(speech, T2), seenAt(byDu, T2)];
  const byId = new Map(papers.map((p) => [p.id, p]));
  const stats = papersTermStats(papers);
  const select = (profile = EMPTY_PROFILE, over: Partial<Parameters<typeof selectDigest>[0]> = {}) =>
    selectDigest({ papers, seen, filters: noFilters, maxPapers: 10, since: T1, until: T2, ranking: { profile, stats }, ...over });

  it('no profile beyond filters: latest first, no reasons, as before', () => {
    const profile = buildProfile({ keywords: [], authors: [] }, [], byId);
    expect(profileIsEmpty(profile)).toBe(true);
    const sel = select(profile);
    expect(sel.papers.map((p) => p.paper.id)).toEqual(['speech', 'du', 'moe']);
    expect(sel.papers.map((p) => p.reason)).toEqual([undefined, undefined, undefined]);
    expect(formatDigest(sel, { localDate: '2025-11-22' }).lines[0]!.text).toMatch(/↳ new paper$/);
  });

  it('a first digest lists the latest papers by date, whatever the profile', () => {
    const profile = buildProfile({ keywords: [], authors: [] }, [rating(old, 1, 'seed')], byId);
    const sel = select(profile, { since: null });
    expect(sel.firstDigest).toBe(true);
    expect(sel.papers.map((p) => p.paper.id)).toEqual(['speech', 'du', 'old', 'moe']);
  });

  it('a seed paper puts similar papers first, with the reason; shown in the digest line', () => {
    const sel = select(buildProfile({ keywords: [], authors: [] }, [rating(old, 1, 'seed')], byId));
    expect(sel.papers[0]!.paper.id).toBe('moe');
    expect(sel.papers[0]!.reason).toBe('like *GLaM*, which this digest was seeded with');
    const msg = formatDigest(sel, { localDate: '2025-11-22' });
    expect(msg.lines[0]!.text).toMatch(/↳ like \*GLaM\*, which this digest was seeded with$/);
    expect(msg.lines[0]!.reason).toBe('like *GLaM*, which this digest was seeded with');
  });

  it('a followed author: "by Nan Du, whom you follow"; a named author says so', () => {
    const follow = { kind: 'author' as const, label: 'Nan Du', target: { authorIds: ['a-nan-du'], nameKeys: ['nan du'] } };
    const sel = select(buildProfile({ keywords: [], authors: [] }, [], byId, [follow]));
    expect(sel.papers[0]!.paper.id).toBe('du');
    expect(sel.papers[0]!.reason).toBe('by Nan Du, whom you follow');
    const named = select(buildProfile({ keywords: [], authors: ['nan du'] }, [], byId), { filters: { ...noFilters, authors: ['nan du'] } });
    expect(named.papers.map((p) => [p.paper.id, p.reason])).toEqual([['du', 'by Nan Du, an author this digest names']]);
  });

  it('a 👎 sinks similar papers and says why; the minimum score applies only with more candidates than shown', () => {
    const down = select(buildProfile({ keywords: [], authors: [] }, [rating(old, -1)], byId));
    expect(down.papers.at(-1)!.paper.id).toBe('moe');
    expect(down.papers.at(-1)!.reason).toBe('ranked lower: like *GLaM*, which you rated down');
    // A keyword profile: with room for everything, weak matches stay (best first)…
    const kw = buildProfile({ keywords: ['speech'], authors: [] }, [], byId);
    expect(select(kw).papers.map((p) => p.paper.id)).toEqual(['speech', 'du', 'moe']);
    // …with more candidates than the maximum, papers below the minimum score are left out.
    const few = select(kw, { maxPapers: 2 });
    expect(few.papers.map((p) => p.paper.id)).toEqual(['speech']);
    expect(few.total).toBe(1);
    // "Show all" (no maximum) leaves out what the digest left out.
    expect(select(kw, { maxPapers: Number.MAX_SAFE_INTEGER }).total).toBe(3);
    const showAll = selectDigest({ papers, seen, filters: noFilters, maxPapers: Number.MAX_SAFE_INTEGER, since: T1, until: T2, ranking: { profile: kw, stats, cutAbove: 2 } });
    expect(showAll.papers.map((p) => p.paper.id)).toEqual(['speech']);
  });

  it('a re-send keeps the stored order and recomputes the reasons', () => {
    const profile = buildProfile({ keywords: [], authors: [] }, [rating(old, 1)], byId);
    const sel = selectionFromIds(papers, ['speech', 'moe'], noFilters, { firstDigest: false, ranking: { profile, stats } });
    expect(sel.papers.map((p) => [p.paper.id, p.reason])).toEqual([
      ['speech', null],
      ['moe', 'like *GLaM*, which you rated up'],
    ]);
  });
});
