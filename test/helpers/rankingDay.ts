/**
 * A generated day of 300 new papers with a known relevant set, for the relevance ranking of digests
 * (src/digest/rank.ts), and precision@5 of the digest's top for profiles built from keywords, from
 * liked (seed) papers and from 👍/👎 feedback. Deterministic (seeded generator). Used by
 * test/digest-rank.test.ts; `rankingPrecision()` is what an evaluation script can call.
 *
 * The day: 30 papers on dense retrieval (the relevant set), 30 on recommender systems (sharing much
 * of its vocabulary: queries, ranking, embeddings, users), 40 on other topics that mention retrieval
 * in passing, and 200 on eight other topics; every abstract is mostly generic research prose. The
 * day before holds the papers the profiles like or dislike (seen before the last digest).
 */
import type { Paper } from '../../src/corpus/schema.ts';
import { buildProfile, libraryTermStats, precisionAt, type InterestProfile } from '../../src/digest/rank.ts';
import { selectDigest } from '../../src/digest/select.ts';
import { Library } from '../../src/search/library.ts';
import type { DigestFeedback, SeenPaper, SubscriptionFilters } from '../../src/store/types.ts';
import { rng as mulberry32 } from '../fixtures/corpus/synthetic.ts';

const GENERIC =
  'we propose a novel method that improves results across several benchmarks while remaining simple to train and efficient at inference our experiments show consistent gains over strong baselines and ablations analyse each component of the approach we release code and models to support further research on large scale settings with limited compute the framework generalises to new domains'.split(
    ' ',
  );

const TOPICS: Record<string, { title: string[]; words: string[] }> = {
  retrieval: {
    title: ['Dense Passage Retrieval', 'Neural Retrievers', 'Learned Sparse Retrieval', 'Retrieval with Late Interaction', 'Multi-Vector Retrieval', 'Query Encoders for Open-Domain Retrieval'],
    words: 'retrieval retriever passages passage query queries document documents index nearest neighbour search reranking ranking bm25 recall corpus open domain question answering embeddings contrastive negatives candidate relevance'.split(' '),
  },
  recommendation: {
    title: ['Sequential Recommendation', 'Collaborative Filtering at Scale', 'Session-Based Recommenders', 'Ranking Items for Users', 'Click-Through Prediction'],
    words: 'recommendation recommender users user items item clicks ranking embeddings collaborative filtering session implicit feedback candidate generation query queries search index recall relevance retrieval engagement'.split(' '),
  },
  speech: { title: ['Streaming Speech Recognition', 'End-to-End ASR', 'Speech Synthesis'], words: 'speech acoustic audio asr recognition transducer phoneme waveform speaker utterances word error rate'.split(' ') },
  vision: { title: ['Vision Transformers', 'Object Detection', 'Image Segmentation'], words: 'image images pixels vision convolutional detection segmentation patches visual object boxes resolution'.split(' ') },
  moe: { title: ['Sparse Mixture of Experts', 'Expert Routing', 'Conditional Computation'], words: 'experts expert routing router gating sparse mixture tokens capacity load balancing conditional computation'.split(' ') },
  rl: { title: ['Offline Reinforcement Learning', 'Policy Optimisation', 'Reward Modelling'], words: 'policy reward agent environment reinforcement actions value function exploration trajectories returns'.split(' ') },
  graphs: { title: ['Graph Neural Networks', 'Message Passing', 'Molecular Graphs'], words: 'graph graphs nodes edges message passing molecular neighbourhood aggregation topology'.split(' ') },
  translation: { title: ['Low-Resource Translation', 'Multilingual Translation', 'Document-Level Translation'], words: 'translation multilingual languages bilingual parallel source target bleu low-resource decoder'.split(' ') },
  proofs: { title: ['Formal Theorem Proving', 'Proof Search', 'Autoformalisation'], words: 'theorem proof proofs formal lean tactics prover mathematics lemmas verification'.split(' ') },
  robotics: { title: ['Robot Manipulation', 'Legged Locomotion', 'Sim-to-Real Transfer'], words: 'robot robots manipulation grasping locomotion control sensors simulation real world trajectories'.split(' ') },
};

const OTHER = ['speech', 'vision', 'moe', 'rl', 'graphs', 'translation', 'proofs', 'robotics'] as const;

function paperOf(id: string, title: string, abstract: string, date: string, authors: string[]): Paper {
  return {
    id,
    title,
    aliases: [],
    authors,
    date,
    category: 'LG',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract,
    sources: ['generated.txt'],
    categoryName: null,
    authorsTruncated: false,
    authorIds: [],
    year: 2025,
  };
}

export interface RankingDay {
  /** Yesterday's papers (liked / disliked by the profiles) and today's 300 new ones. */
  papers: Paper[];
  seen: SeenPaper[];
  today: Paper[];
  relevant: Set<string>;
  /** Yesterday's papers by topic. */
  yesterday: { retrieval: Paper[]; recommendation: Paper[] };
  since: Date;
  until: Date;
  lib: Library;
}

