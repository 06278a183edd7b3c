/** Loads the real corpus in data/ once per test file. */
import { loadCorpusDir, type LoadResult } from '../../src/corpus/load.ts';
import { Library } from '../../src/search/library.ts';

let cached: Promise<{ result: LoadResult; lib: Library }> | null = null;

export function realLibrary(): Promise<{ result: LoadResult; lib: Library }> {
  cached ??= loadCorpusDir(new URL('../../data/', import.meta.url).pathname).then((result) => ({ result, lib: Library.build(result.corpus) }));
  return cached;
}
