/**
 * The homonym split (homonyms.ts) against a verbatim copy of its earlier, string-keyed version:
 * the split now compares name key ids in typed arrays (numbered by itself, or by the caller
 * through `keyIds`), and must give exactly the clusters and labels it gave before, on random
 * people: shared co-authors, explicit and page-owner papers, crowded author lists, namesakes in
 * other fields and lone papers placed by their words.
 */
import { describe, expect, it } from 'vitest';
import { categoryName } from '../src/corpus/categories.ts';
import { ContentWordIds, contentWords, splitHomonyms, type HomonymCluster, type HomonymOptions, type PaperKeyIds } from '../src/corpus/homonyms.ts';
import type { Paper } from '../src/corpus/schema.ts';
import { nameKey } from '../src/corpus/text.ts';
import { UnionFind } from '../src/corpus/unionFind.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

// ---- The reference: splitHomonyms as it was (string keys, sets and maps of strings). ----

function referenceLabel(papers: Paper[], personKey: string, keysOf: (p: Paper) => readonly string[], maxCoauthors: number): string {
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
function referenceSplit(papers: Paper[], personKey: string, explicit: ReadonlyMap<string, ReadonlySet<string>>, options: HomonymOptions = {}): HomonymCluster[] {
  const minSize = options.minClusterSize ?? 2;
  const rareDf = options.rareDf ?? 3;
  const minShared = options.minShared ?? 2;
  const maxCoauthors = options.maxCoauthors ?? 100;
  const keyOf = options.nameKeyOf ?? nameKey;
  const keysOf = options.authorKeysOf ?? ((p: Paper) => p.authors.map(keyOf));
  const single = (): HomonymCluster[] => [{ papers, label: options.labelSingle === false ? '' : referenceLabel(papers, personKey, keysOf, maxCoauthors) }];
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
    const vocabs = papers.map(contentWords);
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
    return { papers: ps, label: referenceLabel(ps, personKey, keysOf, maxCoauthors) };
  });
}

// ---- Random people. ----

const CATEGORIES = ['cs.LG', 'cs.CL', 'eess.IV', 'cs.CV', 'q-bio.NC'];
const WORDS = ['sparse', 'routing', 'quasar', 'experts', 'speech', 'translation', 'pipeline', 'retrieval', 'vision', 'graph', 'latent', 'diffusion', 'tokens', 'scaling', 'tomography', 'reconstruction', 'protein', 'folding', 'undersampled', 'fingerprinting', 'magnetic', 'resonance', 'spectral', 'kernel'];
const PERSON = 'Zhifeng Chen';

/** A random person's papers: co-authors from a small pool (so groups link), some explicit, some crowded. */
function randomPerson(r: () => number): { papers: Paper[]; explicit: Map<string, Set<string>>; options: HomonymOptions } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const poolSize = 2 + Math.floor(r() * 30);
  const pool = Array.from({ length: poolSize }, (_, i) => `Co Author${i}`);
  const n = Math.floor(r() * 40);
  const maxCoauthors = 3 + Math.floor(r() * 4);
  const papers: Paper[] = [];
  const explicit = new Map<string, Set<string>>();
  for (let i = 0; i < n; i++) {
    // Now and then a co-author spelt otherwise (one name key, two spellings counted apart in labels).
    const coauthors = Array.from({ length: 1 + Math.floor(r() * (r() < 0.1 ? 9 : 3)) }, () => pick(pool)).map((a) => (r() < 0.15 ? a.toUpperCase() : a));
    // The person under a spelling of the same key, now and then twice (a repeated listing).
    const own = r() < 0.2 ? 'ZHIFENG CHEN' : PERSON;
    const authors = [...coauthors, own, ...(r() < 0.05 ? [PERSON] : [])];
    const text = Array.from({ length: 3 + Math.floor(r() * 8) }, () => pick(WORDS)).join(' ');
    const id = `p${i}`;
    papers.push({
      id, title: text, aliases: [], authors, date: '2020-01-01', category: r() < 0.1 ? null : pick(CATEGORIES), venue: null, orgs: [], hasCode: false,
      abstract: r() < 0.2 ? null : text, sources: ['s'], categoryName: null, authorsTruncated: false, authorIds: [], year: 2020,
    });
    // Explicit: the person's key listed (or not: page owner only), with the co-authors' keys.
    const keys = new Set(coauthors.map(nameKey));
    if (r() < 0.7) keys.add(nameKey(PERSON));
    explicit.set(id, keys);
  }
  const options: HomonymOptions = { maxCoauthors, labelSingle: r() < 0.5, minShared: 1 + Math.floor(r() * 2), rareDf: 1 + Math.floor(r() * 4) };
  if (r() < 0.3) options.minClusterSize = 1 + Math.floor(r() * 3);
  return { papers, explicit, options };
}

