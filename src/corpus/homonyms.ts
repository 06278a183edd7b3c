/**
 * Tells apart different people who share a name (two "Zhifeng Chen"s: ML systems and medical
 * imaging). Evidence only: papers that list the name explicitly are linked when they share a
 * co-author; a group of at least two such papers that shares no co-author with the person's
 * main body of work, and whose vocabulary differs, is another person. Papers that carry the
 * name only because it is the page owner's stay with the main person.
 */
import { categoryName } from './categories.ts';
import type { Paper } from './schema.ts';
import { foldDiacritics, nameKey, words } from './text.ts';
import { UnionFind } from './unionFind.ts';

export interface HomonymCluster {
  papers: Paper[];
  /** What tells this person apart, e.g. `Image and Video Processing; with Mevan Ekanayake`. */
  label: string;
}

export interface HomonymOptions {
  /** Smallest group of linked papers that can be another person. */
  minClusterSize?: number;
  /** A word is rare when at most this many of the name's papers use it. */
  rareDf?: number;
  /** Rare words a lone paper must share with a split-off person to join it. */
  minShared?: number;
  /**
   * A paper with more authors than this gives no co-author evidence (a thousand-author report
   * links nobody), which also keeps the cost linear: otherwise each of its authors would scan
   * the whole list.
   */
  maxCoauthors?: number;
  /** `nameKey`, or a memoised equivalent supplied by the caller. */
  nameKeyOf?: (name: string) => string;
  /**
   * The name keys of a paper's authors (parallel to `authors`), when the caller has them: a
   * paper is examined once for each of its authors, so recomputing them costs authors² per paper.
   */
  authorKeysOf?: (paper: Paper) => readonly string[];
  /**
   * Label a person found to be one person (a single cluster) too (default true). A caller that
   * shows labels only when a name is shared turns this off: the label costs a pass over every
   * co-author of every paper of the name.
   */
  labelSingle?: boolean;
  /**
   * The content words of a paper as numbers (`ContentWordIds`), when the caller keeps them
   * (`contentWords`, numbered for this split, otherwise).
   */
  contentWordIdsOf?: (paper: Paper) => Int32Array;
  /**
   * The name keys (and spellings) as integers, when the caller numbers them once for all papers:
   * `person` is the id of `personKey`, `of` a paper's ids (then `explicit`, `nameKeyOf` and
   * `authorKeysOf` are not consulted). Without it the split numbers its papers' keys itself.
   */
  keyIds?: { person: number; of: (paper: Paper) => PaperKeyIds };
}

const STOP = new Set(['that', 'this', 'with', 'from', 'which', 'their', 'these', 'have', 'been', 'also', 'such', 'more', 'than', 'into', 'both', 'while', 'using', 'show', 'based', 'over', 'each', 'when', 'where', 'well', 'only', 'between', 'other', 'results', 'model', 'models', 'paper', 'propose', 'approach', 'method', 'methods']);

export function contentWords(p: Paper): Set<string> {
  return new Set(words(`${p.title ?? ''} ${p.abstract ?? ''}`).filter((w) => w.length >= 4 && !STOP.has(w) && !/^\d+$/.test(w)));
}

/**
 * The content words of papers as numbers, each paper's computed once: a caller that splits the
 * same papers again (the incremental merge, at every change touching a person) keeps one, so the
 * words of a prolific person's papers are neither read again nor counted as strings. The same
 * words as `contentWords`, read in one pass: each token is looked up once (stop words and numbers
 * are numbered -1), repeats within a paper told apart by a stamp per word.
 */
export class ContentWordIds {
  private readonly ids = new Map<string, number>();
  private readonly byPaper = new WeakMap<Paper, Int32Array>();
  /** Per word id, the last paper (count of papers read) it was taken from. */
  private seenIn = new Int32Array(1024);
  private papersRead = 0;

