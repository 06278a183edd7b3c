/**
 * Compact index segments (src/search/segment.ts, src/search/tiered.ts): a library whose indexes
 * are segments answers as the MiniSearch-backed library of the same corpus — the same hits with
 * scores equal within float tolerance on the benchmark's query set and on prefix, fuzzy and AND
 * queries, the same autocomplete — on the shipped corpus and on a generated one large enough for
 * query planning; the segment's term lookups give what MiniSearch's radix tree gives; a segment
 * survives its binary round trip and a trip between threads in parts; removed documents and
 * additions equal a fresh build.
 */
import MiniSearch from 'minisearch';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, loadVocabulary } from '../bench/generate.ts';
import { buildQuerySet } from '../bench/queries.ts';
import { buildCorpus } from '../src/corpus/load.ts';
import type { Corpus } from '../src/corpus/schema.ts';
import { QueryExecutor, type ExecOptions } from '../src/search/executor.ts';
import { indexView } from '../src/search/internals.ts';
import { DEFAULT_RANKING, Library } from '../src/search/library.ts';
import { Segment } from '../src/search/segment.ts';
import { processTerm, tokenize } from '../src/search/terms.ts';
import { TieredIndex } from '../src/search/tiered.ts';
import { LibraryAssembler, libraryParts } from '../src/search/transfer.ts';
import { realLibrary } from './helpers/corpus.ts';

const SEGMENTS = { segmentMinDocs: 0 };

