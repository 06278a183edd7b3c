/**
 * One benchmark measurement in a fresh process (spawned by `bench/run.ts`, with `--expose-gc`),
 * so that sizes and phases do not pollute each other's heap:
 *
 *   cold      read the generated files, parse + merge, index, RSS; hash, save the snapshot
 *   warm      start from the snapshot, RSS; search / autocomplete / conversation latencies
 *   baseline  a plain MiniSearch over the same papers (cached corpus): build, RSS, latencies
 *   arxiv     cold ingestion of a data directory (the generated arXiv dump) the way the bot loads
 *             it: a `CorpusService` with an empty snapshot cache (hash, miss, read, parse + merge,
 *             `Library.build`), peak RSS during the load, RSS after it; then the background
 *             snapshot write the bot does next (time, size, peak RSS)
 *   loop-delay  event-loop delay while a steady stream of queries is answered during a start
 *             with no snapshot, the snapshot write, a drop of 10 new papers (bench/loopDelay.ts)
 *
 * Timed rounds of each latency block stop early (after at least one) once `--budget-ms` (default
 * 60 s) is spent, so that the largest sizes finish in reasonable time.
 *
 * Usage: node --expose-gc --import tsx bench/measure.ts <mode> --dir DATA --cache CACHE --result FILE [--rounds N] [--budget-ms MS]
 *        (loop-delay: [--resolution-ms 5] [--interval-ms 5] [--quiet-ms 3000] [--drop-via watch|load] [--seed 42]; its cache is its own)
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import MiniSearch from 'minisearch';
import pino from 'pino';
import { buildCorpus, isCorpusCandidate, type SourceFile } from '../src/corpus/load.ts';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from '../src/corpus/manifest.ts';
import type { Corpus } from '../src/corpus/schema.ts';
import { CorpusService } from '../src/corpusService.ts';
import { Library } from '../src/search/library.ts';
import { hashDataDir, loadCachedCorpus, loadOrBuildLibrary, saveSnapshot, snapshotKey, snapshotPath } from '../src/search/snapshot.ts';
import { distinctWords } from './generate.ts';
import { measureLoopDelay, type LoopDelayResult } from './loopDelay.ts';
import { buildQuerySet, type QueryKind } from './queries.ts';
import { collectGarbage, cpuMs, memory, summarize, timeEach, type Latency } from './stats.ts';

/**
 * Pins the code part of the snapshot key: the cold phase writes and the warm phase reads the
 * snapshot minutes apart, while other people may be editing src/ (which changes the fingerprint).
 */
const CODE_VERSION = 'bench';

/** Where the conversation engine lives (see `conversationHook`). */
const ENGINE_MODULE = '../src/conversation/engine.ts';

export interface ColdResult {
  mode: 'cold';
  /** `abstractWords`: distinct lower-cased words (letters and digits) over the papers' abstracts. */
  counts: { papers: number; posts: number; authors: number; files: number; bytes: number; warnings: number; abstractWords?: number };
  readMs: number;
  parseMs: number;
  indexMs: number;
  /** CPU time (user + system, all threads) of parse + merge and of the index build: less sensitive to a busy machine than wall time. */
  parseCpuMs: number;
  indexCpuMs: number;
  /** read + parse + index. */
  coldStartMs: number;
  memory: ReturnType<typeof memory>;
  hashColdMs: number;
  hashWarmMs: number;
  saveMs: number;
  snapshotBytes: number;
  gc: boolean;
}

export interface WarmResult {
  mode: 'warm';
  from: 'snapshot' | 'built';
  startMs: number;
  startCpuMs: number;
  timings: { hashMs: number; readMs: number; corpusMs: number; indexMs: number };
  memory: ReturnType<typeof memory>;
  /** RSS of the process before loading (runtime + modules). */
  rssBeforeMB: number;
  firstSearchMs: number;
  search: Latency;
  searchByKind: Partial<Record<QueryKind, Latency>>;
  suggestTitles: Latency;
  suggestAuthors: Latency;
  autocomplete: Latency;
  /** CPU time per search and per autocomplete call (the same calls as `search`, `autocomplete`). */
  searchCpu: Latency;
  autocompleteCpu: Latency;
  conversation: Latency | null;
  conversationNote: string;
  queries: number;
  gc: boolean;
}

