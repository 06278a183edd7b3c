import { beforeAll, describe, expect, it } from 'vitest';
import type { Hit, Library } from '../src/search/library.ts';
import { findAcronyms, expandQuery } from '../src/search/acronyms.ts';
import { makeSnippet, renderSnippet } from '../src/search/snippet.ts';
import { processTerm, stem, queryTerms } from '../src/search/terms.ts';
import { realLibrary } from './helpers/corpus.ts';

let lib: Library;
beforeAll(async () => {
  ({ lib } = await realLibrary());
});

const titleOf = (id: string) => lib.papers.get(id)?.title ?? lib.posts.get(id)?.title ?? lib.authors.get(id)?.name;

describe('terms', () => {
  it('stems plurals and keeps words that only look plural', () => {
    expect(stem('experts')).toBe('expert');
    expect(stem('studies')).toBe('study');
    expect(stem('process')).toBe('process');
    expect(stem('corpus')).toBe('corpus');
    expect(queryTerms('The Mixture-of-Experts papers')).toEqual(['mixture', 'expert', 'paper']);
  });
});

describe('acronyms found in the corpus', () => {
  it('finds MoE, TTS, ASR, GLaM with their expansions', () => {
    expect(lib.acronyms.get('moe')).toBe('mixture of experts');
    expect(lib.acronyms.get('tts')).toBe('text to speech');
    expect(lib.acronyms.get('asr')).toBe('automatic speech recognition');
    expect(lib.acronyms.get('glam')).toBe('generalist language model');
  });
  it('does not turn ordinary words into acronyms', () => {
    expect(lib.acronyms.has('is')).toBe(false);
    expect(findAcronyms(['we use the Inception Score (IS) and text-to-speech (TTS)']).has('is')).toBe(false);
  });
  it('expands both ways', () => {
    const map = new Map([['moe', 'mixture of experts']]);
    expect(expandQuery('MoE routing', map)).toEqual(['mixture of experts']);
    expect(expandQuery('mixture of experts', map)).toEqual(['moe']);
    expect(expandQuery('moet', map)).toEqual([]);
  });
  it('expands plurals and several acronyms, in the order the corpus found them, never inside a word', () => {
    const map = new Map([
      ['tts', 'text to speech'],
      ['moe', 'mixture of experts'],
      ['llm', 'large language model'],
    ]);
    expect(expandQuery('MoEs for TTS', map)).toEqual(['text to speech', 'mixture of experts']);
    expect(expandQuery('large language models and text-to-speech', map)).toEqual(['tts', 'llm']);
    expect(expandQuery('stts llmx amoe', map)).toEqual([]);
    map.set('asr', 'automatic speech recognition');
    expect(expandQuery('ASR', map)).toEqual(['automatic speech recognition']);
  });
});

