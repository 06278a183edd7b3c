/**
 * Incremental library updates. When a reload changes a few records (a dropped file with new
 * papers, an edited entry), the corpus worker sends only what changed (`LibraryDiff`: records
 * added, changed and removed, the new record order, the lookup entries that changed, the
 * acronyms) instead of the whole library, and the main thread applies it to the library it
 * serves (`Library.patched`): the changed documents are removed from and added to the
 * MiniSearch indexes in place (`remove` with the document as it was indexed, then `add`: no
 * discarded documents left behind), the lookups are patched, and a new `Library` takes over the
 * indexes and lookups (the old one is retired: its caches are dropped). The result equals a fresh
 * build of the new corpus: the same records in the same order, the same lookups, the same search
 * results (scores within floating-point tolerance: MiniSearch keeps average field lengths as
 * running means).
 *
 * `RecordState` is what the worker keeps of the library the main thread has, to diff against.
 * When the corpus comes from an incremental build (src/corpus/incremental.ts) of the corpus the
 * state describes, only the records the build touched are hashed and compared, and only the
 * lookup entries they contribute to are derived again (src/corpus/lookupIndex.ts): the state is
 * patched in place, with no pass over the whole corpus but listing its ids in order.
 */
import { createHash } from 'node:crypto';
import type { CorpusChanges } from '../corpus/incrementalMerge.ts';
import { LookupIndex } from '../corpus/lookupIndex.ts';
import { touchedInOrder } from '../corpus/sorted.ts';
import type { Author, Corpus, Paper, Post } from '../corpus/schema.ts';
import { LOOKUP_NAMES, corpusAcronyms, libraryLookups, lookupIdEntries, type LibraryLookups, type LookupName } from './library.ts';


export interface RecordsDiff<T> {
  /** Records added or changed, in corpus order. */
  upsert: T[];
  remove: string[];
  /**
   * Where the records go, one of two ways. `at`: the position of each of `upsert` in the new
   * corpus order, the other records keeping their order (the usual case: sending and looking up
   * 150k ids cost the main thread ~120 ms at 100k papers). `order`: the ids of all records in
   * corpus order, when the records left alone changed their relative order too.
   */
  at?: number[];
  /** With `at`: the positions in the previous order of the records removed or upserted (ascending). */
  was?: number[];
  order?: string[];
}

/**
 * `order` replaced by `at` when the records neither upserted nor removed keep, in `items`, the
 * relative order they had in `old` (checked here, on the worker's side).
 */
function placed<T extends { id: string }>(old: readonly T[], items: readonly T[], d: { upsert: T[]; remove: string[] }): RecordsDiff<T> {
  const up = new Set(d.upsert.map((r) => r.id));
  const gone = new Set(d.remove);
  const at: number[] = [];
  const was: number[] = [];
  let j = 0;
  const skip = () => {
    while (j < old.length && (up.has(old[j]!.id) || gone.has(old[j]!.id))) was.push(j++);
  };
  for (let i = 0; i < items.length; i++) {
    const r = items[i]!;
    // The same record object in both (an incremental build keeps the records it did not touch):
    // left alone, with no id looked up (at 100k, two lookups per record took ~50 ms).
    if (old[j] === r) {
      j++;
      continue;
    }
    if (up.has(r.id)) {
      at.push(i);
      continue;
    }
    skip();
    if (j >= old.length || old[j]!.id !== r.id) return { ...d, order: items.map((x) => x.id) };
    j++;
  }
  skip();
  if (j !== old.length) return { ...d, order: items.map((r) => r.id) };
  return { ...d, at, was };
}

export interface LibraryDiff {
  papers: RecordsDiff<Paper>;
  posts: RecordsDiff<Post>;
  authors: RecordsDiff<Author>;
  /** Lookup entries set (values as ids) or removed. */
  lookups: { name: LookupName; set: [string, string | string[]][]; remove: string[] }[];
  categories: string[];
  acronyms: [string, string][];
}