export function rankingDay(seed = 20251124): RankingDay {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const words = (topic: string, n: number, topicShare: number): string => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(rnd() < topicShare ? pick(TOPICS[topic]!.words) : pick(GENERIC));
    return out.join(' ');
  };
  let counter = 0;
  const make = (topic: string, date: string, opts: { mention?: boolean } = {}): Paper => {
    const id = `gen-${topic}-${String(++counter).padStart(3, '0')}`;
    const t = TOPICS[topic]!;
    const title = `${pick(t.title)}: ${words(topic, 4, 0.6).replace(/^./, (c) => c.toUpperCase())}`;
    let abstract = `${words(topic, 70, 0.2)}.`;
    if (opts.mention) abstract += ' Unlike retrieval based pipelines with reranking, the approach needs no external memory.';
    return paperOf(id, title, abstract, date, [`Author ${counter}`]);
  };

  const yesterday = {
    retrieval: Array.from({ length: 4 }, () => make('retrieval', '2025-11-22')),
    recommendation: Array.from({ length: 4 }, () => make('recommendation', '2025-11-22')),
  };
  const old = [...yesterday.retrieval, ...yesterday.recommendation, ...OTHER.map((o) => make(o, '2025-11-22'))];

  const today: Paper[] = [];
  const dates = ['2025-11-24', '2025-11-23', '2025-11-22', '2025-11-21'];
  for (let i = 0; i < 30; i++) today.push(make('retrieval', pick(dates)));
  for (let i = 0; i < 30; i++) today.push(make('recommendation', pick(dates)));
  for (let i = 0; i < 40; i++) today.push(make(OTHER[i % OTHER.length]!, pick(dates), { mention: true }));
  for (let i = 0; i < 200; i++) today.push(make(OTHER[i % OTHER.length]!, pick(dates)));

  const since = new Date('2025-11-23T08:00:00Z');
  const until = new Date('2025-11-24T08:00:00Z');
  const seen: SeenPaper[] = [
    ...old.map((p) => ({ paperId: p.id, firstSeenAt: new Date('2025-11-22T12:00:00Z'), title: p.title, date: p.date })),
    ...today.map((p) => ({ paperId: p.id, firstSeenAt: new Date('2025-11-23T20:00:00Z'), title: p.title, date: p.date })),
  ];
  const papers = [...old, ...today];
  const lib = Library.build({ papers, posts: [], authors: [] });
  return { papers, seen, today, relevant: new Set(today.filter((p) => p.id.startsWith('gen-retrieval-')).map((p) => p.id)), yesterday, since, until, lib };
}

const NO_FILTERS: SubscriptionFilters = { categories: [], authors: [], keywords: [], excludeKeywords: [] };

function fb(paper: Paper, rating: 1 | -1, source: 'seed' | 'button'): DigestFeedback {
  const at = new Date('2025-11-23T09:00:00Z');
  return { subscriptionId: 1, paperId: paper.id, userId: 'u1', rating, source, title: paper.title, createdAt: at, updatedAt: at };
}

export type ProfileKind = 'keywords' | 'liked' | 'feedback' | 'none';

/** The subscription filters and interest profile of each kind of profile the evaluation measures. */
export function profileOf(day: RankingDay, kind: ProfileKind): { filters: SubscriptionFilters; profile: InterestProfile } {
  const byId = new Map(day.papers.map((p) => [p.id, p]));
  switch (kind) {
    case 'keywords': {
      const filters = { ...NO_FILTERS, keywords: ['retrieval', 'reranking'] };
      return { filters, profile: buildProfile(filters, [], byId) };
    }
    case 'liked':
      return { filters: NO_FILTERS, profile: buildProfile(NO_FILTERS, day.yesterday.retrieval.slice(0, 2).map((p) => fb(p, 1, 'seed')), byId) };
    case 'feedback':
      return {
        filters: NO_FILTERS,
        profile: buildProfile(NO_FILTERS, [...day.yesterday.retrieval.slice(2, 4).map((p) => fb(p, 1, 'button')), ...day.yesterday.recommendation.map((p) => fb(p, -1, 'button'))], byId),
      };
    case 'none':
      return { filters: NO_FILTERS, profile: buildProfile(NO_FILTERS, [], byId) };
  }
}

/** The ids of a digest's papers for one kind of profile (max 10 papers, as a subscription's default). */
export function rankedDigest(day: RankingDay, kind: ProfileKind, maxPapers = 10): { ids: string[]; reasons: (string | null)[] } {
  const { filters, profile } = profileOf(day, kind);
  const sel = selectDigest({ papers: day.papers, seen: day.seen, filters, maxPapers, since: day.since, until: day.until, ranking: { profile, stats: libraryTermStats(day.lib) } });
  return { ids: sel.papers.map((p) => p.paper.id), reasons: sel.papers.map((p) => p.reason ?? null) };
}

/** precision@5 of the digest's top for each kind of profile (`none`: no profile, latest first, the baseline). */
export function rankingPrecision(seed?: number): Record<ProfileKind, number> {
  const day = rankingDay(seed);
  const out = {} as Record<ProfileKind, number>;
  for (const kind of ['keywords', 'liked', 'feedback', 'none'] as const) out[kind] = precisionAt(5, rankedDigest(day, kind).ids, day.relevant);
  return out;
}
