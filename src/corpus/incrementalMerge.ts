/**
 * The merge of merge.ts, kept up to date as source records come and go: the work of an update is
 * proportional to what the change touches, and the result is exactly `mergeCorpus` of the records
 * as they are now (the same JSON, the same issues).
 *
 * It starts from a full `mergeCorpus` (its trace) and keeps what each step needs to be redone
 * locally:
 *
 * - **Grouping** depends only on the records linked to a record by a shared identity key (DOI,
 *   arXiv id), title key or abstract pair (abstractPairs.ts keeps the pairs exact). An update
 *   takes the records added, the old groups of the records removed and the ends of the abstract
 *   pairs that changed, closes that set over those links and over the old groups it meets, and
 *   groups only it again (`groupRecords`, same canonical order). A group with the same records
 *   as before is kept as it was; the others are drafted again (`draftPaper`).
 * - **People** are the connected name keys of the links between spellings (`mergeAuthorLists`).
 *   Name keys are touched by changed groups, by changed spelling counts (display names) and by
 *   changed profiles; their people, old and new, are recomputed (`personAuthors`: display,
 *   homonym split, ids, profile), and the papers of those people get their author ids and
 *   display names again (a paper whose authors came out the same keeps its object). A person
 *   whose keys stayed the same keeps its groups in corpus order, patched with those removed and
 *   added. A prolific person found to be one keeps a `OnePersonProof` (homonymProof.ts), brought
 *   up to date with the papers it lost and gained: while it holds, the split is not run and the
 *   author's paper ids are patched too, so such a person costs what changed, not its thousands
 *   of papers. The split itself reads name keys, spellings and content words as numbers kept
 *   per paper (those of the full merge's papers come with its trace).
 * - **Order**: papers and authors stay sorted; removed records are filtered out and new ones
 *   inserted by binary search (no full sort, no comparison of every record).
 * - **Posts** are rebuilt (`buildPosts`, proportional to the posts) when the raw posts changed or
 *   a title they cite is a title of a changed paper.
 *
 * - **Author ids** that collide (two people whose names slug alike, or a person's second cluster
 *   and another's name) are settled as the full merge settles them: per wanted id, its clusters
 *   in people order (the first paper of each in corpus order, then its place in that paper's
 *   list), the first gets it, the next ones a suffix; a person whose id moves is replaced.
 *
 * What it does not do incrementally (`update` returns null and the caller merges in full): a
 * changed group whose paper id is wanted by another group as well (namesakes: the suffix goes by
 * the order of all groups), or is another paper's suffixed id; an author id a suffix would take
 * from outside its family of wanted ids; more than 2^22 record slots.
 */
import type { ContentWordIds, PaperKeyIds } from './homonyms.ts';
import { OnePersonProof } from './homonymProof.ts';
import { identityKeys } from './identity.ts';
import { AbstractPairs } from './abstractPairs.ts';
import {
  ABSTRACT_THRESHOLD, buildPosts, canonicalKey, clusterAuthors, compareAuthors, compareCanonical, compareIssues, comparePapers, displaySpelling, draftPaper, groupRecords,
  freeAuthorId, mergeCorpus, paperAuthors, personAuthors, profilesByKey, sortedProfiles, type MergeInput, type MergeResult, type MergeTrace, type PaperDraft, type PersonContext,
} from './merge.ts';
import type { Author, AuthorProfile, Corpus, LoadIssue, Paper, Post, RawPaper, RawPost } from './schema.ts';
import type { SimilarPair } from './similar.ts';
import { patchSorted } from './sorted.ts';
import { nameKey, slug, titleKey } from './text.ts';

/** One paper's group of records. */
interface Group {
  /** Record slots in canonical order. */
  slots: number[];
  draft: PaperDraft;
  /** The draft's paper with its final id and the merged spellings as authors (what people are computed from). */
  work: Paper;
  /** The paper as the corpus has it (display names, author ids). */
  paper: Paper;
  /** Its position in the corpus order (set after each update). */
  rank: number;
  /** Its author and explicit name keys as numbers (for the homonym split). */
  keyIds: PaperKeyIds;
}

interface Person {
  keys: string[];
  /** `nameKey` of its display name (what an author id collision is told apart by). */
  key: string;
  /** One per cluster (several when people share the name). */
  authors: Author[];
  /** Its groups in corpus order (a person whose keys stay the same is patched, not sorted again). */
  groups: Group[];
  /**
   * The groups of its clusters after the first, by cluster index: the rest are in cluster 0. Kept
   * small (other people of a name are a few papers), where a map of every group to its id costs a
   * pass over a prolific person's thousands of papers at each change.
   */
  others: Map<Group, number>;
  /** The ids its clusters asked for (before collisions). */
  wanted: string[];
  /** For a prolific person found to be one, what proves it again after a change (homonymProof.ts). */
  proof: OnePersonProof | null;
}

