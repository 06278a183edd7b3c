/**
 * The corpus service: the data directory as a `Library`, reloaded when files change, with all
 * heavy work off the main thread. A worker thread (src/corpusWorker.ts) reads, parses (a parse
 * cache per file content: a reload parses only what changed), merges, indexes and writes the
 * snapshot cache (see `CorpusLoader` in corpusLoader.ts for the loading rules: last good
 * versions of broken files, snapshots, extra records). It sends each new library in small parts
 * (src/search/transfer.ts); this side assembles them between its other work — one part per turn
 * of the event loop — and swaps the new library in when it is complete, so the previous one
 * keeps answering meanwhile and no step holds the thread for long at any corpus size.
 *
 * `worker: false` runs the loader in this thread instead (one-shot tools, where there is nothing
 * else to keep answering).
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { adoptPrepared, adoptPreparedSteps, inheritPrepared, preparedExtras, preparedFromExtras, type PreparedData } from './conversation/understand/understand.ts';
import type { RawPaper } from './corpus/schema.ts';
import { CorpusLoader, watchDataDir, type CorpusServiceEvents, type CorpusServiceOptions, type LoadedCorpus } from './corpusLoader.ts';
import { AVERAGES_KEY, type LoadedMeta, type ToMain, type ToWorker, type WorkerInit } from './corpusWorkerProtocol.ts';
import { diffSize, type LibraryDiff } from './search/diff.ts';
import type { IndexAverages, Library } from './search/library.ts';
import { LibraryAssembler } from './search/transfer.ts';

export type { CorpusServiceEvents, CorpusServiceOptions, LoadedCorpus } from './corpusLoader.ts';

/** Where the loading stands (for "still loading" answers before the first library). */
export interface LoadingStatus {
  /** A load is running (parsing in the worker, or parts arriving). */
  loading: boolean;
  /** Parts received of the library being assembled, and its progress in the worker (files). */
  progress: { done: number; total: number } | null;
  /** Milliseconds since the running load started. */
  elapsedMs: number;
}

interface Pending {
  resolve: (l: LoadedCorpus) => void;
  reject: (e: Error) => void;
}


/** Installs the understanding dictionaries a snapshot kept (the engine then need not build them). */
/** Dictionary entries adopted per event-loop turn (~10 ms of work). */
const ADOPT_SLICE = 25_000;

function isIndexAverages(x: unknown): x is IndexAverages {
  const list = (a: unknown) => Array.isArray(a) && a.every((v) => v === null || v === undefined || typeof v === 'number');
  return !!x && typeof x === 'object' && list((x as IndexAverages).main) && list((x as IndexAverages).titles) && list((x as IndexAverages).authors);
}

function adoptKept(loaded: LoadedCorpus): LoadedCorpus {
  const prepared = loaded.extras ? preparedFromExtras((k) => loaded.extras![k]) : null;
  if (prepared) adoptPrepared(loaded.library, prepared);
  return loaded;
}

/**
 * Runs `steps` one step per turn of the event loop, the first now, so that answers run in between;
 * a step that throws ends the run and goes to `onError`. Resolves when the run ends.
 */
function inTurns(steps: Generator<void, void>, onError: (err: unknown) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const step = () => {
      let last = true;
      try {
        last = !!steps.next().done;
      } catch (err) {
        onError(err);
      }
      if (last) resolve();
      else setImmediate(step);
    };
    step();
  });
}

