/**
 * `TieredIndex.warmSteps`: what the first patch of a segment-backed library needs (document numbers
 * by id) is built in small steps beforehand, and a patch after it removes and adds exactly as one
 * without it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import type { Corpus } from '../src/corpus/schema.ts';
import { diffLibrary, recordState } from '../src/search/diff.ts';
import { DEFAULT_RANKING, Library } from '../src/search/library.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let corpus: Corpus;
beforeAll(async () => {
  corpus = (await loadCorpusDir(path.join(root, 'data'))).corpus;
}, 60_000);

const segmented = (c: Corpus) => Library.fromSnapshot(c, Library.build(c, DEFAULT_RANKING, { segmentMinDocs: 0 }).snapshot());

describe('TieredIndex.warmSteps', () => {
  it('builds the id map a step at a time; a patch afterwards equals one without it and a fresh build', () => {
    const partial = { ...corpus, papers: corpus.papers.filter((_p, i) => i % 9 !== 4) };
    const warmed = segmented(partial);
    const cold = segmented(partial);
    let steps = 0;
    for (const index of Object.values(warmed.indexes())) {
      const it = index.warmSteps(25);
      while (!it.next().done) steps++;
      // A second run finds the work done.
      expect(index.warmSteps(25).next().done).toBe(true);
    }
    expect(steps).toBeGreaterThan(10);
    const d = diffLibrary(recordState(partial), corpus, 1)!;
    const d2 = diffLibrary(recordState(partial), corpus, 1)!;
    const a = warmed.patched(d.diff);
    const b = cold.patched(d2.diff);
    const fresh = Library.build(corpus);
    for (const lib of [a, b]) lib.setAverages(Library.build(corpus, DEFAULT_RANKING, { segmentMinDocs: 0 }).averages());
    for (const q of ['speech recognition', 'mixture of experts', 'pipeline parallelism', 'Yanqi Zhou']) {
      const hits = (l: Library) => l.search(q, {}, { limit: 20 }).hits.map((h) => [h.id, h.score.toFixed(6)]);
      expect(hits(a)).toEqual(hits(b));
      expect(hits(a)).toEqual(hits(fresh));
    }
  });

  it('Library.warmSteps runs on a patched library and leaves its answers as they were', () => {
    const lib = segmented(corpus);
    const before = lib.search('mixture of experts', {}, { limit: 10, cache: false }).hits;
    let steps = 0;
    for (const it = lib.warmSteps(); !it.next().done; ) steps++;
    expect(steps).toBeGreaterThan(0);
    expect(lib.search('mixture of experts', {}, { limit: 10, cache: false }).hits).toEqual(before);
  });
});
