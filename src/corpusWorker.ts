/**
 * The corpus worker thread (started by `CorpusService`, src/corpusService.ts): reads, parses,
 * merges and indexes the data directory with a `CorpusLoader`, writes its snapshots, builds
 * what the understanding layer derives from a library (its linking dictionaries), and sends each
 * new library to the main thread in small parts (src/search/transfer.ts), one part per
 * acknowledgement, so the main thread takes them between its other work. Logs and progress are
 * forwarded to the main thread's logger.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { preparedExtras, preparedFromExtras } from './conversation/understand/understand.ts';
import type { Library } from './search/library.ts';
import { CorpusLoader, type CorpusServiceOptions, type LoadedCorpus, type SentDiff } from './corpusLoader.ts';
import type { RawPaper } from './corpus/schema.ts';
import type { Corpus } from './corpus/schema.ts';
import type { LoadResult } from './corpus/load.ts';
import { diffLibrary, diffSize, rebaseState, recordState, type RecordState } from './search/diff.ts';
import { extraParts, libraryParts, type LibraryPart } from './search/transfer.ts';
import { AVERAGES_KEY, type ToMain, type ToWorker, type WorkerInit } from './corpusWorkerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('papertalk: corpusWorker.ts runs as a worker thread');
const init = workerData as WorkerInit;

const send = (msg: ToMain): void => port.postMessage(msg);

/** Plain data for a log record (errors as message and stack: they cross the thread boundary). */
function plain(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { message: value.message, stack: value.stack, ...((value as NodeJS.ErrnoException).code ? { code: (value as NodeJS.ErrnoException).code } : {}) };
  if (depth < 3 && value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
    return out;
  }
  return value;
}

/** A logger that forwards to the main thread (the levels `CorpusLoader` and the snapshot cache use). */
function forwardingLogger(): Logger {
  const at = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal') => (obj: unknown, msg?: string) => {
    if (typeof obj === 'string') send({ t: 'log', level, obj: {}, msg: obj });
    else send({ t: 'log', level, obj: plain(obj) as Record<string, unknown>, ...(msg !== undefined ? { msg } : {}) });
  };
  const logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), level: init.logLevel, child: () => logger };
  return logger as unknown as Logger;
}

/**
 * What the main thread has (or will have once the messages sent so far are taken): the records
 * and lookups of its library, to diff the next corpus against. Null: it gets a whole library.
 */
let state: RecordState | null = null;
/**
 * What is being sent: a whole library (a diff then waits: the main thread would apply it to the
 * library before), or the dictionaries of one sent as a diff (a newer diff may overtake them:
 * the main thread then drops them, and the newer library's follow).
 */
let streaming: 'library' | 'prepared' | null = null;
/** Corpora sent as a diff, with the generation the main thread knows them by. */
const diffOf = new WeakMap<Corpus, number>();

/**
 * Right after the merge, before the (slower) indexing here: when few records changed, the main
 * thread gets only the diff and applies it to the library it serves (src/search/diff.ts).
 */
function sendDiff(result: LoadResult, timings: { parseMs: number }): SentDiff | null {
  if (!state || streaming === 'library') return null;
  const base = state.corpus;
  const t0 = performance.now();
  // From an incremental build of the corpus the main thread has: only the touched records are compared.
  const incremental = result.changes?.since === state.corpus;
  const d = diffLibrary(state, result.corpus, 0.05, result.changes);
  if (!d) return null;
  const gen = ++generation;
  state = d.state;
  diffOf.set(result.corpus, gen);
  send({ t: 'diff', gen, diff: d.diff, meta: { issues: result.issues, files: result.files, timings: { parseMs: timings.parseMs, indexMs: 0 }, from: 'files' } });
  send({ t: 'log', level: 'debug', obj: { gen, records: diffSize(d.diff), diffMs: Math.round(performance.now() - t0), incremental }, msg: 'library diff sent' });
  // The loader patches its own library with it when that library is the one of `base`.
  return { diff: d.diff, base };
}

const options: CorpusServiceOptions = {
  dataDir: init.dataDir,
  logger: forwardingLogger(),
  onCorpus: sendDiff,
  snapshotExtras: libraryExtras,
  ...(init.debounceMs !== undefined ? { debounceMs: init.debounceMs } : {}),
  ...(init.shrinkTolerance !== undefined ? { shrinkTolerance: init.shrinkTolerance } : {}),
  ...(init.cacheDir !== undefined ? { cacheDir: init.cacheDir } : {}),
  ...(init.codeVersion !== undefined ? { codeVersion: init.codeVersion } : {}),
  ...(init.progress ? { onProgress: (done: number, total: number) => send({ t: 'progress', done, total }) } : {}),
};
const loader = new CorpusLoader(options);

/** Generation of each library sent (a load may resolve with one already sent). */
const sent = new WeakMap<LoadedCorpus, number>();
let generation = 0;
/** Sends go one after the other. */
let sending: Promise<unknown> = Promise.resolve();
/** Parts sent and not yet acknowledged; at most `WINDOW` (the next is on its way while one is taken). */
let unacked = 0;
const WINDOW = 2;
let acked: (() => void) | null = null;