export class CorpusService extends EventEmitter<CorpusServiceEvents> {
  private readonly options: CorpusServiceOptions;
  private readonly inner: CorpusLoader | null;
  private worker: Worker | null = null;
  private loaded: LoadedCorpus | null = null;
  private nextId = 1;
  private readonly pendingLoads = new Map<number, Pending>();
  private readonly pendingIdle = new Map<number, () => void>();
  /** Libraries by generation, from their last part until their load is answered. */
  private readonly byGen = new Map<number, LoadedCorpus | Error>();
  private assembling: { gen: number; kind: 'library' | 'prepared'; assembler: LibraryAssembler; parts: number } | null = null;
  /** Generation of the library being served. */
  private loadedGen = 0;
  private extraRecords: readonly RawPaper[] = [];
  private watching: { close(): void } | null = null;
  private loadStarted = 0;
  private progress: { done: number; total: number } | null = null;
  /** The watcher is off (`close`); the worker ends when idle unless a load comes first. */
  private closed = false;
  private retire: NodeJS.Timeout | null = null;

  constructor(options: CorpusServiceOptions & { worker?: boolean }) {
    super();
    // Snapshots keep the understanding dictionaries too (a start from one need not rebuild them).
    this.options = { ...options, snapshotExtras: options.snapshotExtras ?? preparedExtras };
    this.inner = options.worker === false ? new CorpusLoader(this.options) : null;
    this.inner?.on('reloaded', (l) => this.emit('reloaded', l));
  }

  get current(): LoadedCorpus {
    if (this.inner) return this.inner.current;
    if (!this.loaded) throw new Error('papertalk: corpus not loaded yet');
    return this.loaded;
  }

  /** Whether a library is being loaded, and how far along. */
  status(now = performance.now()): LoadingStatus {
    const loading = this.pendingLoads.size > 0 || this.assembling !== null;
    return { loading, progress: this.progress, elapsedMs: loading ? now - this.loadStarted : 0 };
  }

  setExtraPapers(records: readonly RawPaper[]): void {
    this.extraRecords = [...records];
    if (this.inner) this.inner.setExtraPapers(records);
    else this.post({ t: 'extra', records: this.extraRecords as unknown[] });
  }

  get extraPaperCount(): number {
    return this.extraRecords.length;
  }

  /** Resolves when background work (snapshot writes, reading files after a snapshot start) is done. */
  async idle(): Promise<void> {
    if (this.inner) return this.inner.idle();
    if (!this.worker) return;
    const id = this.nextId++;
    await new Promise<void>((done) => {
      this.pendingIdle.set(id, done);
      this.updateRef();
      this.post({ t: 'idle', id });
    });
  }

  /**
   * Loads (or reloads) the corpus. A call while a load runs queues one more load (shared by every
   * call made meanwhile) and resolves with it, so what changed before the call is in the result.
   */
  load(): Promise<LoadedCorpus> {
    if (this.inner) {
      return this.inner.load().then(adoptKept);
    }
    if (!this.loaded && !this.worker && !this.starting && !this.triedSnapshot && this.options.cacheDir !== null) {
      this.triedSnapshot = true;
      // The first load: from the snapshot in this thread when there is one (nothing is served yet,
      // and it is the fastest start); else, and for every later load, in the worker.
      this.starting = this.snapshotStart().finally(() => {
        this.starting = null;
      });
    }
    if (this.starting) return this.starting.then((l) => l ?? this.load());
    if (this.retire) clearTimeout(this.retire);
    this.retire = null;
    const id = this.nextId++;
    if (!this.pendingLoads.size && !this.assembling) {
      this.loadStarted = performance.now();
      this.progress = null;
    }
    return new Promise<LoadedCorpus>((resolvePromise, reject) => {
      this.pendingLoads.set(id, { resolve: resolvePromise, reject });
      this.updateRef();
      this.post({ t: 'load', id });
    });
  }

  /** The first load, from the snapshot in this thread, while it runs. */
  private starting: Promise<LoadedCorpus | null> | null = null;
  private triedSnapshot = false;
  /** Counts of the library taken from the snapshot here, for the worker to load it too (see 'prime'). */
  private primeWith: { papers: number; posts: number; authors: number } | null = null;

