/**
 * Performance benchmark: `npm run bench [-- --sizes 1000,10000] [--seed 42] [--rounds 5] [--budget-ms 60000] [--regenerate]
 * [--profiles default,small-vocab] [--loop-delay | --no-loop-delay] [--loop-interval-ms 5] [--no-arxiv | --arxiv-only] [--out FILE]`.
 *
 * For each size and generator profile: a synthetic corpus in our input formats
 * (bench/generate.ts; cached under the OS temp dir by profile, size and seed), then fresh child
 * processes (bench/measure.ts, `--expose-gc`): cold start from the raw files (parse + merge,
 * index, RSS, snapshot save), start from the snapshot (time, RSS, search / autocomplete /
 * conversation latencies), a plain-MiniSearch baseline over the same papers and queries, and the
 * event-loop delay while queries are answered during a start with no snapshot, the snapshot
 * write and a drop of 10 new papers, with the time from the drop to the papers being searchable
 * (bench/loopDelay.ts, through the public `CorpusService` API).
 *
 * Profiles (one table column per size and profile): `default` (an open vocabulary growing with
 * the corpus) and `small-vocab` (~20k distinct abstract words at any size: long posting lists).
 * Without `--profiles`, `small-vocab` runs beside `default` for sizes up to 10,000 only (at
 * 100,000 it costs minutes more): `--profiles default,small-vocab` runs both at every size.
 * The loop-delay child runs by default for sizes up to 10,000; `--loop-delay` runs it at every
 * size (at 100,000 it builds the corpus twice: minutes and GBs), `--no-loop-delay` never.
 *
 * Then the arXiv-dump input: as many lines of the arXiv metadata snapshot format as the size
 * (bench/generateArxiv.ts, one file, cached beside the corpora), ingested cold in a fresh child
 * the way the bot loads a data directory (`CorpusService`: parse + merge, `Library.build`), with
 * its time, peak RSS during the load and RSS after it, shown beside the page-format cold start.
 * `--no-arxiv` skips it; `--arxiv-only` runs only it.
 *
 * Prints a table to stdout, writes `bench/results/latest.json` (or `--out FILE`). Nothing here
 * asserts on wall-clock time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, freemem, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProgress } from '../src/progress.ts';
import { PROFILES, argValue, generatedDir, generatedVersion, isProfile, type GeneratorProfile } from './generate.ts';
import { ARXIV_GENERATOR_VERSION, generatedArxivDir, type ArxivDumpStats } from './generateArxiv.ts';
import type { LoopDelayResult, PhaseName } from './loopDelay.ts';
import type { ArxivIngestResult, BaselineResult, ColdResult, WarmResult } from './measure.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Time budget per latency block in a child (rounds beyond the first stop once it is spent). */
let BUDGET_MS = 60_000;

/** Targets at 100k papers on a 2-core machine. */
export const TARGETS = {
  searchP99Ms: 5,
  autocompleteP99Ms: 2,
  conversationP99Ms: 10,
  coldStartMs: 3000,
  snapshotStartMs: 500,
  rssMB: 600,
} as const;

/** Targets of issue 13 for the loop-delay measurement, at 100k papers. */
export const LOOP_TARGETS = {
  delayP99Ms: 50,
  delayMaxMs: 200,
  dropToSearchableMs: 1000,
} as const;

/** Largest size that runs the `small-vocab` profile and the loop-delay child by default. */
const DEFAULT_EXTRA_MAX_SIZE = 10_000;

interface ArxivPart {
  /** Lines in the dump (= the size). */
  lines: number;
  dir: string;
  generated: { ms: number | null; stats: ArxivDumpStats | null };
  ingest: ArxivIngestResult | null;
}

interface SizeResult {
  size: number;
  profile: GeneratorProfile;
  dir: string;
  generated: { ms: number | null; stats: unknown };
  cold: ColdResult | null;
  warm: WarmResult | null;
  baseline: BaselineResult | null;
  /** The arXiv-dump input (with the first profile of a size); null when skipped (`--no-arxiv`). */
  arxiv: ArxivPart | null;
  /** Event-loop delay during a start, a snapshot write, a drop; `skipped` when not asked for at this size. */
  loopDelay: LoopDelayResult | 'skipped' | null;
  errors: string[];
}

