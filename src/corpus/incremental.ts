/**
 * Incremental ingestion: `IncrementalCorpus` is held across reloads (by the corpus loader) and
 * builds the corpus of the files given, with work proportional to what changed since its last
 * build, and exactly the result `buildCorpus` gives for the same files (the same corpus JSON,
 * issues and file reports).
 *
 * - **Files** are compared by text with the last build; only new and changed files are read and
 *   parsed again (`readSource`).
 * - **Vocabulary and known names** (what inline listings are split with) are counts: per word,
 *   the number of files whose text has it; per name key, the number of files giving it. A file
 *   that comes or goes adds or subtracts its own words and names (from its text and parse), so
 *   no other file is scanned.
 * - **Inline listings** record what they asked while being parsed (each `has` of a word or a
 *   name). One is parsed again when its text changed or when the answer to one of its questions
 *   did (a word or name that appeared or disappeared anywhere); otherwise its records stand.
 * - **Records** of a changed source (a file, or the feed's `extra.papers`) are compared with
 *   its previous records by their JSON: only those that really differ go to the merge as added
 *   and removed, which `IncrementalMerge` (incrementalMerge.ts) applies.
 * - A different manifest, the first build, and changes the incremental merge does not do (see
 *   there) build the merge in full (`mergeCorpus`), with the same result.
 */
import type { FileReport, LoadResult, SourceFile } from './load.ts';
import { listingNames, readSource, withMergeIssues, type CachedParse } from './load.ts';
import { IncrementalMerge, type CorpusChanges, type MergeTimings } from './incrementalMerge.ts';
import { parseInlineListing } from './inlineListing.ts';
import type { Manifest } from './manifest.ts';
import type { AuthorProfile, Corpus, LoadIssue, RawPaper, RawPost } from './schema.ts';
import { nameKey } from './text.ts';
import { Vocabulary } from './vocabulary.ts';

/** An inline listing's parse and the questions it asked. */
interface ListingParse {
  records: RawPaper[];
  issues: LoadIssue[];
  words: Set<string>;
  names: Set<string>;
}

interface FileState {
  text: string;
  report: FileReport;
  issues: LoadIssue[];
  parsed: CachedParse | null;
  listing: { owner: string | null; parse: ListingParse | null } | null;
  /** The records this file gives the merge (its parse's, or equal ones given before). */
  records: RawPaper[];
}

/** Membership by counts: `has` is true while at least one contributor gives the key. */
class Counts {
  private readonly n = new Map<string, number>();
  /** Keys whose presence may have changed since `flipped` was last called, with their presence before. */
  private readonly before = new Map<string, boolean>();

  has(key: string): boolean {
    return this.n.has(key);
  }

  add(keys: Iterable<string>, by: 1 | -1): void {
    for (const k of keys) {
      const was = this.n.get(k) ?? 0;
      if (!this.before.has(k)) this.before.set(k, was > 0);
      if (was + by) this.n.set(k, was + by);
      else this.n.delete(k);
    }
  }

  /** The keys that appeared or disappeared since the last call. */
  flipped(): Set<string> {
    const out = new Set<string>();
    for (const [k, was] of this.before) if (was !== this.n.has(k)) out.add(k);
    this.before.clear();
    return out;
  }
}

/** The distinct standalone words of a text, as the `Vocabulary` finds them. */
function wordsOf(text: string): string[] {
  const v = new Vocabulary();
  v.addText(text);
  return [...v.words()];
}

/** The name keys a file gives the inline-listing splitter. */
function namesOf(state: FileState): Set<string> {
  if (state.listing) return new Set(listingNames(state.text));
  return new Set((state.parsed?.papers ?? []).flatMap((p) => p.authors.map(nameKey)));
}