  private async snapshotStart(): Promise<LoadedCorpus | null> {
    const loader = new CorpusLoader(this.options);
    if (this.extraRecords.length) loader.setExtraPapers(this.extraRecords);
    const loaded = await loader.fromSnapshot().catch(() => null);
    if (!loaded) return null;
    adoptKept(loaded);
    const c = loaded.library.corpus;
    this.primeWith = { papers: c.papers.length, posts: c.posts.length, authors: c.authors.length };
    this.install(0, loaded);
    // The worker starts now and loads the same snapshot in the background (while the files are
    // as the snapshot has them), so that the next reload reaches this thread as a diff.
    this.worker ??= this.spawn();
    this.updateRef();
    return loaded;
  }

  private spawnedAt = 0;

  private spawn(): Worker {
    const o = this.options;
    this.spawnedAt = performance.now();
    const init: WorkerInit = {
      dataDir: o.dataDir,
      logLevel: o.logger.level ?? 'info',
      progress: !!o.onProgress,
      ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
      ...(o.shrinkTolerance !== undefined ? { shrinkTolerance: o.shrinkTolerance } : {}),
      ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
      ...(o.codeVersion !== undefined ? { codeVersion: o.codeVersion } : {}),
    };
    // A small ESM entry that registers tsx, then imports the TypeScript worker (corpusWorker.ts).
    const worker = new Worker(new URL('./corpusWorker.boot.mjs', import.meta.url), { workerData: init, execArgv: [] });
    worker.on('message', (msg: ToMain) => this.onMessage(msg));
    worker.on('error', (err) => {
      o.logger.error({ err }, 'corpus worker failed; the previous corpus keeps serving');
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.assembling = null;
      const err = new Error(`papertalk: corpus worker stopped (exit code ${code})`);
      for (const p of this.pendingLoads.values()) p.reject(err);
      this.pendingLoads.clear();
      for (const done of this.pendingIdle.values()) done();
      this.pendingIdle.clear();
      if (!this.closed) o.logger.error({ code }, 'corpus worker stopped; the next load starts a new one');
    });
    if (this.extraRecords.length) worker.postMessage({ t: 'extra', records: this.extraRecords as unknown[] } satisfies ToWorker);
    if (this.primeWith) worker.postMessage({ t: 'prime', counts: this.primeWith } satisfies ToWorker);
    this.primeWith = null;
    return worker;
  }

  private post(msg: ToWorker): void {
    if (msg.t === 'ack' && !this.worker) return;
    this.worker ??= this.spawn();
    this.worker.postMessage(msg);
  }

  /** The worker keeps the process alive only while something waits for it. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.pendingLoads.size || this.pendingIdle.size || this.assembling) this.worker.ref();
    else this.worker.unref();
  }

  /** Set while a library is being finished in steps: later messages wait for it. */
  private queue: Promise<void> | null = null;

  /**
   * Messages in order: those after a library still being finished (see `finishAssembly`) wait for
   * it (a diff applies to that library; its 'loaded' answers with it); logs and progress do not.
   */
  private onMessage(msg: ToMain): void {
    const run = () => {
      const busy = this.handle(msg);
      if (busy) {
        this.queue = busy;
        void busy.then(() => {
          if (this.queue === busy) this.queue = null;
        });
      }
      return busy;
    };
    if (this.queue && msg.t !== 'log' && msg.t !== 'progress') {
      const next: Promise<void> = this.queue.then(() => run() ?? undefined);
      this.queue = next;
      void next.then(() => {
        if (this.queue === next) this.queue = null;
      });
      return;
    }
    run();
  }

