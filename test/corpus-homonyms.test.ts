/**
 * Telling apart people who share a name, on small synthetic paper sets: what splits, what
 * must not, how lone papers are placed, and that the work stays linear for a prolific name.
 */
import { describe, expect, it } from 'vitest';
import { splitHomonyms } from '../src/corpus/homonyms.ts';
import type { Paper } from '../src/corpus/schema.ts';
import { nameKey } from '../src/corpus/text.ts';

const PERSON = 'Zhifeng Chen';
const KEY = nameKey(PERSON);

function paper(id: string, authors: string[], category: string, text: string): Paper {
  return {
    id, title: text, aliases: [], authors: [...authors, PERSON], date: '2020-01-01', category, venue: null, orgs: [], hasCode: false,
    abstract: text, sources: ['s'], categoryName: null, authorsTruncated: false, authorIds: [], year: 2020,
  };
}

/** Papers whose sources list the person explicitly (the others carry the name as page owner only). */
function explicitFor(papers: Paper[], explicitIds: string[]): Map<string, Set<string>> {
  const ids = new Set(explicitIds);
  return new Map(papers.map((p) => [p.id, new Set(ids.has(p.id) ? [KEY, ...p.authors.map(nameKey)] : p.authors.filter((a) => a !== PERSON).map(nameKey))]));
}

const main = [
  paper('m1', ['Yu Zhang', 'Wei Han'], 'CL', 'speech recognition with large sequence models'),
  paper('m2', ['Yu Zhang', 'Ron Weiss'], 'CL', 'multilingual speech synthesis and voice cloning'),
  paper('m3', ['Yanping Huang'], 'LG', 'pipeline parallelism for giant neural networks'),
  paper('m4', ['Noam Shazeer'], 'LG', 'conditional computation and automatic sharding'),
];
const mri = [
  paper('x1', ['Mevan Ekanayake', 'Mehrtash Harandi'], 'IV', 'contrastive learning improves undersampled mri reconstruction accuracy'),
  paper('x2', ['Mevan Ekanayake', 'Gary Egan'], 'IV', 'implicit neural representations for medical image super resolution mri reconstruction'),
];

describe('splitHomonyms', () => {
  it('fewer than four papers: one person', () => {
    const ps = [...main.slice(0, 1), ...mri];
    expect(splitHomonyms(ps, KEY, explicitFor(ps, ['x1', 'x2']))).toHaveLength(1);
  });

  it('a linked group of explicit papers in another field, sharing no co-author with the main body, is another person', () => {
    const ps = [...main, ...mri];
    const clusters = splitHomonyms(ps, KEY, explicitFor(ps, ['x1', 'x2']));
    expect(clusters.map((c) => c.papers.map((p) => p.id))).toEqual([['m1', 'm2', 'm3', 'm4'], ['x1', 'x2']]);
    expect(clusters[1]!.label).toBe('Image and Video Processing; with Mevan Ekanayake');
    expect(clusters[0]!.label).toBe('Computation and Language; with Yu Zhang');
  });

  it('a shared co-author with the main body, or a shared field, keeps one person', () => {
    const shared = [...main, paper('x1', ['Mevan Ekanayake', 'Yu Zhang'], 'IV', mri[0]!.abstract!), mri[1]!];
    expect(splitHomonyms(shared, KEY, explicitFor(shared, ['x1', 'x2']))).toHaveLength(1);
    const sameField = [...main, ...mri.map((p) => ({ ...p, category: 'LG' }))];
    expect(splitHomonyms(sameField, KEY, explicitFor(sameField, ['x1', 'x2']))).toHaveLength(1);
  });

  it('a lone explicit paper joins the other person when it shares rare words with it, else stays', () => {
    const ps = [
      ...main,
      ...mri,
      paper('x3', ['Shenjun Zhong', 'Zhaolin Chen'], 'LG', 'flip angle schedules for mri fingerprinting reconstruction with reinforcement learning'),
      paper('y1', ['Zetong Yang'], 'CV', 'attention network for object detection'),
    ];
    const clusters = splitHomonyms(ps, KEY, explicitFor(ps, ['x1', 'x2', 'x3', 'y1']));
    expect(clusters.map((c) => c.papers.map((p) => p.id))).toEqual([['m1', 'm2', 'm3', 'm4', 'y1'], ['x1', 'x2', 'x3']]);
  });

  it('a thousand-author paper gives no co-author evidence (it would glue the two people together)', () => {
    const crowd = Array.from({ length: 300 }, (_, i) => `Crowd Member${i}`);
    const huge = paper('h1', [...crowd, 'Yu Zhang', 'Mevan Ekanayake'], 'CV', 'a very large technical report');
    const ps = [...main, ...mri, huge];
    const clusters = splitHomonyms(ps, KEY, explicitFor(ps, ['x1', 'x2', 'h1']));
    expect(clusters).toHaveLength(2);
    expect(clusters[1]!.papers.map((p) => p.id)).toEqual(['x1', 'x2']);
    expect(clusters[0]!.papers.map((p) => p.id)).toContain('h1');
  });

  it('stays fast for a prolific name: 10,000 page-owner papers and 10,000 lone explicit ones', () => {
    const ps: Paper[] = [];
    for (let i = 0; i < 10000; i++) ps.push(paper(`m${i}`, [`Coauthor A${i}`], i % 2 ? 'CL' : 'LG', `topic${i % 50} results on benchmark${i} with method${i}`));
    const explicitIds: string[] = [];
    for (let i = 0; i < 10000; i++) {
      ps.push(paper(`s${i}`, [`Lone Author${i}`], 'IV', `rareword${i} and otherword${i} in imaging${i % 7}`));
      explicitIds.push(`s${i}`);
    }
    ps.push(...mri);
    explicitIds.push('x1', 'x2');
    const t = performance.now();
    const clusters = splitHomonyms(ps, KEY, explicitFor(ps, explicitIds));
    expect(performance.now() - t).toBeLessThan(8000); // the quadratic version took ~20 s
    expect(clusters).toHaveLength(2);
    expect(clusters[1]!.papers.map((p) => p.id)).toEqual(['x1', 'x2']);
  });
});