describe('search', () => {
  it('ranks mixture-of-experts papers for "mixture of experts" and for "MoE"', () => {
    for (const q of ['mixture of experts', 'MoE']) {
      const top = lib.search(q, { kinds: ['paper'] }, { limit: 3 }).hits.map((h) => titleOf(h.id));
      expect(top).toContain('Mixture-of-Experts with Expert Choice Routing');
    }
  });
  it('finds speech recognition papers with highlighted snippets', () => {
    const res = lib.search('speech recognition', { kinds: ['paper'] }, { limit: 5 });
    expect(res.total).toBeGreaterThanOrEqual(3);
    expect(titleOf(res.hits[0]!.id)).toMatch(/speech recognition/i);
    const s = res.hits[0]!.snippet!;
    expect(s.highlights.length).toBeGreaterThan(0);
    const marked = s.highlights.map(([a, b]) => s.text.slice(a, b).toLowerCase());
    expect(marked.some((m) => m === 'speech' || m === 'recognition')).toBe(true);
  });
  it('tolerates a misspelling', () => {
    const res = lib.search('pipline paralelism', { kinds: ['paper'] }, { limit: 3 });
    expect(res.hits.map((h) => titleOf(h.id))).toContain('GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism');
  });
  it('answers nothing rather than something unrelated', () => {
    expect(lib.search('quantum gravity', {}).hits).toEqual([]);
    expect(lib.search('', {}).hits).toEqual([]);
    expect(lib.search('the of and', {}).hits).toEqual([]);
  });
  it('filters by category, year, author and kind', () => {
    const cv = lib.search('object detection', { category: 'CV', year: 2021 }, { limit: 20 });
    expect(cv.hits.length).toBeGreaterThan(0);
    for (const h of cv.hits) {
      expect(lib.papers.get(h.id)!.category).toBe('CV');
      expect(lib.papers.get(h.id)!.year).toBe(2021);
    }
    const yanqi = lib.findAuthors('Yanqi Zhou')[0]!;
    for (const h of lib.search('neural architecture', { authorId: yanqi.id }, { limit: 50 }).hits) expect(lib.papers.get(h.id)!.authorIds).toContain(yanqi.id);
    for (const h of lib.search('speech', { kinds: ['post'] }).hits) expect(h.kind).toBe('post');
  });
  it('pages consistently', () => {
    const all = lib.search('language models', {}, { limit: 100 }).hits.map((h) => h.id);
    const p2 = lib.search('language models', {}, { limit: 5, offset: 5 }).hits.map((h) => h.id);
    expect(p2).toEqual(all.slice(5, 10));
  });
  it('long pages make snippets when read: the same ones in any order, carried by copies and JSON', () => {
    const page = lib.search('model', {}, { limit: 60, cache: false });
    expect(page.hits.length).toBeGreaterThan(25);
    const again = lib.search('model', {}, { limit: 60, cache: false });
    // Read back to front here, front to back there.
    const backwards = [...again.hits].reverse().map((h) => h.snippet).reverse();
    expect(backwards).toEqual(page.hits.map((h) => h.snippet));
    expect(page.hits.filter((h) => h.kind !== 'author').every((h) => h.snippet !== null)).toBe(true);
    const h = page.hits[30]!;
    expect({ ...h }.snippet).toEqual(h.snippet);
    expect((JSON.parse(JSON.stringify(h)) as Hit).snippet).toEqual(h.snippet);
    h.snippet = null;
    expect(h.snippet).toBeNull();
  });

  it('restricts to a set of ids (follow-ups over previous results)', () => {
    const within = new Set(lib.search('language models', { kinds: ['paper'] }, { limit: 10 }).hits.map((h) => h.id));
    const res = lib.search('mixture of experts', { within }, { limit: 50 });
    for (const h of res.hits) expect(within.has(h.id)).toBe(true);
  });
});

describe('lookups', () => {
  it('finds a paper by short name, exact title (any case), alias, or id', () => {
    expect(lib.findPaper('GPipe')?.paper.title).toMatch(/^GPipe:/);
    expect(lib.findPaper('gshard: scaling giant models with conditional computation and automatic sharding')?.paper.title).toMatch(/^GShard/);
    expect(lib.findPaper('Sparsely Activated Language Models are Efficient In-Context Learners')?.paper.title).toMatch(/^GLaM/);
    const id = lib.findPaper('LaMDA')!.paper.id;
    expect(lib.findPaper(id)?.paper.id).toBe(id);
    expect(lib.findPaper('FooNet')).toBeNull();
  });
  it('does not pick one of two papers sharing a short name', () => {
    // Two TensorFlow papers: no single answer by short name.
    expect(lib.findPaper('TensorFlow')?.how).not.toBe('short-name');
  });
  it('finds authors by variant spellings, and both namesakes', () => {
    expect(lib.findAuthors('Sercan Ö. Arık').map((a) => a.name)).toEqual(['Sercan Arik']);
    expect(lib.findAuthors('dmitry lepikhin')[0]!.variants).toContain('Dmitry (Dima) Lepikhin');
    const zc = lib.findAuthors('Zhifeng Chen');
    expect(zc).toHaveLength(2);
    expect(zc.every((a) => a.disambiguation)).toBe(true);
  });
  it('autocompletes titles, authors and categories within 25 choices', () => {
    expect(lib.suggestTitles('gpi')[0]!.title).toMatch(/^GPipe/);
    expect(lib.suggestTitles('').length).toBeLessThanOrEqual(25);
    expect(lib.suggestAuthors('yanq').map((a) => a.name)).toContain('Yanqi Zhou');
    expect(lib.suggestCategories('comp').map((c) => c.code)).toEqual(expect.arrayContaining(['CL', 'CV']));
  });
  it('lists the newest papers and counts papers by year and category without a scan per call', () => {
    const all = [...lib.corpus.papers].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || (a.title ?? '').localeCompare(b.title ?? ''));
    expect(lib.latest(5).map((p) => p.id)).toEqual(all.slice(0, 5).map((p) => p.id));
    expect(lib.latest(3, (p) => p.year === 2021).map((p) => p.id)).toEqual(all.filter((p) => p.year === 2021).slice(0, 3).map((p) => p.id));
    expect(lib.countPapers()).toBe(lib.corpus.papers.length);
    expect(lib.countPapers({ year: 2021, category: 'CL' })).toBe(lib.corpus.papers.filter((p) => p.year === 2021 && p.category === 'CL').length);
    expect(lib.countPapers({ category: 'CV' })).toBe(lib.corpus.papers.filter((p) => p.category === 'CV').length);
    expect(lib.countPapers({ year: 1900 })).toBe(0);
  });
  it('lists co-authors by shared papers and posts citing a paper', () => {
    const nan = lib.findAuthors('Nan Du')[0]!;
    const co = lib.coauthors(nan.id);
    expect(co[0]!.count).toBeGreaterThanOrEqual(co[co.length - 1]!.count);
    const mt = lib.findPaper('Building Machine Translation Systems for the Next Thousand Languages')!.paper;
    expect(lib.postsAbout(mt.id).map((p) => p.title)).toContain('Unlocking Zero-Resource Machine Translation to Support New Languages in Google Translate');
  });
  it('rebuilds identically from a snapshot', async () => {
    const { Library } = await import('../src/search/library.ts');
    const copy = Library.fromSnapshot(lib.corpus, JSON.parse(JSON.stringify(lib.snapshot())));
    expect(copy.search('speech recognition').hits.map((h) => h.id)).toEqual(lib.search('speech recognition').hits.map((h) => h.id));
  });
});