/** `next` with the records equal (by JSON) to one of `prev` replaced by that one; and the records only in one of them. */
function diffRecords(prev: readonly RawPaper[], next: readonly RawPaper[]): { records: RawPaper[]; added: RawPaper[]; removed: RawPaper[] } {
  const old = new Map<string, RawPaper[]>();
  for (const r of prev) {
    const k = JSON.stringify(r);
    const list = old.get(k);
    if (list) list.push(r);
    else old.set(k, [r]);
  }
  const added: RawPaper[] = [];
  const records = next.map((r) => {
    const same = old.get(JSON.stringify(r))?.pop();
    if (same) return same;
    added.push(r);
    return r;
  });
  return { records, added, removed: [...old.values()].flat() };
}

/** Milliseconds of the stages of the last build. */
export interface BuildTimings {
  /** Comparing, hashing and parsing the files that changed (inline listings apart). */
  filesMs: number;
  /** Adding and subtracting the words and names of the files that changed. */
  vocabularyMs: number;
  listingsMs: number;
  mergeMs: number;
  /** The merge was a full one. */
  full: boolean;
  /** The steps of an incremental merge. */
  merge?: MergeTimings;
}

export class IncrementalCorpus {
  timings: BuildTimings = { filesMs: 0, vocabularyMs: 0, listingsMs: 0, mergeMs: 0, full: true };
  private files = new Map<string, FileState>();
  private manifestKey: string | null = null;
  private vocabulary = new Counts();
  private names = new Counts();
  private merge: IncrementalMerge | null = null;
  private extra: readonly RawPaper[] = [];
  private extraRecords: RawPaper[] = [];
  private corpus: Corpus | null = null;

  /**
   * The corpus of `files` and `extraPapers` (as `buildCorpus(files, manifest, { papers })`),
   * with the records touched since the previous build when the merge was incremental.
   */
  build(files: readonly SourceFile[], manifest: Manifest = { sources: [] }, extraPapers: readonly RawPaper[] = [], onProgress?: (done: number, total: number) => void): LoadResult {
    const manifestKey = JSON.stringify(manifest);
    if (manifestKey !== this.manifestKey) this.reset(manifestKey);
    try {
      return this.update(files, manifest, extraPapers, onProgress);
    } catch (err) {
      // Half applied: the next build starts from nothing.
      this.reset(null);
      throw err;
    }
  }

  private reset(manifestKey: string | null): void {
    this.files = new Map();
    this.vocabulary = new Counts();
    this.names = new Counts();
    this.merge = null;
    this.extra = [];
    this.extraRecords = [];
    this.manifestKey = manifestKey;
  }

