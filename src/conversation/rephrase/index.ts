/**
 * The contextual rephraser: turns a follow-up into a stand-alone query using the conversation
 * so far. Candidate generation (reference substitution, slot merge, set restriction, identity)
 * then scoring with a linear model over named features, fitted on the dev dialogues
 * (`npm run eval -- --fit` writes `weights.json`). The scorer's reasons go in `explanation`.
 */
import type { Library } from '../../search/library.ts';
import type { Turn } from '../memory.ts';
import { parseQuery } from '../parse.ts';
import type { Rephraser, Rephrasing } from '../rephraser.ts';
import { features, inputSignals, RetrievalCheck, type FeatureVector, type InputSignals } from './features.ts';
import { generate, type Candidate } from './generators.ts';
import { analyze } from './refs.ts';
import { score, toWeights, type Weights, type WeightsFile } from './scorer.ts';
import fitted from './weights.json' with { type: 'json' };

export { FEATURES } from './features.ts';
export type { Candidate } from './generators.ts';
export type { Weights, WeightsFile } from './scorer.ts';

export interface RephraserOptions {
  /** Feature weights; default: the fitted `weights.json`. */
  weights?: Partial<Record<string, number>>;
}

export interface ScoredCandidate extends Candidate {
  features: FeatureVector;
  score: number;
}

export interface Scored {
  candidates: ScoredCandidate[];
  signals: InputSignals;
  /** Index of the winner in `candidates`. */
  best: number;
}

export const DEFAULT_WEIGHTS: Weights = toWeights((fitted as WeightsFile).weights);

/** Generates and scores all candidates (the eval and the fitter use this directly). */
export function scoreCandidates(input: string, history: readonly Turn[], lib: Library, weights: Weights = DEFAULT_WEIGHTS): Scored {
  const a = analyze(input);
  const identity = parseQuery(input, lib);
  const signals = inputSignals(a, identity, lib);
  const cands = generate(a, identity, history, lib, signals.fragment);
  const check = new RetrievalCheck(lib);
  signals.identityEmpty = cands.length > 1 && (signals.incomplete || !check.retrieves(identity)) ? 1 : 0;
  const candidates = cands.map((c) => {
    const v = features(c, signals, check);
    return { ...c, features: v, score: score(v, weights) };
  });
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (candidates[i]!.score > candidates[best]!.score) best = i;
  return { candidates, signals, best };
}

function explain(s: Scored): unknown {
  const order = s.candidates.map((c, i) => ({ c, i })).sort((x, y) => y.c.score - x.c.score);
  return {
    signals: s.signals,
    candidates: s.candidates.length,
    top: order.slice(0, 3).map(({ c, i }) => ({
      chosen: i === s.best,
      score: Math.round(c.score * 1000) / 1000,
      generator: c.generator,
      text: c.text,
      provenance: c.provenance,
      features: Object.fromEntries(Object.entries(c.features).filter(([, v]) => v !== 0)),
    })),
  };
}

export function createRephraser(options: RephraserOptions = {}): Rephraser {
  const weights = options.weights ? toWeights(options.weights) : DEFAULT_WEIGHTS;
  return {
    rephrase(input: string, history: readonly Turn[], lib: Library): Rephrasing {
      const s = scoreCandidates(input, history, lib, weights);
      const win = s.candidates[s.best]!;
      if (win.generator === 'identity' || win.sameAsIdentity) {
        return { text: input, frame: win.frame, rewritten: false, provenance: 'identity', explanation: explain(s) };
      }
      return { text: win.text, frame: win.frame, rewritten: true, provenance: `${win.generator}: ${win.provenance}`, explanation: explain(s) };
    },
  };
}