function nextAck(): Promise<void> {
  return new Promise((resolve) => {
    acked = resolve;
  });
}

async function sendParts(gen: number, kind: 'library' | 'prepared', parts: Iterable<LibraryPart>, loaded: LoadedCorpus): Promise<void> {
  const t0 = performance.now();
  send({ t: 'begin', gen, kind });
  let n = 0;
  for (const part of parts) {
    while (unacked >= WINDOW) await nextAck();
    send({ t: 'part', gen, part });
    unacked++;
    n++;
  }
  while (unacked > 0) await nextAck();
  send({ t: 'end', gen, meta: { issues: loaded.issues, files: loaded.files, timings: loaded.timings, ...(loaded.from ? { from: loaded.from } : {}) }, parts: n, sendMs: performance.now() - t0 });
}

/** The understanding dictionaries of a library: from its snapshot when it came from one, else built (once). */
const extrasOf = new WeakMap<Library, Record<string, unknown>>();
function libraryExtras(library: Library): Record<string, unknown> {
  let x = extrasOf.get(library);
  if (!x) extrasOf.set(library, (x = preparedExtras(library)));
  return x;
}

function preparedFor(loaded: LoadedCorpus): Record<string, unknown> {
  if (loaded.extras && preparedFromExtras((k) => loaded.extras![k])) return loaded.extras;
  return libraryExtras(loaded.library);
}

/**
 * A full garbage collection once a library was handed over: the build's memory (indexes, dumps,
 * parts) is garbage then, and a worker thread gets no idle-time collections to return it to the
 * system (measured at 10k papers: the process RSS stays ~550 MB higher without this).
 */
const gc: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose_gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
})();

function collect(): void {
  gc?.();
}

/** The load of the snapshot the main thread started from ('prime'), while it runs. */
let priming: Promise<unknown> = Promise.resolve();

const PART_SIZES = { records: 250, cells: 15_000 };

/** Gets a loaded library to the main thread: the dictionaries of one sent as a diff, else the whole of it. */
async function deliver(loaded: LoadedCorpus): Promise<number> {
  const known = sent.get(loaded);
  if (known !== undefined) return known;
  const diffGen = diffOf.get(loaded.built ?? loaded.library.corpus);
  // Sent as a diff and already patched by a newer load: that load's dictionaries follow.
  if (diffGen !== undefined && !loader.isCurrent(loaded)) return diffGen;
  streaming = diffGen !== undefined ? 'prepared' : 'library';
  try {
    if (diffGen !== undefined) {
      sent.set(loaded, diffGen);
      // With the index averages of the fresh build (a large library's diff left its own as they were).
      await sendParts(diffGen, 'prepared', extraParts({ ...preparedFor(loaded), [AVERAGES_KEY]: loaded.library.averages() }, PART_SIZES), loaded);
      return diffGen;
    }
    const gen = ++generation;
    sent.set(loaded, gen);
    await sendParts(gen, 'library', libraryParts(loaded.library, preparedFor(loaded), PART_SIZES), loaded);
    state = recordState(loaded.library.corpus, loaded.library.lookups());
    return gen;
  } finally {
    streaming = null;
    // The main thread has it now: give the build's memory back (the library stays: the next
    // reload's diff patches it).
    void loader.idle().then(collect);
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'ack': {
      unacked--;
      const a = acked;
      acked = null;
      a?.();
      return;
    }
    case 'load': {
      const run = loader.load().then((loaded) => {
        sending = sending.then(() => deliver(loaded));
        return sending as Promise<number>;
      });
      run.then(
        (gen) => send({ t: 'loaded', id: msg.id, gen }),
        (err: unknown) => send({ t: 'loaded', id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    case 'prime': {
      // Queued like a load: a 'load' after it runs after it (CorpusLoader queues loads).
      const want = msg.counts;
      priming = loader.load().then(
        (loaded) => {
          const c = loaded.library.corpus;
          // The snapshot the main thread took (the files unchanged since): it has this library.
          if (loaded.from === 'snapshot' && c.papers.length === want.papers && c.posts.length === want.posts && c.authors.length === want.authors) {
            sent.set(loaded, 0);
            state = recordState(c, loaded.library.lookups());
          }
          // So that the first reload after the start is incremental too. When the corpus built is
          // the snapshot's (the same files), the state describes it from then on (an incremental
          // build's changes name the corpus object they start from).
          if (loaded.from === 'snapshot') {
            void loader.warm().then((warmed) => {
              if (warmed?.sameAsLoaded && state?.corpus === c) state = rebaseState(state, warmed.result.corpus);
              collect();
            });
          } else void loader.idle().then(collect);
        },
        () => undefined,
      );
      return;
    }
    case 'resync':
      state = null;
      return;
    case 'extra':
      loader.setExtraPapers(msg.records as RawPaper[]);
      return;
    case 'idle':
      void priming.then(() => loader.idle()).then(() => send({ t: 'idle', id: msg.id }));
      return;
    case 'close':
      loader.close();
      return;
    case 'exit':
      loader.close();
      void loader.idle().then(() => process.exit(0));
      return;
  }
});
send({ t: 'ready' });
