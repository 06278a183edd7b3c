/**
 * The rephraser interface: turns a follow-up into a stand-alone query using the conversation
 * so far. The full implementation (candidate generation + scoring) lives in `rephrase/`.
 */
import type { Library } from '../search/library.ts';
import type { Turn } from './memory.ts';
import type { Frame } from './types.ts';

export interface Rephrasing {
  /** The stand-alone query text (equal to the input when nothing was rewritten). */
  text: string;
  /** Its structured form, answered by `answerFrame`. */
  frame: Frame;
  rewritten: boolean;
  /** Which generator produced the winner, and why it won (for debug logs). */
  provenance: string;
  explanation?: unknown;
}

export interface Rephraser {
  rephrase(input: string, history: readonly Turn[], lib: Library): Rephrasing;
}
