/**
 * The corpus service: loads the data directory into a `Library`, and reloads it when files
 * are added or changed (fs.watch with debounce, or `reload()` on SIGHUP) without a restart.
 * The old library keeps serving until the new one is ready. A file that turns empty, binary,
 * unrecognised or loses most of its entries (half-written) keeps its last good version, with a
 * warning naming it. Records from other sources (the optional arXiv feed) are set with
 * `setExtraPapers` and merged with the files' papers at every load (same paper → one record).
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildCorpus, detectFormat, isCorpusCandidate, type FileReport, type SourceFile } from './corpus/load.ts';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from './corpus/manifest.ts';
import type { LoadIssue, RawPaper } from './corpus/schema.ts';
import { Library } from './search/library.ts';

export interface LoadedCorpus {
  library: Library;
  issues: LoadIssue[];
  files: FileReport[];
  loadedAt: Date;
  /** Milliseconds spent parsing + merging, and indexing. */
  timings: { parseMs: number; indexMs: number };
}

export interface CorpusServiceOptions {
  dataDir: string;
  logger: Logger;
  now?: () => Date;
  /** Quiet period after the last file event before reloading. */
  debounceMs?: number;
  /** A file whose entry count drops below this share of its last good count is kept at that version. */
  shrinkTolerance?: number;
  /** Progress of a (re)load: `done` of `total` steps (files, then the merge). */
  onProgress?: (done: number, total: number) => void;
}

export interface CorpusServiceEvents {
  reloaded: [LoadedCorpus];
}

function logIssues(logger: Logger, issues: LoadIssue[]): void {
  for (const i of issues) {
    const msg = `${i.file}${i.line ? `:${i.line}` : ''}: ${i.message}`;
    if (i.level === 'error') logger.error({ file: i.file, line: i.line }, msg);
    else if (/recovered as/.test(i.message)) logger.info({ file: i.file, line: i.line }, msg);
    else logger.warn({ file: i.file, line: i.line }, msg);
  }
}

export class CorpusService extends EventEmitter<CorpusServiceEvents> {
  private readonly options: CorpusServiceOptions;
  private loaded: LoadedCorpus | null = null;
  private readonly lastGood = new Map<string, { text: string; entries: number }>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<LoadedCorpus> | null = null;
  private queued: Promise<LoadedCorpus> | null = null;
  private extraPapers: readonly RawPaper[] = [];

  constructor(options: CorpusServiceOptions) {
    super();
    this.options = options;
  }

  get current(): LoadedCorpus {
    if (!this.loaded) throw new Error('papertalk: corpus not loaded yet');
    return this.loaded;
  }

  /** Records from other sources, merged at the next `load()` (and every one after, until replaced). */
  setExtraPapers(records: readonly RawPaper[]): void {
    this.extraPapers = [...records];
  }

  get extraPaperCount(): number {
    return this.extraPapers.length;
  }

  private async readManifest(issues: LoadIssue[]): Promise<Manifest> {
    try {
      const raw = await readFile(join(this.options.dataDir, MANIFEST_FILE), 'utf8');
      const parsed = ManifestSchema.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
      issues.push({ level: 'warn', file: MANIFEST_FILE, message: 'invalid manifest; ignored' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') issues.push({ level: 'warn', file: MANIFEST_FILE, message: `cannot read manifest: ${(err as Error).message}` });
    }
    return { sources: [] };
  }

  private async readFiles(issues: LoadIssue[]): Promise<SourceFile[]> {
    const dir = this.options.dataDir;
    const names = (await readdir(dir)).filter(isCorpusCandidate).sort();
    const files: SourceFile[] = [];
    for (const name of names) {
      try {
        const info = await stat(join(dir, name));
        if (!info.isFile()) continue;
        const buf = await readFile(join(dir, name));
        files.push({ name, text: buf.includes(0) ? '\u0000' : buf.toString('utf8') });
      } catch (err) {
        issues.push({ level: 'warn', file: name, message: `cannot read: ${(err as Error).message}` });
      }
    }
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

  private async doLoad(): Promise<LoadedCorpus> {
    const logger = this.options.logger;
    const pre: LoadIssue[] = [];
    const manifest = await this.readManifest(pre);
    let files = await this.readFiles(pre);
    // Keep the last good version of a file that broke (empty, binary, unrecognised, half-written).
    const tolerance = this.options.shrinkTolerance ?? 0.5;
    files = files.map((f) => {
      const good = this.lastGood.get(f.name);
      if (!good) return f;
      const format = f.text.trim() && !f.text.includes('\u0000') ? detectFormat(f.text) : null;
      const single = format ? buildCorpus([f], manifest).files[0] : undefined;
      const entries = single ? single.papers + single.posts : 0;
      if (!format || entries < good.entries * tolerance) {
        pre.push({ level: 'warn', file: f.name, message: `file is ${format ? `down to ${entries} of ${good.entries} entries (half-written?)` : 'no longer readable as corpus'}; keeping its last good version` });
        return { name: f.name, text: good.text };
      }
      return f;
    });
    const t0 = performance.now();
    const result = buildCorpus(files, manifest, { papers: this.extraPapers, ...(this.options.onProgress ? { onProgress: this.options.onProgress } : {}) });
    const t1 = performance.now();
    const library = Library.build(result.corpus);
    const t2 = performance.now();
    const issues = [...pre, ...result.issues];
    for (const f of files) {
      const report = result.files.find((r) => r.name === f.name);
      if (report?.format) this.lastGood.set(f.name, { text: f.text, entries: report.papers + report.posts });
    }
    logIssues(logger, issues);
    const loaded: LoadedCorpus = { library, issues, files: result.files, loadedAt: this.options.now?.() ?? new Date(), timings: { parseMs: t1 - t0, indexMs: t2 - t1 } };
    const first = !this.loaded;
    this.loaded = loaded;
    logger.info({ papers: result.corpus.papers.length, extraRecords: this.extraPapers.length, posts: result.corpus.posts.length, authors: result.corpus.authors.length, parseMs: Math.round(t1 - t0), indexMs: Math.round(t2 - t1) }, first ? 'corpus loaded' : 'corpus reloaded');
    if (!first) this.emit('reloaded', loaded);
    return loaded;
  }

  /** Watches the data directory; reloads after `debounceMs` of quiet. */
  watch(): void {
    if (this.watcher) return;
    const debounce = this.options.debounceMs ?? 500;
    try {
      this.watcher = watch(this.options.dataDir, (_event, name) => {
        if (name && !isCorpusCandidate(String(name)) && String(name) !== MANIFEST_FILE) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          this.options.logger.info({ file: name ? String(name) : undefined }, 'data directory changed; reloading');
          void this.load().catch((err) => this.options.logger.error({ err }, 'corpus reload failed; the previous corpus keeps serving'));
        }, debounce);
      });
      this.watcher.on('error', (err) => this.options.logger.warn({ err }, 'data directory watch failed'));
    } catch (err) {
      this.options.logger.warn({ err }, 'cannot watch the data directory; reload with SIGHUP');
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
