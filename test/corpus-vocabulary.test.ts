/**
 * The compact vocabulary holds exactly the words the splitter's regular expression finds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vocabulary } from '../src/corpus/vocabulary.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

const WORD = /(?<![A-Za-z\u00c0-\uffff])[a-z]{3,}(?![A-Za-z\u00c0-\uffff])/g;
const dataDir = new URL('../data/', import.meta.url).pathname;

function reference(texts: string[]): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (const w of t.match(WORD) ?? []) out.add(w);
  return out;
}

function candidates(texts: string[]): Set<string> {
  // Every letter run and its lower-cased form: words, glued parts, accented and upper-case ones.
  const out = new Set<string>(['', 'a', 'ab', 'the', 'The', 'café', 'naïve', 'x1y']);
  for (const t of texts) for (const w of t.match(/[\p{L}\d]+/gu) ?? []) {
    out.add(w);
    out.add(w.toLowerCase());
  }
  return out;
}

describe('Vocabulary', () => {
  it('matches the regular expression on tricky text', () => {
    const texts = [
      'the TasksWeicheng and HyoukJoong café naïve résumé über-fast ab abc abcd',
      'glued wordÉtoile and étoileword and x𝒜yz and 𝒜bcd, numbers 123abc abc123 and re-use of "quoted" words',
      'UPPER lower MiXed lowerUpper end',
      '',
    ];
    const v = new Vocabulary();
    for (const t of texts) v.addText(t);
    const ref = reference(texts);
    expect(v.size).toBe(ref.size);
    for (const w of candidates(texts)) expect(v.has(w), w).toBe(ref.has(w));
  });

  it('matches the regular expression on the shipped data and on random text', () => {
    const texts = readdirSync(dataDir).filter((n) => n.endsWith('.txt')).map((n) => readFileSync(join(dataDir, n), 'utf8'));
    const rand = rng(11);
    const letters = 'abcdefghijklmnopqrstuvwxyzAZéß-';
    texts.push(Array.from({ length: 200_000 }, () => letters[Math.floor(rand() * letters.length)]).join('').replace(/-/g, ' '));
    const v = new Vocabulary();
    for (const t of texts) v.addText(t);
    const ref = reference(texts);
    expect(v.size).toBe(ref.size);
    for (const w of ref) expect(v.has(w), w).toBe(true);
    for (const w of candidates(texts)) expect(v.has(w), w).toBe(ref.has(w));
  });
});
