/**
 * Event-loop delay while the bot answers a steady stream of queries, through the public
 * `CorpusService` API only (`load`, `watch`, `current`, `on('reloaded')`, `idle`, `close`), so that
 * it measures whatever loading implementation is in place. Runs in a fresh child process
 * (`bench/measure.ts loop-delay`, spawned by `bench/run.ts`) over a copy of a generated corpus
 * (hard links into a temp directory; the generated cache is never touched) and an empty snapshot
 * cache, in these phases:
 *
 *   start     `load()` with no snapshot: a full build from the files (first start, new version,
 *             broken snapshot). No library exists yet: the stream's ticks count as `notReady`.
 *   save      from the end of that load until `idle()`: the snapshot write that follows it.
 *   quiet     a few seconds of queries alone: the stream's own cost, for reference.
 *   drop      `watch()`, then a file of 10 new papers (arXiv metadata lines, each title with a
 *             unique word) written into the data directory, until the first new paper is
 *             searchable (polled with `current.library.search(<its word>)` on the query thread)
 *             and `reloaded` has fired.
 *   dropSave  from then until `idle()` (the snapshot write after the drop, if any).
 *
 * The query stream runs on the main thread, as the bot answers: one operation every
 * `intervalMs` (a cycle of search, title autocomplete, author autocomplete, title autocomplete,
 * over the bench query set), each tick also polling for the dropped papers while a drop is
 * pending. Per phase: the event-loop delay (p50 / p99 / max, ms beyond the sampling period), the
 * queries answered, their latency and their answer time (how late the tick ran + its latency; a
 * query still waiting at the end of a phase counts its wait so far there).
 *
 * Why a timestamped sampler beside `monitorEventLoopDelay`: the histogram records a stall only
 * when its timer next fires, which is after the continuation that ends a phase (`await load()`),
 * and after the snapshot write the service schedules with `setImmediate`, so a phase's stall
 * would land in the next phase. The sampler is the same measurement (a timer every
 * `resolutionMs`, delay = lateness of its firing) with the stall in progress flushed into the
 * phase that ends; `monitorEventLoopDelay` at the same resolution runs over the whole run as a
 * cross-check (its max is about the largest phase max, a little more when a phase cut splits
 * one stall in two).
 */
