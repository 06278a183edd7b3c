/**
 * `OnePersonProof` (homonymProof.ts): kept across random papers added and removed, it is the
 * proof built afresh from the papers as they are (same verdict), and whenever it holds the
 * homonym split gives one cluster. The random people split often enough, and the proof holds
 * for most people who do not.
 */
import { describe, expect, it } from 'vitest';
import { splitHomonyms, type HomonymOptions, type PaperKeyIds } from '../src/corpus/homonyms.ts';
import { OnePersonProof } from '../src/corpus/homonymProof.ts';
import type { Paper } from '../src/corpus/schema.ts';
import { nameKey } from '../src/corpus/text.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

const PERSON = 'Zhifeng Chen';
const CATEGORIES = ['cs.LG', 'cs.CL', 'eess.IV', 'cs.CV'];
const WORDS = ['sparse', 'routing', 'speech', 'translation', 'pipeline', 'retrieval', 'tomography', 'reconstruction', 'undersampled', 'fingerprinting', 'magnetic', 'resonance'];

/** A pool of papers of one name: co-authors from a few circles (one per field, so namesakes link among themselves), some page-owner only, some crowded. */
function pool(r: () => number, n: number): { papers: Paper[]; keyIds: Map<Paper, PaperKeyIds>; person: number } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const ids = new Map<string, number>();
  const id = (k: string) => {
    let x = ids.get(k);
    if (x === undefined) ids.set(k, (x = ids.size));
    return x;
  };
  const person = id(nameKey(PERSON));
  const papers: Paper[] = [];
  const keyIds = new Map<Paper, PaperKeyIds>();
  for (let i = 0; i < n; i++) {
    const circle = Math.floor(r() * CATEGORIES.length);
    const coauthors = Array.from({ length: 1 + Math.floor(r() * (r() < 0.1 ? 6 : 2)) }, () => `Co${circle} Author${Math.floor(r() * (3 + circle * 4))}`);
    const category = r() < 0.85 ? CATEGORIES[circle]! : r() < 0.5 ? null : pick(CATEGORIES);
    const text = Array.from({ length: 4 }, () => pick(WORDS)).join(' ');
    const p: Paper = {
      id: `p${i}`, title: text, aliases: [], authors: [...coauthors, PERSON], date: '2020-01-01', category, venue: null, orgs: [], hasCode: false,
      abstract: text, sources: ['s'], categoryName: null, authorsTruncated: false, authorIds: [], year: 2020,
    };
    const explicit = coauthors.map(nameKey);
    // Mostly explicit; page-owner papers mostly in the main field.
    if (r() < (circle === 0 ? 0.6 : 0.95)) explicit.push(nameKey(PERSON));
    papers.push(p);
    keyIds.set(p, { authors: p.authors.map((a) => id(nameKey(a))), spellings: p.authors.map((a) => id(`spelling ${a}`)), explicit: explicit.map((k) => id(k)) });
  }
  return { papers, keyIds, person };
}

describe('OnePersonProof', () => {
  it('kept across random changes: the verdict of a fresh proof, and one cluster whenever it holds', () => {
    const r = rng(4242);
    let held = 0;
    let heldLarge = 0;
    let singles = 0;
    let splits = 0;
    let lost = 0;
    for (let trial = 0; trial < 300; trial++) {
      const { papers: all, keyIds, person } = pool(r, 10 + Math.floor(r() * 50));
      const of = (p: Paper) => keyIds.get(p)!;
      const options: HomonymOptions = { maxCoauthors: 3 + Math.floor(r() * 4), ...(r() < 0.3 ? { minClusterSize: 2 + Math.floor(r() * 2) } : {}) };
      const proofOptions = { ...(options.maxCoauthors !== undefined ? { maxCoauthors: options.maxCoauthors } : {}), ...(options.minClusterSize !== undefined ? { minClusterSize: options.minClusterSize } : {}) };
      let current = new Set(all.filter(() => r() < 0.6));
      let proof = OnePersonProof.of(current, person, of, proofOptions);
      for (let step = 0; step < 15; step++) {
        const present = all.filter((p) => current.has(p));
        const absent = all.filter((p) => !current.has(p));
        const removed = present.filter(() => r() < 0.08);
        const added = absent.filter(() => r() < 0.08);
        current = new Set([...present.filter((p) => !removed.includes(p)), ...added]);
        if (!proof.update(removed, added)) {
          lost++;
          proof = OnePersonProof.of(current, person, of, proofOptions);
        }
        const fresh = OnePersonProof.of(current, person, of, proofOptions);
        expect(proof.holds(), `trial ${trial} step ${step}`).toBe(fresh.holds());
        // The state kept is the state built afresh (loose and closed papers).
        const ids = (set: ReadonlySet<Paper>) => [...set].map((p) => p.id).sort();
        expect(ids(proof['loose']), `trial ${trial} step ${step}: loose`).toEqual(ids(fresh['loose']));
        expect(ids(proof['closed']), `trial ${trial} step ${step}: closed`).toEqual(ids(fresh['closed']));
        // The person's papers in one order (the split's ties follow it).
        const papers = all.filter((p) => current.has(p));
        const clusters = splitHomonyms(papers, nameKey(PERSON), new Map(), { ...options, labelSingle: false, keyIds: { person, of } });
        if (clusters.length > 1) splits++;
        else singles++;
        if (proof.holds()) {
          held++;
          if (papers.length >= 8) heldLarge++;
          expect(clusters, `trial ${trial} step ${step}: proved one person`).toHaveLength(1);
        }
      }
    }
    expect(splits).toBeGreaterThan(300);
    expect(heldLarge).toBeGreaterThan(300);
    // Not a vacuous proof: it holds for most people the split finds to be one (these random
    // people have whole circles of co-authors in another field: namesakes or not by category).
    expect(held / singles).toBeGreaterThan(0.5);
    expect(lost).toBeGreaterThan(20);
  });
});
