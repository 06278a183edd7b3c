import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, generateCorpus, loadVocabulary, writeGeneratedCorpus, type GeneratedCorpus, type Vocabulary } from '../bench/generate.ts';
import { buildCorpus, loadCorpusDir, type LoadResult } from '../src/corpus/load.ts';

let vocabulary: Vocabulary;
let generated: GeneratedCorpus;
let parsed: LoadResult;
const dirs: string[] = [];

beforeAll(async () => {
  vocabulary = await loadVocabulary();
  generated = generateCorpus(vocabulary, { papers: 300, seed: 7 });
  parsed = buildCorpus(generated.files, generated.manifest);
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bench corpus generator', () => {
  it('is deterministic: same seed, same files; another seed, other files', () => {
    const again = generateCorpus(vocabulary, { papers: 300, seed: 7 });
    expect(again.files.map((f) => [f.name, f.text])).toEqual(generated.files.map((f) => [f.name, f.text]));
    expect(again.manifest).toEqual(generated.manifest);
    expect(again.stats).toEqual(generated.stats);
    const other = generateCorpus(vocabulary, { papers: 300, seed: 8 });
    expect(other.files.map((f) => f.text)).not.toEqual(generated.files.map((f) => f.text));
  });

  it('has a seeded PRNG in [0, 1)', () => {
    const a = createRng(1);
    const b = createRng(1);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs).size).toBe(1000);
  });

  it('writes every format, each recognised by the real loader as what it is', () => {
    const { stats } = generated;
    for (const format of ['inline-listing', 'line-listing', 'author-page', 'blog-archive'] as const) expect(stats.files[format], format).toBeGreaterThan(0);
    const byName = new Map(parsed.files.map((f) => [f.name, f]));
    for (const f of generated.files) {
      const report = byName.get(f.name)!;
      expect(report.format, f.name).toBe(f.format);
      expect(f.format === 'blog-archive' ? report.posts : report.papers, f.name).toBe(f.entries);
    }
    // Inline listings have no header: their page owners come from the manifest.
    expect(generated.manifest.sources).toHaveLength(stats.files['inline-listing']);
  });

  it('parses into the requested number of papers, with the planned duplicates merged', () => {
    const { stats } = generated;
    const { corpus } = parsed;
    expect(stats.papers).toBe(300);
    expect(stats.duplicatedPapers / stats.papers).toBeGreaterThan(0.08);
    expect(stats.duplicatedPapers / stats.papers).toBeLessThan(0.25);
    expect(stats.caseVariants + stats.punctuationVariants).toBeGreaterThan(0);
    expect(stats.truncatedEntries).toBeGreaterThan(0);
    // Every synthetic paper is one merged paper: variants, aliases and untitled entries found again.
    expect(Math.abs(corpus.papers.length - stats.papers)).toBeLessThanOrEqual(Math.ceil(stats.papers * 0.02));
    const multiSource = corpus.papers.filter((p) => p.sources.length > 1).length;
    expect(Math.abs(multiSource - stats.duplicatedPapers)).toBeLessThanOrEqual(Math.ceil(stats.duplicatedPapers * 0.05));
    expect(corpus.papers.filter((p) => !p.title).length).toBe(stats.untitledOnly);
    const recovered = parsed.issues.filter((i) => /untitled entry recovered/.test(i.message)).length;
    expect(recovered).toBe(stats.untitledRecoverable);
    expect(corpus.papers.filter((p) => p.aliases.length > 0).length).toBeGreaterThanOrEqual(Math.floor(stats.aliasEntries * 0.8));
    expect(corpus.posts).toHaveLength(stats.posts);
    expect(corpus.posts.reduce((n, p) => n + p.mentions.length, 0)).toBeGreaterThan(0);
    // Title/author splits of the glued inline lines go right.
    expect(parsed.issues.filter((i) => /cannot split|split is a guess/.test(i.message)).length).toBeLessThanOrEqual(3);
  });

  it('round-trips through a directory: loadCorpusDir reads what buildCorpus parsed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'papertalk-gen-'));
    dirs.push(dir);
    await writeGeneratedCorpus(dir, generated);
    const fromDisk = await loadCorpusDir(dir);
    expect(fromDisk.corpus.papers.map((p) => p.id)).toEqual(parsed.corpus.papers.map((p) => p.id));
    expect(fromDisk.corpus.authors.length).toBe(parsed.corpus.authors.length);
  });
});
