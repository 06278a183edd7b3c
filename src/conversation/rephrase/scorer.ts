/**
 * The linear scorer: score(candidate) = Σ weight·feature. Weights are fitted on the dev
 * dialogues (`npm run eval -- --fit`) as a conditional logit — a softmax over each turn's
 * candidates, maximising the probability of the candidates whose frame matches the expected
 * rephrasing — with L2 regularisation and plain batch gradient ascent (deterministic).
 */
import { FEATURES, type FeatureName, type FeatureVector } from './features.ts';

export type Weights = Record<FeatureName, number>;

export interface WeightsFile {
  /** How the weights were obtained. */
  fittedOn: string;
  examples: number;
  l2: number;
  iterations: number;
  weights: Partial<Record<string, number>>;
}

export function toWeights(w: Partial<Record<string, number>>): Weights {
  return Object.fromEntries(FEATURES.map((f) => [f, w[f] ?? 0])) as Weights;
}

export function score(v: FeatureVector, w: Weights): number {
  let s = 0;
  for (const f of FEATURES) s += v[f] * w[f];
  return s;
}

/** One training example: a turn's candidates and which of them are right. */
export interface Example {
  vectors: FeatureVector[];
  correct: boolean[];
}

export interface FitOptions {
  l2?: number;
  iterations?: number;
  rate?: number;
}

/** Fits the weights; examples without a right candidate (or with only right ones) carry no signal and are skipped. */
export function fit(examples: readonly Example[], options: FitOptions = {}): { weights: Weights; used: number; loss: number } {
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 3000;
  const rate = options.rate ?? 0.5;
  const usable = examples.filter((e) => e.correct.some(Boolean) && e.correct.some((c) => !c));
  const w = toWeights({});
  const n = Math.max(1, usable.length);
  let loss = 0;
  for (let it = 0; it < iterations; it++) {
    const grad = toWeights({});
    loss = 0;
    for (const e of usable) {
      const s = e.vectors.map((v) => score(v, w));
      const max = Math.max(...s);
      const exp = s.map((x) => Math.exp(x - max));
      const z = exp.reduce((a, b) => a + b, 0);
      const p = exp.map((x) => x / z);
      const pc = p.reduce((a, x, i) => a + (e.correct[i] ? x : 0), 0);
      loss -= Math.log(Math.max(pc, 1e-12));
      // d log(Σ_correct p) / dw = E_{p | correct}[f] − E_p[f]
      for (const f of FEATURES) {
        let eAll = 0;
        let eCorrect = 0;
        for (let i = 0; i < p.length; i++) {
          const x = e.vectors[i]![f];
          eAll += p[i]! * x;
          if (e.correct[i]) eCorrect += (p[i]! / pc) * x;
        }
        grad[f] += eCorrect - eAll;
      }
    }
    for (const f of FEATURES) w[f] += rate * (grad[f] / n - l2 * w[f]);
  }
  for (const f of FEATURES) w[f] = Math.round(w[f] * 1000) / 1000;
  return { weights: w, used: usable.length, loss: loss / n };
}