import { copyFile, link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { CorpusService, type LoadedCorpus } from '../src/corpusService.ts';
import type { Library } from '../src/search/library.ts';
import { loadVocabulary } from './generate.ts';
import { arxivDumpText, generateArxivDump, type ArxivSnapshotLine } from './generateArxiv.ts';
import { buildQuerySet } from './queries.ts';
import { memory, summarize, type Latency } from './stats.ts';

export const PHASES = ['start', 'save', 'quiet', 'drop', 'dropSave'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PhaseResult {
  /** Wall time of the phase. */
  ms: number;
  /** Event-loop delay samples (ms beyond the sampling period); `n` is the number of samples. */
  delay: Latency;
  /** Share of the phase the loop was stalled (sum of delays / phase time). */
  stalledShare: number;
  /** Ticks of the query stream with no library to ask yet (the start phase). */
  notReady: number;
  /** Queries answered in the phase, their latency, and their answer time (tick lateness + latency). */
  answered: number;
  latency: Latency | null;
  answerTime: Latency | null;
}

export interface LoopDelayResult {
  mode: 'loop-delay';
  papers: number;
  resolutionMs: number;
  intervalMs: number;
  phases: Partial<Record<PhaseName, PhaseResult>>;
  /** `from` of the start load (`files` expected: the cache is empty). */
  startFrom: string | null;
  drop: {
    papers: number;
    file: string;
    /** `watch`: the service's watcher saw the file; `load`: `load()` called after writing it. */
    via: 'watch' | 'load';
    /** From the write of the file to the `reloaded` event / the first new paper found by search / all ten found. */
    reloadedMs: number | null;
    searchableMs: number | null;
    allSearchableMs: number | null;
    /** Papers in the library after the drop (before: `papers`). */
    papersAfter: number | null;
  };
  /** `monitorEventLoopDelay` over the whole run (ms beyond its resolution). */
  eldRun: { p50: number; p99: number; max: number; count: number };
  memory: ReturnType<typeof memory>;
  errors: string[];
}

export interface LoopDelayOptions {
  /** Generated corpus directory (read only). */
  dir: string;
  /** Sampling period of the delay (ms; ≤ 10). */
  resolutionMs?: number;
  /** One query every `intervalMs` ms. */
  intervalMs?: number;
  /** Length of the quiet phase. */
  quietMs?: number;
  /** How the drop is noticed. */
  dropVia?: 'watch' | 'load';
  seed?: number;
}

const DROP_PAPERS = 10;
/** Unique title words of the dropped papers (no word of the generated corpora is within two edits of these). */
const dropWord = (i: number) => `zorblax${String.fromCharCode(97 + i)}`;

/** Copies a data directory (hard links where possible), corpus files and `sources.json`, dot-names left out. */
async function copyDataDir(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    if (name.startsWith('.')) continue;
    const src = join(from, name);
    if (!(await stat(src)).isFile()) continue;
    await link(src, join(to, name)).catch(() => copyFile(src, join(to, name)));
  }
}

/** The file of new papers: arXiv metadata lines, each title ending in its unique word. */
async function dropFileText(seed: number): Promise<string> {
  const vocabulary = await loadVocabulary();
  const dump = generateArxivDump(vocabulary, { lines: DROP_PAPERS, seed: (seed ^ 0x64726f70) >>> 0 });
  dump.lines = dump.lines.map((l, i) => {
    const line = JSON.parse(l) as ArxivSnapshotLine;
    line.title = `${line.title} ${dropWord(i)}`;
    return JSON.stringify(line);
  });
  return arxivDumpText(dump);
}

/** Is a paper whose title holds `word` among the hits of searching it? */
function found(library: Library, word: string): boolean {
  const page = library.search(word, {}, { cache: false });
  const papers = (library as { papers?: Map<string, { title: string | null }> }).papers;
  return page.hits.some((h) => {
    if (h.kind !== 'paper') return false;
    if (papers instanceof Map) return !!papers.get(h.id)?.title?.toLowerCase().includes(word);
    return h.coverage >= 1; // no id → paper map: a full match of a word no other paper has
  });
}

/** Event-loop delay sampler: a timer every `resolutionMs`; each firing records how late it is, into the current phase. */
class DelaySampler {
  private last = performance.now();
  private timer: NodeJS.Timeout | null = null;
  samples: number[] = [];
  constructor(private readonly resolutionMs: number) {}
  start(): void {
    this.last = performance.now();
    const tick = () => {
      this.record();
      this.timer = setTimeout(tick, this.resolutionMs);
    };
    this.timer = setTimeout(tick, this.resolutionMs);
  }
  /** A firing: how late it is. */
  private record(): void {
    const now = performance.now();
    this.samples.push(Math.max(0, now - this.last - this.resolutionMs));
    this.last = now;
  }
  /**
   * Ends the current phase: its samples, with the stall in progress (the time since the last
   * firing beyond one period) as one more; the next firing then counts from now.
   */
  cut(): number[] {
    const now = performance.now();
    const d = now - this.last - this.resolutionMs;
    this.samples.push(Math.max(0, d)); // at least one sample per phase, however short
    if (d > 0) this.last = now;
    const out = this.samples;
    this.samples = [];
    return out;
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export async function measureLoopDelay(options: LoopDelayOptions): Promise<LoopDelayResult> {
  const resolutionMs = options.resolutionMs ?? 5;
  const intervalMs = options.intervalMs ?? 5;
  const quietMs = options.quietMs ?? 3000;
  const via = options.dropVia ?? 'watch';
  const errors: string[] = [];
  const work = await mkdtemp(join(tmpdir(), 'papertalk-bench-loop-'));
  const dataDir = join(work, 'data');
  const cacheDir = join(work, 'cache');
  await mkdir(dataDir);
  await copyDataDir(options.dir, dataDir);
  const dropText = await dropFileText(options.seed ?? 42);
  const dropName = 'drop-10-new-papers.json';

  const svc = new CorpusService({ dataDir, cacheDir, logger: pino({ level: 'silent' }) });
  let reloadedAt: number | null = null;
  /** The drop phase ends at the first of `reloaded` and the first new paper found (cut right there, so that what follows, e.g. a snapshot write, is not in it). */
  let dropOpen = false;
  const endDrop = () => {
    if (!dropOpen) return;
    dropOpen = false;
    endPhase('drop');
  };
  svc.on('reloaded', () => {
    if (dropAt === null) return;
    reloadedAt ??= performance.now();
    endDrop();
  });

  // The query stream: one operation per tick, on this thread.
  let queries: ReturnType<typeof buildQuerySet> | null = null;
  const current = (): Library | null => {
    try {
      return svc.current.library;
    } catch {
      return null;
    }
  };
  let tickCount = 0;
  let notReady = 0;
  let latencies: number[] = [];
  let answerTimes: number[] = [];
  let dropAt: number | null = null;
  let searchableAt: number | null = null;
  let allSearchableAt: number | null = null;
  let pending: string[] = [];
  let streamTimer: NodeJS.Timeout | null = null;
  let intended = performance.now() + intervalMs;
  const tick = () => {
    const start = performance.now();
    const late = Math.max(0, start - intended);
    const lib = current();
    if (!lib) {
      notReady++;
    } else {
      const q = (queries ??= buildQuerySet(lib.corpus));
      const i = tickCount++;
      const slot = i % 4;
      if (slot === 0) lib.search(q.search[(i >> 2) % q.search.length]!.text, {}, { cache: false });
      else if (slot === 2) lib.suggestAuthors(q.authorPrefixes[(i >> 2) % q.authorPrefixes.length]!);
      else lib.suggestTitles(q.titlePrefixes[((i >> 1) + slot) % q.titlePrefixes.length]!);
      const done = performance.now();
      latencies.push(done - start);
      answerTimes.push(late + done - start);
      if (dropAt !== null && pending.length) {
        // Poll the drop: the first paper until found, then the others once each.
        if (searchableAt === null) {
          if (found(lib, pending[0]!)) {
            searchableAt = performance.now();
            endDrop();
            pending = pending.filter((w) => !found(lib, w));
            if (!pending.length) allSearchableAt = performance.now();
          }
        } else if (found(lib, pending[0]!)) {
          pending.shift();
          if (!pending.length) allSearchableAt = performance.now();
        }
      }
    }
    intended = performance.now() + intervalMs;
    streamTimer = setTimeout(tick, intervalMs);
  };

  const sampler = new DelaySampler(resolutionMs);
  const eld = monitorEventLoopDelay({ resolution: resolutionMs });
  const phases: Partial<Record<PhaseName, PhaseResult>> = {};
  let phaseStart = performance.now();
  let servingAtPhaseStart = false;
  const endPhase = (name: PhaseName) => {
    const samples = sampler.cut();
    const now = performance.now();
    // A query waiting at the cut (the loop stalled): its wait so far counts in this phase (if a
    // library was serving; else it was a not-ready tick), the rest in the next.
    if (now > intended) {
      if (servingAtPhaseStart) answerTimes.push(now - intended);
      intended = now;
    }
    servingAtPhaseStart = current() !== null;
    const ms = now - phaseStart;
    phases[name] = {
      ms: Math.round(ms),
      delay: summarize(samples),
      stalledShare: ms > 0 ? Math.round((samples.reduce((a, b) => a + b, 0) / ms) * 1000) / 1000 : 0,
      notReady,
      answered: latencies.length,
      latency: latencies.length ? summarize(latencies) : null,
      answerTime: answerTimes.length ? summarize(answerTimes) : null,
    };
    notReady = 0;
    latencies = [];
    answerTimes = [];
    phaseStart = now;
  };
  const waitUntil = async (cond: () => boolean, timeoutMs: number) => {
    const t0 = performance.now();
    while (!cond() && performance.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 2));
    return cond();
  };

  let startFrom: string | null = null;
  let papersBefore = 0;
  let papersAfter: number | null = null;
  let loadMs = 0;
  try {
    eld.enable();
    sampler.start();
    streamTimer = setTimeout(tick, intervalMs);
    // (b) start with no snapshot: a full build.
    phaseStart = performance.now();
    const loaded: LoadedCorpus = await svc.load();
    queries = buildQuerySet(loaded.library.corpus);
    endPhase('start');
    loadMs = phases.start!.ms;
    startFrom = loaded.from ?? null;
    if (startFrom !== 'files') errors.push(`start: loaded from ${String(startFrom)}, not the files`);
    // (c) the snapshot write that follows.
    await svc.idle();
    endPhase('save');
    // Queries alone (watching, as the bot does).
    if (via === 'watch') svc.watch();
    await new Promise((r) => setTimeout(r, quietMs));
    const lib0 = svc.current.library;
    papersBefore = lib0.corpus.papers.length;
    const words = Array.from({ length: DROP_PAPERS }, (_, i) => dropWord(i));
    if (words.some((w) => found(lib0, w))) errors.push('drop: a new paper was found before the drop');
    endPhase('quiet');
    // (a) the drop.
    pending = words;
    dropOpen = true;
    dropAt = performance.now();
    await writeFile(join(dataDir, dropName), dropText);
    if (via === 'load') void svc.load().catch((err: unknown) => errors.push(`drop: load failed: ${(err as Error).message}`));
    const timeout = Math.max(30_000, loadMs * 3 + 10_000);
    const ok = await waitUntil(() => searchableAt !== null && reloadedAt !== null, timeout);
    if (!ok) errors.push(`drop: ${searchableAt === null ? 'the new papers were not searchable' : 'no reloaded event'} ${Math.round(timeout)} ms after the drop`);
    endDrop();
    // (c) again: what follows (the snapshot write after the drop), until idle and all ten found.
    await svc.idle();
    await waitUntil(() => allSearchableAt !== null, 5000);
    if (allSearchableAt === null) errors.push(`drop: ${pending.length} of the ${DROP_PAPERS} new papers not found by search`);
    endPhase('dropSave');
    papersAfter = current()?.corpus.papers.length ?? null;
    if (papersAfter !== null && papersAfter !== papersBefore + DROP_PAPERS) errors.push(`drop: ${papersBefore} papers before, ${papersAfter} after (expected +${DROP_PAPERS})`);
  } finally {
    if (streamTimer) clearTimeout(streamTimer);
    sampler.stop();
    eld.disable();
    svc.close();
    await svc.idle().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
  const eldMs = (ns: number) => Math.round(Math.max(0, ns / 1e6 - resolutionMs) * 1000) / 1000;
  const rel = (t: number | null) => (t === null || dropAt === null ? null : Math.round((t - dropAt) * 10) / 10);
  return {
    mode: 'loop-delay',
    papers: papersBefore,
    resolutionMs,
    intervalMs,
    phases,
    startFrom,
    drop: { papers: DROP_PAPERS, file: dropName, via, reloadedMs: rel(reloadedAt), searchableMs: rel(searchableAt), allSearchableMs: rel(allSearchableAt), papersAfter },
    eldRun: { p50: eldMs(eld.percentile(50)), p99: eldMs(eld.percentile(99)), max: eldMs(eld.max), count: eld.count },
    memory: memory(),
    errors,
  };
}