const summary = (cs: HomonymCluster[]) => cs.map((c) => ({ ids: c.papers.map((p) => p.id), label: c.label }));

/** One numbering of name keys and one of spellings for all papers, as a caller keeping them would have (the person's key not first). */
function keyIdsFor(papers: Paper[], explicit: ReadonlyMap<string, ReadonlySet<string>>): { person: number; of: (p: Paper) => PaperKeyIds } {
  const ids = new Map<string, number>();
  const id = (k: string) => {
    let x = ids.get(k);
    if (x === undefined) ids.set(k, (x = 7 + ids.size * 3));
    return x;
  };
  const spellings = new Map<string, number>();
  const spelling = (s: string) => {
    let x = spellings.get(s);
    if (x === undefined) spellings.set(s, (x = 1000 + spellings.size * 5));
    return x;
  };
  const coded = new Map<Paper, PaperKeyIds>();
  for (const p of papers) coded.set(p, { authors: p.authors.map((a) => id(nameKey(a))), spellings: p.authors.map((a) => spelling(a)), explicit: [...(explicit.get(p.id) ?? [])].map((k) => id(k)) });
  return { person: id(nameKey(PERSON)), of: (p) => coded.get(p)! };
}

describe('ContentWordIds', () => {
  it('numbers exactly the content words of each paper (diacritics, case, numbers, stop words, short words)', () => {
    const r = rng(99);
    const vocabulary = ['Réseaux', 'reseaux', 'NEURAL', 'neural', 'with', 'model', 'from', '2020', 'x86', 'gpu', 'ab12cd', 'Arık', 'arik', 'Øresund', 'straße', 'strasse', 'the', 'reconstruction-based', 'mri', 'MRI', 'twelve12', 'reconstructionists', 'İstanbul', 'co-training', 'self—supervised'];
    const text = () => Array.from({ length: 3 + Math.floor(r() * 30) }, () => vocabulary[Math.floor(r() * vocabulary.length)]!).join(r() < 0.5 ? ' ' : ', ');
    const papers = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, title: r() < 0.1 ? null : text(), abstract: r() < 0.2 ? null : text() }) as Paper);
    const ids = new ContentWordIds();
    const words = papers.map((p) => contentWords(p));
    const numbered = papers.map((p) => ids.of(p));
    for (let i = 0; i < papers.length; i++) {
      expect(numbered[i]!.length, `paper ${i}`).toBe(words[i]!.size);
      expect(new Set(numbered[i]).size).toBe(numbered[i]!.length);
      // The same word, the same number: as many shared numbers as shared words with any other paper.
      for (let j = 0; j < i; j += 7) expect(numbered[i]!.filter((w) => numbered[j]!.includes(w)).length).toBe([...words[i]!].filter((w) => words[j]!.has(w)).length);
    }
    expect(ids.of(papers[0]!)).toBe(numbered[0]);
  });
});

describe('splitHomonyms equals its string-keyed reference', () => {
  it('on 3,000 random people, numbering keys and words itself or given key and word ids', () => {
    const r = rng(20261203);
    // One numbering of words across all people, as the incremental merge keeps it.
    const words = new ContentWordIds();
    let splits = 0;
    let placedLone = 0;
    for (let t = 0; t < 3000; t++) {
      const { papers, explicit, options } = randomPerson(r);
      const want = summary(referenceSplit(papers, nameKey(PERSON), explicit, options));
      expect(summary(splitHomonyms(papers, nameKey(PERSON), explicit, options)), `person ${t}`).toEqual(want);
      const given: HomonymOptions = { ...options, keyIds: keyIdsFor(papers, explicit), contentWordIdsOf: (p) => words.of(p) };
      expect(summary(splitHomonyms(papers, nameKey(PERSON), new Map(), given)), `person ${t} (key and word ids)`).toEqual(want);
      if (want.length > 1) splits++;
      if (want.length > 1 && want.slice(1).some((c) => c.ids.length > 2)) placedLone++;
    }
    // The random people cover both outcomes.
    expect(splits).toBeGreaterThan(100);
    expect(placedLone).toBeGreaterThan(10);
  });
});
