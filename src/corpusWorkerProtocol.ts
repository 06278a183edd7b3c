/** Messages between `CorpusService` (main thread) and the corpus worker (src/corpusWorker.ts). */
import type { LoadedCorpus } from './corpusLoader.ts';
import type { LibraryDiff } from './search/diff.ts';
import type { LibraryPart } from './search/transfer.ts';

/** The worker's options (plain data: functions stay on the main thread). */
export interface WorkerInit {
  dataDir: string;
  logLevel: string;
  debounceMs?: number;
  shrinkTolerance?: number;
  cacheDir?: string | null;
  codeVersion?: string;
  /** Forward load progress. */
  progress: boolean;
}

export type ToWorker =
  | { t: 'load'; id: number }
  /**
   * The main thread started from the snapshot of `counts` itself: load it here too (without
   * sending it back), so that the next reload can reach the main thread as a diff.
   */
  | { t: 'prime'; counts: { papers: number; posts: number; authors: number } }
  | { t: 'extra'; records: unknown[] }
  | { t: 'idle'; id: number }
  | { t: 'ack' }
  /** The main thread could not apply a diff: send the whole library next time. */
  | { t: 'resync' }
  /** No more snapshot writes (the service was closed); loads still work (an explicit reload). */
  | { t: 'close' }
  /** End the worker once its background work is done. */
  | { t: 'exit' };

/** Key of the index averages among the extras sent after a diff (see `Library.setAverages`). */
export const AVERAGES_KEY = 'indexAverages';

export type LoadedMeta = Pick<LoadedCorpus, 'issues' | 'files' | 'timings' | 'from'>;

export type ToMain =
  | { t: 'ready' }
  | { t: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'; obj: Record<string, unknown>; msg?: string }
  | { t: 'progress'; done: number; total: number }
  /** Parts follow: a whole library, or only the prepared data of a library sent as a diff. */
  | { t: 'begin'; gen: number; kind: 'library' | 'prepared' }
  /** What changed since the library the main thread has (apply it: src/search/diff.ts). */
  | { t: 'diff'; gen: number; diff: LibraryDiff; meta: LoadedMeta }
  | { t: 'part'; gen: number; part: LibraryPart }
  | { t: 'end'; gen: number; meta: LoadedMeta; parts: number; sendMs: number }
  | { t: 'loaded'; id: number; gen: number }
  | { t: 'loaded'; id: number; error: string }
  | { t: 'idle'; id: number };
