import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { addAllCached, bm25, dumpIndex, indexView, restoreIndex } from '../src/search/internals.ts';
import { realLibrary } from './helpers/corpus.ts';

/**
 * The executor reads MiniSearch's internals through `indexView`. If a MiniSearch upgrade changes
 * them (names, shapes, scoring), these fail: update `src/search/internals.ts` then.
 */
describe('MiniSearch internals', () => {
  const ms = new MiniSearch<{ id: string; title: string; body: string; kind: string }>({ fields: ['title', 'body'], storeFields: ['kind'] });
  ms.addAll([
    { id: 'a', title: 'sparse mixture of experts', body: 'experts route tokens', kind: 'paper' },
    { id: 'b', title: 'dense models', body: 'a dense model of experts', kind: 'post' },
    { id: 'c', title: 'speech', body: 'speech recognition', kind: 'paper' },
  ]);

  it('exposes the term tree, postings, lengths, ids and stored fields', () => {
    const v = indexView(ms);
    expect(v.documentCount).toBe(3);
    expect(v.nextId).toBe(3);
    expect(v.fields).toEqual(['title', 'body']);
    expect(v.fieldIds).toEqual({ title: 0, body: 1 });
    const experts = v.terms.get('experts')!;
    expect(experts.get(0)!.get(0)).toBe(1); // title of doc 0
    expect([...experts.get(1)!.keys()].sort()).toEqual([0, 1]);
    expect([...v.terms.atPrefix('spe')].map(([t]) => t).sort()).toEqual(['speech']);
    expect([...v.terms.fuzzyGet('expert', 1).keys()]).toEqual(['experts']);
    expect(v.fieldLength.get(0)).toEqual([4, 3]);
    expect(v.avgFieldLength[0]).toBeCloseTo(7 / 3);
    expect(v.documentIds.get(2)).toBe('c');
    expect(v.storedFields.get(1)).toEqual({ kind: 'post' });
    expect(v.bm25).toEqual({ k: 1.2, b: 0.7, d: 0.5 });
    expect(v.weights).toEqual({ fuzzy: 0.45, prefix: 0.375 });
  });

  it('scores a term as bm25() does', () => {
    const v = indexView(ms);
    const [res] = ms.search('speech', { fields: ['title'] });
    const expected = bm25(1, 1, 3, v.fieldLength.get(2)![0]!, v.avgFieldLength[0]!, v.bm25);
    expect(res!.score).toBe(expected);
  });

  it('refuses an object that is not a MiniSearch index', () => {
    expect(() => indexView({} as never)).toThrow(/^papertalk: MiniSearch internals changed/);
  });

  it('dumps and restores an index that is the same index (its own JSON, its answers)', () => {
    const dump = JSON.parse(JSON.stringify(dumpIndex(ms)));
    const copy = restoreIndex(dump, () => new MiniSearch<{ id: string; title: string; body: string; kind: string }>({ fields: ['title', 'body'], storeFields: ['kind'] }));
    // The radix tree may list terms in another order (as after MiniSearch.loadJSON); the rest is equal.
    const normal = (x: MiniSearch<never>) => {
      const json = JSON.parse(JSON.stringify(x)) as { index: [string, unknown][] };
      json.index.sort((a, b) => a[0].localeCompare(b[0]));
      return json;
    };
    expect(normal(copy as never)).toEqual(normal(ms as never));
    expect(copy.search('expert', { prefix: true, fuzzy: 0.2 })).toEqual(ms.search('expert', { prefix: true, fuzzy: 0.2 }));
    copy.add({ id: 'd', title: 'more experts', body: '', kind: 'paper' });
    expect(copy.search('experts').map((r) => r.id)).toContain('d');
    expect(() => restoreIndex({ format: 9 } as never, () => new MiniSearch({ fields: ['title'] }))).toThrow(/^papertalk:/);
  });

  it('addAllCached builds the same index as addAll (real corpus texts, repeated words), then leaves the instance as it was', async () => {
    const { result } = await realLibrary();
    type Doc = { id: string; title: string; body: string; kind: string };
    const docs: Doc[] = [
      ...result.corpus.papers.map((p) => ({ id: p.id, title: p.title ?? '', body: `${p.abstract ?? ''} ${p.abstract ?? ''}`, kind: 'paper' })),
      ...result.corpus.posts.map((p) => ({ id: p.id, title: p.title, body: p.body, kind: 'post' })),
    ];
    const options = { fields: ['title', 'body'], storeFields: ['kind'] };
    const plain = new MiniSearch<Doc>(options);
    plain.addAll(docs);
    const cached = new MiniSearch<Doc>(options);
    addAllCached(cached, docs);
    expect(JSON.stringify(dumpIndex(cached))).toBe(JSON.stringify(dumpIndex(plain)));
    expect(JSON.stringify(cached)).toBe(JSON.stringify(plain));
    expect(Object.prototype.hasOwnProperty.call(cached, 'addTerm')).toBe(false);
    // Later adds go through MiniSearch's own addTerm (a term first seen now lands in the tree).
    cached.add({ id: 'late', title: 'zyxwv quantum', body: 'experts', kind: 'paper' });
    expect(cached.search('zyxwv').map((r) => r.id)).toEqual(['late']);
    expect(() => addAllCached({} as never, [])).toThrow(/^papertalk: MiniSearch internals changed/);
  });
});