export interface IncrementalMergeOptions {
  /**
   * People with at least this many papers keep a `OnePersonProof` (default 128: its counts cost
   * memory per co-author, and splitting a smaller person again costs little). Tests lower it.
   */
  proofMinPapers?: number;
  /**
   * People with at least this many papers have their papers' content words read with the full
   * merge (default 256; at 100k: 32k papers more than the full merge's own splits read, 2-3 s of
   * a ~60 s build, ~9 MB), so that the first split of such a person after a change does not read
   * them all (a 475-paper person found to be two by the first drop: 20-40 ms in that drop).
   */
  wordsMinPapers?: number;
}

/** The author id a person gives one of its groups. */
function idIn(p: Person, g: Group): string {
  return p.authors[p.others.get(g) ?? 0]!.id;
}

/** A person's `others` from its clusters (the first cluster left out). */
function othersOf(clusters: readonly (readonly Group[])[]): Map<Group, number> {
  const others = new Map<Group, number>();
  for (let ci = 1; ci < clusters.length; ci++) for (const g of clusters[ci]!) others.set(g, ci);
  return others;
}

/** Ids of the records an update added, changed or removed. */
export interface TouchedIds {
  papers: Set<string>;
  posts: Set<string>;
  authors: Set<string>;
}

/** What an incremental build changed: the records touched since the corpus `since`. */
export interface CorpusChanges {
  since: Corpus;
  touched: TouchedIds;
  /** A paper's position in the new corpus's order. */
  rank: (paperId: string) => number;
}

export interface MergeChange {
  added: readonly RawPaper[];
  /** Records given before (the same objects). */
  removed: readonly RawPaper[];
  /** All raw posts in reading order, when they changed. */
  posts?: readonly RawPost[];
  /** All profiles, when they changed. */
  profiles?: readonly AuthorProfile[];
}

const MAX_SLOTS = 2 ** 22;

function bump<K>(m: Map<K, number>, k: K, by: number): number {
  const n = (m.get(k) ?? 0) + by;
  if (n) m.set(k, n);
  else m.delete(k);
  return n;
}

function bumpIn<K, V>(m: Map<K, Map<V, number>>, k: K, v: V, by: number): void {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  bump(inner, v, by);
  if (!inner.size) m.delete(k);
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

function deleteFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  s?.delete(v);
  if (s && !s.size) m.delete(k);
}

/** Milliseconds of the steps of the last update. */
export interface MergeTimings {
  /** Abstract pairs of the records added and removed. */
  pairsMs: number;
  /** Regrouping the records linked to the change, drafting papers, their order. */
  groupsMs: number;
  /** People of the touched name keys (display, homonyms, ids). */
  peopleMs: number;
  /** Papers whose authors changed, the papers and authors in corpus order. */
  papersMs: number;
  /** Posts and merge issues when they changed. */
  postsMs: number;
}

export class IncrementalMerge {
  timings: MergeTimings = { pairsMs: 0, groupsMs: 0, peopleMs: 0, papersMs: 0, postsMs: 0 };
  private readonly recs: (RawPaper | undefined)[] = [];
  private readonly slotOf = new Map<RawPaper, number>();
  private readonly freeSlots: number[] = [];
  private readonly groupOf: (Group | undefined)[] = [];
  private readonly byIdentity = new Map<string, Set<number>>();
  private readonly byTitle = new Map<string, Set<number>>();
  private readonly abstracts: AbstractPairs | null;
  private readonly names = new Map<string, string>();
  /** Groups wanting each paper id, and the group holding each final id. */
  private readonly baseIdCount = new Map<string, number>();
  private readonly groupById = new Map<string, Group>();
  /** The group of each work paper (weak, and kept after the group is removed: a proof counts a removed paper out by its keys). */
  private readonly groupOfWork = new WeakMap<Paper, Group>();
  /** Name keys and spellings as numbers (`PersonContext.keyIds`): the full merge's numberings, extended. */
  private readonly keyIds: Map<string, number>;
  private readonly spellingIds: Map<string, number>;
  /**
   * Content words of the papers of people split into homonyms, kept once computed: a person is
   * examined again at every change touching one of their papers. Those the full merge read come
   * with it (only people it split with lone papers to place: all papers' would cost seconds).
   */
  private readonly words: ContentWordIds;
  /** Name key graph of the spellings found to be one person, with multiplicities. */
  private readonly keyLinks = new Map<string, Map<string, number>>();
  private readonly keySpellings = new Map<string, Map<string, number>>();
  private readonly keyGroups = new Map<string, Map<Group, number>>();
  private readonly spellingCounts = new Map<string, number>();
  private profileByKey: Map<string, AuthorProfile>;
  private readonly personOf = new Map<string, Person>();
  /** The people whose clusters want each author id. */
  private readonly wanters = new Map<string, Set<Person>>();
  private readonly authorById = new Map<string, Author>();
  private readonly ownerOf = new Map<Author, Person>();
  /** Title key → the groups having it as title / as alias (resolves post citations). */
  private readonly titleGroups = new Map<string, { title: Set<Group>; alias: Set<Group> }>();
  private readonly issueGroups = new Set<Group>();
  private rawPosts: readonly RawPost[];
  private citedKeys: Set<string>;
  /** The groups in corpus order (`comparePapers` of their papers). */
  private order: Group[];
  private papers: Paper[];
  private authors: Author[];
  private posts: Post[];
  private issues: LoadIssue[];

