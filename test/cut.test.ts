/**
 * Pruning of OR queries on a large index (src/search/cut.ts): with a cut, the executor returns
 * every document whose final score reaches the caller's floor, with the same score to the bit,
 * the same matched terms and in the same relative order as without it, and leaves out only
 * documents under the floor or that cannot qualify. Checked on segments of generated corpora of
 * both generator profiles (long posting lists in `small-vocab`), over the bench's queries, titles,
 * their beginnings and abstract phrases, with and without a filter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, loadVocabulary, type GeneratorProfile } from '../bench/generate.ts';
import { buildQuerySet } from '../bench/queries.ts';
import { buildCorpus } from '../src/corpus/load.ts';
import type { Corpus } from '../src/corpus/schema.ts';
import type { Cut } from '../src/search/cut.ts';
import { QueryExecutor, type ExecOptions, type RawResults } from '../src/search/executor.ts';
import { DEFAULT_RANKING, Library } from '../src/search/library.ts';
import { processTerm, tokenize } from '../src/search/terms.ts';

function popcount(x: number): number {
  let c = 0;
  for (; x; x >>>= 1) c += x & 1;
  return c;
}

/** A copy of the results (the executor reuses its buffers). */
function copy(raw: RawResults): { docs: number[]; scores: number[]; lo: number[]; hi: number[] } {
  return { docs: [...raw.docs], scores: [...raw.scores], lo: [...raw.maskLo], hi: [...raw.maskHi] };
}

function queriesOf(corpus: Corpus): string[] {
  const q = buildQuerySet(corpus);
  const out = q.search.map((s) => s.text);
  corpus.papers.filter((_, i) => i % 97 === 0).forEach((p) => {
    if (p.title) out.push(p.title, p.title.split(' ').slice(0, 3).join(' '));
    const words = (p.abstract ?? '').split(' ');
    if (words.length > 12) out.push(words.slice(4, 8).join(' '), words.slice(10, 12).join(' '));
  });
  return out;
}

for (const profile of ['default', 'small-vocab'] as GeneratorProfile[]) {
  describe(`cut on a segment of a generated corpus (${profile})`, () => {
    let corpus: Corpus;
    let exec: QueryExecutor;
    beforeAll(async () => {
      const generated = generateCorpus(await loadVocabulary(), { papers: 2500, seed: 7, profile });
      corpus = buildCorpus(generated.files, generated.manifest).corpus;
      const lib = Library.build(corpus, DEFAULT_RANKING, { segmentMinDocs: 0 });
      // Planning on at this size: the direct path, where the cut applies.
      exec = new QueryExecutor(lib.indexes().main.view(), tokenize, processTerm, { planMinDocs: 0, maxExpansions: 24, fuzzySkipDf: 20 });
    }, 120_000);

    it('keeps every document that reaches the floor, scored to the bit, in the same order', () => {
      const r = DEFAULT_RANKING;
      const base: ExecOptions = {
        boost: r.boost,
        fuzzy: (t) => (t.length >= r.fuzzyMinLength ? r.fuzzy : false),
        prefix: (t, i, all) => i === all.length - 1 && t.length >= r.prefixMinLength,
      };
      let pruned = 0;
      let kept = 0;
      for (const text of queriesOf(corpus)) {
        const n = exec.terms(text).length;
        if (!n) continue;
        for (const [minShare, minRelative, filter] of [
          [0.5, r.minRelativeScore, undefined],
          [0, 0.3, (doc: number) => doc % 3 !== 0],
          [1, 0, undefined],
        ] as const) {
          // Coverage-like: the share of query terms matched, at least `minShare`.
          const cut: Cut = {
            factor: (lo, hi) => {
              const c = (popcount(lo) + popcount(hi)) / n;
              return c < minShare ? NaN : 0.5 + c;
            },
            filter,
            minRelative,
          };
          const all = copy(exec.run([text], base));
          const got = copy(exec.run([text], { ...base, cut }));
          const final = (k: number) => all.scores[k]! * cut.factor(all.lo[k]!, all.hi[k]!);
          let best = 0;
          for (let k = 0; k < all.docs.length; k++) if ((!filter || filter(all.docs[k]!)) && final(k) > best) best = final(k);
          const floor = best * minRelative;
          const want = all.docs.map((doc, k) => [doc, all.scores[k], all.lo[k], all.hi[k]] as const).filter((_, k) => final(k) >= floor);
          const have = new Map(got.docs.map((doc, k) => [doc, [doc, got.scores[k], got.lo[k], got.hi[k]] as const]));
          // Everything that reaches the floor, as it was; what is left out is under it.
          for (const w of want) expect(have.get(w[0]), `${text}: ${w[0]}`).toEqual(w);
          const position = new Map(all.docs.map((doc, k) => [doc, k]));
          for (let k = 1; k < got.docs.length; k++) expect(position.get(got.docs[k]!)! > position.get(got.docs[k - 1]!)!, text).toBe(true);
          for (let k = 0; k < got.docs.length; k++) {
            const at = position.get(got.docs[k]!);
            expect(at, text).toBeDefined();
            expect(got.scores[k], text).toBe(all.scores[at!]);
          }
          pruned += all.docs.length - got.docs.length;
          kept += got.docs.length;
        }
      }
      // The cut does leave documents out.
      expect(pruned).toBeGreaterThan(kept);
    }, 120_000);
  });
}
