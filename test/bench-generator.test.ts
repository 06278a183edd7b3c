import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, distinctWords, generateCorpus, generatedDir, loadVocabulary, SMALL_VOCAB_WORDS, World, writeGeneratedCorpus, type GeneratedCorpus, type GeneratorProfile, type Vocabulary } from '../bench/generate.ts';
import { ARXIV_GENERATOR_VERSION, arxivCategoryOf, arxivDumpText, generateArxivDump, writeArxivDump, type ArxivSnapshotLine, type GeneratedArxivDump } from '../bench/generateArxiv.ts';
import { CATEGORY_NAMES, arxivCategoryCode } from '../src/corpus/categories.ts';
import { buildCorpus, detectFormat, loadCorpusDir, type LoadResult } from '../src/corpus/load.ts';
import { squash } from '../src/corpus/text.ts';

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

describe('bench corpus generator: small-vocab profile', () => {
  /** Distinct abstract words of `n` papers' abstracts (titles and abstracts only: what the profile changes). */
  const abstractWords = (profile: GeneratorProfile, n: number) => {
    const world = new World(vocabulary, 42, n, profile);
    const texts: string[] = [];
    for (let i = 0; i < n; i++) texts.push(world.abstract(world.title()));
    return distinctWords(texts);
  };

  it('is deterministic by seed, and is not the default profile', () => {
    const a = generateCorpus(vocabulary, { papers: 200, seed: 7, profile: 'small-vocab' });
    const b = generateCorpus(vocabulary, { papers: 200, seed: 7, profile: 'small-vocab' });
    expect(b.files.map((f) => [f.name, f.text])).toEqual(a.files.map((f) => [f.name, f.text]));
    expect(b.stats).toEqual(a.stats);
    expect(generateCorpus(vocabulary, { papers: 200, seed: 8, profile: 'small-vocab' }).files.map((f) => f.text)).not.toEqual(a.files.map((f) => f.text));
    expect(generateCorpus(vocabulary, { papers: 200, seed: 7 }).files.map((f) => f.text)).not.toEqual(a.files.map((f) => f.text));
    // The default profile's cache keeps its name; the profile has its own.
    expect(generatedDir(1000, 42)).toMatch(/[/\\]v\d+-seed42-n1000$/);
    expect(generatedDir(1000, 42, 'small-vocab')).toMatch(/[/\\]v\d+-small-vocab\d+-seed42-n1000$/);
  });

  it('parses into the requested papers, as the default profile does', () => {
    const small = generateCorpus(vocabulary, { papers: 300, seed: 7, profile: 'small-vocab' });
    const { corpus } = buildCorpus(small.files, small.manifest);
    expect(Math.abs(corpus.papers.length - 300)).toBeLessThanOrEqual(6);
    expect(corpus.posts).toHaveLength(small.stats.posts);
  });

  it('draws abstracts from a closed vocabulary of about 20k words (long posting lists), where the default profile keeps growing', () => {
    const small1500 = abstractWords('small-vocab', 1500);
    const small4500 = abstractWords('small-vocab', 4500);
    const default4500 = abstractWords('default', 4500);
    // ~18k of the ~20k words show up by 4,500 papers; tripling the papers adds few.
    expect(small4500).toBeGreaterThan(15_000);
    expect(small4500).toBeLessThan(SMALL_VOCAB_WORDS + 4_000);
    expect(small4500 / small1500).toBeLessThan(1.35);
    expect(default4500).toBeGreaterThan(small4500 * 1.4);
  });
});

