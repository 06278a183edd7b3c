/**
 * Tells apart different people who share a name (two "Zhifeng Chen"s: ML systems and medical
 * imaging). Evidence only: papers that list the name explicitly are linked when they share a
 * co-author; a group of at least two such papers that shares no co-author with the person's
 * main body of work, and whose vocabulary differs, is another person. Papers that carry the
 * name only because it is the page owner's stay with the main person.
 */
import { categoryName } from './categories.ts';
import type { Paper } from './schema.ts';
import { nameKey, words } from './text.ts';
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
  /** The content words of a paper, when the caller keeps them (`contentWords` otherwise). */
  contentWordsOf?: (paper: Paper) => ReadonlySet<string>;
}

const STOP = new Set(['that', 'this', 'with', 'from', 'which', 'their', 'these', 'have', 'been', 'also', 'such', 'more', 'than', 'into', 'both', 'while', 'using', 'show', 'based', 'over', 'each', 'when', 'where', 'well', 'only', 'between', 'other', 'results', 'model', 'models', 'paper', 'propose', 'approach', 'method', 'methods']);

export function contentWords(p: Paper): Set<string> {
  return new Set(words(`${p.title ?? ''} ${p.abstract ?? ''}`).filter((w) => w.length >= 4 && !STOP.has(w) && !/^\d+$/.test(w)));
}

function label(papers: Paper[], personKey: string, keysOf: (p: Paper) => readonly string[], maxCoauthors: number): string {
  const cats = new Map<string, number>();
  const coauthors = new Map<string, number>();
  for (const p of papers) {
    if (p.category) cats.set(p.category, (cats.get(p.category) ?? 0) + 1);
    if (p.authors.length > maxCoauthors) continue;
    const keys = keysOf(p);
    p.authors.forEach((a, i) => {
      if (keys[i] !== personKey) coauthors.set(a, (coauthors.get(a) ?? 0) + 1);
    });
  }
  const top = <K>(m: Map<K, number>) => [...m.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
  const cat = top(cats);
  const co = top(coauthors);
  return [cat ? categoryName(cat) : null, co ? `with ${co}` : null].filter(Boolean).join('; ') || 'another author of this name';
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
  const keyOf = options.nameKeyOf ?? nameKey;
  const keysOf = options.authorKeysOf ?? ((p: Paper) => p.authors.map(keyOf));
  const single = (): HomonymCluster[] => [{ papers, label: options.labelSingle === false ? '' : label(papers, personKey, keysOf, maxCoauthors) }];
  if (papers.length < minSize * 2) return single();
  const explicitFlags = papers.map((p) => explicit.get(p.id)?.has(personKey) ?? false);
  const isExplicitAt = (i: number) => explicitFlags[i]!;
  const uf = new UnionFind(papers.length);
  const byCoauthor = new Map<string, number>();
  papers.forEach((p, i) => {
    if (!isExplicitAt(i) || p.authors.length > maxCoauthors) return;
    for (const k of keysOf(p)) {
      if (k === personKey) continue;
      const j = byCoauthor.get(k);
      if (j === undefined) byCoauthor.set(k, i);
      else uf.union(i, j);
    }
  });
  const components = uf.groups();
  // The main person: everything not in a separable explicit group.
  const implicitIdx = papers.map((_p, i) => (isExplicitAt(i) ? -1 : i)).filter((i) => i >= 0);
  const explicitGroups = components.filter((g) => g.every(isExplicitAt));
  explicitGroups.sort((a, b) => b.length - a.length);
  const mainIdx = new Set<number>(implicitIdx);
  const largest = explicitGroups[0];
  if (largest && (mainIdx.size === 0 || largest.length > mainIdx.size)) for (const i of largest) mainIdx.add(i);
  // Only a group of `minSize` outside the main body can be another person (groups are disjoint:
  // those joining the main body below never make another one part of it).
  if (!explicitGroups.some((g) => g.length >= minSize && !g.some((i) => mainIdx.has(i)))) return single();
  /** Co-authors (name keys but the person's own) of a paper, none for one with too many authors. */
  const coauthorsOf = (i: number): readonly string[] => (papers[i]!.authors.length > maxCoauthors ? [] : keysOf(papers[i]!));
  const mainCoauthors = new Set<string>();
  const mainCategories = new Set<string>();
  for (const i of mainIdx) {
    for (const k of coauthorsOf(i)) if (k !== personKey) mainCoauthors.add(k);
    const category = papers[i]!.category;
    if (category) mainCategories.add(category);
  }
  const sharesCoauthor = (i: number) => coauthorsOf(i).some((k) => k !== personKey && mainCoauthors.has(k));
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
  // Lone papers are placed by their words (nothing to place: no word counted).
  if (singles.length) {
    // A lone paper joins a split-off person when it shares more rare words with that person's
    // papers (words in few of the name's papers: `mri`, `reconstruction`) than with any paper of the main body.
    const vocabs = papers.map(options.contentWordsOf ?? contentWords);
    const df = new Map<string, number>();
    for (const v of vocabs) for (const w of v) df.set(w, (df.get(w) ?? 0) + 1);
    // Rare words and the (at most `rareDf`) papers using each: an inverted index, so a lone
    // paper is compared only with papers it shares a rare word with, never with all of them.
    const rareVocabs = vocabs.map((v) => [...v].filter((w) => (df.get(w) ?? 0) <= rareDf));
    const papersOfRare = new Map<string, number[]>();
    rareVocabs.forEach((v, j) => {
      for (const w of v) {
        const list = papersOfRare.get(w);
        if (list) list.push(j);
        else papersOfRare.set(w, [j]);
      }
    });
    /** Where each paper is: -1 the main person, k ≥ 0 split-off person k, undefined not placed yet. */
    const placed = new Map<number, number>();
    for (const i of mainIdx) placed.set(i, -1);
    splits.forEach((group, si) => {
      for (const i of group) placed.set(i, si);
    });
    // Nearest neighbour per group: the most rare words shared with any one placed paper of it.
    const rareSharedByGroup = (i: number): Map<number, number> => {
      const sharedWith = new Map<number, number>();
      for (const w of rareVocabs[i]!) {
        for (const j of papersOfRare.get(w) ?? []) if (j !== i && placed.has(j)) sharedWith.set(j, (sharedWith.get(j) ?? 0) + 1);
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
  return clusters.map((c) => {
    const ps = c.map((i) => papers[i]!);
    return { papers: ps, label: label(ps, personKey, keysOf, maxCoauthors) };
  });
}
