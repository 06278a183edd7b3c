/**
 * PROPOSAL check: the library's MiniSearch main index vs the compact typed-array index
 * (`compactIndex.ts`) on the same corpus and queries: build time, heap, search latency, top-10
 * overlap, save/load of the index.
 *
 *   node --expose-gc --import tsx bench/proposals/compare.ts --dir /tmp/papertalk-bench/v2-seed42-n100000
 *
 * The corpus comes from the bench's snapshot cache when it matches, else it is parsed (and a
 * JSON copy is kept next to the data dir for the next run).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadCorpusDir } from '../../src/corpus/load.ts';
import type { Corpus } from '../../src/corpus/schema.ts';
import { DEFAULT_RANKING, Library } from '../../src/search/library.ts';
import { loadCachedCorpus } from '../../src/search/snapshot.ts';
import { buildQuerySet } from '../queries.ts';
import { collectGarbage, summarize } from '../stats.ts';
import { CompactIndex, type CompactDocument } from './compactIndex.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function corpusOf(dir: string): Promise<Corpus> {
  const copy = `${dir}-corpus.json`;
  if (existsSync(copy)) return JSON.parse(readFileSync(copy, 'utf8')) as Corpus;
  const cached = await loadCachedCorpus({ dataDir: dir, cacheDir: `${dir}-cache` });
  const corpus = cached?.corpus ?? (await loadCorpusDir(dir)).corpus;
  writeFileSync(copy, JSON.stringify(corpus));
  return corpus;
}

function documents(corpus: Corpus): CompactDocument[] {
  return [
    ...corpus.papers.map((p) => ({
      id: `paper:${p.id}`,
      fields: { title: p.title ?? '', aliases: p.aliases.join(' \n '), authors: p.authors.join(' \n '), abstract: p.abstract ?? '', categoryName: p.categoryName ?? '', venue: p.venue ?? '', orgs: p.orgs.join(' ') },
    })),
    ...corpus.posts.map((p) => ({ id: `post:${p.id}`, fields: { title: p.title, body: p.body } })),
    ...corpus.authors.map((a) => ({ id: `author:${a.id}`, fields: { name: [a.name, ...a.variants].join(' \n ') } })),
  ];
}

const heap = () => {
  collectGarbage();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external + m.arrayBuffers) / 1048576;
};
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function main(): Promise<void> {
  const dir = arg('--dir');
  if (!dir) throw new Error('usage: compare.ts --dir DATA_DIR [--skip-library]');
  const corpus = await corpusOf(dir);
  const queries = buildQuerySet(corpus);
  const out: Record<string, unknown> = { papers: corpus.papers.length };

  const h0 = heap();
  let c = cpuMs();
  let t = performance.now();
  const compact = CompactIndex.build(documents(corpus), { boost: DEFAULT_RANKING.boost });
  out['compactBuild'] = { wallMs: Math.round(performance.now() - t), cpuMs: Math.round(cpuMs() - c), terms: compact.terms.length, postings: compact.postDocs.length };
  const h1 = heap();
  out['compactHeapMB'] = Math.round(h1 - h0);

  t = performance.now();
  const buf = compact.serialize();
  const saveMs = performance.now() - t;
  t = performance.now();
  const loaded = CompactIndex.deserialize(buf);
  out['compactSnapshot'] = { MB: Math.round(buf.length / 1048576), serializeMs: Math.round(saveMs), loadMs: Math.round(performance.now() - t) };

  const timeAll = (f: (q: string) => unknown) => {
    for (let r = 0; r < 2; r++) for (const q of queries.search) f(q.text);
    const s: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (const q of queries.search) {
        const t0 = performance.now();
        f(q.text);
        s.push(performance.now() - t0);
      }
    }
    return summarize(s);
  };
  const cs = timeAll((q) => loaded.search(q));
  out['compactSearch'] = { p50: cs.p50.toFixed(3), p99: cs.p99.toFixed(3), max: cs.max.toFixed(2) };

  if (!process.argv.includes('--skip-library')) {
    const h2 = heap();
    c = cpuMs();
    t = performance.now();
    const library = Library.build(corpus);
    out['libraryBuild'] = { wallMs: Math.round(performance.now() - t), cpuMs: Math.round(cpuMs() - c) };
    out['libraryHeapMB'] = Math.round(heap() - h2);
    const ls = timeAll((q) => library.search(q));
    out['librarySearch'] = { p50: ls.p50.toFixed(3), p99: ls.p99.toFixed(3), max: ls.max.toFixed(2) };
    // Relevance parity: share of the library's top 10 that the compact index also returns in its top 10.
    let shared = 0;
    let total = 0;
    for (const q of queries.search) {
      const a = library.search(q.text).hits.map((h) => `${h.kind}:${h.id}`);
      const b = new Set(loaded.search(q.text).hits.map((h) => h.id));
      total += a.length;
      shared += a.filter((id) => b.has(id)).length;
    }
    out['top10Overlap'] = total ? (shared / total).toFixed(2) : 'n/a';
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
