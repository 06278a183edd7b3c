/**
 * Index snapshot cache on disk: a warm start loads the parsed corpus and the MiniSearch indexes
 * from one file instead of parsing, merging and indexing the data directory again.
 *
 *   const { library, issues, from } = await loadOrBuildLibrary({ dataDir, logger });
 *
 * The snapshot's key is the sha256 of: the data files' names and content hashes (and of
 * `sources.json`), the ranking options, the source code of the corpus and search layers, the
 * MiniSearch version and `SNAPSHOT_SCHEMA_VERSION`. Any change → a new key → rebuilt and
 * rewritten. A snapshot that cannot be read (truncated, wrong version, bad JSON) is logged as a
 * warning and rebuilt; nothing here throws for a bad cache. Writes go to a temporary file that
 * is renamed into place, so a reader never sees half a snapshot.
 *
 * File hashes come from a stat cache (`file-hashes.json`: size, mtime, inode → sha256), so a
 * warm start does not read the data files at all unless they changed.
 *
 * Layout of `<cacheDir>/library-<key>.snap`:
 *   line 1  `papertalk-snapshot`
 *   line 2  JSON header `{ schema, key, createdAt, counts, sections: [{ name, bytes }] }`, padded
 *           with spaces so that both lines fill the first 4096 bytes
 *   then the sections back to back (exact byte lengths): `corpus` (JSON `{ corpus, issues, files,
 *   abstractsKept }`, the papers' abstracts moved out, and the ids of papers' authors and of
 *   authors' papers written as positions in the corpus: shorter to parse, and the ids read back are
 *   the records' own strings, not copies), `abstracts` (the moved abstracts, Latin-1,
 *   NUL-separated: read as one string cut into slices, far faster than parsing them as JSON), `main`, `titles`, `authors` (the indexes as `Library.snapshot()` gives them: binary segments
 *   when the header's `indexes` is `segment`, else `dumpIndex` JSON), `derived` (JSON
 *   `{ acronyms, lookups, extras }`); the JSON sections are ASCII (non-ASCII characters as `\uXXXX`
 *   escapes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCorpusCandidate, loadCorpusDir, type FileReport, type LoadResult } from '../corpus/load.ts';
import { MANIFEST_FILE } from '../corpus/manifest.ts';
import type { Corpus, LoadIssue } from '../corpus/schema.ts';
import { DEFAULT_RANKING, Library, type LibrarySnapshot, type LookupEntries, type RankingOptions } from './library.ts';

/** Bump when the snapshot file layout changes. */
export const SNAPSHOT_SCHEMA_VERSION = 5;

const MAGIC = 'papertalk-snapshot';
const HASH_CACHE_FILE = 'file-hashes.json';
const SECTION_NAMES = ['corpus', 'abstracts', 'main', 'titles', 'authors', 'derived'] as const;
type SectionName = (typeof SECTION_NAMES)[number];