  private handle(msg: ToMain): Promise<void> | void {
    const logger = this.options.logger;
    switch (msg.t) {
      case 'ready':
        logger.debug({ ms: Math.round(performance.now() - this.spawnedAt) }, 'corpus worker started');
        return;
      case 'log':
        if (msg.msg !== undefined) logger[msg.level](msg.obj, msg.msg);
        else logger[msg.level](msg.obj);
        return;
      case 'progress':
        this.progress = { done: msg.done, total: msg.total };
        this.options.onProgress?.(msg.done, msg.total);
        return;
      case 'begin':
        this.assembling = { gen: msg.gen, kind: msg.kind, assembler: new LibraryAssembler(), parts: 0 };
        this.updateRef();
        return;
      case 'diff':
        this.applyDiff(msg.gen, msg.diff, msg.meta);
        return;
      case 'part': {
        const a = this.assembling;
        if (a?.gen === msg.gen) {
          try {
            a.assembler.add(msg.part);
            a.parts++;
          } catch (err) {
            logger.error({ err }, 'corpus worker sent an unreadable library part; keeping the previous corpus');
            this.byGen.set(msg.gen, err as Error);
            this.assembling = null;
          }
        }
        // The next part after this turn of the event loop: other work runs in between.
        setImmediate(() => this.post({ t: 'ack' }));
        return;
      }
      case 'end':
        return this.finishAssembly(msg.gen, msg.meta, msg.sendMs);
      case 'loaded': {
        const pending = this.pendingLoads.get(msg.id);
        this.pendingLoads.delete(msg.id);
        if ('error' in msg) pending?.reject(new Error(msg.error));
        else {
          const got = this.byGen.get(msg.gen);
          if (!got) pending?.reject(new Error('papertalk: corpus worker answered with an unknown library'));
          else if (got instanceof Error) pending?.reject(got);
          else pending?.resolve(got);
          // Generations before the newest answered are no longer needed.
          for (const gen of this.byGen.keys()) if (gen < msg.gen) this.byGen.delete(gen);
        }
        this.updateRef();
        return;
      }
      case 'idle': {
        const done = this.pendingIdle.get(msg.id);
        this.pendingIdle.delete(msg.id);
        done?.();
        this.updateRef();
        return;
      }
    }
  }

  /**
   * The last step of a transfer, itself in steps (one per turn of the event loop, so that a large
   * library does not stall answers: at 100k papers the indexes take ~150 ms and the dictionaries
   * ~250 ms in one go): the library, then its dictionaries a slice at a time, then the swap.
   */
  private finishAssembly(gen: number, meta: LoadedMeta, sendMs: number): Promise<void> | void {
    const a = this.assembling;
    this.assembling = null;
    if (!a || a.gen !== gen) return;
    const t0 = performance.now();
    const logger = this.options.logger;
    const x = a.assembler.extras;
    const prepared: PreparedData | null = preparedFromExtras((k) => x.get(k));
    const self = this;
    function* steps(): Generator<void, void> {
      if (a!.kind === 'prepared') {
        // The dictionaries of the library that arrived as a diff: they replace the inherited ones.
        const library = self.loadedGen === gen ? self.loaded?.library : undefined;
        if (!library) return;
        if (prepared) yield* adoptPreparedSteps(library, prepared, ADOPT_SLICE);
        const averages = x.get(AVERAGES_KEY);
        if (isIndexAverages(averages) && self.loadedGen === gen) library.setAverages(averages);
        logger.debug({ gen, parts: a!.parts, transferMs: Math.round(sendMs) }, 'dictionaries received from the corpus worker');
        return;
      }
      let library: Library;
      try {
        library = yield* a!.assembler.finishSteps();
      } catch (err) {
        logger.error({ err }, 'cannot assemble the library the corpus worker sent; keeping the previous corpus');
        self.byGen.set(gen, err as Error);
        return;
      }
      yield;
      if (prepared) yield* adoptPreparedSteps(library, prepared, ADOPT_SLICE);
      self.install(gen, { library, issues: meta.issues, files: meta.files, timings: meta.timings, loadedAt: self.options.now?.() ?? new Date(), ...(meta.from ? { from: meta.from } : {}) });
      logger.debug({ gen, parts: a!.parts, transferMs: Math.round(sendMs), finishMs: Math.round(performance.now() - t0) }, 'library received from the corpus worker');
    }
    const done = inTurns(steps(), (err) => {
      logger.error({ err, gen }, 'cannot finish the library the corpus worker sent; keeping the previous corpus');
      this.byGen.set(gen, err as Error);
    });
    return done.then(() => this.updateRef());
  }

