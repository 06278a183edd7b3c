/**
 * Rephraser factory. Until the full candidate-generation + scoring layer lands, each turn is
 * parsed as stand-alone (the identity candidate).
 */
import { parseQuery } from '../parse.ts';
import type { Rephraser } from '../rephraser.ts';

export function createRephraser(): Rephraser {
  return {
    rephrase(input, _history, lib) {
      return { text: input, frame: parseQuery(input, lib), rewritten: false, provenance: 'identity' };
    },
  };
}