  private readonly proofMinPapers: number;

  /** A full merge of `input`, kept for updates. */
  constructor(input: MergeInput, options: IncrementalMergeOptions = {}) {
    this.proofMinPapers = options.proofMinPapers ?? 128;
    const wordsMinPapers = options.wordsMinPapers ?? 256;
    let trace: MergeTrace | undefined;
    const result = mergeCorpus(input, {}, (t) => {
      trace = t;
    });
    const t = trace!;
    t.raws.forEach((r, i) => {
      this.recs.push(r);
      this.slotOf.set(r, i);
      this.index(i);
    });
    const { entries, docBits } = t.shingles;
    this.abstracts = entries && docBits === 22 ? new AbstractPairs(entries, docBits, t.raws.length, t.pairs, ABSTRACT_THRESHOLD, this.abstractOf) : null;
    this.keyIds = t.keyIds.ids;
    this.spellingIds = t.keyIds.spellings;
    this.words = t.words;
    const groupOfPaper = new Map<Paper, Group>();
    t.groups.forEach((slots, gi) => {
      const draft = t.drafts[gi]!;
      const g: Group = { slots, draft, work: { ...draft.paper, authors: draft.names, authorIds: [] }, paper: draft.paper, rank: 0, keyIds: t.keyIds.of.get(draft.paper)! };
      groupOfPaper.set(draft.paper, g);
      this.words.alias(draft.paper, g.work);
      this.addGroup(g);
      for (const s of slots) this.groupOf[s] = g;
    });
    for (const r of t.raws) this.countSpellings(r, 1);
    this.profileByKey = profilesByKey(sortedProfiles(input.profiles));
    this.papers = result.corpus.papers;
    this.order = this.papers.map((p) => groupOfPaper.get(p)!);
    this.order.forEach((g, i) => (g.rank = i));
    for (const p of t.people) {
      const clusters = p.clusters.map((c) => c.map((paper) => groupOfPaper.get(paper)!));
      // Each cluster is in corpus order: one cluster is the person's groups as they are.
      const groups = clusters.length === 1 ? clusters[0]! : clusters.flat().sort((x, y) => x.rank - y.rank);
      const key = nameKey(p.authors[0]!.name);
      const base = `a-${slug(key, 5)}`;
      const proof = clusters.length === 1 && groups.length >= this.proofMinPapers ? OnePersonProof.of(p.clusters[0]!.map((paper) => groupOfPaper.get(paper)!.work), this.keyIds.get(key)!, this.keyIdsOf) : null;
      const person = { keys: p.keys, key, authors: p.authors, groups, others: othersOf(clusters), wanted: p.authors.map((_a, ci) => (ci === 0 ? base : `${base}-${ci + 1}`)), proof };
      this.addWants(person, true);
      this.addPerson(person);
      if (groups.length >= wordsMinPapers) for (const g of groups) this.words.of(g.work);
    }
    this.rawPosts = input.posts;
    this.citedKeys = citedKeysOf(input.posts);
    this.authors = result.corpus.authors;
    this.posts = result.corpus.posts;
    this.issues = result.issues;
  }

  /** A paper's position in the corpus order (the current one: valid until the next update). */
  rank(paperId: string): number {
    return this.groupById.get(paperId)!.rank;
  }

  get result(): MergeResult {
    return { corpus: { papers: this.papers, posts: this.posts, authors: this.authors }, issues: this.issues };
  }

  private keyOf(name: string): string {
    let k = this.names.get(name);
    if (k === undefined) this.names.set(name, (k = nameKey(name)));
    return k;
  }

  /** A work paper's key ids. */
  private readonly keyIdsOf = (paper: Paper): PaperKeyIds => this.groupOfWork.get(paper)!.keyIds;

  /**
   * A record's abstract, for `AbstractPairs`, which keeps it. A field, not an arrow made in the
   * constructor: that one would share the constructor's closure context and keep the whole
   * `MergeTrace` alive (its groups, pairs and people: tens of MB at 100k).
   */
  private readonly abstractOf = (slot: number): string | null => this.recs[slot]!.abstract;