/** Equal up to float drift (relative 1e-9). */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Same hits (ids in order, scores within tolerance; two hits may swap only when they score the same) and total. */
function expectSameHits(got: { id: string; score: number }[], want: { id: string; score: number }[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((h, i) => {
    const w = want[i]!;
    expect(close(h.score, w.score), `${what}: #${i} ${h.id} ${h.score} vs ${w.id} ${w.score}`).toBe(true);
    if (h.id !== w.id) {
      const same = want.find((x) => x.id === h.id);
      expect(same && close(same.score, h.score), `${what}: #${i} ${h.id} vs ${w.id}`).toBe(true);
    }
  });
}

function expectSameLibraries(seg: Library, ms: Library, corpus: Corpus): void {
  const queries = buildQuerySet(corpus);
  for (const q of queries.search) {
    const a = ms.search(q.text, {}, { limit: 10, cache: false });
    const b = seg.search(q.text, {}, { limit: 10, cache: false });
    expect(b.total, q.text).toBe(a.total);
    expectSameHits(b.hits, a.hits, q.text);
  }
  for (const p of queries.titlePrefixes) expect(seg.suggestTitles(p), p).toEqual(ms.suggestTitles(p));
  for (const p of queries.authorPrefixes) expect(seg.suggestAuthors(p).map((a) => a.id), p).toEqual(ms.suggestAuthors(p).map((a) => a.id));
  for (const q of [...queries.search.map((s) => s.text), ...queries.titlePrefixes]) {
    expect(seg.findPaper(q)?.paper.id, q).toBe(ms.findPaper(q)?.paper.id);
    expect(seg.findAuthors(q).map((a) => a.id).sort(), q).toEqual(ms.findAuthors(q).map((a) => a.id).sort());
    expect(seg.spellings(q.split(' ')[0]!.toLowerCase()).sort(), q).toEqual(ms.spellings(q.split(' ')[0]!.toLowerCase()).sort());
  }
  for (const p of corpus.papers.slice(0, 20)) expectSameHits(seg.similar(p.id), ms.similar(p.id), `similar ${p.id}`);
  for (const t of ['model', 'expert', 'speech', 'nosuchword']) expect(seg.documentFrequency(t), t).toBe(ms.documentFrequency(t));
}

const EXEC_CASES: [string[], ExecOptions][] = [
  [['mixture of experts'], { boost: { title: 5, abstract: 1 }, fuzzy: (t) => (t.length >= 5 ? 0.2 : false), prefix: (t, i, all) => i === all.length - 1 && t.length >= 4 }],
  [['speach recogniton', 'asr'], { fuzzy: () => 0.3 }],
  [['transl'], { prefix: () => true }],
  [['sparse models efficient'], { combineWith: 'AND', prefix: () => true, fuzzy: () => 0.2 }],
  [['ga'], { prefix: () => true, combineWith: 'AND', boost: { title: 2 } }],
  [['language models language'], {}],
];

/** An executor's results as [id, score] sorted by id. */
function run(exec: QueryExecutor, groups: string[], options: ExecOptions): [unknown, number][] {
  const raw = exec.run(groups, options);
  return Array.from({ length: raw.n }, (_, k) => [exec.documentId(raw.docs[k]!), raw.scores[k]!] as [unknown, number]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

function expectSameRuns(a: [unknown, number][], b: [unknown, number][], what: string): void {
  expect(a.map((x) => x[0]), what).toEqual(b.map((x) => x[0]));
  a.forEach((x, i) => expect(close(x[1], b[i]![1]), `${what} ${String(x[0])}`).toBe(true));
}

describe('a segment of the shipped corpus', () => {
  let ms: Library;
  let seg: Library;
  beforeAll(async () => {
    ms = (await realLibrary()).lib;
    seg = Library.build(ms.corpus, DEFAULT_RANKING, SEGMENTS);
  });

  it('answers the bench queries, autocomplete, lookups and similar papers as the MiniSearch-backed library', () => {
    expect(ms.snapshot().version).toBe(2);
    expect(seg.snapshot().version).toBe(3);
    expectSameLibraries(seg, ms, ms.corpus);
  });

  it('finds the terms, prefixes and fuzzy matches MiniSearch finds, with the same distances', () => {
    const mini = new MiniSearch<{ id: string; text: string }>({ fields: ['text'], tokenize, processTerm });
    mini.addAll(ms.corpus.papers.map((p) => ({ id: p.id, text: `${p.title ?? ''} ${p.abstract ?? ''}` })));
    const segment = Segment.build(new QueryExecutor(mini, tokenize, processTerm).view, []);
    const tree = indexView(mini).terms;
    expect(segment.size).toBe(tree.size);
    const words = [...new Set(ms.corpus.papers.slice(0, 40).flatMap((p) => tokenize(p.title ?? '').map((w) => processTerm(w) ?? '')))].filter(Boolean);
    const probes = [...words, ...words.map((w) => `${w.slice(0, 2)}x${w.slice(3)}`), ...words.map((w) => w.slice(0, 3)), 'a', 'zzzz', 'é'];
    for (const w of probes) {
      for (const d of [1, 2, 3]) {
        const want = [...tree.fuzzyGet(w, d)].map(([t, [, dist]]) => [t, dist]).sort();
        const got = [...segment.fuzzyGet(w, d)].map(([t, [, dist]]) => [t, dist]).sort();
        expect(got, `${w} ~${d}`).toEqual(want);
      }
      expect([...segment.atPrefix(w)].map(([t]) => t), w).toEqual([...tree.atPrefix(w)].map(([t]) => t).sort());
      const fp = tree.get(w);
      const sp = segment.get(w);
      expect(sp === undefined, w).toBe(fp === undefined);
      if (fp && sp) for (const [field, postings] of fp) expect([...sp.get(field)!], w).toEqual([...postings]);
    }
  });

  it('scores prefix, fuzzy and AND queries as MiniSearch does (executor, no planning)', () => {
    const mini = new MiniSearch<{ id: string; title: string; abstract: string }>({ fields: ['title', 'abstract'], tokenize, processTerm });
    mini.addAll(ms.corpus.papers.map((p) => ({ id: p.id, title: p.title ?? '', abstract: p.abstract ?? '' })));
    const exact = { planMinDocs: Infinity, maxExpansions: 0, fuzzySkipDf: 0 };
    const a = new QueryExecutor(mini, tokenize, processTerm, exact);
    const b = new QueryExecutor(Segment.build(a.view, []), tokenize, processTerm, exact);
    for (const [groups, options] of EXEC_CASES) {
      const want = mini.search({ queries: groups.map((q) => ({ queries: [q], combineWith: options.combineWith ?? 'OR' })), combineWith: 'OR' }, options as never);
      const got = run(b, groups, options);
      expectSameRuns(got, want.map((r) => [r.id, r.score] as [unknown, number]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))), groups.join('|'));
      expectSameRuns(got, run(a, groups, options), groups.join('|'));
    }
  });

  it('round-trips through bytes (a snapshot of version 3), and refuses damaged bytes', () => {
    const bytes = seg.indexes().main.toBytes();
    const again = Segment.fromBytes(bytes.slice());
    expect(Buffer.from(again.toBytes()).equals(Buffer.from(bytes))).toBe(true);
    const copy = Library.fromSnapshot(seg.corpus, seg.snapshot());
    expectSameLibraries(copy, ms, ms.corpus);
    // An unaligned copy is read too.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(Segment.fromBytes(shifted).size).toBe(again.size);
    expect(() => Segment.fromBytes(bytes.subarray(0, bytes.length - 16))).toThrow(/^papertalk: /);
    expect(() => Segment.fromBytes(new Uint8Array(64))).toThrow(/^papertalk: /);
  });

  it('crosses threads as its bytes in parts and assembles into the same library', () => {
    const a = new LibraryAssembler();
    let segmentParts = 0;
    for (const part of libraryParts(seg, {}, { records: 50, cells: 2000 })) {
      if (part.t === 'segment') segmentParts++;
      expect(part.t).not.toBe('index');
      a.add(structuredClone(part));
    }
    expect(segmentParts).toBeGreaterThan(10);
    const got = a.finish();
    expect(JSON.stringify(got.corpus)).toBe(JSON.stringify(seg.corpus));
    expect(got.indexes().main.segment).not.toBeNull();
    expectSameLibraries(got, ms, ms.corpus);
  });

  it('masks removed documents and adds new ones: the same postings as MiniSearch after the same changes', () => {
    type D = { id: string; text: string };
    const docs: D[] = ms.corpus.papers.map((p) => ({ id: p.id, text: `${p.title ?? ''} ${p.abstract ?? ''}` }));
    const make = () => new MiniSearch<D>({ fields: ['text'], tokenize, processTerm });
    const base = make();
    base.addAll(docs);
    const tiered = TieredIndex.ofSegment(Segment.build(new QueryExecutor(base, tokenize, processTerm).view, []), make(), (d) => d.id);
    const gone = docs.filter((_, i) => i % 7 === 3);
    const added: D[] = [{ id: 'new-1', text: 'quasar routing of sparse experts' }, { id: 'new-2', text: 'speech quasar' }];
    for (const d of gone) tiered.remove(d);
    for (const d of added) tiered.add(d);
    const keep = [...docs.filter((d) => !gone.includes(d)), ...added];
    tiered.replayAverages(keep.map((d) => d.id));
    const fresh = make();
    fresh.addAll(keep);
    const exact = { planMinDocs: Infinity, maxExpansions: 0, fuzzySkipDf: 0 };
    const a = new QueryExecutor(fresh, tokenize, processTerm, exact);
    const b = new QueryExecutor(tiered.view(), tokenize, processTerm, exact);
    expect(b.view.documentCount).toBe(a.view.documentCount);
    expect(b.view.avgFieldLength).toEqual(a.view.avgFieldLength);
    for (const [groups, options] of [...EXEC_CASES, [['quasar'], { fuzzy: () => 0.3 }] as [string[], ExecOptions]]) expectSameRuns(run(b, groups, options), run(a, groups, options), groups.join('|'));
    expect(tiered.has(gone[0]!.id)).toBe(false);
    expect(tiered.has('new-1')).toBe(true);
    expect(() => tiered.remove(gone[0]!)).toThrow(/^papertalk: /);
    // Compacted into one segment: the same again.
    const compacted = new QueryExecutor(Segment.fromBytes(tiered.toBytes()), tokenize, processTerm, exact);
    for (const [groups, options] of EXEC_CASES) expectSameRuns(run(compacted, groups, options), run(a, groups, options), groups.join('|'));
  });
});

describe('a segment of a generated corpus (query planning on)', () => {
  let corpus: Corpus;
  let ms: Library;
  let seg: Library;
  beforeAll(async () => {
    const generated = generateCorpus(await loadVocabulary(), { papers: 5000, seed: 11 });
    corpus = buildCorpus(generated.files, generated.manifest).corpus;
    ms = Library.build(corpus, DEFAULT_RANKING, { segmentMinDocs: Infinity });
    seg = Library.build(corpus, DEFAULT_RANKING, SEGMENTS);
  }, 120_000);

  it('answers the bench queries, autocomplete, lookups and similar papers as the MiniSearch-backed library', () => {
    expect(corpus.papers.length + corpus.posts.length + corpus.authors.length).toBeGreaterThan(5000);
    expectSameLibraries(seg, ms, corpus);
  }, 120_000);
});
