/**
 * The loader: reads every file of the data directory, recognises its format by content,
 * parses it, and merges everything into one corpus. Problems become `LoadIssue`s naming the
 * file and line; nothing here throws for bad input.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isArxivDump, parseArxivDump } from './arxivDump.ts';
import { isAuthorPage, parseAuthorPage } from './authorPage.ts';
import { isBibtex, parseBibtex } from './bibtex.ts';
import { isBlogArchive, parseBlogArchive } from './blogArchive.ts';
import { isCslJson, parseCslJson } from './cslJson.ts';
import { inlineListingScore, parseInlineListing } from './inlineListing.ts';
import { isLineListing, parseLineListing } from './lineListing.ts';
import { MANIFEST_FILE, ManifestSchema, manifestEntryFor, type Manifest } from './manifest.ts';
import { mergeCorpus } from './merge.ts';
import { isRis, parseRis } from './ris.ts';
import type { AuthorProfile, Corpus, LoadIssue, ParseResult, RawPaper, RawPost } from './schema.ts';
import { looksBinary, nameKey, parseCategoryDate } from './text.ts';
import { looksLikeName, parseAuthorList } from './authorList.ts';
import { Vocabulary } from './vocabulary.ts';
import type { CorpusChanges } from './incrementalMerge.ts';

export type SourceFormat =
  | 'inline-listing' | 'line-listing' | 'author-page' | 'blog-archive'
  | 'bibtex' | 'ris' | 'csl-json' | 'arxiv-dump';

export interface SourceFile {
  name: string;
  text: string;
}

export interface FileReport {
  name: string;
  sha256: string;
  format: SourceFormat | null;
  papers: number;
  posts: number;
}

export interface LoadResult {
  corpus: Corpus;
  issues: LoadIssue[];
  files: FileReport[];
  /** From an incremental build (incremental.ts): what changed since the corpus it built before. */
  changes?: CorpusChanges;
}

/**
 * Recognises a file's format from its text; null when it is none of ours. The structured formats
 * (JSON, RIS tags, `@entry{key,` heads) are tried before the page formats: none of the pages has
 * their shapes, while a bibliography's abstracts may hold anything.
 */
export function detectFormat(text: string): SourceFormat | null {
  const lines = text.split(/\r?\n/);
  if (isCslJson(text)) return 'csl-json';
  if (isArxivDump(lines)) return 'arxiv-dump';
  if (isRis(lines)) return 'ris';
  if (isBibtex(text)) return 'bibtex';
  if (isBlogArchive(lines)) return 'blog-archive';
  if (isAuthorPage(lines)) return 'author-page';
  if (isLineListing(lines)) return 'line-listing';
  if (inlineListingScore(lines) > 0) return 'inline-listing';
  return null;
}