export interface BaselineResult {
  mode: 'baseline';
  buildMs: number;
  rssCorpusMB: number;
  heapCorpusMB: number;
  memory: ReturnType<typeof memory>;
  search: Latency;
  autocomplete: Latency;
  gc: boolean;
}

export interface ArxivIngestResult {
  mode: 'arxiv';
  counts: { papers: number; posts: number; authors: number; files: number; bytes: number; warnings: number };
  /** Wall time of `CorpusService.load()`: snapshot lookup (hashing the files), reading, parse + merge, index. */
  loadMs: number;
  /** CPU time (user + system, all threads) of the load. */
  loadCpuMs: number;
  /** Parse + merge and index build, as the service times them. */
  parseMs: number;
  indexMs: number;
  /** The rest of the load: hashing the files for the snapshot lookup, reading them. */
  hashReadMs: number;
  /** RSS of the process before loading (runtime + modules). */
  rssBeforeMB: number;
  /** After the load, the service holding the library (and each file's text, its last good version); `maxRssMB` is the peak during the load. */
  memory: ReturnType<typeof memory>;
  /** The files' texts the service keeps as their last good versions (V8 strings: 1 byte per char when Latin-1, else 2). */
  retainedTextMB: number;
  /** The snapshot write that follows a load from files (in the background, once per data change). */
  snapshotSaveMs: number | null;
  snapshotBytes: number | null;
  /** Peak RSS once the snapshot is written. */
  maxRssWithSaveMB: number;
  gc: boolean;
}

export type MeasureResult = ColdResult | WarmResult | BaselineResult | ArxivIngestResult | LoopDelayResult;

const round = (x: number) => Math.round(x * 1000) / 1000;

async function readDataDir(dir: string): Promise<{ files: SourceFile[]; manifest: Manifest; bytes: number }> {
  let manifest: Manifest = { sources: [] };
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
    if (parsed.success) manifest = parsed.data;
  } catch {
    // no manifest
  }
  const names = (await readdir(dir)).filter(isCorpusCandidate).sort();
  const files: SourceFile[] = [];
  let bytes = 0;
  for (const name of names) {
    const buf = await readFile(join(dir, name));
    bytes += buf.length;
    files.push({ name, text: buf.includes(0) ? '\u0000' : buf.toString('utf8') });
  }
  return { files, manifest, bytes };
}

async function cold(dir: string, cache: string): Promise<ColdResult> {
  await rm(cache, { recursive: true, force: true });
  const gc = collectGarbage();
  let t = performance.now();
  const { files, manifest, bytes } = await readDataDir(dir);
  const readMs = performance.now() - t;
  t = performance.now();
  let c = cpuMs();
  const result = buildCorpus(files, manifest);
  const parseMs = performance.now() - t;
  const parseCpuMs = cpuMs() - c;
  t = performance.now();
  c = cpuMs();
  const library = Library.build(result.corpus);
  const indexMs = performance.now() - t;
  const indexCpuMs = cpuMs() - c;
  files.length = 0;
  collectGarbage();
  const mem = memory();
  t = performance.now();
  const hashes = await hashDataDir(dir, cache);
  const hashColdMs = performance.now() - t;
  const key = await snapshotKey(hashes, undefined, CODE_VERSION);
  t = performance.now();
  const path = await saveSnapshot(cache, key, library, { issues: result.issues, files: result.files });
  const saveMs = performance.now() - t;
  t = performance.now();
  await hashDataDir(dir, cache);
  const hashWarmMs = performance.now() - t;
  const corpus = result.corpus;
  return {
    mode: 'cold',
    counts: { papers: corpus.papers.length, posts: corpus.posts.length, authors: corpus.authors.length, files: result.files.length, bytes, warnings: result.issues.length, abstractWords: distinctWords(corpus.papers.map((p) => p.abstract)) },
    readMs: round(readMs),
    parseMs: round(parseMs),
    indexMs: round(indexMs),
    parseCpuMs: round(parseCpuMs),
    indexCpuMs: round(indexCpuMs),
    coldStartMs: round(readMs + parseMs + indexMs),
    memory: mem,
    hashColdMs: round(hashColdMs),
    hashWarmMs: round(hashWarmMs),
    saveMs: round(saveMs),
    snapshotBytes: (await stat(path)).size,
    gc,
  };
}