/** What the worker keeps of a library to diff the next one against (records as hashes of their JSON, lookups as ids). */
export interface RecordState {
  papers: Map<string, string>;
  posts: Map<string, string>;
  authors: Map<string, string>;
  lookups: Record<LookupName, Map<string, string>>;
  /** The corpus described (an incremental build's changes are relative to one corpus). */
  corpus: Corpus;
  /** The lookups by contributing record (for the diffs of incremental builds). */
  index: LookupIndex;
}

/** Lookups with records as ids, each value as JSON (for comparison). */
function lookupIds(l: LibraryLookups): Record<LookupName, Map<string, string>> {
  const out = {} as Record<LookupName, Map<string, string>>;
  for (const name of LOOKUP_NAMES) out[name] = new Map(lookupIdEntries(l, name).map(([k, v]) => [k, JSON.stringify(v)]));
  return out;
}

/** Each record's id → a hash of its JSON (what changed is told by the hash: the worker keeps no second copy of the records). */
const hashOf = (r: object) => createHash('sha1').update(JSON.stringify(r)).digest('base64');

function byId<T extends { id: string }>(items: readonly T[]): Map<string, string> {
  return new Map(items.map((r) => [r.id, hashOf(r)]));
}

/**
 * The state of a library's corpus and lookups (lookups computed when not given). The lookup
 * index the diffs of incremental builds patch is made now (after a whole library was sent, when
 * the worker has time), not at the first small change.
 */
export function recordState(corpus: Corpus, lookups: LibraryLookups = libraryLookups(corpus)): RecordState {
  return { papers: byId(corpus.papers), posts: byId(corpus.posts), authors: byId(corpus.authors), lookups: lookupIds(lookups), corpus, index: new LookupIndex(corpus) };
}

/** The state of an equal corpus built again (the same records in other objects): its hashes and lookups, the new corpus's objects. */
export function rebaseState(state: RecordState, corpus: Corpus): RecordState {
  return { ...state, corpus, index: new LookupIndex(corpus) };
}

function diffRecords<T extends { id: string }>(before: Map<string, string>, old: readonly T[], items: readonly T[], now: Map<string, string>): RecordsDiff<T> {
  const upsert = items.filter((r) => before.get(r.id) !== now.get(r.id));
  const remove = [...before.keys()].filter((id) => !now.has(id));
  return placed(old, items, { upsert, remove });
}

/**
 * The diff from `before` to `corpus`, and the state after it; null when more than `maxShare` of
 * the records changed (sending the whole library is then as cheap, and simpler).
 */
export function diffLibrary(before: RecordState, corpus: Corpus, maxShare = 0.05, changes?: CorpusChanges): { diff: LibraryDiff; state: RecordState } | null {
  if (changes && changes.since === before.corpus) return diffTouched(before, corpus, maxShare, changes);
  const lookups = libraryLookups(corpus);
  const state = recordState(corpus, lookups);
  const papers = diffRecords(before.papers, before.corpus.papers, corpus.papers, state.papers);
  const posts = diffRecords(before.posts, before.corpus.posts, corpus.posts, state.posts);
  const authors = diffRecords(before.authors, before.corpus.authors, corpus.authors, state.authors);
  const changed = papers.upsert.length + papers.remove.length + posts.upsert.length + posts.remove.length + authors.upsert.length + authors.remove.length;
  const total = corpus.papers.length + corpus.posts.length + corpus.authors.length;
  if (changed > Math.max(50, total * maxShare)) return null;
  // Entries holding records that changed are sent again even when their ids did not change (the
  // main thread's lookups hold the record objects).
  const touched = { authorsByKey: new Set(authors.upsert.map((a) => a.id)), postsByPaper: new Set(posts.upsert.map((p) => p.id)) };
  const lookupDiffs: LibraryDiff['lookups'] = [];
  for (const name of LOOKUP_NAMES) {
    const was = before.lookups[name];
    const is = state.lookups[name];
    const set: [string, string | string[]][] = [];
    // The entries as ids again (`is` holds them as JSON, for the comparison).
    for (const [k, ids] of lookupIdEntries(lookups, name)) {
      const holds = (name === 'authorsByKey' || name === 'postsByPaper') && (ids as string[]).some((id) => touched[name].has(id));
      if (was.get(k) !== is.get(k) || holds) set.push([k, ids]);
    }
    const remove = [...was.keys()].filter((k) => !is.has(k));
    if (set.length || remove.length) lookupDiffs.push({ name, set, remove });
  }
  return {
    diff: { papers, posts, authors, lookups: lookupDiffs, categories: lookups.categories, acronyms: [...corpusAcronyms(corpus)] },
    state,
  };
}

