import MiniSearch from 'minisearch';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryExecutor, type ExecOptions, type RawResults } from '../src/search/executor.ts';
import { processTerm, tokenize } from '../src/search/terms.ts';
import { realLibrary } from './helpers/corpus.ts';

type Doc = { uid: string; title: string; abstract: string; authors: string; body: string };
let ms: MiniSearch<Doc>;
let exec: QueryExecutor;

beforeAll(async () => {
  const { lib } = await realLibrary();
  ms = new MiniSearch<Doc>({ idField: 'uid', fields: ['title', 'authors', 'abstract', 'body'], storeFields: ['title'], tokenize, processTerm });
  ms.addAll([
    ...lib.corpus.papers.map((p) => ({ uid: `paper:${p.id}`, title: p.title ?? '', abstract: p.abstract ?? '', authors: p.authors.join(' \n '), body: '' })),
    ...lib.corpus.posts.map((p) => ({ uid: `post:${p.id}`, title: p.title, abstract: '', authors: '', body: p.body })),
  ]);
  // Planning off: the executor must then agree with MiniSearch exactly.
  exec = new QueryExecutor(ms, tokenize, processTerm, { planMinDocs: Infinity, maxExpansions: 0, fuzzySkipDf: 0 });
});

/** The executor's results in MiniSearch's shape: [id, score, query terms, matched index terms]. */
function viaExecutor(raw: RawResults) {
  return Array.from({ length: raw.n }, (_, k) => {
    const bits = raw.sourceTerms.filter((_, b) => (b < 32 ? raw.maskLo[k]! & (2 ** b) : raw.maskHi[k]! & (2 ** (b - 32))));
    return [exec.documentId(raw.docs[k]!), raw.scores[k], bits.sort(), exec.termsOf(raw, raw.docs[k]!).sort()] as const;
  }).sort((a, b) => b[1]! - a[1]! || String(a[0]).localeCompare(String(b[0])));
}

function viaMiniSearch(groups: string[], options: ExecOptions) {
  const res = ms.search({ queries: groups.map((q) => ({ queries: [q], combineWith: options.combineWith ?? 'OR' })), combineWith: 'OR' }, options as never);
  return res.map((r) => [r.id, r.score, [...r.queryTerms].sort(), [...r.terms].sort()] as const).sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}

const searchOptions: ExecOptions = {
  boost: { title: 5, authors: 2.5, abstract: 1, body: 0.8 },
  fuzzy: (t) => (t.length >= 5 ? 0.2 : false),
  prefix: (t, i, all) => i === all.length - 1 && t.length >= 4,
};

describe('QueryExecutor (no planning) scores exactly as MiniSearch', () => {
  const cases: [string[], ExecOptions][] = [
    [['mixture of experts'], searchOptions],
    [['mixture of experts', 'moe'], searchOptions],
    [['speach recogniton'], searchOptions],
    [['language models language'], searchOptions],
    [['pipeline parallelism', 'gpipe'], searchOptions],
    [['Noam Shazeer'], searchOptions],
    [['translat'], searchOptions],
    [['quantum gravity'], searchOptions],
    [['sparse models efficient'], { ...searchOptions, combineWith: 'AND' }],
    [['ga'], { prefix: (_t, i, all) => i === all.length - 1, fuzzy: (t) => (t.length >= 5 ? 0.2 : false), combineWith: 'AND', boost: { title: 2 } }],
    [['neural network training data model scaling large efficient transformer attention'], { boost: { title: 5 } }],
  ];
  for (const [groups, options] of cases) {
    it(`${groups.join(' | ')} (${options.combineWith ?? 'OR'})`, () => {
      const expected = viaMiniSearch(groups, options);
      const got = viaExecutor(exec.run(groups, options));
      expect(got).toEqual(expected);
    });
  }
  it('reports document frequency and processed terms as the index sees them', () => {
    expect(exec.terms('The Mixture-of-Experts')).toEqual(['mixture', 'expert']);
    expect(exec.df('expert')).toBeGreaterThan(3);
    expect(exec.df('nosuchterm')).toBe(0);
  });
});

describe('QueryExecutor planning on a large index', () => {
  it('caps expansions and skips fuzzy matching of well-known terms, flagging the run as planned', () => {
    const planned = new QueryExecutor(ms, tokenize, processTerm, { planMinDocs: 1, maxExpansions: 2, fuzzySkipDf: 3 });
    const raw = planned.run(['model'], { prefix: () => true, fuzzy: () => 0.2 });
    expect(raw.planned).toBe(true);
    const terms = new Set(raw.derived.map(([t]) => t));
    expect(terms.has('model')).toBe(true);
    expect(terms.size).toBeLessThanOrEqual(3);
    // The exact term's documents are all there.
    const exact = exec.run(['model'], {});
    const docs = new Set(raw.docs);
    for (const d of exact.docs) expect(docs.has(d)).toBe(true);
  });
});
