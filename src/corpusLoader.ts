/**
 * The corpus loader (in-process; `CorpusService` in corpusService.ts runs it in a worker thread):
 * loads the data directory into a `Library`, and reloads it when files
 * are added or changed (fs.watch with debounce, or `reload()` on SIGHUP) without a restart.
 * The old library keeps serving until the new one is ready. A file that turns empty, binary,
 * unrecognised or loses most of its entries (half-written) keeps its last good version, with a
 * warning naming it. Records from other sources (the optional arXiv feed) are set with
 * `setExtraPapers` and merged with the files' papers at every load (same paper → one record).
 *
 * Index snapshot cache (`cacheDir`, see src/search/snapshot.ts): every load first looks for a
 * snapshot of the current data files (keyed by their content hashes, the manifest, the ranking
 * options and the corpus/search code). A usable one serves the corpus and its indexes without
 * parsing or indexing (its files and issues are the ones of the parse that wrote it). Otherwise
 * the files are parsed and indexed, and a snapshot of the result is written afterwards, once the
 * new corpus is serving (a failed write is a warning, e.g. a read-only directory). Serialising
 * the indexes is synchronous (measured: ~1.1 s of event loop at 10k papers, ~3.4 s at 30k), once
 * per data change. A corrupt snapshot is a
 * warning and a rebuild. Records merged from elsewhere (the arXiv feed) are part of the key (one
 * hash of all of them), so a start with the feed's records kept is served from the snapshot too.
 * Reloads are incremental (`IncrementalCorpus`, src/corpus/incremental.ts): only the files that
 * changed are parsed, and the merge redoes only what the change touches, with the result of a
 * full build; the corpus it hands on says which records changed (`LoadResult.changes`). When
 * `onCorpus` sent such a change as a diff from the corpus the loader's library describes, that
 * library is patched with it (`Library.patched`) instead of being indexed again: at 100k papers
 * about a second of worker time (the averages replay) instead of ~80 s, and no second copy.
 * A load that had to keep a broken file's last good version writes no snapshot either (it would
 * not describe the directory as it is).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { IncrementalCorpus } from './corpus/incremental.ts';
import { buildCorpus, detectFormat, isCorpusCandidate, type FileReport, type LoadResult, type SourceFile } from './corpus/load.ts';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from './corpus/manifest.ts';
import type { Corpus, LoadIssue, RawPaper } from './corpus/schema.ts';
import type { LibraryDiff } from './search/diff.ts';
import { DEFAULT_RANKING, Library } from './search/library.ts';
import { loadOrBuildLibrary, saveSnapshot, snapshotKey, type FileHash } from './search/snapshot.ts';

export interface LoadedCorpus {
  library: Library;
  issues: LoadIssue[];
  files: FileReport[];
  loadedAt: Date;
  /**
   * Milliseconds spent parsing + merging, and indexing (from a snapshot: hashing the files +
   * reading the snapshot + decoding the corpus, and loading the indexes).
   */
  timings: { parseMs: number; indexMs: number };
  /** `snapshot`: served from the index snapshot cache; `files`: parsed and indexed now. */
  from?: 'snapshot' | 'files';
  /**
   * The corpus the library describes as the build made it (`LoadResult.corpus`): a library
   * patched from the previous one has its own arrays of the same records.
   */
  built?: Corpus;
  /** From a snapshot: what `snapshotExtras` derived from the library when it was written. */
  extras?: Record<string, unknown>;
}

export interface CorpusServiceOptions {
  dataDir: string;
  logger: Logger;
  now?: () => Date;
  /**
   * Quiet period after the last file event before reloading (default 200 ms: a file moved in is
   * one event; a file still being written keeps sending them, and one read half-written keeps its
   * last good version or is read again once complete).
   */
  debounceMs?: number;
  /** A file whose entry count drops below this share of its last good count is kept at that version. */
  shrinkTolerance?: number;
  /** Progress of a (re)load: `done` of `total` steps (files, then the merge). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called with each corpus parsed from the files, after the merge and before it is indexed
   * (the corpus worker sends what changed from here, before the slower indexing). When it returns
   * the diff it sent and the corpus that diff starts from, and the loader's library describes that
   * corpus, the library is patched with the diff (`Library.patched`: milliseconds) instead of
   * being built again (minutes at 100k papers).
   */
  onCorpus?: (result: LoadResult, timings: { parseMs: number }) => SentDiff | null | void;
  /** Data other layers derive from a library, kept in its snapshot (given back as `LoadedCorpus.extras`). */
  snapshotExtras?: (library: Library) => Record<string, unknown>;
  /**
   * Directory of the index snapshot cache; `null` turns the cache off. Default
   * `<dataDir>/.cache` (git-ignored; the loader and the watcher skip dot-names).
   */
  cacheDir?: string | null;
  /** Stands in for the code fingerprint in the snapshot key (tests); leave unset. */
  codeVersion?: string;
}