/** Parsers of the bibliography formats: records that need nothing from the other files. */
const PARSE_BIBLIOGRAPHY: Record<'bibtex' | 'ris' | 'csl-json' | 'arxiv-dump', (text: string, source: string) => ParseResult<RawPaper>> = {
  bibtex: parseBibtex,
  ris: parseRis,
  'csl-json': parseCslJson,
  'arxiv-dump': parseArxivDump,
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Parses and merges in-memory files (pure: no I/O). `extra.papers` are records from other sources
 * (the optional arXiv feed); they join the merge after the files are parsed, so they dedupe
 * against the files' papers without changing how any file is read.
 */
export interface BuildExtras {
  /** Records from outside the data directory (the arXiv feed), merged like any source's. */
  papers?: readonly RawPaper[];
  /**
   * Parse results by file content, format and page owner, reused across builds (pass the same
   * map each time): a reload parses only what changed. Entries of files no longer given are
   * dropped at the end of a build. Inline listings are always parsed (their reading depends on
   * the names and words of every other file).
   */
  cache?: ParseCache;
  /** Leave the cache's other entries alone (a build of some of the files only). */
  keepCache?: boolean;
  /** Called after each file and once after the merge: `done` of `total` steps. */
  onProgress?: (done: number, total: number) => void;
}

/** One file's parse, as `buildCorpus` caches it. Its records are never modified afterwards. */
export interface CachedParse {
  papers: RawPaper[];
  posts: RawPost[];
  profile: AuthorProfile | null;
  issues: LoadIssue[];
}

export type ParseCache = Map<string, CachedParse>;

/** Parses one file of a cacheable format (everything but inline listings). */
function parseOne(format: Exclude<SourceFormat, 'inline-listing'>, file: SourceFile, owner: string | undefined): CachedParse {
  switch (format) {
    case 'blog-archive': {
      const r = parseBlogArchive(file.text, file.name);
      return { papers: [], posts: r.records, profile: null, issues: r.issues };
    }
    case 'author-page': {
      const r = parseAuthorPage(file.text, file.name);
      if (owner) for (const rec of r.records) rec.pageOwner = owner;
      return { papers: r.records, posts: [], profile: null, issues: r.issues };
    }
    case 'line-listing': {
      const r = parseLineListing(file.text, file.name);
      if (owner) for (const rec of r.records) rec.pageOwner = owner;
      return { papers: r.records, posts: [], profile: r.profile ?? null, issues: r.issues };
    }
    default: {
      const r = PARSE_BIBLIOGRAPHY[format](file.text, file.name);
      return { papers: r.records, posts: [], profile: null, issues: r.issues };
    }
  }
}

/** One file as read before the listings are: its report and issues, and its parse (all but inline listings). */
export interface FileRead {
  report: FileReport;
  issues: LoadIssue[];
  /** The parse of a file of a cacheable format (null for inline listings and skipped files). */
  parsed: CachedParse | null;
  /** An inline listing, parsed after every other file (with its page owner from the manifest). */
  listing: { owner: string | null } | null;
}

/** Recognises and (except inline listings) parses one file; `cache` and `used` as in `buildCorpus`. */
export function readSource(file: SourceFile, manifest: Manifest, cache?: ParseCache, used?: Set<string>): FileRead {
  const report: FileReport = { name: file.name, sha256: sha256(file.text), format: null, papers: 0, posts: 0 };
  const skip = (message: string): FileRead => ({ report, issues: [{ level: 'warn', file: file.name, line: 1, message }], parsed: null, listing: null });
  if (!file.text.trim()) return skip('file is empty; skipped');
  if (looksBinary(file.text)) return skip('file is binary, not text; skipped');
  const format = detectFormat(file.text);
  report.format = format;
  const entry = manifestEntryFor(manifest, { name: file.name, sha256: report.sha256, text: file.text });
  if (format === 'inline-listing') {
    const owner = entry?.pageOwner ?? null;
    const issues: LoadIssue[] = owner ? [] : [{ level: 'warn', file: file.name, line: 1, message: `listing has no header and no page owner in ${MANIFEST_FILE}; its papers get no page owner` }];
    return { report, issues, parsed: null, listing: { owner } };
  }
  if (!format) return skip('format not recognised (not an aggregator listing, author page, blog archive, BibTeX, RIS, CSL-JSON or arXiv metadata); skipped');
  // The file's name is part of the key: records and issues name the file they came from.
  const owner = entry?.pageOwner;
  const cacheKey = `${format}\u0000${report.sha256}\u0000${owner ?? ''}\u0000${file.name}`;
  let parsed = cache?.get(cacheKey);
  if (!parsed) {
    parsed = parseOne(format, file, owner);
    cache?.set(cacheKey, parsed);
  }
  used?.add(cacheKey);
  report.papers = parsed.papers.length;
  report.posts = parsed.posts.length;
  return { report, issues: parsed.issues, parsed, listing: null };
}

/**
 * Name keys a listing's own title+author lines give: every author after the first is cleanly
 * separated by commas. Only those lines (the one after a category/date line), never abstracts.
 */
export function listingNames(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    if (!parseCategoryDate(lines[i - 1]!)) continue;
    const line = lines[i]!;
    const comma = line.indexOf(', ');
    if (comma > 0) for (const a of parseAuthorList(line.slice(comma + 2)).authors) if (looksLikeName(a)) out.push(nameKey(a));
  }
  return out;
}

/** An untitled entry recovered by its abstract needs one note (the recovery), not two. */
export function withMergeIssues(issues: readonly LoadIssue[], mergeIssues: readonly LoadIssue[]): LoadIssue[] {
  const recovered = new Set(mergeIssues.filter((i) => /recovered as/.test(i.message)).map((i) => `${i.file}:${i.line}`));
  const kept = issues.filter((i) => !(/no title and no authors/.test(i.message) && recovered.has(`${i.file}:${i.line}`)));
  kept.push(...mergeIssues);
  return kept;
}

