import { beforeAll, describe, expect, it } from 'vitest';
import { answerFrame } from '../src/conversation/answer.ts';
import { Engine } from '../src/conversation/engine.ts';
import { parseQuery } from '../src/conversation/parse.ts';
import { verbalize } from '../src/conversation/verbalize.ts';
import type { Library } from '../src/search/library.ts';
import { realLibrary } from './helpers/corpus.ts';

let lib: Library;
let engine: Engine;
beforeAll(async () => {
  ({ lib } = await realLibrary());
  engine = new Engine({ library: lib });
});
const ask = (q: string) => engine.ask(q, `test:${q}`);

describe('single-turn questions on the real corpus', () => {
  it('papers on a topic', () => {
    const a = ask('papers about speech recognition');
    expect(a.intent).toBe('search');
    expect(a.papers.length).toBeGreaterThanOrEqual(3);
    expect(a.papers[0]!.title).toMatch(/speech recognition/i);
    expect(a.text).toContain(a.papers[0]!.title);
  });
  it('one paper by acronym or partial title', () => {
    const a = ask('GPipe');
    expect(a.intent).toBe('paper');
    expect(a.papers.map((p) => p.title)).toEqual(['GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism']);
    const b = ask('Brainformers');
    expect(b.papers[0]!.title).toBe('Brainformers: Trading Simplicity for Efficiency');
  });
  it('who wrote X, with every known author and the truncation said', () => {
    const a = ask('who wrote GShard?');
    expect(a.intent).toBe('authors_of');
    expect(a.authors).toEqual(expect.arrayContaining(['HyoukJoong Lee', 'Noam Shazeer', 'Zhifeng Chen']));
    const lamda = ask('who are the authors of LaMDA?');
    expect(lamda.authors[0]).toBe('Romal Thoppilan');
    expect(lamda.authors.length).toBeGreaterThan(30);
  });
  it('when and where X was published', () => {
    expect(ask('when was GLaM published?').text).toContain('2021-12-13');
    const where = ask('where was Alpa published?');
    expect(where.intent).toBe('venue_of');
    expect(where.text).toContain('OSDI 22');
    expect(ask('when was GShard published?').text).toMatch(/2020-06-30.*ICLR 2021/);
  });
  it('what X is about: the key sentences of its abstract', () => {
    const a = ask('what is MaMMUT about?');
    expect(a.intent).toBe('about');
    expect(a.text).toMatch(/decoder-only/);
  });
  it('papers by an author, by year and category and topic', () => {
    const a = ask('papers by Yanqi Zhou in 2023');
    expect(a.intent).toBe('papers_by');
    expect(a.total).toBeGreaterThan(0);
    for (const p of a.papers) expect(p.date.startsWith('2023')).toBe(true);
    const cl = ask('papers by Yanqi Zhou in CL');
    for (const p of cl.papers) expect(lib.papers.get(p.id)!.category).toBe('CL');
    const moe = ask('papers by Nan Du about mixture of experts');
    expect(moe.papers.map((p) => p.title)).toContain('GLaM: Efficient Scaling of Language Models with Mixture-of-Experts');
  });
  it("an author's co-authors and paper counts", () => {
    const co = ask('who are the co-authors of Nan Du?');
    expect(co.intent).toBe('coauthors');
    expect(co.authors).toContain('Yanqi Zhou');
    const n = ask('how many papers did Yanqi Zhou publish in 2021?');
    expect(n.intent).toBe('count');
    const expected = lib.papersOf(lib.findAuthors('Yanqi Zhou')[0]!.id).filter((p) => p.year === 2021).length;
    expect(n.text).toContain(`${expected} paper`);
  });
  it('latest papers, optionally on a topic', () => {
    const a = ask('latest papers');
    expect(a.intent).toBe('latest');
    const dates = a.papers.map((p) => p.date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(dates[0]).toBe(lib.latest(1)[0]!.date);
  });
  it('blog posts about X and the papers a post cites', () => {
    const posts = ask('blog posts about machine translation');
    expect(posts.intent).toBe('posts_about');
    expect(posts.posts[0]!.title).toMatch(/Machine Translation/);
    const cites = ask('which papers does the post Alpa: Automated Model-Parallel Deep Learning cite?');
    expect(cites.intent).toBe('post_citations');
    expect(cites.papers[0]!.title).toMatch(/^Alpa: Automating/);
  });
  it('says so when nothing matches and suggests the closest, never an unrelated paper', () => {
    const a = ask('who wrote GPipes Reloaded?');
    expect(a.papers).toEqual([]);
    expect(a.text).toMatch(/don't know a paper/);
    const b = ask('papers about quantum gravity');
    expect(b.papers).toEqual([]);
    expect(b.text).toMatch(/Nothing matches/);
    const c = ask('papers by Yann LeCun');
    expect(c.papers).toEqual([]);
  });
  it('says when two people share a name', () => {
    const a = ask('Zhifeng Chen');
    expect(a.intent).toBe('author');
    expect(a.choices).toHaveLength(2);
    expect(a.text).toMatch(/2 different people/);
  });
  it('survives hostile input', () => {
    for (const q of ['', '   ', '\u0000\u200b', 'x'.repeat(6000), '@everyone', '((((', '[a-z]+$', "'; DROP TABLE papers; --", '```code```', '🙂🙂', 'مرحبا', '<@123>']) {
      const a = ask(q);
      expect(typeof a.text).toBe('string');
      expect(a.text.length).toBeGreaterThan(0);
    }
  });
});

describe('frames round-trip through their verbalization', () => {
  it.each([
    'who wrote GPipe?',
    'when was GLaM published?',
    'papers by Yanqi Zhou in 2022',
    'how many papers did Nan Du publish?',
    'latest papers about speech',
    'blog posts about machine translation',
    'papers about speech synthesis in 2019',
  ])('%s', (q) => {
    const f = parseQuery(q, lib);
    const again = parseQuery(verbalize(f, lib), lib);
    expect(again).toEqual(f);
    expect(answerFrame(again, lib).text).toBe(answerFrame(f, lib).text);
  });
});