describe('bench arXiv dump generator', () => {
  /** The snapshot's keys, in its order. */
  const KEYS = ['id', 'submitter', 'authors', 'title', 'comments', 'journal-ref', 'doi', 'report-no', 'categories', 'license', 'abstract', 'versions', 'update_date', 'authors_parsed'];
  let dump: GeneratedArxivDump;
  let text: string;
  let lines: ArxivSnapshotLine[];
  let result: LoadResult;

  beforeAll(() => {
    dump = generateArxivDump(vocabulary, { lines: 200, seed: 7 });
    text = arxivDumpText(dump);
    lines = dump.lines.map((l) => JSON.parse(l) as ArxivSnapshotLine);
    result = buildCorpus([{ name: dump.name, text }]);
  });

  it('is deterministic: same seed, same lines; another seed, other lines', () => {
    expect(generateArxivDump(vocabulary, { lines: 200, seed: 7 })).toEqual(dump);
    expect(generateArxivDump(vocabulary, { lines: 200, seed: 8 }).lines).not.toEqual(dump.lines);
  });

  it('writes snapshot lines: one object per line, the snapshot\'s keys and shapes, distinct ids', () => {
    expect(text.split('\n')).toHaveLength(201);
    expect(text.endsWith('}\n')).toBe(true);
    expect(dump.stats.lines).toBe(200);
    expect(dump.stats.bytes).toBe(Buffer.byteLength(text));
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(KEYS);
      expect(l.id).toMatch(/^\d{4}\.\d{5}$/);
      for (const c of l.categories.split(' ')) expect(c, l.id).toMatch(/^[a-z-]+\.[A-Za-z-]+$|^quant-ph$/);
      expect(l.versions[0]!.version).toBe('v1');
      for (const v of l.versions) expect(v.created).toMatch(/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
      // The id's year and month are the first version's.
      const v1 = new Date(l.versions[0]!.created);
      expect(l.id.slice(0, 4), l.id).toBe(`${String(v1.getUTCFullYear() % 100).padStart(2, '0')}${String(v1.getUTCMonth() + 1).padStart(2, '0')}`);
      expect(l.update_date >= new Date(l.versions[l.versions.length - 1]!.created).toISOString().slice(0, 10)).toBe(true);
      expect(l.abstract).toMatch(/^ {2}\S[^]*\n$/);
      expect(l.authors_parsed.length).toBeGreaterThan(0);
    }
    expect(new Set(lines.map((l) => l.id)).size).toBe(200);
    // What the parser has to deal with is there: LaTeX, wrapped titles, cross-lists, DOIs, journal refs, versions.
    const { stats } = dump;
    expect(stats.withLatex).toBeGreaterThan(20);
    expect(lines.some((l) => l.title.includes('\n  '))).toBe(true);
    for (const k of ['crossListed', 'withDoi', 'withJournalRef', 'withComments', 'multiVersion', 'initialMentions'] as const) expect(stats[k], k).toBeGreaterThan(0);
  });

  it('is recognised by the loader as arXiv metadata and parses to one paper per line, categories mapped to listing codes', () => {
    expect(detectFormat(text)).toBe('arxiv-dump');
    expect(result.files).toEqual([expect.objectContaining({ name: dump.name, format: 'arxiv-dump', papers: 200, posts: 0 })]);
    expect(result.issues).toEqual([]);
    expect(result.corpus.papers).toHaveLength(200);
    const byId = new Map(result.corpus.papers.map((p) => [p.arxivId, p]));
    let listing = 0;
    for (const l of lines) {
      const p = byId.get(l.id)!;
      expect(p, l.id).toBeDefined();
      const primary = l.categories.split(' ')[0]!;
      expect(p.category).toBe(arxivCategoryCode(primary));
      if (/^(?:cs|eess)\.|^stat\.ML$/.test(primary)) {
        // `cs.CL` → `CL`, `eess.AS` → `AS`, `stat.ML` → `ML`: a listing code, with its name.
        expect(CATEGORY_NAMES.has(p.category!), primary).toBe(true);
        expect(arxivCategoryOf(p.category!)).toBe(primary);
        listing++;
      } else {
        expect(p.category).toBe(primary); // `math.OC` stays as arXiv spells it
      }
      expect(p.date).toBe(new Date(l.versions[0]!.created).toISOString().slice(0, 10));
      expect(p.venue).toBe(l['journal-ref'] ?? 'arXiv');
      expect(p.doi ?? null).toBe(l.doi?.toLowerCase() ?? null);
      if (!/[\\{}$~]/.test(l.title)) expect(p.title).toBe(squash(l.title));
      // LaTeX decoded everywhere.
      for (const t of [p.title ?? '', p.abstract ?? '', ...p.authors]) expect(t, l.id).not.toMatch(/[\\$]|\{|\}/);
      expect(p.authorsTruncated).toBe(/et al/.test(l.authors));
    }
    expect(listing).toBe(200 - dump.stats.nonListingPrimary);
    expect(listing).toBeGreaterThan(180);
  });

  it('round-trips through a directory: loadCorpusDir reads the written dump', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'papertalk-gen-arxiv-'));
    dirs.push(dir);
    await writeArxivDump(dir, dump);
    expect(readdirSync(dir).sort()).toEqual(['.generated.json', dump.name]);
    expect(readFileSync(join(dir, dump.name), 'utf8')).toBe(text);
    expect((JSON.parse(readFileSync(join(dir, '.generated.json'), 'utf8')) as { version: number }).version).toBe(ARXIV_GENERATOR_VERSION);
    const fromDisk = await loadCorpusDir(dir);
    expect(fromDisk.files.map((f) => f.format)).toEqual(['arxiv-dump']);
    expect(fromDisk.corpus.papers.map((p) => p.id)).toEqual(result.corpus.papers.map((p) => p.id));
  });
});