/** What the cache logs through: pino's logger fits, so does a `{ warn, info }` stub. */
export interface SnapshotLogger {
  warn(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

/** One data file's content hash (see `hashDataDir`; `LoadResult.files` has the same shape). */
export interface FileHash {
  name: string;
  sha256: string;
}

export interface LoadOrBuildOptions {
  /** The raw corpus directory. */
  dataDir: string;
  /** Where snapshots live; default `<dataDir>/.cache` (git-ignored; skipped by the loader). */
  cacheDir?: string | undefined;
  /**
   * An already parsed corpus (with `fileHashes`, e.g. `LoadResult.files`): only the indexes
   * come from the cache. Without it the corpus comes from the snapshot, or from `loadCorpusDir`.
   */
  corpus?: Corpus | undefined;
  /** Hashes of the files `corpus` was parsed from; default: hashed from `dataDir` now. */
  fileHashes?: readonly FileHash[] | undefined;
  /** Issues of that parse (kept in the snapshot so a warm start can report them too). */
  issues?: readonly LoadIssue[] | undefined;
  ranking?: RankingOptions | undefined;
  logger?: SnapshotLogger | undefined;
  /**
   * Inputs from outside the data directory that shape the corpus (the arXiv feed's records, as
   * one hash), added to the key like files.
   */
  extraHashes?: readonly FileHash[] | undefined;
  /** Write a snapshot after building (default true). */
  write?: boolean | undefined;
  /**
   * Stands in for the fingerprint of the corpus/search source code in the key. Leave unset in
   * the bot (any code change then invalidates snapshots); the benchmark pins it.
   */
  codeVersion?: string | undefined;
  /**
   * Parses the data directory when there is no usable snapshot and no `corpus` was given
   * (default `loadCorpusDir`). The snapshot is keyed by the `files` it reports.
   */
  load?: ((dataDir: string) => Promise<LoadResult>) | undefined;
}

export interface LoadOrBuildResult {
  library: Library;
  corpus: Corpus;
  /** Issues of the parse that produced the corpus (now, or when the snapshot was written). */
  issues: LoadIssue[];
  /** Per-file reports of that parse; null when the caller passed the corpus without them. */
  files: FileReport[] | null;
  /** Data other layers derived from the library, as the snapshot kept it (null when built now or none). */
  extras: Record<string, unknown> | null;
  /** Snapshot key (hex sha256). */
  key: string;
  /** `snapshot`: indexes loaded from disk; `built`: indexed now. */
  from: 'snapshot' | 'built';
  /** Where the corpus came from. */
  corpusFrom: 'argument' | 'snapshot' | 'parsed';
  /** Path of the snapshot read or written; null when none was. */
  path: string | null;
  /**
   * Milliseconds: hashing the data files (stat cache), reading + decoding the snapshot, parsing
   * (snapshot) or loading (`load`) the corpus, loading or building the indexes, writing the snapshot.
   */
  timings: { hashMs: number; readMs: number; corpusMs: number; indexMs: number; saveMs: number; totalMs: number };
}

interface SnapshotHeader {
  schema: number;
  key: string;
  createdAt: string;
  counts: { papers: number; posts: number; authors: number };
  /** How the index sections are written: binary segments (`Segment#toBytes`) or `dumpIndex` JSON. */
  indexes: 'segment' | 'dump';
  sections: { name: SectionName; bytes: number }[];
}

interface CorpusSection {
  corpus: Corpus;
  issues: LoadIssue[];
  files: FileReport[] | null;
  /** Papers (by position) whose abstract stayed in this JSON; the others' are `''` here, in the `abstracts` section. */
  abstractsKept: number[];
}

/** Ids as positions of the records that have them (ids not found stay strings). */
function idsToPositions(ids: readonly string[], position: ReadonlyMap<string, number>): (string | number)[] {
  return ids.map((id) => position.get(id) ?? id);
}

/** Positions back to the records' ids (`idsToPositions`). */
function positionsToIds(list: unknown, records: readonly { id: string }[]): string[] {
  if (!Array.isArray(list)) throw new CorruptSnapshot('corpus section has the wrong shape');
  return list.map((x: unknown) => {
    if (typeof x === 'string') return x;
    const r = typeof x === 'number' ? records[x] : undefined;
    if (!r) throw new CorruptSnapshot('corpus section refers to a missing record');
    return r.id;
  });
}

/**
 * The corpus as the corpus section holds it: every non-empty abstract in Latin-1 without NUL goes
 * to `joined` (NUL-separated, in paper order) and is `''` in the copy of its paper; papers' author
 * ids and authors' paper ids are positions (`idsToPositions`). Same properties in the same order.
 */
function compactCorpus(corpus: Corpus): { corpus: unknown; kept: number[]; joined: string } {
  const kept: number[] = [];
  const moved: string[] = [];
  const paperAt = new Map(corpus.papers.map((p, i) => [p.id, i]));
  const authorAt = new Map(corpus.authors.map((a, i) => [a.id, i]));
  const papers = corpus.papers.map((p, i) => {
    const a = p.abstract;
    const copy = { ...p, authorIds: idsToPositions(p.authorIds, authorAt) };
    if (typeof a !== 'string') return copy;
    if (a === '' || /[^\x01-\xff]/.test(a)) {
      kept.push(i);
      return copy;
    }
    moved.push(a);
    return { ...copy, abstract: '' };
  });
  const authors = corpus.authors.map((a) => ({ ...a, paperIds: idsToPositions(a.paperIds, paperAt) }));
  return { corpus: { ...corpus, papers, authors }, kept, joined: moved.join('\0') };
}

/** The corpus section (`corpus` and `abstracts`) as written by `saveSnapshot`, abstracts back in place. */
function readCorpusSection(sections: Map<SectionName, Buffer>): CorpusSection {
  // JSON sections are written as ASCII (see `asciiJson`): latin1 decoding is a plain copy.
  const section = JSON.parse(sections.get('corpus')!.toString('latin1')) as CorpusSection;
  if (!section || !section.corpus || !Array.isArray(section.corpus.papers) || !Array.isArray(section.corpus.authors) || !Array.isArray(section.corpus.posts) || !Array.isArray(section.abstractsKept)) {
    throw new CorruptSnapshot('corpus section has the wrong shape');
  }
  const joined = sections.get('abstracts')!.toString('latin1');
  const moved = joined ? joined.split('\0') : [];
  const { papers, authors } = section.corpus;
  for (const p of papers) p.authorIds = positionsToIds(p.authorIds, authors);
  for (const a of authors) a.paperIds = positionsToIds(a.paperIds, papers);
  const kept = new Set(section.abstractsKept);
  let k = 0;
  papers.forEach((p, i) => {
    if (p.abstract !== '' || kept.has(i)) return;
    if (k >= moved.length) throw new CorruptSnapshot('abstracts section too short');
    p.abstract = moved[k++]!;
  });
  if (k !== moved.length) throw new CorruptSnapshot('abstracts section too long');
  return section;
}

// ---------------------------------------------------------------------------------------------
// Keys

let fingerprintPromise: Promise<string> | null = null;

/**
 * Fingerprint of the code that shapes a snapshot: the sources of `src/corpus` and `src/search`
 * and the MiniSearch version. Editing the parser, the merger or the index invalidates caches.
 */
export function codeFingerprint(): Promise<string> {
  fingerprintPromise ??= (async () => {
    const hash = createHash('sha256');
    const here = dirname(fileURLToPath(import.meta.url));
    // The understanding layer's dictionaries are kept in snapshots too (`extras`).
    for (const dir of [join(here, '..', 'corpus'), here, join(here, '..', 'conversation', 'understand')]) {
      try {
        const names = (await readdir(dir)).filter((n) => /\.(ts|js|mjs)$/.test(n)).sort();
        for (const n of names) hash.update(`${n}\0`).update(await readFile(join(dir, n))).update('\0');
      } catch {
        hash.update(`unreadable:${dir}`);
      }
    }
    try {
      const require = createRequire(import.meta.url);
      const pkg = require('minisearch/package.json') as { version?: string };
      hash.update(`minisearch@${pkg.version ?? '?'}`);
    } catch {
      hash.update('minisearch@?');
    }
    return hash.digest('hex');
  })();
  return fingerprintPromise;
}

/** JSON with sorted object keys (stable across property order). */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The snapshot key for these data files (manifest included), ranking options and code
 * (`codeVersion` replaces the source fingerprint: for benchmarks run while the code changes).
 */
export async function snapshotKey(fileHashes: readonly FileHash[], ranking: RankingOptions = DEFAULT_RANKING, codeVersion?: string): Promise<string> {
  const files = [...fileHashes].map((f) => `${f.name}\t${f.sha256}`).sort();
  const hash = createHash('sha256');
  hash.update(`schema ${SNAPSHOT_SCHEMA_VERSION}\n`);
  hash.update(`code ${codeVersion ?? (await codeFingerprint())}\n`);
  hash.update(`ranking ${stableJson(ranking)}\n`);
  for (const f of files) hash.update(`${f}\n`);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// File hashes with a stat cache

interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
  hashedAt: number;
}

/** How the loader hashes a file's text: binary files (NUL bytes) are read as one NUL. */
async function hashFile(path: string): Promise<string> {
  const buf = await readFile(path);
  return createHash('sha256').update(buf.includes(0) ? '\u0000' : buf).digest('hex');
}

/**
 * Content hashes of the corpus files of `dataDir` (the files `loadCorpusDir` reads, plus
 * `sources.json`), as `loadCorpusDir` computes them. Files whose size, mtime and inode are
 * unchanged since they were last hashed are not read again (`<cacheDir>/file-hashes.json`).
 */
export async function hashDataDir(dataDir: string, cacheDir: string = join(dataDir, '.cache'), logger?: SnapshotLogger): Promise<FileHash[]> {
  let cache: Record<string, HashCacheEntry> = {};
  try {
    const parsed = JSON.parse(await readFile(join(cacheDir, HASH_CACHE_FILE), 'utf8')) as { schema?: number; files?: Record<string, HashCacheEntry> };
    if (parsed.schema === SNAPSHOT_SCHEMA_VERSION && parsed.files && typeof parsed.files === 'object') cache = parsed.files;
  } catch {
    // No stat cache yet (or unreadable): hash everything.
  }
  const names = (await readdir(dataDir)).filter((n) => isCorpusCandidate(n) || n === MANIFEST_FILE).sort();
  const out: FileHash[] = [];
  const next: Record<string, HashCacheEntry> = {};
  let changed = false;
  await Promise.all(
    names.map(async (name) => {
      const path = join(dataDir, name);
      let info;
      try {
        info = await stat(path);
      } catch {
        return;
      }
      if (!info.isFile()) return;
      const known = cache[name];
      // An entry hashed within 2 s of the file's mtime may predate a same-second rewrite: re-hash.
      if (known && known.size === info.size && known.mtimeMs === info.mtimeMs && known.ino === info.ino && known.hashedAt - info.mtimeMs > 2000) {
        next[name] = known;
        return;
      }
      try {
        const sha256 = await hashFile(path);
        next[name] = { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256, hashedAt: Date.now() };
        changed = true;
      } catch {
        // Unreadable now: the loader reports it; it is not part of the key.
      }
    }),
  );
  for (const name of names) {
    const e = next[name];
    if (e) out.push({ name, sha256: e.sha256 });
  }
  if (changed || Object.keys(cache).length !== Object.keys(next).length) {
    try {
      await mkdir(cacheDir, { recursive: true });
      const text = JSON.stringify({ schema: SNAPSHOT_SCHEMA_VERSION, files: next });
      await writeAtomic(join(cacheDir, HASH_CACHE_FILE), async (fh) => {
        await fh.write(text);
      });
    } catch (err) {
      logger?.debug?.({ err: (err as Error).message, cacheDir }, 'cannot write the file-hash cache');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading and writing snapshots

export function snapshotPath(cacheDir: string, key: string): string {
  return join(cacheDir, `library-${key.slice(0, 32)}.snap`);
}

/**
 * Writes a temporary file next to `path`, then renames it over `path`: readers see the old file
 * or the new one, never a part. `fill` writes the content through the handle. No fsync: a file
 * left damaged by a crash fails the reader's checks and is rebuilt.
 */
async function writeAtomic(path: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fh: FileHandle | null = await open(tmp, 'w');
  try {
    await fill(fh);
    await fh.close();
    fh = null;
    await rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/**
 * The same JSON with every non-ASCII code unit written as a `\uXXXX` escape (they can only occur
 * inside strings, so it parses to the same value). Pure-ASCII text decodes as latin1, which is
 * much faster than UTF-8 decoding of large mostly-ASCII buffers, and gives one-byte strings.
 */
export function asciiJson(json: string): string {
  return /[^\x00-\x7f]/.test(json) ? json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/** Bytes reserved at the start of a snapshot for the magic line and the header (space-padded). */
const HEADER_SLOT = 4096;

class CorruptSnapshot extends Error {}

async function readHeader(fh: FileHandle): Promise<{ header: SnapshotHeader; dataStart: number; size: number }> {
  const size = (await fh.stat()).size;
  const probe = Buffer.alloc(Math.min(size, 64 * 1024));
  await fh.read(probe, 0, probe.length, 0);
  const first = probe.indexOf(10);
  const second = first < 0 ? -1 : probe.indexOf(10, first + 1);
  if (first < 0 || second < 0 || probe.toString('utf8', 0, first) !== MAGIC) throw new CorruptSnapshot('not a papertalk snapshot');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(probe.toString('utf8', first + 1, second)) as SnapshotHeader;
  } catch {
    throw new CorruptSnapshot('unreadable header');
  }
  if (header.schema !== SNAPSHOT_SCHEMA_VERSION) throw new CorruptSnapshot(`snapshot schema ${String(header.schema)}, expected ${SNAPSHOT_SCHEMA_VERSION}`);
  if (!Array.isArray(header.sections)) throw new CorruptSnapshot('header has no sections');
  const dataStart = second + 1;
  const total = header.sections.reduce((s, x) => s + x.bytes, 0);
  if (dataStart + total !== size) throw new CorruptSnapshot(`truncated or padded: ${size} bytes, header says ${dataStart + total}`);
  return { header, dataStart, size };
}

async function readSections(path: string, key: string, wanted: readonly SectionName[]): Promise<{ header: SnapshotHeader; sections: Map<SectionName, Buffer> }> {
  const fh = await open(path, 'r');
  try {
    const { header, dataStart } = await readHeader(fh);
    if (header.key !== key) throw new CorruptSnapshot('key mismatch');
    if (header.indexes !== 'segment' && header.indexes !== 'dump') throw new CorruptSnapshot('header has no index format');
    const sections = new Map<SectionName, Buffer>();
    let offset = dataStart;
    for (const s of header.sections) {
      if (wanted.includes(s.name)) {
        const buf = Buffer.allocUnsafe(s.bytes);
        let read = 0;
        while (read < s.bytes) {
          const r = await fh.read(buf, read, s.bytes - read, offset + read);
          if (r.bytesRead === 0) throw new CorruptSnapshot('truncated section');
          read += r.bytesRead;
        }
        sections.set(s.name, buf);
      }
      offset += s.bytes;
    }
    for (const w of wanted) if (!sections.has(w)) throw new CorruptSnapshot(`missing section ${w}`);
    return { header, sections };
  } finally {
    await fh.close();
  }
}

/** Writes a snapshot of `library` (and its corpus) under `key`; returns its path. */
export async function saveSnapshot(cacheDir: string, key: string, library: Library, extra: { issues?: readonly LoadIssue[]; files?: readonly FileReport[] | null; extras?: Record<string, unknown> | null } = {}): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const snap = library.snapshot();
  if (snap.version === 1) throw new Error('papertalk: a library snapshot of version 1 is read, never written');
  const split = compactCorpus(library.corpus);
  const corpusSection = { corpus: split.corpus, issues: [...(extra.issues ?? [])], files: extra.files ? [...extra.files] : null, abstractsKept: split.kept };
  // `extras`: what other layers derive from the library (the understanding dictionaries), kept so a start need not rebuild it.
  const derived = { acronyms: snap.acronyms, lookups: snap.lookups, ...(extra.extras ? { extras: extra.extras } : {}) };
  const texts: Record<SectionName, string | Uint8Array> = { corpus: JSON.stringify(corpusSection), abstracts: Buffer.from(split.joined, 'latin1'), main: snap.main, titles: snap.titles, authors: snap.authors, derived: JSON.stringify(derived) };
  const path = snapshotPath(cacheDir, key);
  await writeAtomic(path, async (fh) => {
    // Sections first (their byte lengths are known once written), then the header into its slot.
    let at = HEADER_SLOT;
    const sections: SnapshotHeader['sections'] = [];
    for (const name of SECTION_NAMES) {
      const text = texts[name];
      const bytes = typeof text === 'string' ? Buffer.from(asciiJson(text), 'latin1') : text;
      texts[name] = '';
      for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
      sections.push({ name, bytes: bytes.length });
      at += bytes.length;
    }
    const header: SnapshotHeader = {
      schema: SNAPSHOT_SCHEMA_VERSION,
      key,
      createdAt: new Date().toISOString(),
      counts: { papers: library.corpus.papers.length, posts: library.corpus.posts.length, authors: library.corpus.authors.length },
      indexes: snap.version === 3 ? 'segment' : 'dump',
      sections,
    };
    const head = `${MAGIC}\n${JSON.stringify(header)}`;
    if (Buffer.byteLength(head) >= HEADER_SLOT) throw new Error('snapshot header too long');
    const slot = Buffer.from(`${head.padEnd(HEADER_SLOT - 1, ' ')}\n`, 'utf8');
    for (let done = 0; done < slot.length; ) done += (await fh.write(slot, done, slot.length - done, done)).bytesWritten;
  });
  await pruneSnapshots(cacheDir, path);
  return path;
}

/** Removes other snapshots and stale temporary files from the cache directory. */
async function pruneSnapshots(cacheDir: string, keep: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const path = join(cacheDir, name);
    if (path === keep) continue;
    try {
      if (/^library-[0-9a-f]+\.snap$/.test(name)) await unlink(path);
      else if (name.endsWith('.tmp') && now - (await stat(path)).mtimeMs > 10 * 60_000) await unlink(path);
    } catch {
      // Another process may be pruning too.
    }
  }
}

/**
 * Loads the library from a snapshot of `key`. Returns null when there is none; throws
 * `CorruptSnapshot` (or a parse error) when one exists but cannot be used.
 */
async function loadSnapshot(path: string, key: string, corpusArg: Corpus | undefined, ranking: RankingOptions): Promise<{ library: Library; section: CorpusSection | null; extras: Record<string, unknown> | null; readMs: number; corpusMs: number; indexMs: number } | null> {
  try {
    await stat(path);
  } catch {
    return null;
  }
  const t0 = performance.now();
  const wanted: SectionName[] = corpusArg ? ['main', 'titles', 'authors', 'derived'] : ['corpus', 'abstracts', 'main', 'titles', 'authors', 'derived'];
  const { header, sections } = await readSections(path, key, wanted);
  const tRead = performance.now();
  // JSON sections are written as ASCII (see `asciiJson`): latin1 decoding is a plain copy.
  const text = (name: SectionName) => sections.get(name)!.toString('latin1');
  let section: CorpusSection | null = null;
  let corpus = corpusArg;
  if (!corpus) {
    section = readCorpusSection(sections);
    corpus = section.corpus;
  }
  const t1 = performance.now();
  const derived = JSON.parse(text('derived')) as { acronyms?: unknown; lookups?: unknown; extras?: unknown };
  const extras = derived.extras && typeof derived.extras === 'object' && !Array.isArray(derived.extras) ? (derived.extras as Record<string, unknown>) : null;
  if (!Array.isArray(derived.acronyms)) throw new CorruptSnapshot('derived section has no acronyms');
  if (!derived.lookups || typeof derived.lookups !== 'object') throw new CorruptSnapshot('derived section has no lookups');
  const acronyms = derived.acronyms as [string, string][];
  const lookups = derived.lookups as LookupEntries;
  const snap: LibrarySnapshot =
    header.indexes === 'segment'
      ? { version: 3, main: sections.get('main')!, titles: sections.get('titles')!, authors: sections.get('authors')!, acronyms, lookups }
      : { version: 2, main: text('main'), titles: text('titles'), authors: text('authors'), acronyms, lookups };
  sections.clear();
  const library = Library.fromSnapshot(corpus, snap, ranking);
  return { library, section, extras, readMs: tRead - t0, corpusMs: t1 - tRead, indexMs: performance.now() - t1 };
}

/**
 * The parsed corpus of the snapshot that matches `dataDir` now, without loading the indexes
 * (for tools that need only the records, like `corpus --json`). Null when there is no usable
 * snapshot (a corrupt one is logged as a warning).
 */
export async function loadCachedCorpus(options: { dataDir: string; cacheDir?: string | undefined; ranking?: RankingOptions | undefined; logger?: SnapshotLogger | undefined; codeVersion?: string | undefined }): Promise<{ corpus: Corpus; issues: LoadIssue[]; files: FileReport[] | null } | null> {
  const cacheDir = options.cacheDir ?? join(options.dataDir, '.cache');
  const key = await snapshotKey(await hashDataDir(options.dataDir, cacheDir, options.logger), options.ranking ?? DEFAULT_RANKING, options.codeVersion);
  const path = snapshotPath(cacheDir, key);
  try {
    await stat(path);
  } catch {
    return null;
  }
  try {
    const { sections } = await readSections(path, key, ['corpus', 'abstracts']);
    const section = readCorpusSection(sections);
    return { corpus: section.corpus, issues: section.issues ?? [], files: section.files ?? null };
  } catch (err) {
    options.logger?.warn({ path, err: err instanceof Error ? err.message : String(err) }, 'index snapshot unusable');
    return null;
  }
}

async function manifestHash(dataDir: string): Promise<FileHash | null> {
  try {
    return { name: MANIFEST_FILE, sha256: await hashFile(join(dataDir, MANIFEST_FILE)) };
  } catch {
    return null;
  }
}

/**
 * The library for `dataDir`: from the snapshot when one matches, else parsed / indexed now and
 * written as the new snapshot. Never throws for a missing, stale or corrupt cache.
 */
export async function loadOrBuildLibrary(options: LoadOrBuildOptions): Promise<LoadOrBuildResult> {
  const tStart = performance.now();
  const { dataDir, logger } = options;
  const cacheDir = options.cacheDir ?? join(dataDir, '.cache');
  const ranking = options.ranking ?? DEFAULT_RANKING;
  const timings = { hashMs: 0, readMs: 0, corpusMs: 0, indexMs: 0, saveMs: 0, totalMs: 0 };

  let t = performance.now();
  let hashes: FileHash[];
  if (options.corpus && options.fileHashes) {
    hashes = options.fileHashes.filter((f) => f.name !== MANIFEST_FILE).map((f) => ({ name: f.name, sha256: f.sha256 }));
    const m = await manifestHash(dataDir);
    if (m) hashes.push(m);
  } else {
    hashes = await hashDataDir(dataDir, cacheDir, logger);
  }
  hashes.push(...(options.extraHashes ?? []));
  let key = await snapshotKey(hashes, ranking, options.codeVersion);
  timings.hashMs = performance.now() - t;

  const path = snapshotPath(cacheDir, key);
  try {
    const loaded = await loadSnapshot(path, key, options.corpus, ranking);
    if (loaded) {
      timings.readMs = loaded.readMs;
      timings.corpusMs = loaded.corpusMs;
      timings.indexMs = loaded.indexMs;
      timings.totalMs = performance.now() - tStart;
      const corpus = loaded.library.corpus;
      logger?.info?.({ path, papers: corpus.papers.length, ms: Math.round(timings.totalMs) }, 'index snapshot loaded');
      return {
        library: loaded.library,
        corpus,
        issues: options.corpus ? [...(options.issues ?? [])] : (loaded.section?.issues ?? []),
        files: options.corpus ? null : (loaded.section?.files ?? null),
        extras: loaded.extras,
        key,
        from: 'snapshot',
        corpusFrom: options.corpus ? 'argument' : 'snapshot',
        path,
        timings,
      };
    }
  } catch (err) {
    logger?.warn({ path, err: err instanceof Error ? err.message : String(err) }, 'index snapshot unusable; rebuilding');
    await unlink(path).catch(() => {});
  }

  // Build.
  t = performance.now();
  let corpus: Corpus;
  let issues: LoadIssue[];
  let files: FileReport[] | null;
  let corpusFrom: LoadOrBuildResult['corpusFrom'];
  if (options.corpus) {
    corpus = options.corpus;
    issues = [...(options.issues ?? [])];
    files = null;
    corpusFrom = 'argument';
  } else {
    const loaded = await (options.load ?? loadCorpusDir)(dataDir);
    corpus = loaded.corpus;
    issues = loaded.issues;
    files = loaded.files;
    corpusFrom = 'parsed';
    // Key the snapshot by what was actually read (the directory may have changed meanwhile).
    const m = await manifestHash(dataDir);
    const readHashes: FileHash[] = loaded.files.map((f) => ({ name: f.name, sha256: f.sha256 }));
    if (m) readHashes.push(m);
    readHashes.push(...(options.extraHashes ?? []));
    key = await snapshotKey(readHashes, ranking, options.codeVersion);
  }
  timings.corpusMs = performance.now() - t;
  t = performance.now();
  const library = Library.build(corpus, ranking);
  timings.indexMs = performance.now() - t;

  let written: string | null = null;
  if (options.write !== false) {
    t = performance.now();
    try {
      written = await saveSnapshot(cacheDir, key, library, { issues, files });
    } catch (err) {
      logger?.warn({ cacheDir, err: err instanceof Error ? err.message : String(err) }, 'cannot write the index snapshot; continuing without');
    }
    timings.saveMs = performance.now() - t;
  }
  timings.totalMs = performance.now() - tStart;
  logger?.info?.({ path: written, papers: corpus.papers.length, ms: Math.round(timings.totalMs) }, 'index built');
  return { library, corpus, issues, files, extras: null, key, from: 'built', corpusFrom, path: written, timings };
}
