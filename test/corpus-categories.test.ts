/** Category codes and their readable names. */
import { describe, expect, it } from 'vitest';
import { categoryName, resolveCategory } from '../src/corpus/categories.ts';

describe('categories', () => {
  it('names every code used in data/ and resolves user input', () => {
    for (const [code, name] of [['CL', 'Computation and Language'], ['IV', 'Image and Video Processing'], ['LG', 'Machine Learning'], ['AS', 'Audio and Speech Processing'], ['NE', 'Neural and Evolutionary Computing'], ['PF', 'Performance'], ['PL', 'Programming Languages'], ['DC', 'Distributed, Parallel, and Cluster Computing'], ['CV', 'Computer Vision and Pattern Recognition'], ['SD', 'Sound'], ['AI', 'Artificial Intelligence']]) {
      expect(categoryName(code!)).toBe(name);
    }
    expect(categoryName(null)).toBeNull();
    expect(categoryName('ZZ')).toBe('ZZ');
    expect(resolveCategory('cl')).toBe('CL');
    expect(resolveCategory('computation and language')).toBe('CL');
    expect(resolveCategory('nothing')).toBeNull();
  });
});