export function buildCorpus(files: SourceFile[], manifest: Manifest = { sources: [] }, extra?: BuildExtras): LoadResult {
  const issues: LoadIssue[] = [];
  const papers: RawPaper[] = [];
  const posts: RawPost[] = [];
  const profiles: AuthorProfile[] = [];
  const reports: FileReport[] = [];
  const deferred: { file: SourceFile; report: FileReport; owner: string | null }[] = [];
  const used = new Set<string>();
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  const steps = sorted.length + 1;
  let step = 0;
  for (const file of sorted) {
    extra?.onProgress?.(step++, steps);
    const read = readSource(file, manifest, extra?.cache, used);
    reports.push(read.report);
    issues.push(...read.issues);
    if (read.listing) deferred.push({ file, report: read.report, owner: read.listing.owner });
    if (!read.parsed) continue;
    papers.push(...read.parsed.papers);
    posts.push(...read.parsed.posts);
    if (read.parsed.profile) profiles.push(read.parsed.profile);
  }
  // Glued title+author lines split best with names and vocabulary from everything else.
  if (deferred.length) {
    const knownNames = new Set<string>();
    for (const p of papers) for (const a of p.authors) knownNames.add(nameKey(a));
    for (const { file } of deferred) for (const k of listingNames(file.text)) knownNames.add(k);
    // Lower-case words not glued to other letters (see vocabulary.ts).
    const vocabulary = new Vocabulary();
    for (const f of sorted) vocabulary.addText(f.text);
    for (const { file, report, owner } of deferred) {
      const r = parseInlineListing(file.text, { source: file.name, pageOwner: owner, knownNames, vocabulary });
      papers.push(...r.records);
      issues.push(...r.issues);
      report.papers = r.records.length;
    }
  }
  if (extra?.cache && !extra.keepCache) for (const key of extra.cache.keys()) if (!used.has(key)) extra.cache.delete(key);
  if (extra?.papers?.length) papers.push(...extra.papers);
  extra?.onProgress?.(step, steps);
  const merged = mergeCorpus({ papers, posts, profiles });
  extra?.onProgress?.(steps, steps);
  return { corpus: merged.corpus, issues: withMergeIssues(issues, merged.issues), files: reports };
}

/**
 * Files of the data directory that are never corpus input. JSON files are input (CSL-JSON
 * exports, arXiv metadata slices), all but the manifest.
 */
export function isCorpusCandidate(name: string): boolean {
  return !name.startsWith('.') && name !== MANIFEST_FILE && !/\.(sqlite|db|journal|wal|shm|tmp|part|swp)$|-(wal|shm|journal)$|~$/.test(name);
}

/** Reads the data directory (I/O edge) and builds the corpus. */
export async function loadCorpusDir(dir: string): Promise<LoadResult> {
  const issues: LoadIssue[] = [];
  let manifest: Manifest = { sources: [] };
  let manifestText: string | null = null;
  try {
    manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') issues.push({ level: 'warn', file: MANIFEST_FILE, message: `cannot read manifest: ${(err as Error).message}` });
  }
  if (manifestText !== null) {
    let json: unknown;
    try {
      json = JSON.parse(manifestText);
    } catch (err) {
      issues.push({ level: 'warn', file: MANIFEST_FILE, message: `manifest is not valid JSON (${(err as Error).message}); ignored` });
    }
    if (json !== undefined) {
      const parsed = ManifestSchema.safeParse(json);
      if (parsed.success) manifest = parsed.data;
      else issues.push({ level: 'warn', file: MANIFEST_FILE, message: `invalid manifest: ${parsed.error.issues[0]?.message ?? 'schema mismatch'}; ignored` });
    }
  }
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isCorpusCandidate).sort();
  } catch (err) {
    // A missing or unreadable directory is reported, not thrown: the corpus is just empty.
    issues.push({ level: 'error', file: dir, message: `cannot read data directory: ${(err as Error).message}` });
    names = [];
  }
  const files: SourceFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile()) continue;
      const buf = await readFile(path);
      files.push({ name, text: buf.includes(0) ? '\u0000' : buf.toString('utf8') });
    } catch (err) {
      issues.push({ level: 'warn', file: name, message: `cannot read: ${(err as Error).message}` });
    }
  }
  const result = buildCorpus(files, manifest);
  result.issues.unshift(...issues);
  return result;
}