describe('snippets', () => {
  it('picks the best sentence, trims long ones and renders highlights safely', () => {
    const text = `${'Filler words here. '.repeat(3)}We study speech recognition with ${'very '.repeat(80)}long sentences.`;
    const s = makeSnippet(text, new Set(['speech', 'recognition']), { maxLength: 120 })!;
    expect(s.text.length).toBeLessThanOrEqual(122);
    expect(s.text).toContain('speech');
    const md = renderSnippet({ text: 'a *b* speech', highlights: [[6, 12]] }, (x) => x.replace(/\*/g, '\\*'), (x) => `**${x}**`);
    expect(md).toBe('a \\*b\\* **speech**');
  });

  it('picks the sentence and highlights a regex split gives, on random texts of sentence ends, new lines and white space', () => {
    // Reference: sentences by regex, trimmed; words by regex; the first sentence with the most distinct terms.
    const reference = (text: string, terms: Set<string>) => {
      let best: { s: string; ranges: [number, number][]; distinct: number } | null = null;
      for (const m of text.matchAll(/[^.!?\n]+(?:[.!?]+|$)/g)) {
        const s = m[0].trim();
        if (!s) continue;
        const ranges: [number, number][] = [];
        const found = new Set<string>();
        for (const w of s.matchAll(/[\p{L}\p{N}]+/gu)) {
          const p = processTerm(w[0]);
          if (p && terms.has(p)) {
            ranges.push([w.index, w.index + w[0].length]);
            found.add(p);
          }
        }
        if (!best || found.size > best.distinct) best = { s, ranges, distinct: found.size };
      }
      return best && { text: best.s, highlights: best.ranges };
    };
    const pieces = ['Models', 'model', 'Étude', 'speech', 'recognition', ' ', '  ', '.', '!', '?', '...', '\n', '\r', '\t', '\u00a0', '\u2028', '\u3000', '\ufeff', 'x', '3D', 'Zürich', '𝔘nit', 'a', 'the'];
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 2000; trial++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
      const terms = new Set(['model', 'speech', 'etude', 'recognition', '3d', 'zurich', 'x'].filter(() => rand() < 0.5));
      expect(makeSnippet(text, terms, { maxLength: 10_000 }), JSON.stringify(text)).toEqual(reference(text, terms));
    }
  });

  it('highlights every word whose processed form is a term: plurals, capitals, diacritics, digits', () => {
    const text = 'Studies of Études and ÉTUDES. Models, MODELS and modèles; 3D Scenes in Zürich. Straße for Strasse. Ökonomie.';
    const words = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
    const allTerms = [...new Set(words.map((m) => processTerm(m[0])).filter((t): t is string => !!t))];
    // Each term alone: the highlighted words are exactly those processed to it.
    for (const term of allTerms) {
      const s = makeSnippet(text, new Set([term]), { maxLength: 1000 })!;
      const marked = s.highlights.map(([a, b]) => s.text.slice(a, b));
      const sentence = s.text;
      const expected = [...sentence.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]).filter((w) => processTerm(w) === term);
      expect(marked, term).toEqual(expected);
      expect(marked.length, term).toBeGreaterThan(0);
    }
  });
});
