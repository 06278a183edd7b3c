/** Disjoint sets used by the merger. */
import { describe, expect, it } from 'vitest';
import { UnionFind } from '../src/corpus/unionFind.ts';

describe('UnionFind', () => {
  it('groups joined elements, each group in index order, groups by smallest member', () => {
    const uf = new UnionFind(6);
    uf.union(4, 1);
    uf.union(5, 4);
    uf.union(2, 3);
    expect(uf.find(5)).toBe(uf.find(1));
    expect(uf.find(0)).toBe(0);
    expect(uf.groups()).toEqual([[0], [1, 4, 5], [2, 3]]);
  });

  it('handles long chains', () => {
    const n = 200000;
    const uf = new UnionFind(n);
    for (let i = 1; i < n; i++) uf.union(i - 1, i);
    expect(uf.groups()).toHaveLength(1);
  });
});
