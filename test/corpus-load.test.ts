/**
 * The loader: format detection by content, per-file counts, ids independent of file names and
 * order, bad input turned into issues (file and line) while the rest loads, and every record
 * valid against the zod schemas behind the contract's `corpus --json`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCorpus, detectFormat, isCorpusCandidate, loadCorpusDir, type LoadResult } from '../src/corpus/load.ts';
import { AuthorSchema, DateString, PaperSchema, PostSchema, type Corpus } from '../src/corpus/schema.ts';
import { DATA_DIR, DATA_FILES, F000, F001, F002, F003, F004, copyData, dataFiles, dataManifest, readData, tempDir, write } from './fixtures/corpus/data.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** The corpus with file names taken out, to compare loads of renamed files. */
function withoutSources(c: Corpus) {
  return {
    papers: c.papers.map(({ sources, ...p }) => ({ ...p, sourceCount: sources.length })),
    posts: c.posts.map(({ sources, ...p }) => p),
    authors: c.authors.map((a) => ({ ...a, profile: a.profile ? { ...a.profile, source: '' } : null })),
  };
}

describe('loading data/', () => {
  let loaded: LoadResult;

  it('reads every file with its format and count', async () => {
    loaded = await loadCorpusDir(DATA_DIR);
    expect(loaded.files.map((f) => [f.name, f.format, f.papers, f.posts])).toEqual([
      [F000, 'inline-listing', 50, 0],
      [F001, 'author-page', 10, 0],
      [F002, 'line-listing', 30, 0],
      [F003, 'blog-archive', 0, 10],
      [F004, 'blog-archive', 0, 10],
    ]);
    const manifest = dataManifest();
    for (const f of loaded.files) expect(f.sha256).toBe(manifest.sources.find((s) => s.file === f.name)!.sha256);
    expect([loaded.corpus.papers.length, loaded.corpus.posts.length, loaded.corpus.authors.length]).toEqual([75, 20, 213]);
  });

  it('every record satisfies the schemas; dates are YYYY-MM-DD or YYYY; sources are file names', async () => {
    loaded ??= await loadCorpusDir(DATA_DIR);
    const { papers, posts, authors } = loaded.corpus;
    for (const p of papers) {
      PaperSchema.parse(p);
      expect(p.date).toMatch(/^\d{4}(-\d{2}-\d{2})?$/);
      expect(p.year).toBe(Number(p.date!.slice(0, 4)));
      for (const s of p.sources) expect(DATA_FILES as readonly string[]).toContain(s);
    }
    for (const p of posts) PostSchema.parse(p);
    for (const a of authors) AuthorSchema.parse(a);
    // Every paper of data/ is dated (day precision: every paper is in an aggregator listing).
    expect(papers.filter((p) => p.date?.length !== 10)).toEqual([]);
    expect(DateString.safeParse('2022').success).toBe(true);
    expect(DateString.safeParse('2022-7-1').success).toBe(false);
  });

  it('has the fields of the contract\'s corpus --json, in its order', async () => {
    loaded ??= await loadCorpusDir(DATA_DIR);
    const p = loaded.corpus.papers[0]!;
    expect(Object.keys(p).slice(0, 11)).toEqual(['id', 'title', 'aliases', 'authors', 'date', 'category', 'venue', 'orgs', 'hasCode', 'abstract', 'sources']);
    expect(Object.keys(loaded.corpus.posts[0]!).slice(0, 4)).toEqual(['id', 'title', 'body', 'mentions']);
    expect(Object.keys(loaded.corpus.authors[0]!)).toEqual(expect.arrayContaining(['name', 'paperIds']));
    // JSON round trip keeps everything (no undefined, no Infinity, no Map).
    expect(JSON.parse(JSON.stringify(loaded.corpus))).toEqual(loaded.corpus);
  });

  it('papers are sorted newest first; ids are unique', async () => {
    loaded ??= await loadCorpusDir(DATA_DIR);
    const dates = loaded.corpus.papers.map((p) => p.date ?? '');
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(new Set(loaded.corpus.papers.map((p) => p.id)).size).toBe(75);
    expect(new Set(loaded.corpus.authors.map((a) => a.id)).size).toBe(213);
  });
});