  private keyId(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) this.keyIds.set(key, (id = this.keyIds.size));
    return id;
  }

  private spellingId(spelling: string): number {
    let id = this.spellingIds.get(spelling);
    if (id === undefined) this.spellingIds.set(spelling, (id = this.spellingIds.size));
    return id;
  }

  /** A new group of records (`slots` in canonical order) and its draft. */
  private newGroup(slots: number[], draft: PaperDraft): Group {
    const keyIds = {
      authors: draft.names.map((n) => this.keyId(this.keyOf(n))),
      spellings: draft.names.map((n) => this.spellingId(n)),
      explicit: [...draft.explicit].map((k) => this.keyId(k)),
    };
    return { slots, draft, work: { ...draft.paper, authors: draft.names, authorIds: [] }, paper: draft.paper, rank: 0, keyIds };
  }

  private index(slot: number): void {
    const r = this.recs[slot]!;
    for (const k of identityKeys(r)) addTo(this.byIdentity, k, slot);
    if (r.title) addTo(this.byTitle, titleKey(r.title), slot);
  }

  private unindex(slot: number): void {
    const r = this.recs[slot]!;
    for (const k of identityKeys(r)) deleteFrom(this.byIdentity, k, slot);
    if (r.title) deleteFrom(this.byTitle, titleKey(r.title), slot);
  }

  private countSpellings(r: RawPaper, by: number, touched?: Set<string>): void {
    for (const a of r.authors) {
      bump(this.spellingCounts, a, by);
      touched?.add(this.keyOf(a));
    }
    if (r.pageOwner) {
      bump(this.spellingCounts, r.pageOwner, by);
      touched?.add(this.keyOf(r.pageOwner));
    }
  }

  /** Registers a group's paper ids, title keys, issues and spellings. */
  private addGroup(g: Group, by = 1, touched?: Set<string>): void {
    const { draft } = g;
    bump(this.baseIdCount, draft.baseId, by);
    if (by > 0) {
      this.groupById.set(g.paper.id, g);
      this.groupOfWork.set(g.work, g);
      if (draft.issues.length) this.issueGroups.add(g);
    } else {
      this.groupById.delete(g.paper.id);
      this.issueGroups.delete(g);
    }
    const p = g.paper;
    const titles = [...(p.title ? [[titleKey(p.title), 'title'] as const] : []), ...p.aliases.map((a) => [titleKey(a), 'alias'] as const)];
    for (const [k, kind] of titles) {
      let entry = this.titleGroups.get(k);
      if (!entry) this.titleGroups.set(k, (entry = { title: new Set(), alias: new Set() }));
      if (by > 0) entry[kind].add(g);
      else {
        entry[kind].delete(g);
        if (!entry.title.size && !entry.alias.size) this.titleGroups.delete(k);
      }
    }
    for (const n of draft.names) {
      const k = this.keyOf(n);
      bumpIn(this.keyGroups, k, g, by);
      bumpIn(this.keySpellings, k, n, by);
      touched?.add(k);
    }
    for (const [a, b] of draft.links) {
      const ka = this.keyOf(a);
      const kb = this.keyOf(b);
      bumpIn(this.keyLinks, ka, kb, by);
      bumpIn(this.keyLinks, kb, ka, by);
      bumpIn(this.keySpellings, ka, a, by);
      bumpIn(this.keySpellings, kb, b, by);
      touched?.add(ka);
      touched?.add(kb);
    }
  }

  private addWants(p: Person, on: boolean): void {
    for (const w of p.wanted) {
      if (on) addTo(this.wanters, w, p);
      else deleteFrom(this.wanters, w, p);
    }
  }

  private addPerson(p: Person, by = 1): void {
    for (const a of p.authors) {
      if (by > 0) {
        this.authorById.set(a.id, a);
        this.ownerOf.set(a, p);
      } else if (this.authorById.get(a.id) === a) {
        this.authorById.delete(a.id);
        this.ownerOf.delete(a);
      }
    }
    for (const k of p.keys) {
      if (by > 0) this.personOf.set(k, p);
      else if (this.personOf.get(k) === p) this.personOf.delete(k);
    }
  }

  private allocate(r: RawPaper): number {
    const slot = this.freeSlots.pop() ?? this.recs.length;
    this.recs[slot] = r;
    this.slotOf.set(r, slot);
    return slot;
  }

  /**
   * Applies a change; returns the ids of the records touched (added, changed or removed), or
   * null when the change hits a case done only by a full merge (this object is then unusable).
   */
  update(change: MergeChange): TouchedIds | null {
    if (!this.abstracts) return null;
    const t0 = performance.now();
    const touchedKeys = new Set<string>();
    const removedSlots: number[] = [];
    for (const r of change.removed) {
      const slot = this.slotOf.get(r);
      if (slot === undefined) throw new Error('papertalk: a removed record was never added to the merge');
      removedSlots.push(slot);
      this.unindex(slot);
      this.countSpellings(r, -1, touchedKeys);
    }
    const addedSlots: number[] = [];
    for (const r of change.added) {
      const slot = this.allocate(r);
      if (slot >= MAX_SLOTS) return null;
      addedSlots.push(slot);
      this.index(slot);
      this.countSpellings(r, 1, touchedKeys);
    }
    const pairSlots = this.abstracts.update(addedSlots, removedSlots);
    const removedSet = new Set(removedSlots);

    // The records to group again: closed over identity, title and abstract links and old groups.
    const oldGroups = new Set<Group>();
    const comp = new Set<number>();
    const stack: number[] = [...addedSlots];
    const takeGroup = (g: Group | undefined) => {
      if (!g || oldGroups.has(g)) return;
      oldGroups.add(g);
      for (const s of g.slots) if (!removedSet.has(s)) stack.push(s);
    };
    for (const s of removedSlots) takeGroup(this.groupOf[s]);
    for (const s of pairSlots) if (!removedSet.has(s)) stack.push(s);
    while (stack.length) {
      const s = stack.pop()!;
      if (comp.has(s)) continue;
      comp.add(s);
      takeGroup(this.groupOf[s]);
      const r = this.recs[s]!;
      for (const k of identityKeys(r)) for (const t of this.byIdentity.get(k) ?? []) stack.push(t);
      if (r.title) for (const t of this.byTitle.get(titleKey(r.title)) ?? []) stack.push(t);
      for (const t of this.abstracts.pairs.get(s)?.keys() ?? []) stack.push(t);
    }
    const t1 = performance.now();
    const keyed = [...comp].map((s) => ({ s, r: this.recs[s]!, key: canonicalKey(this.recs[s]!) }));
    keyed.sort(compareCanonical);
    const local = new Map(keyed.map((k, i) => [k.s, i]));
    const pairs: SimilarPair[] = [];
    for (const { s } of keyed) {
      const a = local.get(s)!;
      for (const [t, score] of this.abstracts.pairs.get(s) ?? []) {
        const b = local.get(t)!;
        if (a < b) pairs.push({ a, b, score });
      }
    }
    pairs.sort((x, y) => x.a - y.a || x.b - y.b);
    const oldBySlots = new Map([...oldGroups].map((g) => [g.slots.join(','), g]));
    const newGroups: Group[] = [];
    for (const idxs of groupRecords(keyed.map((k) => k.r), pairs)) {
      const slots = idxs.map((i) => keyed[i]!.s);
      const same = oldBySlots.get(slots.join(','));
      if (same) {
        oldGroups.delete(same);
        continue;
      }
      newGroups.push(this.newGroup(slots, draftPaper(idxs.map((i) => keyed[i]!.r), (n) => this.keyOf(n))));
    }
    // Paper ids: only when no other group wants the same id (else the full merge's order decides).
    for (const g of oldGroups) if ((this.baseIdCount.get(g.draft.baseId) ?? 0) > 1) return null;
    for (const g of oldGroups) this.addGroup(g, -1, touchedKeys);
    for (const g of newGroups) {
      if (this.baseIdCount.has(g.draft.baseId) || this.groupById.has(g.draft.baseId)) return null;
      this.addGroup(g, 1, touchedKeys);
      for (const s of g.slots) this.groupOf[s] = g;
    }
    for (const s of removedSlots) {
      this.slotOf.delete(this.recs[s]!);
      this.recs[s] = undefined;
      this.groupOf[s] = undefined;
      this.freeSlots.push(s);
    }

    // Profiles: the name keys whose profile changed.
    if (change.profiles) {
      const before = this.profileByKey;
      this.profileByKey = profilesByKey(sortedProfiles(change.profiles));
      for (const k of new Set([...before.keys(), ...this.profileByKey.keys()])) {
        if (JSON.stringify(before.get(k)) !== JSON.stringify(this.profileByKey.get(k))) touchedKeys.add(k);
      }
    }

    // The corpus order is known once the groups are (date and id): ranks order people's papers.
    this.order = patchSorted(this.order, oldGroups, newGroups, (a, b) => comparePapers(a.work, b.work));
    this.order.forEach((g, i) => (g.rank = i));
    const t2 = performance.now();
    const people = this.updatePeople(touchedKeys, oldGroups, newGroups);
    if (!people) return null;
    const t3 = performance.now();

    // Papers whose authors may have changed: new groups, and the groups of changed people.
    const isNew = new Set(newGroups);
    const touched: TouchedIds = { papers: new Set([...oldGroups].map((g) => g.paper.id)), posts: new Set(), authors: new Set() };
    for (const g of this.regroup(newGroups, people.before, people.after)) {
      if (this.groupById.get(g.paper.id) !== g) continue;
      const r = paperAuthors(g.draft.names, (n) => idIn(this.personOf.get(this.keyOf(n))!, g), (id) => this.authorById.get(id)!.name);
      if (!isNew.has(g) && r.authorIds.join('\u0000') === g.paper.authorIds.join('\u0000') && r.authors.join('\u0000') === g.paper.authors.join('\u0000')) continue;
      g.paper = { ...g.work, authors: r.authors, authorIds: r.authorIds };
      touched.papers.add(g.paper.id);
    }
    this.papers = this.order.map((g) => g.paper);
    const removedAuthors = new Set(people.before.flatMap((p) => p.authors));
    const addedAuthors = people.after.flatMap((p) => p.authors);
    for (const a of [...removedAuthors, ...addedAuthors]) touched.authors.add(a.id);
    this.authors = patchSorted(this.authors, removedAuthors, addedAuthors, compareAuthors);
    const t4 = performance.now();

    // Posts: again when they changed or cite a title of a changed paper.
    const changedTitles = [...oldGroups, ...newGroups].some((g) => [g.paper.title, ...g.paper.aliases].some((t) => t && this.citedKeys.has(titleKey(t))));
    if (change.posts || changedTitles) {
      if (change.posts) {
        this.rawPosts = change.posts;
        this.citedKeys = citedKeysOf(change.posts);
      }
      const before = this.posts;
      this.posts = buildPosts(this.rawPosts, (k) => this.paperOfTitle(k));
      for (const p of [...before, ...this.posts]) touched.posts.add(p.id);
    } else this.posts = [...this.posts];

    if ([...oldGroups, ...newGroups].some((g) => g.draft.issues.length)) this.issues = this.mergeIssues();
    const t5 = performance.now();
    this.timings = { pairsMs: t1 - t0, groupsMs: t2 - t1, peopleMs: t3 - t2, papersMs: t4 - t3, postsMs: t5 - t4 };
    return touched;
  }

  /**
   * The groups whose authors may have changed: new groups, and those of a person recomputed
   * whose author id or display name for that group changed. A person whose keys, display name
   * and first cluster's id stayed the same has the same groups but removed and new ones, and
   * gives the same id to every group in its first cluster before and after: only the groups of
   * its other clusters (before or after) are compared. Any other change takes all its groups.
   */
  private regroup(newGroups: readonly Group[], before: readonly Person[], after: readonly Person[]): Set<Group> {
    const out = new Set<Group>(newGroups);
    const keysOf = (p: Person) => [...p.keys].sort().join('\u0000');
    const display = (p: Person) => p.authors[0]!.name;
    const old = new Map(before.map((p) => [keysOf(p), p]));
    const matched = new Set<Person>();
    for (const a of after) {
      const b = old.get(keysOf(a));
      if (!b || display(a) !== display(b) || a.authors[0]!.id !== b.authors[0]!.id) {
        for (const g of a.groups) out.add(g);
        continue;
      }
      matched.add(b);
      // A group of `others` that is new or removed is in `out` or gone either way.
      for (const g of [...a.others.keys(), ...b.others.keys()]) if (idIn(a, g) !== idIn(b, g)) out.add(g);
    }
    for (const b of before) if (!matched.has(b)) for (const g of b.groups) out.add(g);
    return out;
  }

  /**
   * Recomputes the people of the touched name keys; null when an author id would collide.
   * `removed` and `added` are the groups the update took away and put in.
   */
  private updatePeople(touchedKeys: ReadonlySet<string>, removed: ReadonlySet<Group>, added: readonly Group[]): { before: Person[]; after: Person[] } | null {
    const before = new Set<Person>();
    const seeds: string[] = [];
    const takePerson = (p: Person | undefined) => {
      if (!p || before.has(p)) return;
      before.add(p);
      seeds.push(...p.keys);
    };
    for (const k of touchedKeys) {
      seeds.push(k);
      takePerson(this.personOf.get(k));
    }
    const seen = new Set<string>();
    const components: string[][] = [];
    while (seeds.length) {
      const start = seeds.pop()!;
      if (seen.has(start)) continue;
      const keys: string[] = [];
      const stack = [start];
      seen.add(start);
      while (stack.length) {
        const k = stack.pop()!;
        keys.push(k);
        takePerson(this.personOf.get(k));
        for (const n of this.keyLinks.get(k)?.keys() ?? []) {
          if (!seen.has(n)) {
            seen.add(n);
            stack.push(n);
          }
        }
      }
      components.push(keys);
    }
    const after: Person[] = [];
    /** The new groups naming each key. */
    const addedByKey = new Map<string, Set<Group>>();
    for (const g of added) for (const n of g.draft.names) addTo(addedByKey, this.keyOf(n), g);
    const byRank = (x: Group, y: Group) => x.rank - y.rank;
    const ctx: PersonContext = {
      spellingCount: (s) => this.spellingCounts.get(s) ?? 0,
      profileByKey: this.profileByKey,
      nameKeyOf: (n) => this.keyOf(n),
      keyIds: { id: (k) => this.keyId(k), of: this.keyIdsOf },
      contentWordIdsOf: (p) => this.words.of(p),
      freeId: (wanted) => wanted,
    };
    /** The removed groups of each person before (through their names' keys: no scan of a person's groups). */
    const removedOf = new Map<Person, Group[]>();
    for (const g of removed) {
      const people = new Set<Person>();
      for (const n of g.draft.names) {
        const p = this.personOf.get(this.keyOf(n));
        if (!p || people.has(p)) continue;
        people.add(p);
        const list = removedOf.get(p);
        if (list) list.push(g);
        else removedOf.set(p, [g]);
      }
    }
    for (const keys of components) {
      const variants = new Set<string>();
      for (const k of keys) for (const v of this.keySpellings.get(k)?.keys() ?? []) variants.add(v);
      // A person with the same keys as before has the groups it had, but those removed, and the
      // new groups naming one of its keys (groups never change: a changed one is removed and
      // added): its list is patched in corpus order, not collected and sorted again.
      const old = this.personOf.get(keys[0]!);
      let patched: { groups: Group[]; ids: string[] | null } | null = null;
      /** The proof of the person before, brought up to date (null: none, or lost). */
      let proof: OnePersonProof | null = null;
      if (old && old.keys.length === keys.length && keys.every((k) => this.personOf.get(k) === old)) {
        const gained = new Set<Group>();
        for (const k of keys) for (const g of addedByKey.get(k) ?? []) gained.add(g);
        const lost = removedOf.get(old) ?? [];
        // A person with a proof is one cluster: its paper ids are patched along.
        patched = patchGroups(old.groups, old.proof ? old.authors[0]!.paperIds : null, lost, [...gained].sort(byRank));
        if (old.proof?.update(lost.map((g) => g.work), [...gained].map((g) => g.work))) proof = old.proof;
      }
      let groups: Group[];
      if (patched) groups = patched.groups;
      else {
        const all = new Set<Group>();
        for (const k of keys) for (const g of this.keyGroups.get(k)?.keys() ?? []) all.add(g);
        groups = [...all].sort(byRank);
      }
      if (!groups.length) continue;
      const variantList = [...variants];
      const display = displaySpelling(variantList, ctx.spellingCount);
      const personKeyId = this.keyId(this.keyOf(display));
      let authors: Author[];
      let clusters: Group[][];
      // The proof stands for the person's name key it was made for (the display name may change).
      if (proof?.person === personKeyId && patched?.ids && proof.holds()) {
        authors = clusterAuthors(display, variantList, [{ paperIds: patched.ids, label: '' }], ctx);
        clusters = [groups];
      } else {
        const papers = groups.map((g) => g.work);
        const r = personAuthors(variantList, papers, ctx);
        authors = r.authors;
        clusters = r.clusters.length === 1 ? [groups] : r.clusters.map((c) => c.map((p) => this.groupOfWork.get(p)!));
        if (clusters.length > 1 || groups.length < this.proofMinPapers) proof = null;
        else if (proof?.person !== personKeyId) proof = OnePersonProof.of(papers, personKeyId, this.keyIdsOf);
      }
      after.push({ keys, key: this.keyOf(display), authors, groups, others: othersOf(clusters), wanted: authors.map((a) => a.id), proof });
    }
    for (const p of before) {
      this.addWants(p, false);
      this.addPerson(p, -1);
    }
    for (const p of after) this.addWants(p, true);
    const ids = this.settleIds(new Set([...before, ...after].flatMap((p) => p.wanted)), new Set(after));
    if (!ids) return null;
    const afterAll = [...after];
    for (const [p, final] of ids) {
      if (after.includes(p)) {
        this.reId(p, final);
        continue;
      }
      // Someone else's id moved: that person is replaced by a copy with its new ids.
      const moved: Person = { ...p, authors: p.authors.map((a) => ({ ...a })) };
      this.reId(moved, final);
      before.add(p);
      this.addWants(p, false);
      this.addPerson(p, -1);
      this.addWants(moved, true);
      afterAll.push(moved);
    }
    for (const p of afterAll) this.addPerson(p, 1);
    return { before: [...before], after: afterAll };
  }

  /** Gives a person's clusters their final ids (they were made with the wanted ones). */
  private reId(p: Person, final: readonly string[]): void {
    p.authors.forEach((a, ci) => (a.id = final[ci]!));
  }

  /** Where the full merge's people come: the first of their papers in corpus order, then their place in its author list. */
  private personOrder(p: Person): [number, number] {
    const first = p.groups[0]!;
    const keys = new Set(p.keys);
    return [first.rank, first.draft.names.findIndex((n) => keys.has(this.keyOf(n)))];
  }

  /**
   * The final author ids of the people wanting the ids `wanted`, as the full merge gives them:
   * per wanted id, its clusters in people order, the first gets it and the next ones a suffix
   * (`freeAuthorId`). Returns the people whose ids are not those they hold now (all the new
   * people `fresh`), or null when an id would also be taken outside its own family (left to the
   * full merge).
   */
  private settleIds(wanted: ReadonlySet<string>, fresh: ReadonlySet<Person>): Map<Person, string[]> | null {
    const out = new Map<Person, string[]>();
    for (const p of fresh) out.set(p, [...p.wanted]);
    const finalOf = (p: Person) => {
      let f = out.get(p);
      if (!f) out.set(p, (f = p.authors.map((a) => a.id)));
      return f;
    };
    for (const w of wanted) {
      const family = this.wanters.get(w);
      if (!family) continue;
      const clusters = [...family].flatMap((p) => p.wanted.flatMap((x, ci) => (x === w ? [{ p, ci, order: this.personOrder(p) }] : [])));
      clusters.sort((x, y) => x.order[0] - y.order[0] || x.order[1] - y.order[1] || x.ci - y.ci);
      const used = new Set<string>();
      for (const { p, ci } of clusters) {
        const id = freeAuthorId(w, p.key, used);
        used.add(id);
        const owner = this.authorById.get(id);
        if ((owner && !family.has(this.ownerOf.get(owner)!)) || (id !== w && this.wanters.has(id))) return null;
        if (fresh.has(p) || p.authors[ci]!.id !== id) finalOf(p)[ci] = id;
      }
    }
    for (const [p, final] of out) if (!fresh.has(p) && final.every((id, ci) => id === p.authors[ci]!.id)) out.delete(p);
    return out;
  }

  /** The paper a cited title names (see `titleResolver` in merge.ts). */
  private paperOfTitle(key: string): string | undefined {
    const entry = this.titleGroups.get(key);
    if (!entry) return undefined;
    let best: Group | undefined;
    for (const g of entry.title.size ? entry.title : entry.alias) if (!best || g.rank > best.rank) best = g;
    return best?.paper.id;
  }

  /** The merge issues in `mergeCorpus` order: file and line, then the order of their groups. */
  private mergeIssues(): LoadIssue[] {
    const firstKey = new Map<Group, { key: string; r: RawPaper }>();
    const first = (g: Group) => {
      let k = firstKey.get(g);
      if (!k) {
        const r = this.recs[g.slots[0]!]!;
        firstKey.set(g, (k = { key: canonicalKey(r), r }));
      }
      return k;
    };
    const items = [...this.issueGroups].flatMap((g) => g.draft.issues.map((issue) => ({ issue, g })));
    items.sort((x, y) => compareIssues(x.issue, y.issue) || (x.g === y.g ? 0 : compareCanonical(first(x.g), first(y.g))));
    return items.map((i) => i.issue);
  }
}