/** The conversation turn hook: an `Engine` class (`new Engine({ library }).ask(text, key)`) or `createEngine({ library })`. */
async function conversationHook(library: Library): Promise<{ ask: (text: string, key: string) => unknown } | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ENGINE_MODULE)) as Record<string, unknown>;
  } catch (err) {
    return `n/a: ${ENGINE_MODULE} not importable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  type Asker = { ask?: (text: string, key: string) => unknown };
  let engine: Asker | null = null;
  if (typeof mod['Engine'] === 'function') engine = new (mod['Engine'] as new (o: { library: Library }) => Asker)({ library });
  else if (typeof mod['createEngine'] === 'function') engine = (mod['createEngine'] as (o: { library: Library }) => Asker)({ library });
  if (!engine || typeof engine.ask !== 'function') return `n/a: ${ENGINE_MODULE} exports no Engine/createEngine with ask(text, key)`;
  const ask = engine.ask.bind(engine);
  return { ask: (text, key) => ask(text, key) };
}

async function warm(dir: string, cache: string, rounds: number, budgetMs: number): Promise<WarmResult> {
  // Fail fast instead of timing a rebuild when the cold phase left no matching snapshot.
  if (!existsSync(snapshotPath(cache, await snapshotKey(await hashDataDir(dir, cache), undefined, CODE_VERSION)))) throw new Error('warm: no snapshot for this data in the cache (run the cold phase first)');
  const gc = collectGarbage();
  const rssBeforeMB = memory().rssMB;
  const t0 = performance.now();
  const c0 = cpuMs();
  const loaded = await loadOrBuildLibrary({ dataDir: dir, cacheDir: cache, write: false, codeVersion: CODE_VERSION });
  const startMs = performance.now() - t0;
  const startCpuMs = cpuMs() - c0;
  const library = loaded.library;
  collectGarbage();
  const mem = memory();
  const queries = buildQuerySet(library.corpus);
  let t = performance.now();
  library.search(queries.search[0]!.text, {}, { cache: false });
  const firstSearchMs = performance.now() - t;

  collectGarbage();
  const searchSamples: number[] = [];
  const searchCpu: number[] = [];
  const byKind = new Map<QueryKind, number[]>();
  for (let r = 0; r < 2; r++) for (const q of queries.search) library.search(q.text, {}, { cache: false });
  const searchStart = performance.now();
  for (let r = 0; r < rounds && (r === 0 || performance.now() - searchStart < budgetMs); r++) {
    for (const q of queries.search) {
      const c = cpuMs();
      t = performance.now();
      library.search(q.text, {}, { cache: false }); // uncached: the library caches repeated searches
      const ms = performance.now() - t;
      searchCpu.push(cpuMs() - c);
      searchSamples.push(ms);
      const list = byKind.get(q.kind) ?? [];
      list.push(ms);
      byKind.set(q.kind, list);
    }
  }
  collectGarbage();
  const autocompleteCpu: number[] = [];
  const titleSamples = timeEach(queries.titlePrefixes, (p) => library.suggestTitles(p), { rounds, budgetMs, cpu: autocompleteCpu });
  const authorSamples = timeEach(queries.authorPrefixes, (p) => library.suggestAuthors(p), { rounds, budgetMs, cpu: autocompleteCpu });

  let conversation: Latency | null = null;
  let conversationNote = '';
  const hook = await conversationHook(library);
  if (typeof hook === 'string') {
    conversationNote = hook;
  } else {
    collectGarbage();
    const turns: number[] = [];
    const convStart = performance.now();
    for (let r = -1; r < Math.max(1, Math.floor(rounds / 2)) && (r <= 0 || performance.now() - convStart < budgetMs); r++) {
      queries.conversations.forEach((conv, c) => {
        for (const text of conv) {
          t = performance.now();
          hook.ask(text, `bench-${r}-${c}`);
          if (r >= 0) turns.push(performance.now() - t);
        }
      });
    }
    conversation = summarize(turns);
    conversationNote = `${queries.conversations.length} conversations × ${queries.conversations[0]?.length ?? 0} turns`;
  }
  const searchByKind: Partial<Record<QueryKind, Latency>> = {};
  for (const [k, v] of byKind) searchByKind[k] = summarize(v);
  return {
    mode: 'warm',
    from: loaded.from,
    startMs: round(startMs),
    startCpuMs: round(startCpuMs),
    timings: { hashMs: round(loaded.timings.hashMs), readMs: round(loaded.timings.readMs), corpusMs: round(loaded.timings.corpusMs), indexMs: round(loaded.timings.indexMs) },
    memory: mem,
    rssBeforeMB,
    firstSearchMs: round(firstSearchMs),
    search: summarize(searchSamples),
    searchByKind,
    suggestTitles: summarize(titleSamples),
    suggestAuthors: summarize(authorSamples),
    autocomplete: summarize([...titleSamples, ...authorSamples]),
    searchCpu: summarize(searchCpu),
    autocompleteCpu: summarize(autocompleteCpu),
    conversation,
    conversationNote,
    queries: queries.search.length,
    gc,
  };
}

/** The baseline a user would write in ten minutes: default MiniSearch over title, authors, abstract. */
export function buildBaseline(corpus: Corpus): MiniSearch {
  const ms = new MiniSearch({ fields: ['title', 'authors', 'abstract'] });
  ms.addAll(corpus.papers.map((p) => ({ id: p.id, title: p.title ?? '', authors: p.authors.join(', '), abstract: p.abstract ?? '' })));
  return ms;
}

async function baseline(dir: string, cache: string, rounds: number, budgetMs: number): Promise<BaselineResult> {
  const cached = await loadCachedCorpus({ dataDir: dir, cacheDir: cache, codeVersion: CODE_VERSION });
  if (!cached) throw new Error('baseline: no snapshot in the cache (run the cold phase first)');
  const gc = collectGarbage();
  const before = memory();
  const t = performance.now();
  const index = buildBaseline(cached.corpus);
  const buildMs = performance.now() - t;
  collectGarbage();
  const mem = memory();
  const queries = buildQuerySet(cached.corpus);
  const search = timeEach(queries.search, (q) => index.search(q.text).slice(0, 10), { rounds, budgetMs });
  const autocomplete = timeEach([...queries.titlePrefixes, ...queries.authorPrefixes], (p) => index.search(p, { prefix: true }).slice(0, 25), { rounds, budgetMs });
  return { mode: 'baseline', buildMs: round(buildMs), rssCorpusMB: before.rssMB, heapCorpusMB: before.heapUsedMB, memory: mem, search: summarize(search), autocomplete: summarize(autocomplete), gc };
}

async function arxiv(dir: string, cache: string): Promise<ArxivIngestResult> {
  await rm(cache, { recursive: true, force: true });
  const service = new CorpusService({ dataDir: dir, cacheDir: cache, codeVersion: CODE_VERSION, logger: pino({ level: 'silent' }) });
  const gc = collectGarbage();
  const rssBeforeMB = memory().rssMB;
  const t0 = performance.now();
  const c0 = cpuMs();
  const loaded = await service.load();
  const loadMs = performance.now() - t0;
  const loadCpuMs = cpuMs() - c0;
  // Synchronously, before the service's snapshot write starts (it waits for a setImmediate).
  collectGarbage();
  const mem = memory();
  if (loaded.from !== 'files') throw new Error(`arxiv: the load came from the ${String(loaded.from)}, not the files (the cache was not empty)`);
  const t1 = performance.now();
  await service.idle();
  const snapshotSaveMs = performance.now() - t1;
  const maxRssWithSaveMB = memory().maxRssMB;
  const snapshots = existsSync(cache) ? (await readdir(cache)).filter((f) => f.endsWith('.snap')) : [];
  let snapshotBytes: number | null = null;
  for (const f of snapshots) snapshotBytes = (snapshotBytes ?? 0) + (await stat(join(cache, f))).size;
  const corpus = loaded.library.corpus;
  // What the service keeps of each file (measured last: reading them again allocates).
  let retainedTextMB = 0;
  let bytes = 0;
  for (const f of loaded.files) {
    if (!f.format) continue;
    const buf = await readFile(join(dir, f.name));
    bytes += buf.length;
    const text = buf.toString('utf8');
    retainedTextMB += (text.length * (/[^\u0000-\u00ff]/.test(text) ? 2 : 1)) / 1048576;
  }
  service.close();
  return {
    mode: 'arxiv',
    counts: { papers: corpus.papers.length, posts: corpus.posts.length, authors: corpus.authors.length, files: loaded.files.length, bytes, warnings: loaded.issues.length },
    loadMs: round(loadMs),
    loadCpuMs: round(loadCpuMs),
    parseMs: round(loaded.timings.parseMs),
    indexMs: round(loaded.timings.indexMs),
    hashReadMs: round(loadMs - loaded.timings.parseMs - loaded.timings.indexMs),
    rssBeforeMB,
    memory: mem,
    retainedTextMB: Math.round(retainedTextMB * 10) / 10,
    snapshotSaveMs: snapshotBytes === null ? null : round(snapshotSaveMs),
    snapshotBytes,
    maxRssWithSaveMB,
    gc,
  };
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  const dir = arg(args, '--dir');
  const cache = arg(args, '--cache');
  const out = arg(args, '--result');
  const rounds = Number(arg(args, '--rounds') ?? '5');
  const budgetMs = Number(arg(args, '--budget-ms') ?? '60000');
  if (!dir || !out || (!cache && mode !== 'loop-delay') || !['cold', 'warm', 'baseline', 'arxiv', 'loop-delay'].includes(mode ?? '')) {
    process.stderr.write('usage: bench/measure.ts cold|warm|baseline|arxiv|loop-delay --dir DATA --cache CACHE --result FILE [--rounds N]\n');
    process.exitCode = 2;
    return;
  }
  const num = (name: string) => (arg(args, name) === undefined ? undefined : Number(arg(args, name)));
  const dropVia = arg(args, '--drop-via');
  let result: MeasureResult;
  if (mode === 'loop-delay' || !cache) {
    result = await measureLoopDelay({
      dir,
      ...(num('--resolution-ms') !== undefined ? { resolutionMs: num('--resolution-ms')! } : {}),
      ...(num('--interval-ms') !== undefined ? { intervalMs: num('--interval-ms')! } : {}),
      ...(num('--quiet-ms') !== undefined ? { quietMs: num('--quiet-ms')! } : {}),
      ...(num('--seed') !== undefined ? { seed: num('--seed')! } : {}),
      ...(dropVia === 'load' || dropVia === 'watch' ? { dropVia } : {}),
    });
  } else {
    result =
      mode === 'cold' ? await cold(dir, cache)
      : mode === 'warm' ? await warm(dir, cache, rounds, budgetMs)
      : mode === 'arxiv' ? await arxiv(dir, cache)
      : await baseline(dir, cache, rounds, budgetMs);
  }
  await writeFile(out, JSON.stringify(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