describe('format detection by content', () => {
  it('recognises each data file by its text alone', () => {
    expect(DATA_FILES.map((f) => detectFormat(readData(f)))).toEqual(['inline-listing', 'author-page', 'line-listing', 'blog-archive', 'blog-archive']);
    expect(detectFormat('')).toBeNull();
    expect(detectFormat('Just some notes.\nNothing to see here.\n')).toBeNull();
    expect(detectFormat('{"sources": []}')).toBeNull();
  });

  it('CRLF line ends and a byte-order mark change nothing', () => {
    for (const f of DATA_FILES) {
      const crlf = `\uFEFF${readData(f).replace(/\n/g, '\r\n')}`;
      expect(detectFormat(crlf), f).toBe(detectFormat(readData(f)));
    }
    const plain = buildCorpus(dataFiles(), dataManifest());
    const crlf = buildCorpus(dataFiles().map((f) => ({ ...f, text: f.text.replace(/\n/g, '\r\n') })), dataManifest());
    expect(withoutSources(crlf.corpus)).toEqual(withoutSources(plain.corpus));
  });

  it('files renamed to any name in another directory are detected the same and give the same ids', async () => {
    const d = dir();
    const names: Record<string, string> = { [F000]: 'zz-moved-in.txt', [F001]: 'listing', [F002]: 'A.TXT', [F003]: '0-first.txt', [F004]: 'blog dump.md' };
    copyData(d, [...DATA_FILES, 'sources.json'], (n) => names[n] ?? n);
    const renamed = await loadCorpusDir(d);
    const original = await loadCorpusDir(DATA_DIR);
    const formatOf = (r: LoadResult, name: string) => r.files.find((f) => f.name === name)!.format;
    for (const f of DATA_FILES) expect(formatOf(renamed, names[f]!), f).toBe(formatOf(original, f));
    expect(renamed.corpus.papers.map((p) => p.id)).toEqual(original.corpus.papers.map((p) => p.id));
    expect(renamed.corpus.authors.map((a) => a.id)).toEqual(original.corpus.authors.map((a) => a.id));
    expect(renamed.corpus.posts.map((p) => p.id).sort()).toEqual(original.corpus.posts.map((p) => p.id).sort());
    expect(withoutSources(renamed.corpus).papers).toEqual(withoutSources(original.corpus).papers);
    expect(withoutSources(renamed.corpus).authors).toEqual(withoutSources(original.corpus).authors);
    const gshard = renamed.corpus.papers.find((p) => p.title?.startsWith('GShard'))!;
    expect(gshard.sources).toEqual(['listing', 'zz-moved-in.txt']);
  });

  it('ids do not depend on the order the files come in', () => {
    const files = dataFiles();
    const a = buildCorpus(files, dataManifest()).corpus;
    const b = buildCorpus([files[3]!, files[1]!, files[4]!, files[0]!, files[2]!], dataManifest()).corpus;
    expect(b.papers).toEqual(a.papers);
    expect(b.authors).toEqual(a.authors);
    expect(b.posts.map((p) => p.id).sort()).toEqual(a.posts.map((p) => p.id).sort());
  });

  it('loading twice gives identical results', async () => {
    const a = await loadCorpusDir(DATA_DIR);
    const b = await loadCorpusDir(DATA_DIR);
    expect(b).toEqual(a);
  });

  it('never reads the database, the manifest or hidden files as corpus input', () => {
    for (const n of ['sources.json', 'papertalk.sqlite', 'papertalk.sqlite-wal', 'papertalk.sqlite-shm', '.hidden.txt', 'x.tmp', 'x.txt~']) expect(isCorpusCandidate(n), n).toBe(false);
    for (const n of [F000, 'anything', 'notes.md', 'A.TXT']) expect(isCorpusCandidate(n), n).toBe(true);
  });
});

