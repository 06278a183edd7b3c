/**
 * A library sent in parts (src/search/transfer.ts) and through the corpus worker
 * (src/corpusService.ts) is the library built in place: the same corpus byte for byte, the same
 * lookups, the same search results and scores, the same understanding dictionaries.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasLexicon, lexicon } from '../src/conversation/understand/link.ts';
import { adoptPrepared, preparedData, understand } from '../src/conversation/understand/understand.ts';
import { CorpusService } from '../src/corpusService.ts';
import { createLogger } from '../src/logger.ts';
import { dumpIndex, indexDumpParts, IndexRestorer, restoreIndex } from '../src/search/internals.ts';
import { Library, createIndex } from '../src/search/library.ts';
import { LibraryAssembler, libraryParts } from '../src/search/transfer.ts';
import { realLibrary } from './helpers/corpus.ts';

const QUERIES = ['mixture of experts', 'speech recognition', 'pipeline parallelism', 'GPipe', 'Nan Du', 'transformers for translation', 'sparse moe routing', 'retrieval augmented', 'Yanqi Zhou', 'image'];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
});

function sameSearches(a: Library, b: Library): void {
  for (const q of QUERIES) {
    const x = a.search(q, {}, { limit: 10, cache: false });
    const y = b.search(q, {}, { limit: 10, cache: false });
    expect(y.hits.map((h) => [h.id, h.score]), q).toEqual(x.hits.map((h) => [h.id, h.score]));
    expect(y.total, q).toBe(x.total);
    expect(b.suggestTitles(q.slice(0, 4)), q).toEqual(a.suggestTitles(q.slice(0, 4)));
    expect(b.findAuthors(q).map((au) => au.id), q).toEqual(a.findAuthors(q).map((au) => au.id));
  }
}

describe('index dumps in parts', () => {
  it('restoring from small parts gives the index restoreIndex gives from the whole dump', async () => {
    const { lib } = await realLibrary();
    const dump = lib.indexDumps().main;
    const parts = [...indexDumpParts(dump, 500)];
    expect(parts.length).toBeGreaterThan(10);
    expect(parts.filter((p) => p.kind === 'head')).toHaveLength(1);
    const r = new IndexRestorer(createIndex.main);
    for (const p of parts) r.add(p);
    expect(dumpIndex(r.finish())).toEqual(dumpIndex(restoreIndex(dump, createIndex.main)));
  });

  it('a part before the head, or an unreadable part, is a papertalk error', () => {
    const r = new IndexRestorer(createIndex.titles);
    expect(() => r.add({ kind: 'terms', entries: [] })).toThrow(/^papertalk: /);
    expect(() => r.finish()).toThrow(/^papertalk: /);
  });
});

describe('a library sent in parts', () => {
  it('assembles into the same corpus, lookups, searches and understanding dictionaries', async () => {
    const { lib } = await realLibrary();
    const prepared = preparedData(lib);
    const a = new LibraryAssembler();
    let parts = 0;
    // Small runs: many parts of every kind.
    for (const part of libraryParts(lib, { lexicon: prepared.lexicon.dict, titleTerms: prepared.titleTerms }, { records: 7, cells: 400 })) {
      // Parts cross a thread boundary as structured clones.
      a.add(structuredClone(part));
      parts++;
    }
    expect(parts).toBeGreaterThan(50);
    const got = a.finish();
    expect(JSON.stringify(got.corpus)).toBe(JSON.stringify(lib.corpus));
    const [x, y] = [lib.lookups(), got.lookups()];
    expect([...y.byTitleKey]).toEqual([...x.byTitleKey]);
    expect([...y.aliasIds]).toEqual([...x.aliasIds]);
    expect([...y.byShortName]).toEqual([...x.byShortName]);
    expect([...y.authorsByKey].map(([k, v]) => [k, v.map((au) => au.id)])).toEqual([...x.authorsByKey].map(([k, v]) => [k, v.map((au) => au.id)]));
    expect([...y.postsByPaper].map(([k, v]) => [k, v.map((p) => p.id)])).toEqual([...x.postsByPaper].map(([k, v]) => [k, v.map((p) => p.id)]));
    expect(y.categories).toEqual(x.categories);
    expect([...got.acronyms]).toEqual([...lib.acronyms]);
    sameSearches(lib, got);
    expect(got.similar(lib.corpus.papers[3]!.id)).toEqual(lib.similar(lib.corpus.papers[3]!.id));
    // The dictionaries arrive as extras and are installed, not rebuilt.
    const extras = a.extras;
    adoptPrepared(got, { lexicon: { ...prepared.lexicon, dict: extras.get('lexicon') as never }, titleTerms: extras.get('titleTerms') as never });
    expect([...lexicon(got).dict]).toEqual([...lexicon(lib).dict]);
    for (const q of ['who wrote GPipe?', 'papers by Nan Du since 2021', 'how many CV papers are there?']) {
      expect(understand(q, got).frame, q).toEqual(understand(q, lib).frame);
    }
  });
});

describe('CorpusService through its worker thread', () => {
  const dataDir = new URL('../data/', import.meta.url).pathname;
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), 'papertalk-transfer-'));
    dirs.push(dir);
    for (const f of readdirSync(dataDir).filter((f) => f.endsWith('.txt') || f === 'sources.json')) copyFileSync(join(dataDir, f), join(dir, f));
    return dir;
  };

  it('a start from the snapshot is taken in this thread; the worker loads the same snapshot, so the first reload comes as a diff', async () => {
    const dir = copy();
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'papertalk-transfer-cache-')), 'c');
    dirs.push(cacheDir);
    const lines: { msg: string; records?: number }[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) } as unknown as NodeJS.WritableStream });
    const cold = new CorpusService({ dataDir: dir, logger: createLogger({ level: 'silent' }), cacheDir, codeVersion: 'transfer-test' });
    await cold.load();
    await cold.idle();
    cold.close();
    const s = new CorpusService({ dataDir: dir, logger, cacheDir, codeVersion: 'transfer-test' });
    try {
      const warm = await s.load();
      expect(warm.from).toBe('snapshot');
      // The snapshot kept the understanding dictionaries: installed, not built here.
      expect(hasLexicon(warm.library)).toBe(true);
      expect([...lexicon(warm.library).dict]).toEqual([...lexicon(Library.build(warm.library.corpus)).dict]);
      // Taken here: no worker yet, nothing received from one.
      expect(lines.some((l) => l.msg === 'library received from the corpus worker')).toBe(false);
      // The worker loads the same snapshot in the background (idle() waits for it).
      await s.idle();
      writeFileSync(join(dir, 'zz-new.bib'), '@article{fresh2024,\n  title = {Quasar Routing for Sparse Experts},\n  author = {Example, Ada and Sample, Bo},\n  year = {2024},\n  abstract = {We route tokens to quasar experts.}\n}\n');
      const next = await s.load();
      expect(lines.find((l) => l.msg === 'library diff applied')?.records).toBe(3);
      expect(lines.some((l) => l.msg === 'library received from the corpus worker')).toBe(false);
      const fresh = await new CorpusService({ dataDir: dir, logger: createLogger({ level: 'silent' }), cacheDir: null, worker: false }).load();
      expect(JSON.stringify(next.library.corpus)).toBe(JSON.stringify(fresh.library.corpus));
      sameSearches(fresh.library, next.library);
    } finally {
      await s.idle();
      s.close();
    }
  });

  it('a worker that dies mid-load fails that load only: the previous library keeps serving, and the next load starts a new worker', async () => {
    const dir = copy();
    const lines: { msg: string }[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) } as unknown as NodeJS.WritableStream });
    const s = new CorpusService({ dataDir: dir, logger, cacheDir: null });
    try {
      const first = await s.load();
      writeFileSync(join(dir, 'zz-new.bib'), '@article{fresh2024,\n  title = {Quasar Routing for Sparse Experts},\n  author = {Example, Ada},\n  year = {2024}\n}\n');
      const pending = s.load();
      await (s as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await expect(pending).rejects.toThrow(/^papertalk: corpus worker stopped/);
      expect(s.current).toBe(first);
      expect(s.current.library.search('mixture of experts').hits.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.msg === 'corpus worker stopped; the next load starts a new one')).toBe(true);
      const again = await s.load();
      expect(again).not.toBe(first);
      expect(again.library.findPaper('Quasar Routing for Sparse Experts')?.paper.authors).toEqual(['Ada Example']);
      expect(s.status().loading).toBe(false);
    } finally {
      s.close();
    }
  });

  it('serves the library an in-thread build gives, and a reload after a new file adds its paper', async () => {
    const dir = copy();
    const lines: { msg: string; records?: number }[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l) as { msg: string }) } as unknown as NodeJS.WritableStream });
    const viaWorker = new CorpusService({ dataDir: dir, logger, cacheDir: null });
    const inThread = new CorpusService({ dataDir: dir, logger, cacheDir: null, worker: false });
    try {
      const [w, t] = [await viaWorker.load(), await inThread.load()];
      expect(JSON.stringify(w.library.corpus)).toBe(JSON.stringify(t.library.corpus));
      expect(w.issues).toEqual(t.issues);
      expect(w.files).toEqual(t.files);
      sameSearches(t.library, w.library);
      for (const q of ['who wrote GPipe?', 'papers by Nan Du since 2021']) expect(understand(q, w.library).frame, q).toEqual(understand(q, t.library).frame);
      expect(viaWorker.status().loading).toBe(false);

      writeFileSync(join(dir, 'zz-new.bib'), '@article{fresh2024,\n  title = {Quasar Routing for Sparse Experts},\n  author = {Example, Ada and Sample, Bo},\n  year = {2024},\n  abstract = {We route tokens to quasar experts.}\n}\n');
      const reloaded = new Promise((done) => viaWorker.once('reloaded', done));
      const [w2, t2] = [await viaWorker.load(), await inThread.load()];
      await reloaded;
      expect(viaWorker.current).toBe(w2);
      expect(JSON.stringify(w2.library.corpus)).toBe(JSON.stringify(t2.library.corpus));
      expect(w2.library.search('quasar routing').hits[0]?.id).toBe(t2.library.search('quasar routing').hits[0]?.id);
      expect(w2.library.findPaper('Quasar Routing for Sparse Experts')?.paper.authors).toEqual(['Ada Example', 'Bo Sample']);
      // One new paper and its two authors: sent as a diff and applied in place, not sent whole.
      const applied = lines.find((l) => l.msg === 'library diff applied');
      expect(applied?.records).toBe(3);
      expect(lines.filter((l) => l.msg === 'library received from the corpus worker')).toHaveLength(1);
      // The new library's own dictionaries arrived before the load resolved: its title is linked.
      const paperId = w2.library.findPaper('Quasar Routing for Sparse Experts')!.paper.id;
      expect(understand('who wrote Quasar Routing for Sparse Experts?', w2.library).frame.papers).toEqual([paperId]);
      sameSearches(t2.library, w2.library);
    } finally {
      viaWorker.close();
      inThread.close();
    }
  });
});