  /** The distinct content words of a paper. */
  of(p: Paper): Int32Array {
    let out = this.byPaper.get(p);
    if (!out) this.byPaper.set(p, (out = this.read(p)));
    return out;
  }

  /** Gives `to` the words kept for `from` (a copy of that paper: the same title and abstract). */
  alias(from: Paper, to: Paper): void {
    const out = this.byPaper.get(from);
    if (out) this.byPaper.set(to, out);
  }

  private read(p: Paper): Int32Array {
    const stamp = ++this.papersRead;
    const found: number[] = [];
    // The tokens `words` gives (runs of a-z0-9 in the folded, lower-cased text), scanned by hand:
    // only those of four characters or more are cut out.
    const text = foldDiacritics(`${p.title ?? ''} ${p.abstract ?? ''}`).toLowerCase();
    let start = -1;
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : 0;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        if (start < 0) start = i;
        continue;
      }
      if (start < 0) continue;
      const from = start;
      start = -1;
      if (i - from < 4) continue;
      const w = text.slice(from, i);
      let id = this.ids.get(w);
      if (id === undefined) {
        id = STOP.has(w) || /^\d+$/.test(w) ? -1 : this.ids.size;
        // A copy: a long word is a slice of the paper's whole lower-cased text, which the map
        // would otherwise keep alive.
        this.ids.set((' ' + w).slice(1), id);
      }
      if (id < 0) continue;
      if (id >= this.seenIn.length) {
        const seenIn = new Int32Array(Math.max(id + 1, this.seenIn.length * 2));
        seenIn.set(this.seenIn);
        this.seenIn = seenIn;
      }
      if (this.seenIn[id] === stamp) continue;
      this.seenIn[id] = stamp;
      found.push(id);
    }
    return Int32Array.from(found);
  }
}

/**
 * A paper's name keys as integers, from one numbering the caller keeps for all papers (see
 * `HomonymOptions.keyIds`). Plain arrays of small integers: a caller keeps one per paper, and a
 * typed array costs an array buffer each (at 100k papers, 70 MB for these three against 30).
 */
export interface PaperKeyIds {
  /** Its authors' name keys, parallel to `authors`. */
  authors: readonly number[];
  /** Its authors' spellings (`authors` as they are), parallel to `authors`, in a numbering of their own. */
  spellings: readonly number[];
  /** The name keys its sources list explicitly (not as page owner). */
  explicit: readonly number[];
}

/**
 * Per name key id, an integer valid for one pass only: a generation stamp instead of clearing,
 * and typed arrays instead of a map of strings (the split runs once per person, and a prolific
 * person's pass looks up tens of thousands of co-author keys: as strings they cost ~1 µs each
 * at 100k papers). One table, used by one pass at a time (the split is synchronous).
 */
class KeyTable {
  private stamps = new Int32Array(1024);
  private values = new Int32Array(1024);
  private generation = 0;

