/**
 * Fitting the understanding scorer's weights (SCORE_WEIGHTS, score-weights.json): every single-turn
 * question's candidate readings are answered, a reading is right when its answer passes the
 * question's checks, and the weights are fitted as a conditional logit over the candidates
 * (src/conversation/rephrase/scorer.ts `fitLogit`).
 */
import { answerFrame } from '../../src/conversation/answer.ts';
import { understandQuery } from '../../src/conversation/parse.ts';
import { fitLogit, type NamedExample } from '../../src/conversation/rephrase/scorer.ts';
import { resolve, scoreFeatures, SCORE_FEATURES, withClock, type ScoreFeature } from '../../src/conversation/understand/understand.ts';
import { tokenize } from '../../src/conversation/understand/tokens.ts';
import type { Library } from '../../src/search/library.ts';
import { check, EVAL_NOW, type Question } from './single.ts';

export const UNDERSTAND_FIT = { l2: 0.01, iterations: 2000, rate: 0.5 };

export interface UnderstandExample extends NamedExample {
  id: string;
}

/** Each question's candidates with their features and whether their answer passes its checks. */
export function understandExamples(questions: readonly Question[], lib: Library): UnderstandExample[] {
  return withClock(() => EVAL_NOW, () =>
    questions.map((q) => {
      const u = understandQuery(q.q, lib);
      const text = u.text ?? q.q;
      const tokens = tokenize(text);
      const correct = u.candidates.map((c) => {
        const body = answerFrame(resolve(c, tokens, text, lib), lib);
        return !check(q.expect, { ...body, input: q.q, rephrased: q.q, rewritten: false }).length;
      });
      return { id: q.id, vectors: u.candidates.map((c) => c.features), correct };
    }));
}

export const SCORE_FEATURE_NAMES = Object.keys(SCORE_FEATURES) as ScoreFeature[];

export function fitUnderstanding(examples: readonly UnderstandExample[]): { weights: Record<ScoreFeature, number>; used: number; loss: number } {
  return fitLogit(examples, SCORE_FEATURE_NAMES, UNDERSTAND_FIT);
}

/** How many examples the weights get right (the best-scoring candidate is a right one), of those with a right one. */
export function pickAccuracy(examples: readonly UnderstandExample[], w: Readonly<Record<string, number>>): { right: number; reachable: number; n: number } {
  let right = 0;
  let reachable = 0;
  for (const e of examples) {
    if (!e.correct.some(Boolean)) continue;
    reachable++;
    const s = e.vectors.map((v) => scoreFeatures(v as Record<string, number>, w));
    const best = s.indexOf(Math.max(...s));
    if (e.correct[best]) right++;
  }
  return { right, reachable, n: examples.length };
}