/** A diff `onCorpus` sent: from `base` (a corpus object) to the corpus it was called with. */
export interface SentDiff {
  diff: LibraryDiff;
  base: Corpus;
}

export interface CorpusServiceEvents {
  reloaded: [LoadedCorpus];
}

/** Thrown by the snapshot-only `load` of `loadOrBuildLibrary`: there is no usable snapshot. */
const NO_SNAPSHOT = new Error('papertalk: no index snapshot');

/** A file's content hash as `hashDataDir` computes it (binary files as one NUL). */
/** A data file as read: its stat stamp (size, times, inode), content hash and text. */
interface ReadFile {
  stamp: string;
  sha256: string;
  text: string;
}

function contentHash(buf: Buffer): string {
  return createHash('sha256').update(buf.includes(0) ? '\u0000' : buf).digest('hex');
}

function logIssues(logger: Logger, issues: LoadIssue[]): void {
  for (const i of issues) {
    const msg = `${i.file}${i.line ? `:${i.line}` : ''}: ${i.message}`;
    if (i.level === 'error') logger.error({ file: i.file, line: i.line }, msg);
    else if (/recovered as/.test(i.message)) logger.info({ file: i.file, line: i.line }, msg);
    else logger.warn({ file: i.file, line: i.line }, msg);
  }
}

/** The snapshot cache directory of these options (null: off). */
export function cacheDirOf(options: CorpusServiceOptions): string | null {
  return options.cacheDir === null ? null : (options.cacheDir ?? join(options.dataDir, '.cache'));
}

/**
 * Watches the data directory and calls `reload` after `debounceMs` (200) of quiet; what it
 * returns stops the watch. Null when the directory cannot be watched (logged: SIGHUP reloads).
 */
export function watchDataDir(options: CorpusServiceOptions, reload: () => Promise<unknown>): { close(): void } | null {
  const { dataDir, logger } = options;
  const debounce = options.debounceMs ?? 200;
  const cacheDir = cacheDirOf(options);
  let timer: NodeJS.Timeout | null = null;
  try {
    // A cache directory configured inside the data directory under a plain name is no corpus
    // input: its creation must not look like a data change (dot-names are skipped anyway).
    const cacheName = cacheDir && resolve(dirname(cacheDir)) === resolve(dataDir) ? basename(cacheDir) : null;
    const watcher = watch(dataDir, (_event, name) => {
      if (name && String(name) === cacheName) return;
      if (name && !isCorpusCandidate(String(name)) && String(name) !== MANIFEST_FILE) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        logger.info({ file: name ? String(name) : undefined }, 'data directory changed; reloading');
        void reload().catch((err: unknown) => logger.error({ err }, 'corpus reload failed; the previous corpus keeps serving'));
      }, debounce);
    });
    watcher.on('error', (err) => logger.warn({ err }, 'data directory watch failed'));
    return {
      close: () => {
        watcher.close();
        if (timer) clearTimeout(timer);
        timer = null;
      },
    };
  } catch (err) {
    logger.warn({ err }, 'cannot watch the data directory; reload with SIGHUP');
    return null;
  }
}

export class CorpusLoader extends EventEmitter<CorpusServiceEvents> {
  private readonly options: CorpusServiceOptions;
  private loaded: LoadedCorpus | null = null;
  /** A load has finished. */
  private hasLoaded = false;
  private readonly lastGood = new Map<string, { text: string; entries: number }>();
  private watching: { close(): void } | null = null;
  private reloading: Promise<LoadedCorpus> | null = null;
  private queued: Promise<LoadedCorpus> | null = null;
  private extraPapers: readonly RawPaper[] = [];
  /** Key entry of the extra records (null when none), computed when they are set. */
  private extraHash: FileHash[] = [];
  /** The files as last read, by name, with their size and times (unchanged ones are not read again). */
  private lastRead = new Map<string, ReadFile>();
  /** The state of the last build, for the next one to redo only what changed. */
  private readonly incremental = new IncrementalCorpus();
  private readonly cacheDir: string | null;
  /** Snapshot writes, one after the other (a later one prunes the earlier one's file). */
  private saving: Promise<void> = Promise.resolve();
  /** Reading the files' texts after a start from a snapshot (the last good versions). */
  private fillingLastGood: Promise<void> = Promise.resolve();
  /** Building the incremental state after a start from a snapshot (see `warm`). */
  private warming: Promise<void> = Promise.resolve();
  /** Bumped by every load: a snapshot write that a newer load overtook is skipped. */
  private generation = 0;
  private closed = false;

