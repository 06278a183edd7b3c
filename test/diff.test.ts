/**
 * Incremental library updates (src/search/diff.ts): for random sequences of files added, changed
 * and removed, the library patched step by step equals a fresh build of the same files — the
 * same corpus byte for byte, the same lookups, the same search results (scores within float
 * tolerance) — and the retired library refuses a second patch. Seed 4 starts from a library whose
 * indexes are segments (src/search/segment.ts): its patches mask removed documents and add the new
 * ones beside the segments (src/search/tiered.ts), and must still equal a fresh MiniSearch build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCorpus, type ParseCache, type SourceFile } from '../src/corpus/load.ts';
import { ManifestSchema } from '../src/corpus/manifest.ts';
import { diffLibrary, diffSize, recordState } from '../src/search/diff.ts';
import { DEFAULT_RANKING, Library } from '../src/search/library.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

const dataDir = new URL('../data/', import.meta.url).pathname;
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dataDir, 'sources.json'), 'utf8')));
const shipped: SourceFile[] = readdirSync(dataDir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dataDir, name), 'utf8') }));

const WORDS = ['sparse', 'routing', 'quasar', 'experts', 'speech', 'translation', 'pipeline', 'retrieval', 'vision', 'graph', 'latent', 'diffusion', 'tokens', 'scaling'];
const PEOPLE = ['Ada Example', 'Bo Sample', 'Nan Du', 'Yanqi Zhou', 'Chen Liang', 'Zhifeng Chen'];
const SHIPPED_TITLES = ['GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism', 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts'];

function bib(r: () => number, n: number, tag: string): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    // Some entries are another listing of a shipped paper (they merge with it), others new.
    const title = r() < 0.25 ? pick(SHIPPED_TITLES) : `${pick(WORDS)} ${pick(WORDS)} for ${pick(WORDS)} ${tag}${i}`;
    const authors = [pick(PEOPLE), pick(PEOPLE)].filter((a, k, xs) => xs.indexOf(a) === k).map((a) => a.split(' ').reverse().join(', '));
    const abstract = Array.from({ length: 12 }, () => pick(WORDS)).join(' ');
    entries.push(`@article{k${tag}${i},\n  title = {${title}},\n  author = {${authors.join(' and ')}},\n  year = {${2018 + Math.floor(r() * 7)}},\n  abstract = {${abstract}.}\n}\n`);
  }
  return entries.join('\n');
}

const QUERIES = ['sparse routing', 'quasar experts', 'speech', 'pipeline parallelism', 'Nan Du', 'Ada Example', 'mixture of experts', 'diffusion tokens', 'GPipe'];

function expectSameLibrary(got: Library, want: Library): void {
  expect(JSON.stringify(got.corpus)).toBe(JSON.stringify(want.corpus));
  const [x, y] = [want.lookups(), got.lookups()];
  const ids = <T extends { id: string }>(m: Map<string, T[]>) => [...m].map(([k, v]) => [k, v.map((r) => r.id)]).sort();
  expect([...y.byTitleKey].sort()).toEqual([...x.byTitleKey].sort());
  expect([...y.aliasIds].sort()).toEqual([...x.aliasIds].sort());
  expect([...y.byShortName].sort()).toEqual([...x.byShortName].sort());
  expect(ids(y.authorsByKey)).toEqual(ids(x.authorsByKey));
  expect(ids(y.postsByPaper)).toEqual(ids(x.postsByPaper));
  expect(y.categories).toEqual(x.categories);
  for (const q of QUERIES) {
    const a = want.search(q, {}, { limit: 10, cache: false });
    const b = got.search(q, {}, { limit: 10, cache: false });
    expect(b.total, q).toBe(a.total);
    expect(b.hits.length, q).toBe(a.hits.length);
    b.hits.forEach((h, i) => {
      const w = a.hits[i]!;
      // Equal up to float drift; a different id only between two hits that score the same.
      expect(Math.abs(h.score - w.score), q).toBeLessThan(1e-9 * Math.max(1, w.score));
      if (h.id !== w.id) expect(Math.abs((a.hits.find((k) => k.id === h.id)?.score ?? Infinity) - h.score), q).toBeLessThan(1e-9 * Math.max(1, w.score));
    });
    expect(got.suggestTitles(q.slice(0, 5)), q).toEqual(want.suggestTitles(q.slice(0, 5)));
    expect(got.findAuthors(q).map((au) => au.id).sort(), q).toEqual(want.findAuthors(q).map((au) => au.id).sort());
  }
}

describe('incremental library updates', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}${seed === 3 ? ' (from a snapshot)' : seed === 4 ? ' (segments)' : seed === 5 ? ' (segments, averages deferred)' : ''}: a patched library equals a fresh build after every step of random adds, changes and removals`, () => {
      const r = rng(seed);
      const files = new Map(shipped.map((f) => [f.name, f.text]));
      const cache: ParseCache = new Map();
      const build = () => buildCorpus([...files].map(([name, text]) => ({ name, text })), manifest, { cache }).corpus;
      // Seed 3 starts from a library restored from a snapshot (as the main thread's libraries are), seed 4 from segments.
      const first = build();
      let lib = seed === 3 ? Library.fromSnapshot(first, Library.build(first).snapshot()) : seed >= 4 ? Library.fromSnapshot(first, Library.build(first, DEFAULT_RANKING, { segmentMinDocs: 0 }).snapshot()) : Library.build(first);
      let state = recordState(lib.corpus);
      let patches = 0;
      for (let step = 0; step < 8; step++) {
        const op = r();
        const bibs = [...files.keys()].filter((n) => n.endsWith('.bib'));
        if (op < 0.45 || !bibs.length) files.set(`drop-${seed}-${step}.bib`, bib(r, 1 + Math.floor(r() * 3), `s${seed}x${step}`));
        else if (op < 0.75) files.set(bibs[Math.floor(r() * bibs.length)]!, bib(r, 1 + Math.floor(r() * 2), `s${seed}c${step}`));
        else if (op < 0.9) files.delete(bibs[Math.floor(r() * bibs.length)]!);
        else {
          // A whole shipped page removed, then back later: many records at once.
          const name = shipped[Math.floor(r() * shipped.length)]!.name;
          if (files.has(name)) files.delete(name);
          else files.set(name, shipped.find((f) => f.name === name)!.text);
        }
        const corpus = build();
        const fresh = Library.build(corpus);
        const d = diffLibrary(state, corpus, 1);
        expect(d).not.toBeNull();
        const next = lib.patched(d!.diff, DEFAULT_RANKING, { deferAverages: seed === 5 });
        expect(() => lib.patched(d!.diff)).toThrow(/^papertalk: /);
        if (seed === 5) {
          // Searchable at once with the previous averages; then exact with those of a fresh build.
          for (const p of d!.diff.papers.upsert) if (p.title) expect(next.search(p.title, { kinds: ['paper'] }, { limit: 50, cache: false }).hits.map((h) => h.id), p.title).toContain(p.id);
          next.setAverages(Library.build(corpus, DEFAULT_RANKING, { segmentMinDocs: 0 }).averages());
        }
        expectSameLibrary(next, fresh);
        if (seed >= 4) {
          // Still segments with additions; compacted into new segments (a snapshot), the same again.
          expect(next.indexes().main.segment).not.toBeNull();
          expectSameLibrary(Library.fromSnapshot(next.corpus, next.snapshot()), fresh);
        }
        if (diffSize(d!.diff)) patches++;
        lib = next;
        state = d!.state;
      }
      expect(patches).toBeGreaterThan(3);
    });
  }

  it('places upserted records by position when the others keep their order, and sends the whole order when they do not', () => {
    const all = buildCorpus(shipped, manifest).corpus;
    // Every seventh paper new or changed: they are placed by position, nothing else is sent.
    const before = { ...all, papers: all.papers.filter((_p, i) => i % 7 !== 2).map((p, i) => (i % 11 === 0 ? { ...p, venue: 'Old venue' } : p)) };
    const placed = diffLibrary(recordState(before), all, 1)!.diff;
    expect(placed.papers.order).toBeUndefined();
    expect(placed.papers.at).toHaveLength(placed.papers.upsert.length);
    expectSameLibrary(Library.build(before).patched(placed), Library.build(all));
    // Two records that did not change trade places: only the whole order says so.
    const swapped = { ...all, papers: [all.papers[1]!, all.papers[0]!, ...all.papers.slice(2)] };
    const moved = diffLibrary(recordState(all), swapped, 1)!.diff;
    expect(moved.papers.upsert).toEqual([]);
    expect(moved.papers.order?.slice(0, 2)).toEqual([all.papers[1]!.id, all.papers[0]!.id]);
    expect(Library.build(all).patched(moved).corpus.papers.map((p) => p.id)).toEqual(swapped.papers.map((p) => p.id));
  });

  it('a diff that changes most records is refused (the whole library is sent instead)', () => {
    const corpus = buildCorpus(shipped.slice(0, 1), manifest).corpus;
    const all = buildCorpus(shipped, manifest).corpus;
    expect(diffLibrary(recordState(corpus), all)).toBeNull();
    expect(diffLibrary(recordState(all), all)?.diff.papers.upsert).toEqual([]);
  });
});
