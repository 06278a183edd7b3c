/**
 * The corpus worker thread (started by `CorpusService`, src/corpusService.ts): reads, parses,
 * merges and indexes the data directory with a `CorpusLoader`, writes its snapshots, builds
 * what the understanding layer derives from a library (its linking dictionaries), and sends each
 * new library to the main thread in small parts (src/search/transfer.ts), one part per
 * acknowledgement, so the main thread takes them between its other work. Logs and progress are
 * forwarded to the main thread's logger.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { preparedData } from './conversation/understand/understand.ts';
import { CorpusLoader, type CorpusServiceOptions, type LoadedCorpus } from './corpusLoader.ts';
import type { RawPaper } from './corpus/schema.ts';
import { libraryParts } from './search/transfer.ts';
import type { ToMain, ToWorker, WorkerInit } from './corpusWorkerProtocol.ts';

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

const options: CorpusServiceOptions = {
  dataDir: init.dataDir,
  logger: forwardingLogger(),
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

async function stream(loaded: LoadedCorpus): Promise<number> {
  const known = sent.get(loaded);
  if (known !== undefined) return known;
  const gen = ++generation;
  sent.set(loaded, gen);
  const t0 = performance.now();
  send({ t: 'begin', gen });
  const prepared = preparedData(loaded.library);
  const extras = { dict: prepared.lexicon.dict, maxLen: prepared.lexicon.maxLen, venues: prepared.lexicon.venues, orgs: prepared.lexicon.orgs, titleTerms: prepared.titleTerms };
  let parts = 0;
  for (const part of libraryParts(loaded.library, extras, { records: 250, cells: 15_000 })) {
    while (unacked >= WINDOW) await nextAck();
    send({ t: 'part', gen, part });
    unacked++;
    parts++;
  }
  while (unacked > 0) await nextAck();
  send({ t: 'end', gen, meta: { issues: loaded.issues, files: loaded.files, timings: loaded.timings, ...(loaded.from ? { from: loaded.from } : {}) }, parts, sendMs: performance.now() - t0 });
  // The main thread has it now: keep only what the next load needs.
  void loader.release();
  return gen;
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
        sending = sending.then(() => stream(loaded));
        return sending as Promise<number>;
      });
      run.then(
        (gen) => send({ t: 'loaded', id: msg.id, gen }),
        (err: unknown) => send({ t: 'loaded', id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    case 'extra':
      loader.setExtraPapers(msg.records as RawPaper[]);
      return;
    case 'idle':
      void loader.idle().then(() => send({ t: 'idle', id: msg.id }));
      return;
    case 'close':
      loader.close();
      void loader.idle().then(() => process.exit(0));
      return;
  }
});
send({ t: 'ready' });