  private update(files: readonly SourceFile[], manifest: Manifest, extraPapers: readonly RawPaper[], onProgress?: (done: number, total: number) => void): LoadResult {
    const t0 = performance.now();
    let vocabularyMs = 0;
    const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
    const steps = sorted.length + 1;
    onProgress?.(0, steps);
    const added: RawPaper[] = [];
    const removed: RawPaper[] = [];
    let postsChanged = false;
    let profilesChanged = false;
    const drop = (state: FileState) => {
      const v = performance.now();
      this.vocabulary.add(wordsOf(state.text), -1);
      this.names.add(namesOf(state), -1);
      vocabularyMs += performance.now() - v;
      if (state.parsed?.posts.length) postsChanged = true;
      if (state.parsed?.profile) profilesChanged = true;
    };
    const names = new Set(sorted.map((f) => f.name));
    for (const [name, state] of this.files) {
      if (names.has(name)) continue;
      drop(state);
      removed.push(...state.records);
      this.files.delete(name);
    }
    /** Files whose records are to be compared with their previous ones (name → previous records). */
    const redo = new Map<string, RawPaper[]>();
    for (const file of sorted) {
      const prev = this.files.get(file.name);
      if (prev?.text === file.text) continue;
      if (prev) drop(prev);
      const read = readSource(file, manifest);
      const state: FileState = { text: file.text, report: read.report, issues: read.issues, parsed: read.parsed, listing: read.listing ? { owner: read.listing.owner, parse: null } : null, records: read.parsed?.papers ?? [] };
      const v = performance.now();
      this.vocabulary.add(wordsOf(file.text), 1);
      this.names.add(namesOf(state), 1);
      vocabularyMs += performance.now() - v;
      if (state.parsed?.posts.length) postsChanged = true;
      if (state.parsed?.profile) profilesChanged = true;
      this.files.set(file.name, state);
      redo.set(file.name, prev?.records ?? []);
    }
    const t1 = performance.now();
    const flippedWords = [...this.vocabulary.flipped()];
    const flippedNames = [...this.names.flipped()];
    const ordered = sorted.map((f) => [f.name, this.files.get(f.name)!] as const);
    for (const [name, state] of ordered) {
      const listing = state.listing;
      if (!listing) continue;
      const asked = listing.parse;
      if (asked && !flippedWords.some((w) => asked.words.has(w)) && !flippedNames.some((n) => asked.names.has(n))) continue;
      listing.parse = this.parseListing(name, state.text, listing.owner);
      state.report.papers = listing.parse.records.length;
      if (!redo.has(name)) redo.set(name, state.records);
      state.records = listing.parse.records;
    }
    const t2 = performance.now();
    for (const [name, prev] of redo) {
      const state = this.files.get(name)!;
      const d = diffRecords(prev, state.records);
      state.records = d.records;
      added.push(...d.added);
      removed.push(...d.removed);
    }
    if (extraPapers !== this.extra) {
      const d = diffRecords(this.extraRecords, extraPapers);
      this.extra = extraPapers;
      this.extraRecords = d.records;
      added.push(...d.added);
      removed.push(...d.removed);
    }
    onProgress?.(sorted.length, steps);
    const posts = (): RawPost[] => ordered.flatMap(([, s]) => s.parsed?.posts ?? []);
    const profiles = (): AuthorProfile[] => ordered.flatMap(([, s]) => (s.parsed?.profile ? [s.parsed.profile] : []));
    const since = this.corpus;
    let changes: CorpusChanges | undefined;
    const touched = this.merge?.update({ added, removed, ...(postsChanged ? { posts: posts() } : {}), ...(profilesChanged ? { profiles: profiles() } : {}) });
    if (touched && since) {
      const merge = this.merge!;
      changes = { since, touched, rank: (id) => merge.rank(id) };
    } else {
      const papers = [...ordered.flatMap(([, s]) => (s.listing ? [] : s.records)), ...ordered.flatMap(([, s]) => (s.listing ? s.records : [])), ...this.extraRecords];
      this.merge = new IncrementalMerge({ papers, posts: posts(), profiles: profiles() });
    }
    const merged = this.merge!.result;
    this.timings = { filesMs: t1 - t0 - vocabularyMs, vocabularyMs, listingsMs: t2 - t1, mergeMs: performance.now() - t2, full: !changes, ...(changes ? { merge: { ...this.merge!.timings } } : {}) };
    this.corpus = merged.corpus;
    onProgress?.(steps, steps);
    const issues = [...ordered.flatMap(([, s]) => s.issues), ...ordered.flatMap(([, s]) => s.listing?.parse?.issues ?? [])];
    return { corpus: merged.corpus, issues: withMergeIssues(issues, merged.issues), files: ordered.map(([, s]) => ({ ...s.report })), ...(changes ? { changes } : {}) };
  }

  /** Parses an inline listing, recording the words and names it asks about. */
  private parseListing(name: string, text: string, owner: string | null): ListingParse {
    const words = new Set<string>();
    const names = new Set<string>();
    const r = parseInlineListing(text, {
      source: name,
      pageOwner: owner,
      knownNames: { has: (k) => (names.add(k), this.names.has(k)) },
      vocabulary: { has: (w) => (words.add(w), this.vocabulary.has(w)) },
    });
    return { records: r.records, issues: r.issues, words, names };
  }
}