/** The touched records of one kind: those whose hash changed (in corpus order) and those gone. */
function touchedRecords<T extends { id: string }>(before: Map<string, string>, old: readonly T[], items: readonly T[], touched: ReadonlySet<string>, rank?: (id: string) => number): { diff: RecordsDiff<T>; hashes: Map<string, string | null> } {
  const hashes = new Map<string, string | null>();
  const upsert: T[] = [];
  for (const r of touchedInOrder(items, touched, rank)) {
    const h = hashOf(r);
    hashes.set(r.id, h);
    if (before.get(r.id) !== h) upsert.push(r);
  }
  const remove: string[] = [];
  for (const id of touched) {
    if (hashes.has(id)) continue;
    hashes.set(id, null);
    if (before.has(id)) remove.push(id);
  }
  return { diff: placed(old, items, { upsert, remove }), hashes };
}

/** `diffLibrary` from the records an incremental build touched; patches `before` in place (it is the state returned). */
function diffTouched(before: RecordState, corpus: Corpus, maxShare: number, changes: CorpusChanges): { diff: LibraryDiff; state: RecordState } | null {
  const { touched, rank } = changes;
  const papers = touchedRecords(before.papers, before.corpus.papers, corpus.papers, touched.papers, rank);
  const posts = touchedRecords(before.posts, before.corpus.posts, corpus.posts, touched.posts);
  const authors = touchedRecords(before.authors, before.corpus.authors, corpus.authors, touched.authors);
  const changed = [papers, posts, authors].reduce((n, r) => n + r.diff.upsert.length + r.diff.remove.length, 0);
  const total = corpus.papers.length + corpus.posts.length + corpus.authors.length;
  if (changed > Math.max(50, total * maxShare)) return null;
  for (const [kind, r] of [['papers', papers], ['posts', posts], ['authors', authors]] as const) {
    for (const [id, h] of r.hashes) {
      if (h === null) before[kind].delete(id);
      else before[kind].set(id, h);
    }
  }
  const index = before.index;
  const keys = index.update(corpus, touched, rank);
  const held = { authorsByKey: new Set(authors.diff.upsert.map((a) => a.id)), postsByPaper: new Set(posts.diff.upsert.map((p) => p.id)) };
  const lookupDiffs: LibraryDiff['lookups'] = [];
  for (const name of LOOKUP_NAMES) {
    const was = before.lookups[name];
    const set: [string, string | string[]][] = [];
    const remove: string[] = [];
    for (const k of keys[name]) {
      const v = index.value(name, k);
      if (v === undefined) {
        if (was.delete(k)) remove.push(k);
        continue;
      }
      const json = JSON.stringify(v);
      const holds = (name === 'authorsByKey' || name === 'postsByPaper') && (v as string[]).some((id) => held[name].has(id));
      if (was.get(k) !== json || holds) set.push([k, v]);
      was.set(k, json);
    }
    if (set.length || remove.length) lookupDiffs.push({ name, set, remove });
  }
  before.corpus = corpus;
  return {
    diff: { papers: papers.diff, posts: posts.diff, authors: authors.diff, lookups: lookupDiffs, categories: index.categories, acronyms: [...index.acronyms] },
    state: before,
  };
}

/** Number of records a diff adds, changes or removes. */
export function diffSize(d: LibraryDiff): number {
  return d.papers.upsert.length + d.papers.remove.length + d.posts.upsert.length + d.posts.remove.length + d.authors.upsert.length + d.authors.remove.length;
}