  constructor(options: CorpusServiceOptions) {
    super();
    this.options = options;
    this.cacheDir = cacheDirOf(options);
  }

  /** Resolves when background work (snapshot writes, reading files after a snapshot start) is done. */
  async idle(): Promise<void> {
    let before: Promise<void>[] = [];
    // A write may queue another behind it: wait until nothing new was queued.
    while (before[0] !== this.saving || before[1] !== this.fillingLastGood || before[2] !== this.warming) {
      before = [this.saving, this.fillingLastGood, this.warming];
      await Promise.all(before);
    }
  }

  /** Whether `loaded` is the library this loader holds now (not replaced or patched by a later load). */
  isCurrent(loaded: LoadedCorpus): boolean {
    return this.loaded === loaded;
  }

  get current(): LoadedCorpus {
    if (!this.loaded) throw new Error('papertalk: corpus not loaded yet');
    return this.loaded;
  }

  /** Records from other sources, merged at the next `load()` (and every one after, until replaced). */
  setExtraPapers(records: readonly RawPaper[]): void {
    this.extraPapers = [...records];
    this.extraHash = records.length ? [{ name: '\u0000extra-records', sha256: createHash('sha256').update(JSON.stringify(records)).digest('hex') }] : [];
  }

  get extraPaperCount(): number {
    return this.extraPapers.length;
  }