  /** Every key unset. */
  clear(): void {
    if (++this.generation === 0x7fffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** The value of key `k`, -1 when unset. */
  get(k: number): number {
    return k < this.stamps.length && this.stamps[k] === this.generation ? this.values[k]! : -1;
  }

  set(k: number, value: number): void {
    if (k >= this.stamps.length) {
      const n = Math.max(k + 1, this.stamps.length * 2);
      const stamps = new Int32Array(n);
      stamps.set(this.stamps);
      const values = new Int32Array(n);
      values.set(this.values);
      this.stamps = stamps;
      this.values = values;
    }
    this.stamps[k] = this.generation;
    this.values[k] = value;
  }
}

const keyTable = new KeyTable();

/**
 * A set of small integers as bits, cleared by its caller bit by bit: the words of a split's lone
 * papers, tested for every word of every paper of the name (a bit set of all words is a few tens
 * of KB and stays in cache, where the key table's stamps for them would be missed each time).
 */
class BitSet {
  private bits = new Uint32Array(1024);

  has(k: number): boolean {
    return k >>> 5 < this.bits.length && (this.bits[k >>> 5]! & (1 << (k & 31))) !== 0;
  }

  add(k: number): void {
    if (k >>> 5 >= this.bits.length) {
      const bits = new Uint32Array(Math.max((k >>> 5) + 1, this.bits.length * 2));
      bits.set(this.bits);
      this.bits = bits;
    }
    this.bits[k >>> 5]! |= 1 << (k & 31);
  }

  delete(k: number): void {
    if (k >>> 5 < this.bits.length) this.bits[k >>> 5]! &= ~(1 << (k & 31));
  }
}

const loneWords = new BitSet();

/** Display label of a cluster (`idxs` ascending: the first-seen co-author wins a tie). */
/** A paper's name keys and spellings as ids, for a split's passes. */
interface Coded {
  keysAt: (i: number) => ArrayLike<number>;
  spellingsAt: (i: number) => ArrayLike<number>;
  explicitAt: (i: number) => boolean;
}

/**
 * Label of a cluster (`idxs` ascending): its most frequent category and co-author spelling, the
 * first seen among equals. Spellings are counted by id in the key table, in the order first seen.
 */
function label(papers: readonly Paper[], idxs: Iterable<number>, coded: Coded, person: number, maxCoauthors: number): string {
  const cats = new Map<string, number>();
  keyTable.clear();
  /** Spelling ids in the order first seen, and where: its paper and place in the author list. */
  const seen: number[] = [];
  const firstPaper: number[] = [];
  const firstPlace: number[] = [];
  for (const i of idxs) {
    const p = papers[i]!;
    if (p.category) cats.set(p.category, (cats.get(p.category) ?? 0) + 1);
    if (p.authors.length > maxCoauthors) continue;
    const keys = coded.keysAt(i);
    const spellings = coded.spellingsAt(i);
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === person) continue;
      const n = keyTable.get(spellings[j]!);
      if (n < 0) {
        seen.push(spellings[j]!);
        firstPaper.push(i);
        firstPlace.push(j);
      }
      keyTable.set(spellings[j]!, n < 0 ? 1 : n + 1);
    }
  }
  // The most counted, the first counted among equals (what a stable sort by count puts first).
  let cat: string | undefined;
  let most = 0;
  for (const [c, n] of cats) {
    if (n > most) {
      most = n;
      cat = c;
    }
  }
  let co: string | undefined;
  most = 0;
  seen.forEach((id, x) => {
    const n = keyTable.get(id);
    if (n > most) {
      most = n;
      co = papers[firstPaper[x]!]!.authors[firstPlace[x]!];
    }
  });
  return [cat ? categoryName(cat) : null, co ? `with ${co}` : null].filter(Boolean).join('; ') || 'another author of this name';
}

/** The papers' name keys and spellings numbered for one split (a caller without `keyIds`): the person's key is 0. */
function numberKeys(papers: readonly Paper[], personKey: string, explicit: ReadonlyMap<string, ReadonlySet<string>>, keysOf: (p: Paper) => readonly string[]): Coded {
  const number = (ids: Map<string, number>) => (k: string) => {
    let n = ids.get(k);
    if (n === undefined) ids.set(k, (n = ids.size));
    return n;
  };
  const keyId = number(new Map([[personKey, 0]]));
  const spellingId = number(new Map());
  const keys = papers.map((p) => keysOf(p).map(keyId));
  const spellings = papers.map((p) => p.authors.map(spellingId));
  const flags = papers.map((p) => explicit.get(p.id)?.has(personKey) ?? false);
  return { keysAt: (i) => keys[i]!, spellingsAt: (i) => spellings[i]!, explicitAt: (i) => flags[i]! };
}

/**
 * @param papers the person's papers
 * @param personKey `nameKey` of the person
 * @param explicit per paper id, the name keys its sources list explicitly (not as page owner)
 */