function runChild(args: string[], options: { captureStdout?: boolean } = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: join(BENCH_DIR, '..'),
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (options.captureStdout) stdout += chunk;
      else process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function ensureGenerated(size: number, seed: number, profile: GeneratorProfile, regenerate: boolean): Promise<{ dir: string; ms: number | null; stats: unknown }> {
  const dir = generatedDir(size, seed, profile);
  const marker = join(dir, '.generated.json');
  if (!regenerate && existsSync(marker)) {
    const meta = JSON.parse(await readFile(marker, 'utf8')) as { version?: number | string; stats?: unknown };
    if (meta.version === generatedVersion(profile)) return { dir, ms: null, stats: meta.stats };
  }
  const r = await runChild([join(BENCH_DIR, 'generate.ts'), '--papers', String(size), '--seed', String(seed), '--profile', profile, '--out', dir], { captureStdout: true });
  if (r.code !== 0) throw new Error(`generator exited with ${String(r.code)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  const parsed = JSON.parse(line) as { ms?: number; stats?: unknown };
  return { dir, ms: parsed.ms ?? null, stats: parsed.stats ?? null };
}

async function ensureArxivGenerated(lines: number, seed: number, regenerate: boolean): Promise<{ dir: string; ms: number | null; stats: ArxivDumpStats | null }> {
  const dir = generatedArxivDir(lines, seed);
  const marker = join(dir, '.generated.json');
  if (!regenerate && existsSync(marker)) {
    const meta = JSON.parse(await readFile(marker, 'utf8')) as { version?: number; stats?: ArxivDumpStats };
    if (meta.version === ARXIV_GENERATOR_VERSION) return { dir, ms: null, stats: meta.stats ?? null };
  }
  const r = await runChild([join(BENCH_DIR, 'generateArxiv.ts'), '--lines', String(lines), '--seed', String(seed), '--out', dir], { captureStdout: true });
  if (r.code !== 0) throw new Error(`arXiv generator exited with ${String(r.code)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  const parsed = JSON.parse(line) as { ms?: number; stats?: ArxivDumpStats };
  return { dir, ms: parsed.ms ?? null, stats: parsed.stats ?? null };
}

async function measure<T>(mode: 'cold' | 'warm' | 'baseline' | 'arxiv' | 'loop-delay', dir: string, cache: string, rounds: number, errors: string[], extra: string[] = []): Promise<T | null> {
  const work = await mkdtemp(join(tmpdir(), 'papertalk-bench-result-'));
  const out = join(work, `${mode}.json`);
  try {
    const r = await runChild([join(BENCH_DIR, 'measure.ts'), mode, '--dir', dir, '--cache', cache, '--result', out, '--rounds', String(rounds), '--budget-ms', String(BUDGET_MS), ...extra]);
    if (r.code !== 0 || !existsSync(out)) {
      errors.push(`${mode}: child exited with ${String(r.code)}`);
      return null;
    }
    return JSON.parse(await readFile(out, 'utf8')) as T;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Table

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
function fmtMs(n: number | undefined | null): string {
  if (n === undefined || n === null || Number.isNaN(n)) return 'n/a';
  if (n >= 1000) return fmtInt(n);
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
const pair = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 'n/a' : `${fmtMs(a)} / ${fmtMs(b)}`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? 'n/a' : `${(a / b).toFixed(2)}×`);

/** The arXiv cell: `f` of the ingestion, `skipped` without one by choice, n/a when it failed. */
const ax = (f: (a: ArxivIngestResult, part: ArxivPart) => string) => (r: SizeResult) => (!r.arxiv ? 'skipped' : r.arxiv.ingest ? f(r.arxiv.ingest, r.arxiv) : 'n/a');

type Row = [string, (r: SizeResult) => string, string];

/** A loop-delay cell: `f` of the result, `skipped` when not asked for, n/a when it failed. */
const ld = (f: (l: LoopDelayResult) => string) => (r: SizeResult) => (r.loopDelay === 'skipped' ? 'skipped' : r.loopDelay ? f(r.loopDelay) : 'n/a');
const phaseCell = (name: PhaseName) =>
  ld((l) => {
    const p = l.phases[name];
    // The share of the phase the loop was stalled: one long stall among many short samples leaves p99 low.
    return p ? `${fmtMs(p.delay.p50)} / ${fmtMs(p.delay.p99)} / ${fmtMs(p.delay.max)} [${Math.round(p.stalledShare * 100)}%]` : 'n/a';
  });
const loopRows: Row[] = [
  ['event-loop delay p50 / p99 / max (ms) [stalled]:', () => '', ''],
  ['  start with no snapshot (full build)', phaseCell('start'), `p99 ≤ ${LOOP_TARGETS.delayP99Ms}, max ≤ ${LOOP_TARGETS.delayMaxMs}`],
  ['  snapshot write after it', phaseCell('save'), `p99 ≤ ${LOOP_TARGETS.delayP99Ms}, max ≤ ${LOOP_TARGETS.delayMaxMs}`],
  ['  queries alone', phaseCell('quiet'), ''],
  ['  drop of 10 papers → searchable', phaseCell('drop'), `p99 ≤ ${LOOP_TARGETS.delayP99Ms}, max ≤ ${LOOP_TARGETS.delayMaxMs}`],
  ['  after the drop until idle', phaseCell('dropSave'), `p99 ≤ ${LOOP_TARGETS.delayP99Ms}, max ≤ ${LOOP_TARGETS.delayMaxMs}`],
  ['  phases (ms): start / save / drop / after', ld((l) => [l.phases.start, l.phases.save, l.phases.drop, l.phases.dropSave].map((p) => (p ? fmtInt(p.ms) : 'n/a')).join(' / ')), ''],
  ['drop → searchable (ms) [→ reloaded]', ld((l) => `${fmtMs(l.drop.searchableMs)} [${fmtMs(l.drop.reloadedMs)}]`), `≤ ${fmtInt(LOOP_TARGETS.dropToSearchableMs)}`],
  ['answers during the drop: n / p99 / max (ms)', ld((l) => (l.phases.drop?.answerTime ? `${fmtInt(l.phases.drop.answered)} / ${fmtMs(l.phases.drop.answerTime.p99)} / ${fmtMs(l.phases.drop.answerTime.max)}` : 'n/a')), ''],
];

/** The table: the page-format rows (`pages`), with the arXiv-dump rows after the page-format cold start (`arxiv`). */
function table(results: SizeResult[], show: { pages: boolean; arxiv: boolean; loopDelay: boolean }): string {
  const arxivRows: Row[] = [
    ['arXiv dump: lines → papers / authors', ax((a, p) => `${fmtInt(p.lines)} → ${fmtInt(a.counts.papers)} / ${fmtInt(a.counts.authors)}`), ''],
    ['  dump file (MB) / warnings', ax((a) => `${(a.counts.bytes / 1048576).toFixed(1)} / ${fmtInt(a.counts.warnings)}`), ''],
    ['  cold ingestion (ms) [cpu]', ax((a) => `${fmtMs(a.loadMs)} [${fmtMs(a.loadCpuMs)}]`), `≤ ${fmtInt(TARGETS.coldStartMs)}`],
    ['    hash + read / parse + merge / index', ax((a) => `${fmtMs(a.hashReadMs)} / ${fmtMs(a.parseMs)} / ${fmtMs(a.indexMs)}`), ''],
    ['  peak RSS during load (MB)', ax((a) => fmtMs(a.memory.maxRssMB)), ''],
    ['  RSS after load (MB) [heap used]', ax((a) => `${fmtMs(a.memory.rssMB)} [${fmtMs(a.memory.heapUsedMB)}]`), `≤ ${TARGETS.rssMB}`],
    ['    file text kept as last good (MB)', ax((a) => fmtMs(a.retainedTextMB)), ''],
    ['  snapshot save (ms) / MB [peak RSS]', ax((a) => (a.snapshotSaveMs === null || a.snapshotBytes === null ? 'n/a' : `${fmtMs(a.snapshotSaveMs)} / ${(a.snapshotBytes / 1048576).toFixed(1)} [${fmtMs(a.maxRssWithSaveMB)}]`)), ''],
  ];
  const pageRows: Row[] = [
    ['papers / posts / authors', (r) => (r.cold ? `${fmtInt(r.cold.counts.papers)} / ${fmtInt(r.cold.counts.posts)} / ${fmtInt(r.cold.counts.authors)}` : 'n/a'), ''],
    ['distinct abstract words', (r) => (r.cold?.counts.abstractWords === undefined ? 'n/a' : fmtInt(r.cold.counts.abstractWords)), ''],
    ['data files / MB', (r) => (r.cold ? `${fmtInt(r.cold.counts.files)} / ${(r.cold.counts.bytes / 1048576).toFixed(1)}` : 'n/a'), ''],
    ['read files (ms)', (r) => fmtMs(r.cold?.readMs), ''],
    ['parse + merge (ms) [cpu]', (r) => (r.cold ? `${fmtMs(r.cold.parseMs)} [${fmtMs(r.cold.parseCpuMs)}]` : 'n/a'), ''],
    ['index build (ms) [cpu]', (r) => (r.cold ? `${fmtMs(r.cold.indexMs)} [${fmtMs(r.cold.indexCpuMs)}]` : 'n/a'), ''],
    ['cold start, raw files (ms)', (r) => fmtMs(r.cold?.coldStartMs), `≤ ${fmtInt(TARGETS.coldStartMs)}`],
    ['RSS after cold start (MB)', (r) => fmtMs(r.cold?.memory.rssMB), `≤ ${TARGETS.rssMB}`],
    ['  heap used (MB)', (r) => fmtMs(r.cold?.memory.heapUsedMB), ''],
    ['  peak RSS during load (MB)', (r) => fmtMs(r.cold?.memory.maxRssMB), ''],
    ...(show.arxiv ? arxivRows : []),
    ['hash files cold / stat-cached (ms)', (r) => pair(r.cold?.hashColdMs, r.cold?.hashWarmMs), ''],
    ['snapshot save (ms)', (r) => fmtMs(r.cold?.saveMs), ''],
    ['snapshot size (MB)', (r) => (r.cold ? (r.cold.snapshotBytes / 1048576).toFixed(1) : 'n/a'), ''],
    ['start from snapshot (ms) [cpu]', (r) => (r.warm ? `${fmtMs(r.warm.startMs)} [${fmtMs(r.warm.startCpuMs)}]` : 'n/a'), `≤ ${TARGETS.snapshotStartMs}`],
    [
      '  hash / read / corpus / indexes (ms)',
      (r) => (r.warm ? `${fmtMs(r.warm.timings.hashMs)} / ${r.warm.timings.readMs === undefined ? '–' : fmtMs(r.warm.timings.readMs)} / ${fmtMs(r.warm.timings.corpusMs)} / ${fmtMs(r.warm.timings.indexMs)}` : 'n/a'),
      '',
    ],
    ['RSS after snapshot load (MB)', (r) => fmtMs(r.warm?.memory.rssMB), `≤ ${TARGETS.rssMB}`],
    ['  heap used (MB)', (r) => fmtMs(r.warm?.memory.heapUsedMB), ''],
    ['first search after start (ms)', (r) => fmtMs(r.warm?.firstSearchMs), ''],
    ['search p50 / p99 (ms)', (r) => pair(r.warm?.search.p50, r.warm?.search.p99), `p99 ≤ ${TARGETS.searchP99Ms}`],
    ...(['topic', 'title', 'short-name', 'author', 'misspelling'] as const).map(
      (k) => [`  ${k} p50 / p99`, (r: SizeResult) => pair(r.warm?.searchByKind[k]?.p50, r.warm?.searchByKind[k]?.p99), ''] as [string, (r: SizeResult) => string, string],
    ),
    ['autocomplete p50 / p99 (ms)', (r) => pair(r.warm?.autocomplete.p50, r.warm?.autocomplete.p99), `p99 ≤ ${TARGETS.autocompleteP99Ms}`],
    ['  titles p50 / p99', (r) => pair(r.warm?.suggestTitles.p50, r.warm?.suggestTitles.p99), ''],
    ['  authors p50 / p99', (r) => pair(r.warm?.suggestAuthors.p50, r.warm?.suggestAuthors.p99), ''],
    ['CPU time: search / autocomplete p99 (ms)', (r) => (r.warm?.searchCpu ? `${fmtMs(r.warm.searchCpu.p99)} / ${fmtMs(r.warm.autocompleteCpu.p99)}` : 'n/a'), ''],
    ['conversation turn p50 / p99 (ms)', (r) => (r.warm?.conversation ? pair(r.warm.conversation.p50, r.warm.conversation.p99) : 'n/a'), `p99 ≤ ${TARGETS.conversationP99Ms}`],
    ['baseline: build (ms)', (r) => fmtMs(r.baseline?.buildMs), ''],
    ['baseline: search p50 / p99 (ms)', (r) => pair(r.baseline?.search.p50, r.baseline?.search.p99), ''],
    ['baseline: prefix search p50 / p99', (r) => pair(r.baseline?.autocomplete.p50, r.baseline?.autocomplete.p99), ''],
    ['baseline: RSS (MB) [corpus only]', (r) => (r.baseline ? `${fmtMs(r.baseline.memory.rssMB)} [${fmtMs(r.baseline.rssCorpusMB)}]` : 'n/a'), ''],
    ['ours/baseline: build', (r) => ratio(r.cold?.indexMs, r.baseline?.buildMs), ''],
    ['ours/baseline: search p50 / p99', (r) => `${ratio(r.warm?.search.p50, r.baseline?.search.p50)} / ${ratio(r.warm?.search.p99, r.baseline?.search.p99)}`, ''],
    ['ours/baseline: RSS (total)', (r) => ratio(r.warm?.memory.rssMB, r.baseline?.memory.rssMB), ''],
    [
      'ours/baseline: index RSS (minus corpus)',
      (r) => (r.warm && r.baseline ? ratio(r.warm.memory.rssMB - r.baseline.rssCorpusMB, r.baseline.memory.rssMB - r.baseline.rssCorpusMB) : 'n/a'),
      '',
    ],
    ...(show.loopDelay ? loopRows : []),
  ];
  const rows = show.pages ? pageRows : arxivRows;
  const header = ['', ...results.map((r) => `n = ${fmtInt(r.size)}${r.profile === 'default' ? '' : ` ${r.profile}`}`), 'target (100k)'];
  const body = rows.map(([label, f, target]) => [label, ...results.map(f), target]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

interface Verdict {
  target: string;
  limit: number;
  value: number | null;
  met: boolean | null;
}

function verdicts(r: SizeResult): Verdict[] {
  const loop = r.loopDelay === 'skipped' ? null : r.loopDelay;
  const v = (target: string, limit: number, value: number | undefined | null): Verdict => ({ target, limit, value: value ?? null, met: value === undefined || value === null ? null : value <= limit });
  return [
    v('search p99 (ms)', TARGETS.searchP99Ms, r.warm?.search.p99),
    v('autocomplete p99 (ms)', TARGETS.autocompleteP99Ms, r.warm?.autocomplete.p99),
    v('conversation turn p99 (ms)', TARGETS.conversationP99Ms, r.warm?.conversation?.p99),
    v('cold start from raw files (ms)', TARGETS.coldStartMs, r.cold?.coldStartMs),
    v('start from snapshot (ms)', TARGETS.snapshotStartMs, r.warm?.startMs),
    v('RSS after cold start (MB)', TARGETS.rssMB, r.cold?.memory.rssMB),
    v('RSS after snapshot load (MB)', TARGETS.rssMB, r.warm?.memory.rssMB),
    ...(r.loopDelay === 'skipped'
      ? []
      : (['start', 'save', 'drop', 'dropSave'] as const).flatMap((phase) => [
          v(`event-loop delay p99, ${phase} (ms)`, LOOP_TARGETS.delayP99Ms, loop?.phases[phase]?.delay.p99),
          v(`event-loop delay max, ${phase} (ms)`, LOOP_TARGETS.delayMaxMs, loop?.phases[phase]?.delay.max),
        ])),
    ...(r.loopDelay === 'skipped' ? [] : [v('drop → searchable (ms)', LOOP_TARGETS.dropToSearchableMs, loop?.drop.searchableMs)]),
  ];
}

// ---------------------------------------------------------------------------------------------

interface LoopDelayOptions {
  run: boolean;
  /** Extra arguments of the child (`--interval-ms`, `--resolution-ms`, `--seed`). */
  args: string[];
}

/** The page-format corpus of one size and profile: generate, cold, warm, baseline, loop delay (into `r`). */
async function pageFormats(r: SizeResult, seed: number, rounds: number, regenerate: boolean, loop: LoopDelayOptions, tick: () => void): Promise<void> {
  let gen: { dir: string; ms: number | null; stats: unknown };
  try {
    gen = await ensureGenerated(r.size, seed, r.profile, regenerate);
  } catch (err) {
    r.errors.push(`generate: ${(err as Error).message}`);
    return;
  }
  tick();
  r.dir = gen.dir;
  r.generated = { ms: gen.ms, stats: gen.stats };
  const cache = `${gen.dir}-cache`;
  r.cold = await measure<ColdResult>('cold', gen.dir, cache, rounds, r.errors);
  tick();
  r.warm = r.cold ? await measure<WarmResult>('warm', gen.dir, cache, rounds, r.errors) : null;
  tick();
  r.baseline = r.cold ? await measure<BaselineResult>('baseline', gen.dir, cache, rounds, r.errors) : null;
  tick();
  if (r.warm && r.warm.from !== 'snapshot') r.errors.push('warm: the snapshot was not used (rebuilt)');
  if (loop.run) {
    // Its own cache (a temp directory the child removes): it starts with no snapshot.
    r.loopDelay = await measure<LoopDelayResult>('loop-delay', gen.dir, '-', rounds, r.errors, ['--seed', String(seed), ...loop.args]);
    for (const e of r.loopDelay?.errors ?? []) r.errors.push(`loop-delay: ${e}`);
    tick();
  }
}

/** The arXiv dump of `lines` lines: generate (cached), then one cold ingestion in a fresh child. */
async function arxivDump(lines: number, seed: number, regenerate: boolean, errors: string[], tick: () => void): Promise<ArxivPart> {
  let gen: { dir: string; ms: number | null; stats: ArxivDumpStats | null };
  try {
    gen = await ensureArxivGenerated(lines, seed, regenerate);
  } catch (err) {
    errors.push(`arxiv: generate: ${(err as Error).message}`);
    return { lines, dir: '', generated: { ms: null, stats: null }, ingest: null };
  }
  tick();
  const ingest = await measure<ArxivIngestResult>('arxiv', gen.dir, `${gen.dir}-cache`, 1, errors);
  tick();
  return { lines, dir: gen.dir, generated: { ms: gen.ms, stats: gen.stats }, ingest };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes = (argValue(args, '--sizes') ?? '1000,10000,100000')
    .split(',')
    .map((s) => Number(s.trim().replace(/k$/i, '000')))
    .filter((n) => Number.isInteger(n) && n > 0);
  const seed = Number(argValue(args, '--seed') ?? '42');
  const rounds = Number(argValue(args, '--rounds') ?? '5');
  const regenerate = args.includes('--regenerate');
  const withArxiv = !args.includes('--no-arxiv');
  const arxivOnly = args.includes('--arxiv-only');
  const resultsFile = resolve(argValue(args, '--out') ?? join(RESULTS_DIR, 'latest.json'));
  BUDGET_MS = Number(argValue(args, '--budget-ms') ?? BUDGET_MS);
  const profilesArg = argValue(args, '--profiles');
  const profileList = profilesArg?.split(',').map((p) => p.trim()).filter(Boolean) ?? [];
  /** Profiles of a size: the ones asked for, else `default` plus `small-vocab` where it is cheap. */
  const profilesOf = (size: number): GeneratorProfile[] =>
    profilesArg ? profileList.filter(isProfile) : size <= DEFAULT_EXTRA_MAX_SIZE ? ['default', 'small-vocab'] : ['default'];
  const loopDelayArg = args.includes('--loop-delay') ? 'all' : args.includes('--no-loop-delay') ? 'none' : 'small';
  const loopDelayAt = (size: number) => loopDelayArg === 'all' || (loopDelayArg === 'small' && size <= DEFAULT_EXTRA_MAX_SIZE);
  const loopArgs = [...(argValue(args, '--loop-interval-ms') ? ['--interval-ms', argValue(args, '--loop-interval-ms')!] : []), ...(argValue(args, '--loop-resolution-ms') ? ['--resolution-ms', argValue(args, '--loop-resolution-ms')!] : [])];
  if (!sizes.length || !Number.isInteger(seed) || !(rounds > 0) || (arxivOnly && !withArxiv) || (profilesArg !== undefined && (!profileList.length || !profileList.every(isProfile)))) {
    process.stderr.write(
      `usage: npm run bench -- [--sizes 1000,10000,100000] [--seed 42] [--rounds 5] [--budget-ms 60000] [--regenerate] [--profiles ${PROFILES.join(',')}] [--loop-delay | --no-loop-delay] [--loop-interval-ms 5] [--loop-resolution-ms 5] [--no-arxiv | --arxiv-only] [--out FILE]\n`,
    );
    process.exitCode = 2;
    return;
  }
  const cpu = cpus();
  const machine = {
    cores: cpu.length,
    cpu: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${platform()} ${arch()}`,
    totalMemMB: Math.round(totalmem() / 1048576),
    freeMemMB: Math.round(freemem() / 1048576),
    loadAvgStart: loadavg().map((x) => Math.round(x * 100) / 100),
    loadAvgEnd: [] as number[],
  };
  const head = `papertalk bench — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.platform}, ${fmtInt(machine.totalMemMB)} MB RAM, load avg ${machine.loadAvgStart.join(' ')}; seed ${seed}, ${rounds} rounds${arxivOnly ? '; arXiv dump only' : withArxiv ? '' : '; no arXiv dump'}${profilesArg ? `; profiles ${profileList.join(', ')}` : ''}${loopDelayArg === 'small' ? '' : `; loop delay ${loopDelayArg === 'all' ? 'at every size' : 'off'}`}`;
  process.stdout.write(`${head}\n`);

  const results: SizeResult[] = [];
  for (const size of sizes) {
    const profiles = arxivOnly ? (['default'] as const) : profilesOf(size);
    const loop: LoopDelayOptions = { run: loopDelayAt(size), args: loopArgs };
    const pageSteps = ['generate', 'cold', 'warm', 'baseline', ...(loop.run ? ['loop delay'] : [])];
    const steps = [...(arxivOnly ? [] : profiles.flatMap((p) => pageSteps.map((s) => (profiles.length > 1 ? `${s} (${p})` : s)))), ...(withArxiv ? ['generate arXiv dump', 'arXiv ingestion'] : [])];
    const progress = createProgress({ label: `n=${size}: ${steps.join(', ')}`, total: steps.length });
    for (const [i, profile] of profiles.entries()) {
      const errors: string[] = [];
      const result: SizeResult = { size, profile, dir: '', generated: { ms: null, stats: null }, cold: null, warm: null, baseline: null, arxiv: null, loopDelay: loop.run ? null : 'skipped', errors };
      results.push(result);
      if (!arxivOnly) await pageFormats(result, seed, rounds, regenerate, loop, () => progress.tick());
      // The arXiv dump (one generator, no profiles) goes with the size's first column.
      if (withArxiv && i === 0) result.arxiv = await arxivDump(size, seed, regenerate, errors, () => progress.tick());
    }
    progress.done();
  }
  machine.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);

  const anyLoopDelay = results.some((r) => r.loopDelay !== 'skipped');
  process.stdout.write(`\n${table(results, { pages: !arxivOnly, arxiv: withArxiv, loopDelay: anyLoopDelay })}\n`);
  const label = (r: SizeResult) => `n = ${fmtInt(r.size)}${r.profile === 'default' ? '' : ` ${r.profile}`}`;
  const notes = results.flatMap((r) => [
    ...(r.arxiv?.ingest?.gc === false ? [`${label(r)}: arXiv: no --expose-gc: RSS measured without a forced GC`] : []),
    ...(r.warm ? [`${label(r)}: conversation: ${r.warm.conversationNote}`] : []),
    ...(r.loopDelay && r.loopDelay !== 'skipped'
      ? [
          `${label(r)}: loop delay sampled every ${r.loopDelay.resolutionMs} ms (ms beyond it), one query every ${r.loopDelay.intervalMs} ms; drop noticed by ${r.loopDelay.drop.via}; monitorEventLoopDelay over the run p99 / max ${fmtMs(r.loopDelay.eldRun.p99)} / ${fmtMs(r.loopDelay.eldRun.max)}; all ${r.loopDelay.drop.papers} dropped papers searchable after ${fmtMs(r.loopDelay.drop.allSearchableMs)} ms`,
        ]
      : []),
    ...r.errors.map((e) => `${label(r)}: ERROR ${e}`),
    ...(r.cold && !r.cold.gc ? [`${label(r)}: no --expose-gc: RSS measured without a forced GC`] : []),
  ]);
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  const largestSize = results.length ? Math.max(...results.map((r) => r.size)) : 0;
  const largest = results.filter((r) => r.size === largestSize);
  const verdictsByProfile: Partial<Record<GeneratorProfile, Verdict[]>> = {};
  if (!arxivOnly) {
    for (const r of largest) {
      const list = verdicts(r);
      verdictsByProfile[r.profile] = list;
      process.stdout.write(`\ntargets at ${label(r)}${largestSize !== 100_000 ? ' (the targets are set for 100,000)' : ''}:\n`);
      for (const v of list) {
        const status = v.met === null ? 'n/a ' : v.met ? 'met ' : 'MISS';
        const by = v.value === null ? '' : v.met ? ` (${fmtMs(v.value)}, ${((1 - v.value / v.limit) * 100).toFixed(0)}% under)` : ` (${fmtMs(v.value)}, ${(v.value / v.limit).toFixed(1)}× the limit)`;
        process.stdout.write(`  ${status} ${v.target} ≤ ${v.limit}${by}\n`);
      }
    }
  }
  process.stdout.write(`load avg at end ${machine.loadAvgEnd.join(' ')}\n`);
  await mkdir(dirname(resultsFile), { recursive: true });
  const json = {
    startedAt: new Date().toISOString(),
    machine,
    seed,
    rounds,
    options: { arxiv: withArxiv, arxivOnly, profiles: profilesArg ? profileList : `default; small-vocab up to ${DEFAULT_EXTRA_MAX_SIZE}`, loopDelay: loopDelayArg, loopArgs },
    targets: TARGETS,
    loopTargets: LOOP_TARGETS,
    sizes: results,
    verdicts: verdictsByProfile.default ?? Object.values(verdictsByProfile)[0] ?? [],
    verdictsByProfile,
  };
  await writeFile(resultsFile, `${JSON.stringify(json, null, 2)}\n`);
  process.stderr.write(`results: ${resultsFile}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