/**
 * A person's groups in corpus order without `lost` and with `gained` (in corpus order), and along
 * with them `ids`, their paper ids: by binary search and splices, not a pass over every group (a
 * prolific person has thousands). The lost groups are found by their papers' order (their ranks
 * are the previous order's), the gained ones by rank. Null when a lost group is not where its
 * order says (not expected; the caller then collects the groups again).
 */
function patchGroups(groups: readonly Group[], ids: readonly string[] | null, lost: readonly Group[], gained: readonly Group[]): { groups: Group[]; ids: string[] | null } | null {
  const outGroups = groups.slice();
  const outIds = ids ? ids.slice() : null;
  const positions: number[] = [];
  for (const g of lost) {
    let lo = 0;
    let hi = groups.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePapers(groups[mid]!.work, g.work) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (groups[lo] !== g) return null;
    positions.push(lo);
  }
  positions.sort((a, b) => b - a);
  for (const at of positions) {
    outGroups.splice(at, 1);
    outIds?.splice(at, 1);
  }
  for (const g of gained) {
    let lo = 0;
    let hi = outGroups.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (outGroups[mid]!.rank < g.rank) lo = mid + 1;
      else hi = mid;
    }
    outGroups.splice(lo, 0, g);
    outIds?.splice(lo, 0, g.work.id);
  }
  return { groups: outGroups, ids: outIds };
}

function citedKeysOf(posts: readonly RawPost[]): Set<string> {
  return new Set(posts.flatMap((p) => p.citedTitles.map(titleKey)));
}
