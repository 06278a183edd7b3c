/**
 * Entity linking over the real corpus: papers by title, short name and distinctive word;
 * authors by name, fuzzily and by family name; categories by code, name and synonym;
 * venues, organisations and dates; overlapping readings kept as candidates.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { greedy, link, type Span } from '../src/conversation/understand/link.ts';
import { tokenize } from '../src/conversation/understand/tokens.ts';
import { Library } from '../src/search/library.ts';
import { diffLibrary, recordState } from '../src/search/diff.ts';
import { inheritPrepared, preparedData } from '../src/conversation/understand/understand.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const now = new Date('2026-12-02T12:00:00Z');
let lib: Library;
beforeAll(async () => {
  lib = Library.build((await loadCorpusDir(path.join(root, 'data'))).corpus);
}, 60_000);

const spans = (q: string): Span[] => link(q, tokenize(q), lib, now);
const best = (q: string) => greedy(spans(q)).map((s) => `${s.type}:${s.text}`);

describe('link with imported identifiers', () => {
  it('finds a paper by its arXiv id once an arXiv metadata file is in the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-link-'));
    cpSync(path.join(root, 'data'), dir, { recursive: true, filter: (src) => !/\.sqlite|\.cache/.test(src) });
    cpSync(path.join(root, 'test/fixtures/imports/arxiv-metadata.json'), join(dir, 'arxiv-slice.json'));
    const withIds = Library.build((await loadCorpusDir(dir)).corpus);
    const gpipe = [...withIds.papers.values()].find((p) => p.title?.startsWith('GPipe'))!;
    for (const q of ['who wrote 1811.06965?', 'when was arXiv:1811.06965 published?']) {
      const s = greedy(link(q, tokenize(q), withIds, now)).filter((x) => x.type === 'paper');
      expect(s.map((x) => x.ids[0])).toEqual([gpipe.id]);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

describe('link', () => {
  it('finds papers, people, categories, venues, organisations and dates in one question', () => {
    expect(best('how many CV papers since 2022 by nan du')).toEqual(['category:CV', 'date:since 2022', 'author:nan du']);
    expect(best('papers from deepmind at ICLR')).toEqual(['org:deepmind', 'venue:ICLR']);
    expect(best('cs.CL stuff')).toEqual(['category:cs.CL']);
    expect(best('does GShard have code?')).toEqual(['paper:GShard']);
    expect(best('computer vision papers')).toEqual(['category:computer vision']);
  });
  it("ends a name at a possessive and prefers the full name to a family name", () => {
    expect(best("Nan Du's oldest paper")).toEqual(['author:Nan Du']);
  });
  it('matches a name fuzzily when no exact entry covers it', () => {
    const s = greedy(spans('papers Ron Weiss and Yu Zhang co-wrote')).filter((x) => x.type === 'author');
    expect(s.map((x) => lib.authors.get(x.ids[0]!)!.name)).toEqual(['Ron J. Weiss', 'Yu Zhang']);
    expect(s[0]!.how).toBe('fuzzy name');
  });
  it('keeps overlapping readings: a short name that is a paper and a post', () => {
    const types = spans('Alpa').map((s) => s.type).sort();
    expect(types).toEqual(['paper', 'post']);
  });
  it('links a capitalised distinctive title word only as typed', () => {
    expect(best('the Apollo paper')).toEqual(['paper:Apollo']);
    expect(best('blog posts about medical imaging')).toEqual([]);
  });
});

describe('dictionaries inherited by a patched library', () => {
  it('leave out the records a diff removed (as entries are read) and keep the rest, until the library gets its own', () => {
    const gpipe = [...lib.papers.values()].find((p) => p.title?.startsWith('GPipe'))!;
    const own = Library.build(lib.corpus);
    const ids = (l: Library, q: string) => link(q, tokenize(q), l, now).flatMap((s) => s.ids);
    expect(ids(own, 'tell me about GPipe')).toContain(gpipe.id);
    const corpus = { ...own.corpus, papers: own.corpus.papers.filter((p) => p.id !== gpipe.id) };
    const d = diffLibrary(recordState(own.corpus), corpus, 1)!;
    const patched = own.patched(d.diff);
    inheritPrepared(own, patched, new Set(d.diff.papers.remove));
    expect(ids(patched, 'tell me about GPipe')).not.toContain(gpipe.id);
    expect(ids(patched, 'tell me about GLaM').length).toBeGreaterThan(0);
    // What it would send on (plain data) leaves them out too.
    const data = preparedData(patched);
    expect(JSON.stringify(data)).not.toContain(gpipe.id);
  });

  it('of a library patched with papers, posts and authors added back are those of a fresh build, in the same order', () => {
    // A patched library's maps hold the added records last; the dictionaries follow corpus order.
    const full = lib.corpus;
    const partial = { papers: full.papers.filter((_p, i) => i % 7 !== 3), posts: full.posts.filter((_p, i) => i % 2 === 0), authors: full.authors.filter((_a, i) => i % 5 !== 1) };
    const before = Library.build(partial);
    const d = diffLibrary(recordState(before.corpus), full, 1)!;
    expect(d.diff.papers.upsert.length).toBeGreaterThan(5);
    const patched = before.patched(d.diff);
    expect([...patched.papers.keys()]).not.toEqual(full.papers.map((p) => p.id));
    expect(JSON.stringify(preparedData(patched))).toBe(JSON.stringify(preparedData(Library.build(full))));
  });
});