  /**
   * Prepares, between other work (from the next turn of the event loop), what the first search or
   * change of a newly installed or patched library would otherwise build in one go on the answer
   * path (`Library.warmSteps`). A failure there is logged; the library builds it when first used.
   */
  private warmUp(library: Library): void {
    setImmediate(() => {
      void inTurns(library.warmSteps(), (err) => this.options.logger.warn({ err }, 'cannot prepare the new library ahead of its first search'));
    });
  }

  private install(gen: number, loaded: LoadedCorpus): void {
    this.byGen.set(gen, loaded);
    this.warmUp(loaded.library);
    const first = !this.loaded;
    this.loaded = loaded;
    this.loadedGen = gen;
    this.updateRef();
    if (!first) this.emit('reloaded', loaded);
  }

  /**
   * A reload that changed few records: the changes are applied to the library being served
   * (src/search/diff.ts), which the new library takes over; until its own dictionaries arrive
   * it answers with the previous ones, less the records that are gone.
   */
  private applyDiff(gen: number, diff: LibraryDiff, meta: LoadedMeta): void {
    const current = this.loaded;
    const logger = this.options.logger;
    if (!current) {
      logger.error({ gen }, 'corpus worker sent a diff before any library; asking for the whole library');
      this.byGen.set(gen, new Error('papertalk: library diff without a library'));
      this.post({ t: 'resync' });
      return;
    }
    const t0 = performance.now();
    let library;
    try {
      // A large library's averages come with the dictionaries (a replay over every document would stall here).
      library = current.library.patched(diff, undefined, { deferAverages: true });
    } catch (err) {
      // The served library may be half patched: the next load replaces it whole.
      logger.error({ err }, 'cannot apply the library diff; reloading the whole library');
      this.byGen.set(gen, err as Error);
      this.post({ t: 'resync' });
      void this.load().catch(() => undefined);
      return;
    }
    inheritPrepared(current.library, library, new Set([...diff.papers.remove, ...diff.posts.remove, ...diff.authors.remove]));
    const applyMs = performance.now() - t0;
    const loaded: LoadedCorpus = { library, issues: meta.issues, files: meta.files, timings: { parseMs: meta.timings.parseMs, indexMs: applyMs }, loadedAt: this.options.now?.() ?? new Date(), from: 'files' };
    logger.debug({ gen, records: diffSize(diff), applyMs: Math.round(applyMs) }, 'library diff applied');
    this.install(gen, loaded);
  }

  /** Watches the data directory; reloads after `debounceMs` of quiet. */
  watch(): void {
    if (this.inner) return this.inner.watch();
    this.watching ??= watchDataDir(this.options, () => this.load());
  }

  close(): void {
    if (this.inner) return this.inner.close();
    this.watching?.close();
    this.watching = null;
    if (this.closed) return;
    this.closed = true;
    // As the in-thread loader does when closed: no snapshot write starts after this.
    if (this.worker) this.worker.postMessage({ t: 'close' } satisfies ToWorker);
    // The worker never holds the process open; unless a load is asked for meanwhile (an explicit
    // reload after the watcher is off), it ends once its background work (a snapshot write) is done.
    this.updateRef();
    this.retire = setTimeout(() => {
      void this.idle().then(() => {
        if (!this.closed || this.pendingLoads.size || this.assembling || !this.worker) return;
        const w = this.worker;
        this.worker = null;
        w.postMessage({ t: 'exit' } satisfies ToWorker);
      });
    }, 1000);
    this.retire.unref();
  }
}