  private async readManifest(issues: LoadIssue[], hashes?: FileHash[]): Promise<Manifest> {
    try {
      const buf = await readFile(join(this.options.dataDir, MANIFEST_FILE));
      hashes?.push({ name: MANIFEST_FILE, sha256: contentHash(buf) });
      const parsed = ManifestSchema.safeParse(JSON.parse(buf.toString('utf8')));
      if (parsed.success) return parsed.data;
      issues.push({ level: 'warn', file: MANIFEST_FILE, message: 'invalid manifest; ignored' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') issues.push({ level: 'warn', file: MANIFEST_FILE, message: `cannot read manifest: ${(err as Error).message}` });
    }
    return { sources: [] };
  }

  private async readFiles(issues: LoadIssue[], hashes?: FileHash[]): Promise<SourceFile[]> {
    const dir = this.options.dataDir;
    const names = (await readdir(dir)).filter(isCorpusCandidate).sort();
    const files: SourceFile[] = [];
    const seen = new Map<string, ReadFile>();
    for (const name of names) {
      try {
        const info = await stat(join(dir, name));
        if (!info.isFile()) continue;
        // A file whose size and times are those of its last read is not read (nor hashed) again.
        const stamp = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
        let read = this.lastRead.get(name);
        if (read?.stamp !== stamp) {
          const buf = await readFile(join(dir, name));
          // Hashed as `hashDataDir` hashes it, so that the snapshot written now is found at the next start.
          read = { stamp, sha256: contentHash(buf), text: buf.includes(0) ? '\u0000' : buf.toString('utf8') };
        }
        seen.set(name, read);
        hashes?.push({ name, sha256: read.sha256 });
        files.push({ name, text: read.text });
      } catch (err) {
        issues.push({ level: 'warn', file: name, message: `cannot read: ${(err as Error).message}` });
      }
    }
    this.lastRead = seen;
    return files;
  }

  /**
   * Loads (or reloads) the corpus. A call while a load runs queues one more load (shared by every
   * call made meanwhile) and resolves with it, so what changed before the call is in the result.
   */
  load(): Promise<LoadedCorpus> {
    if (this.reloading) {
      this.queued ??= this.reloading
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.load();
        });
      return this.queued;
    }
    this.reloading = this.doLoad().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /**
   * After a start from a snapshot, builds the incremental state from the files in the background
   * (nothing is emitted or sent: the library is the snapshot's), so that the first reload after
   * the start redoes only what changed instead of parsing and merging everything. A load asked
   * for meanwhile waits for it (and is then incremental).
   */
  warm(): Promise<{ result: LoadResult; sameAsLoaded: boolean } | null> {
    const before = this.reloading?.catch(() => undefined);
    const run = (async () => {
      await before;
      await this.fillingLastGood;
      if (this.closed) return null;
      const t = performance.now();
      const manifest = await this.readManifest([]);
      const files = await this.readFiles([]);
      const result = this.incremental.build(files, manifest, this.extraPapers);
      // The snapshot's corpus built again (the files did not change since): the library describes
      // the build's corpus too, and the next reload's diff from it patches the library.
      const loaded = this.loaded;
      const sameAsLoaded = !!loaded && loaded.from === 'snapshot' && JSON.stringify(result.corpus) === JSON.stringify(loaded.library.corpus);
      if (sameAsLoaded) loaded!.built = result.corpus;
      this.options.logger.debug({ papers: result.corpus.papers.length, ms: Math.round(performance.now() - t), sameAsLoaded }, 'incremental state built after a snapshot start');
      return { result, sameAsLoaded };
    })().catch((err: unknown) => {
      // The next load then builds it (a full build, as without the warm-up).
      this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot prepare incremental reloads; the next reload builds everything');
      return null;
    });
    this.warming = run.then(() => undefined);
    return run;
  }

  private async doLoad(): Promise<LoadedCorpus> {
    await this.warming;
    const generation = ++this.generation;
    const fromSnapshot = await this.loadSnapshot();
    if (fromSnapshot) return fromSnapshot;
    const logger = this.options.logger;
    const pre: LoadIssue[] = [];
    const hashes: FileHash[] = [];
    const manifest = await this.readManifest(pre, hashes);
    let files = await this.readFiles(pre, hashes);
    // Keep the last good version of a file that broke (empty, binary, unrecognised, half-written).
    await this.fillingLastGood;
    const tolerance = this.options.shrinkTolerance ?? 0.5;
    let substituted = false;
    files = files.map((f) => {
      const good = this.lastGood.get(f.name);
      // Unchanged since its last good version: nothing to check (and no parse of it alone).
      if (!good || good.text === f.text) return f;
      const format = f.text.trim() && !f.text.includes('\u0000') ? detectFormat(f.text) : null;
      const single = format ? buildCorpus([f], manifest).files[0] : undefined;
      const entries = single ? single.papers + single.posts : 0;
      if (!format || entries < good.entries * tolerance) {
        pre.push({ level: 'warn', file: f.name, message: `file is ${format ? `down to ${entries} of ${good.entries} entries (half-written?)` : 'no longer readable as corpus'}; keeping its last good version` });
        substituted = true;
        return { name: f.name, text: good.text };
      }
      return f;
    });
    const t0 = performance.now();
    const result = this.incremental.build(files, manifest, this.extraPapers, this.options.onProgress);
    const t1 = performance.now();
    const issues = [...pre, ...result.issues];
    // Logged before the corpus is handed on (a diff swaps the library before the indexing here).
    logIssues(logger, issues);
    const sent = this.options.onCorpus?.({ ...result, issues }, { parseMs: t1 - t0 }) ?? null;
    const { library, patched } = await this.nextLibrary(result.corpus, sent);
    const t2 = performance.now();
    for (const f of files) {
      const report = result.files.find((r) => r.name === f.name);
      if (report?.format) this.lastGood.set(f.name, { text: f.text, entries: report.papers + report.posts });
    }
    const loaded: LoadedCorpus = { library, issues, files: result.files, loadedAt: this.options.now?.() ?? new Date(), timings: { parseMs: t1 - t0, indexMs: t2 - t1 }, from: 'files', built: result.corpus };
    const first = !this.hasLoaded;
    this.loaded = loaded;
    this.hasLoaded = true;
    logger.info({ papers: result.corpus.papers.length, extraRecords: this.extraPapers.length, posts: result.corpus.posts.length, authors: result.corpus.authors.length, parseMs: Math.round(t1 - t0), indexMs: Math.round(t2 - t1), incremental: !!result.changes, patched }, first ? 'corpus loaded' : 'corpus reloaded');
    if (!first) this.emit('reloaded', loaded);
    if (this.cacheDir && !substituted) this.queueSave(generation, [...hashes, ...this.extraHash], loaded);
    return loaded;
  }

  /**
   * The library of `corpus`: the current one patched with the diff `onCorpus` sent when that diff
   * starts from the corpus the current library describes, else a fresh build. A patch changes the
   * current library's indexes in place, so a snapshot write of it is let finish first.
   */
  private async nextLibrary(corpus: Corpus, sent: SentDiff | null): Promise<{ library: Library; patched: boolean }> {
    const prev = this.loaded;
    if (sent && prev?.built === sent.base) {
      await this.saving;
      if (this.loaded === prev) {
        // The current library is given up either way: a patch that fails half-way leaves it half patched.
        this.loaded = null;
        try {
          return { library: prev.library.patched(sent.diff), patched: true };
        } catch (err) {
          this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot patch the library with the diff; building it again');
        }
      }
    }
    return { library: Library.build(corpus), patched: false };
  }

  /**
   * The corpus from the snapshot of the data files as they are now, or null when there is none
   * (nothing else is tried). A start of the bot takes it in its own thread: nothing is served yet.
   */
  fromSnapshot(): Promise<LoadedCorpus | null> {
    return this.loadSnapshot(false);
  }

  private async loadSnapshot(keepLastGood = true): Promise<LoadedCorpus | null> {
    const cacheDir = this.cacheDir;
    if (!cacheDir) return null;
    const logger = this.options.logger;
    let result;
    try {
      result = await loadOrBuildLibrary({
        dataDir: this.options.dataDir,
        cacheDir,
        logger,
        write: false,
        extraHashes: this.extraHash,
        ...(this.options.codeVersion !== undefined ? { codeVersion: this.options.codeVersion } : {}),
        // Only the snapshot is wanted here: without one, `doLoad` parses with its own checks.
        load: () => Promise.reject(NO_SNAPSHOT),
      });
    } catch (err) {
      if (err !== NO_SNAPSHOT) logger.warn({ err, cacheDir }, 'cannot use the index snapshot cache; loading the files');
      return null;
    }
    if (result.from !== 'snapshot' || !result.files) return null;
    const { library, issues, files } = result;
    // A snapshot written elsewhere (another process) with a file broken that this process still
    // has a good version of: the build path keeps that version instead.
    const tolerance = this.options.shrinkTolerance ?? 0.5;
    for (const f of files) {
      const good = this.lastGood.get(f.name);
      if (good && (!f.format || f.papers + f.posts < good.entries * tolerance)) return null;
    }
    logIssues(logger, issues);
    const t = result.timings;
    const loaded: LoadedCorpus = { library, issues, files, loadedAt: this.options.now?.() ?? new Date(), timings: { parseMs: t.hashMs + t.readMs + t.corpusMs, indexMs: t.indexMs }, from: 'snapshot', built: library.corpus, ...(result.extras ? { extras: result.extras } : {}) };
    const first = !this.hasLoaded;
    this.loaded = loaded;
    this.hasLoaded = true;
    const c = library.corpus;
    logger.info({ papers: c.papers.length, posts: c.posts.length, authors: c.authors.length, parseMs: Math.round(loaded.timings.parseMs), indexMs: Math.round(t.indexMs), snapshot: result.path }, first ? 'corpus loaded from the index snapshot' : 'corpus reloaded from the index snapshot');
    if (!first) this.emit('reloaded', loaded);
    if (keepLastGood) this.fillLastGood(files);
    return loaded;
  }

  /**
   * After a start from a snapshot, reads the files in the background to keep their last good
   * versions (what a file that breaks later falls back to). A file that changed since the
   * snapshot is left out: the next load parses it anyway.
   */
  private fillLastGood(files: readonly FileReport[]): void {
    const dir = this.options.dataDir;
    this.fillingLastGood = (async () => {
      for (const f of files) {
        if (!f.format || this.closed) continue;
        try {
          const buf = await readFile(join(dir, f.name));
          const text = buf.includes(0) ? '\u0000' : buf.toString('utf8');
          if (createHash('sha256').update(text).digest('hex') === f.sha256) this.lastGood.set(f.name, { text, entries: f.papers + f.posts });
        } catch {
          // Gone or unreadable: the next load reports it.
        }
      }
    })();
  }

  /** Writes the snapshot of `loaded` after the answer path is free; never throws. */
  private queueSave(generation: number, hashes: readonly FileHash[], loaded: LoadedCorpus): void {
    const cacheDir = this.cacheDir!;
    const logger = this.options.logger;
    this.saving = this.saving
      .then(() => new Promise<void>((done) => setImmediate(done)))
      .then(async () => {
        // Overtaken by a newer load (its own write follows), or closed: nothing to write.
        if (generation !== this.generation || this.closed) return;
        const t = performance.now();
        const key = await snapshotKey(hashes, DEFAULT_RANKING, this.options.codeVersion);
        const extras = this.options.snapshotExtras?.(loaded.library) ?? null;
        const path = await saveSnapshot(cacheDir, key, loaded.library, { issues: loaded.issues, files: loaded.files, extras });
        logger.debug({ path, ms: Math.round(performance.now() - t) }, 'index snapshot written');
      })
      .catch((err: unknown) => {
        logger.warn({ cacheDir, err: err instanceof Error ? err.message : String(err) }, 'cannot write the index snapshot; continuing without');
      });
  }

  /** Watches the data directory; reloads after `debounceMs` of quiet. */
  watch(): void {
    this.watching ??= watchDataDir(this.options, () => this.load());
  }

  close(): void {
    this.closed = true;
    this.watching?.close();
    this.watching = null;
  }
}
