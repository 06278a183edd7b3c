/**
 * Near-duplicate abstracts with blocking: what pairs, what does not, and the measured gap on
 * the real files the default threshold sits in.
 */
import { describe, expect, it } from 'vitest';
import { parseAuthorPage } from '../src/corpus/authorPage.ts';
import { parseInlineListing } from '../src/corpus/inlineListing.ts';
import { parseLineListing } from '../src/corpus/lineListing.ts';
import { numericShingles, similarTexts } from '../src/corpus/similar.ts';
import { containment, shingles } from '../src/corpus/text.ts';
import { rng } from './fixtures/corpus/synthetic.ts';
import { F000, F001, F002, readData } from './fixtures/corpus/data.ts';

const A = 'Scaling language models with more data, compute and parameters has driven significant progress in natural language processing for many tasks.';
const B = 'We study the migration patterns of alpine butterflies across seven valleys, combining citizen observations with weather records.';

describe('similarTexts', () => {
  it('pairs identical and contained texts, not unrelated ones', () => {
    const pairs = similarTexts([A, B, A, `${A} In addition we release the code and the trained checkpoints.`, null], { threshold: 0.35 });
    expect(pairs.map(({ a, b, score }) => [a, b, score])).toEqual([[0, 2, 1], [0, 3, 1], [2, 3, 1]]);
  });

  it('ignores texts with fewer than minShingles shingles', () => {
    expect(similarTexts(['short text here', 'short text here'], { threshold: 0.35 })).toEqual([]);
    expect(similarTexts(['short text here', 'short text here'], { threshold: 0.35, minShingles: 1 })).toHaveLength(1);
  });

  it('boilerplate shared by many texts does not pair them', () => {
    const boiler = 'in this paper we propose a novel method and show that it outperforms strong baselines on standard benchmarks';
    const rand = rng(7);
    const texts = Array.from({ length: 100 }, (_, i) => `${boiler} ${Array.from({ length: 12 }, () => `w${Math.floor(rand() * 1e6)}`).join(' ')} doc${i}`);
    expect(similarTexts(texts, { threshold: 0.35, maxPosting: 40 })).toEqual([]);
  });

  it('numeric shingles are the same grams as shingles()', () => {
    for (const t of [A, B, readData(F000).split('\n')[2]!]) expect(numericShingles([t])[0]!.size).toBe(shingles(t).size);
  });

  it('on the real files: the GLaM abstracts pair (0.47), different papers all stay below 0.2', () => {
    const raws = [
      ...parseInlineListing(readData(F000), { source: F000, pageOwner: null }).records,
      ...parseAuthorPage(readData(F001), F001).records,
      ...parseLineListing(readData(F002), F002).records,
    ];
    const abstracts = raws.map((r) => r.abstract);
    const pairs = similarTexts(abstracts, { threshold: 0.2 });
    const sparsely = raws.findIndex((r) => r.title === 'Sparsely Activated Language Models are Efficient In-Context Learners');
    const glam000 = raws.findIndex((r) => r.source === F000 && r.title?.startsWith('GLaM'));
    const s = containment(shingles(abstracts[sparsely]!), shingles(abstracts[glam000]!));
    expect(s).toBeGreaterThan(0.45);
    expect(s).toBeLessThan(0.5);
    // Every pair at or above 0.2 is the same paper (same title, or an untitled/renamed 001 entry).
    const key = (i: number) => raws[i]!.title?.toLowerCase() ?? null;
    for (const p of pairs) {
      const same = key(p.a) === key(p.b) || key(p.a) === null || key(p.b) === null || [p.a, p.b].includes(sparsely);
      expect(same, `${key(p.a)} ~ ${key(p.b)} (${p.score})`).toBe(true);
    }
  });

  it('is near-linear: 15,000 random abstracts with 150 duplicates in a few seconds', () => {
    const rand = rng(3);
    const vocab = Array.from({ length: 5000 }, (_, i) => `word${i}`);
    const texts = Array.from({ length: 15000 }, () => Array.from({ length: 80 }, () => vocab[Math.floor(rand() * vocab.length)]).join(' '));
    for (let i = 0; i < 150; i++) texts.push(texts[i * 7]!);
    const t = performance.now();
    const pairs = similarTexts(texts, { threshold: 0.35 });
    expect(performance.now() - t).toBeLessThan(10000);
    expect(pairs).toHaveLength(150);
    for (const p of pairs) expect(texts[p.a]).toBe(texts[p.b]);
  }, 60000);
});
