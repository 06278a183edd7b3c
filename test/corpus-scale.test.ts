/**
 * Scale: a synthetic corpus in the real formats (overlapping listings, one page owner on every
 * paper, a few papers with thousands of authors) loads correctly and in near-linear time.
 * The full 100k-paper run is `PAPERTALK_SCALE=100000 npx vitest run test/corpus-scale.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../src/corpus/load.ts';
import { syntheticCorpus } from './fixtures/corpus/synthetic.ts';

const N = Number(process.env['PAPERTALK_SCALE'] ?? 6000);

describe(`synthetic corpus of ${N} papers`, () => {
  it('merges overlapping listings into the right papers and authors, without quadratic work', () => {
    const s = syntheticCorpus({ papers: N, hugeAuthorLists: 3, hugeAuthorCount: 2000 });
    const t = performance.now();
    const r = buildCorpus(s.files, { sources: [{ file: 'inline.txt', pageOwner: s.owner }] });
    const ms = performance.now() - t;
    expect(r.issues).toEqual([]);
    expect(r.corpus.papers).toHaveLength(s.distinctPapers);
    expect(r.files.map((f) => f.format)).toEqual(['inline-listing', 'line-listing', 'author-page']);
    const owner = r.corpus.authors.filter((a) => a.name === s.owner);
    expect(owner).toHaveLength(1);
    expect(owner[0]!.paperIds).toHaveLength(s.distinctPapers);
    expect(r.corpus.papers.filter((p) => p.authors.length > 1000)).toHaveLength(3);
    // Roughly 1 ms per paper on a loaded machine; the quadratic version needed minutes at 20k.
    expect(ms).toBeLessThan(Math.max(30000, N * 2));
  }, 600000);
});