export function splitHomonyms(papers: Paper[], personKey: string, explicit: ReadonlyMap<string, ReadonlySet<string>>, options: HomonymOptions = {}): HomonymCluster[] {
  const minSize = options.minClusterSize ?? 2;
  const rareDf = options.rareDf ?? 3;
  const minShared = options.minShared ?? 2;
  const maxCoauthors = options.maxCoauthors ?? 100;
  const coded = options.keyIds;
  let person = 0;
  let codes: Coded;
  if (coded) {
    person = coded.person;
    // Looked up once: every pass below reads them.
    const ids = papers.map(coded.of);
    codes = { keysAt: (i) => ids[i]!.authors, spellingsAt: (i) => ids[i]!.spellings, explicitAt: (i) => ids[i]!.explicit.includes(coded.person) };
  } else {
    const keyOf = options.nameKeyOf ?? nameKey;
    codes = numberKeys(papers, personKey, explicit, options.authorKeysOf ?? ((p: Paper) => p.authors.map(keyOf)));
  }
  const { keysAt, explicitAt: isExplicitAt } = codes;
  const all = () => papers.map((_p, i) => i);
  const single = (): HomonymCluster[] => [{ papers, label: options.labelSingle === false ? '' : label(papers, all(), codes, person, maxCoauthors) }];
  if (papers.length < minSize * 2) return single();
  const explicitFlags = papers.map((_p, i) => isExplicitAt(i));
  const uf = new UnionFind(papers.length);
  // Explicit papers sharing a co-author are linked (each to the first paper of that co-author).
  keyTable.clear();
  papers.forEach((p, i) => {
    if (!explicitFlags[i] || p.authors.length > maxCoauthors) return;
    const keys = keysAt(i);
    for (let x = 0; x < keys.length; x++) {
      const k = keys[x]!;
      if (k === person) continue;
      const j = keyTable.get(k);
      if (j < 0) keyTable.set(k, i);
      else uf.union(i, j);
    }
  });
  const components = uf.groups();
  // The main person: everything not in a separable explicit group.
  const implicitIdx = papers.map((_p, i) => (explicitFlags[i] ? -1 : i)).filter((i) => i >= 0);
  const explicitGroups = components.filter((g) => g.every((i) => explicitFlags[i]));
  explicitGroups.sort((a, b) => b.length - a.length);
  const mainIdx = new Set<number>(implicitIdx);
  const largest = explicitGroups[0];
  if (largest && (mainIdx.size === 0 || largest.length > mainIdx.size)) for (const i of largest) mainIdx.add(i);
  // Only a group of `minSize` outside the main body can be another person (groups are disjoint:
  // those joining the main body below never make another one part of it).
  if (!explicitGroups.some((g) => g.length >= minSize && !g.some((i) => mainIdx.has(i)))) return single();
  /** Co-authors (name keys, the person's own among them) of a paper, none for one with too many authors. */
  const coauthorsOf = (i: number): ArrayLike<number> => (papers[i]!.authors.length > maxCoauthors ? [] : keysAt(i));
  // The main body's co-authors: marked in the key table.
  keyTable.clear();
  const mainCategories = new Set<string>();
  for (const i of mainIdx) {
    const keys = coauthorsOf(i);
    for (let x = 0; x < keys.length; x++) if (keys[x] !== person) keyTable.set(keys[x]!, 1);
    const category = papers[i]!.category;
    if (category) mainCategories.add(category);
  }
  const sharesCoauthor = (i: number) => {
    const keys = coauthorsOf(i);
    for (let x = 0; x < keys.length; x++) if (keys[x] !== person && keyTable.get(keys[x]!) >= 0) return true;
    return false;
  };
  const splits: number[][] = [];
  const singles: number[] = [];
  for (const g of explicitGroups) {
    if (g.some((i) => mainIdx.has(i))) continue;
    // Linked to the main person by a co-author, or working in a field the main person works in.
    const linked = g.some(sharesCoauthor) || g.some((i) => mainCategories.has(papers[i]!.category ?? ''));
    if (g.length >= minSize && !linked) splits.push(g);
    else if (g.length === 1 && !sharesCoauthor(g[0]!)) singles.push(g[0]!);
    else for (const i of g) mainIdx.add(i);
  }
  if (!splits.length) return single();
  /** Words numbered for this split, when the caller keeps none. */
  const localWords = new ContentWordIds();
  // Lone papers are placed by their words (nothing to place: no word counted).
  if (singles.length) {
    // A lone paper joins a split-off person when it shares more rare words with that person's
    // papers (words in few of the name's papers: `mri`, `reconstruction`) than with any paper of the main body.
    const vocabs = papers.map(options.contentWordIdsOf ?? ((p) => localWords.of(p)));
    // Only the lone papers' words are looked up: each gets a slot (its value in the key table),
    // the number of papers using it, and the first `rareDf + 1` of them (all of them for a rare
    // word), in typed arrays: one pass over every word of every paper, no map per word.
    keyTable.clear();
    let slots = 0;
    for (const i of singles) {
      for (const w of vocabs[i]!) {
        if (keyTable.get(w) >= 0) continue;
        keyTable.set(w, slots++);
        loneWords.add(w);
      }
    }
    const width = rareDf + 1;
    const uses = new Int32Array(slots);
    const users = new Int32Array(slots * width);
    vocabs.forEach((v, j) => {
      for (let x = 0; x < v.length; x++) {
        if (!loneWords.has(v[x]!)) continue;
        const slot = keyTable.get(v[x]!);
        if (uses[slot]! < width) users[slot * width + uses[slot]!] = j;
        uses[slot]!++;
      }
    });
    for (const i of singles) for (const w of vocabs[i]!) loneWords.delete(w);
    /** The papers using each rare word (in few of the name's papers) of a lone paper. */
    const rareUsers = (i: number): Int32Array[] => {
      const out: Int32Array[] = [];
      for (const w of vocabs[i]!) {
        const slot = keyTable.get(w);
        if (uses[slot]! <= rareDf) out.push(users.subarray(slot * width, slot * width + uses[slot]!));
      }
      return out;
    };
    /** Where each paper is: -1 the main person, k ≥ 0 split-off person k, undefined not placed yet. */
    const placed = new Map<number, number>();
    for (const i of mainIdx) placed.set(i, -1);
    splits.forEach((group, si) => {
      for (const i of group) placed.set(i, si);
    });
    // Nearest neighbour per group: the most rare words shared with any one placed paper of it.
    const rareSharedByGroup = (i: number): Map<number, number> => {
      const sharedWith = new Map<number, number>();
      for (const js of rareUsers(i)) {
        for (const j of js) if (j !== i && placed.has(j)) sharedWith.set(j, (sharedWith.get(j) ?? 0) + 1);
      }
      const best = new Map<number, number>();
      for (const [j, n] of sharedWith) {
        const g = placed.get(j)!;
        best.set(g, Math.max(best.get(g) ?? 0, n));
      }
      return best;
    };
    for (const i of singles) {
      const scores = rareSharedByGroup(i);
      const toMain = scores.get(-1) ?? 0;
      let best = -1;
      let bestScore = Math.max(toMain, minShared - 1);
      // Only the groups it shares a rare word with; the lowest-numbered one on a tie.
      for (const [si, score] of scores) {
        if (si >= 0 && (score > bestScore || (score === bestScore && best >= 0 && si < best))) {
          bestScore = score;
          best = si;
        }
      }
      if (best >= 0) splits[best]!.push(i);
      else mainIdx.add(i);
      placed.set(i, best);
    }
  }
  const clusters = [[...mainIdx].sort((a, b) => a - b), ...splits.map((s) => s.sort((a, b) => a - b))];
  return clusters.map((c) => ({ papers: c.map((i) => papers[i]!), label: label(papers, c, codes, person, maxCoauthors) }));
}