describe('bad input, via loadCorpusDir', () => {
  it('a directory with no files is an empty corpus', async () => {
    const r = await loadCorpusDir(dir());
    expect(r.corpus).toEqual({ papers: [], posts: [], authors: [] });
    expect(r.issues).toEqual([]);
    expect(r.files).toEqual([]);
  });

  it('a missing directory is an error issue and an empty corpus, not a throw', async () => {
    const r = await loadCorpusDir(join(dir(), 'does-not-exist'));
    expect(r.corpus).toEqual({ papers: [], posts: [], authors: [] });
    expect(r.issues).toEqual([expect.objectContaining({ level: 'error', message: expect.stringContaining('cannot read data directory') })]);
  });

  it('empty, binary and unrecognised files are warned about by name; the rest loads', async () => {
    const d = dir();
    copyData(d, [...DATA_FILES, 'sources.json']);
    write(d, 'empty.txt', '');
    write(d, 'blank.txt', '\n  \n');
    write(d, 'image.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    write(d, 'notes.txt', 'Shopping list\n- milk\n- eggs\n');
    mkdirSync(join(d, 'subdir'));
    const r = await loadCorpusDir(d);
    expect([r.corpus.papers.length, r.corpus.posts.length, r.corpus.authors.length]).toEqual([75, 20, 213]);
    const issueOf = (file: string) => r.issues.filter((i) => i.file === file);
    expect(issueOf('empty.txt')).toEqual([expect.objectContaining({ level: 'warn', line: 1, message: expect.stringContaining('empty') })]);
    expect(issueOf('blank.txt')).toEqual([expect.objectContaining({ level: 'warn', line: 1, message: expect.stringContaining('empty') })]);
    expect(issueOf('image.txt')).toEqual([expect.objectContaining({ level: 'warn', line: 1, message: expect.stringContaining('binary') })]);
    expect(issueOf('notes.txt')).toEqual([expect.objectContaining({ level: 'warn', line: 1, message: expect.stringContaining('not recognised') })]);
    expect(r.files.map((f) => f.name)).not.toContain('subdir');
  });

  it('malformed entries are warned about with file and line; every other entry loads', async () => {
    const d = dir();
    copyData(d, [F003, F004, 'sources.json']);
    // 000 with its 5th entry's title line removed (lines 13–15 become header + abstract).
    const lines000 = readData(F000).split('\n');
    write(d, 'inline.txt', [...lines000.slice(0, 13), ...lines000.slice(14)].join('\n'));
    // 001 with the LaMDA venue line (line 59) removed.
    const lines001 = readData(F001).split('\n');
    write(d, 'page.txt', [...lines001.slice(0, 58), ...lines001.slice(59)].join('\n'));
    // 002 cut in the middle of its last entry's abstract's header: a half-written file.
    const text002 = readData(F002);
    write(d, 'line.txt', text002.slice(0, text002.indexOf('CLMay 24, 2017') + 'CLMay 2'.length));
    const r = await loadCorpusDir(d);
    const at = (file: string) => r.issues.filter((i) => i.file === file).map((i) => [i.line, i.message]);
    expect(at('inline.txt')).toEqual([[14, expect.stringContaining('cannot split title from authors')]]);
    expect(at('page.txt')).toEqual(expect.arrayContaining([[58, 'entry has no venue/year line']]));
    expect(at('line.txt')).toEqual([
      [215, expect.stringContaining('incomplete category/date line')],
      [1, 'header announces 30 papers, parsed 29'],
    ]);
    expect(r.files.map((f) => [f.name, f.format, f.papers])).toEqual(expect.arrayContaining([
      ['inline.txt', 'inline-listing', 49],
      ['page.txt', 'author-page', 10],
      ['line.txt', 'line-listing', 29],
    ]));
    // The entry that lost its title line is not invented; its neighbours are intact.
    expect(r.corpus.papers.find((p) => p.title === 'Controlled Decoding from Language Models')).toBeUndefined();
    expect(r.corpus.papers.find((p) => p.title === 'Massively Multilingual Shallow Fusion with Large Language Models')?.authors[0]).toBe('Ke Hu');
    // LaMDA still merges; the page entry keeps its title and authors, only its venue is lost.
    const lamda = r.corpus.papers.find((p) => p.title === 'LaMDA: Language Models for Dialog Applications')!;
    expect(lamda.sources).toEqual(['inline.txt', 'line.txt', 'page.txt']);
    expect(lamda.venue).toBeNull();
  });

  it('sources.json that is not JSON is a warning; the files still load (without its page owner)', async () => {
    const d = dir();
    copyData(d, [F000]);
    write(d, 'sources.json', '{ "sources": [ { "file": ');
    const r = await loadCorpusDir(d);
    expect(r.issues[0]).toEqual(expect.objectContaining({ level: 'warn', file: 'sources.json', message: expect.stringContaining('not valid JSON') }));
    expect(r.issues).toContainEqual(expect.objectContaining({ file: F000, line: 1, message: expect.stringContaining('no page owner') }));
    expect(r.corpus.papers).toHaveLength(50);
    expect(r.corpus.papers.find((p) => p.title?.startsWith('N-Grammer'))!.authors).toEqual(['Aurko Roy', 'Rohan Anil', 'Guangda Lai']);
  });

  it('sources.json of the wrong shape is a warning too', async () => {
    const d = dir();
    copyData(d, [F001]);
    write(d, 'sources.json', JSON.stringify({ sources: 'none' }));
    const r = await loadCorpusDir(d);
    expect(r.issues[0]).toEqual(expect.objectContaining({ level: 'warn', file: 'sources.json', message: expect.stringContaining('invalid manifest') }));
    expect(r.corpus.papers).toHaveLength(10);
  });
});
