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
  const r = fitLogit(examples, FEATURES, options);
  return { ...r, weights: toWeights(r.weights) };
}

/** One example for `fitLogit`: candidates as named feature values (absent = 0), and which are right. */
export interface NamedExample {
  vectors: readonly Readonly<Partial<Record<string, number>>>[];
  correct: readonly boolean[];
}

/**
 * The conditional logit over any named features: a softmax over each example's candidates,
 * maximising the probability of its right ones, with L2 regularisation and plain batch
 * gradient ascent (deterministic). Weights are rounded to 3 decimals.
 */
export function fitLogit<F extends string>(examples: readonly NamedExample[], features: readonly F[], options: FitOptions = {}): { weights: Record<F, number>; used: number; loss: number } {
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 3000;
  const rate = options.rate ?? 0.5;
  const usable = examples.filter((e) => e.correct.some(Boolean) && e.correct.some((c) => !c));
  const k = features.length;
  // Dense vectors, once.
  const dense = usable.map((e) => e.vectors.map((v) => features.map((f) => v[f] ?? 0)));
  const w = new Array<number>(k).fill(0);
  const n = Math.max(1, usable.length);
  let loss = 0;
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(k).fill(0);
    loss = 0;
    usable.forEach((e, ei) => {
      const xs = dense[ei]!;
      const s = xs.map((x) => x.reduce((a, v, j) => a + v * w[j]!, 0));
      const max = Math.max(...s);
      const exp = s.map((x) => Math.exp(x - max));
      const z = exp.reduce((a, b) => a + b, 0);
      const p = exp.map((x) => x / z);
      const pc = p.reduce((a, x, i) => a + (e.correct[i] ? x : 0), 0);
      loss -= Math.log(Math.max(pc, 1e-12));
      // d log(Σ_correct p) / dw = E_{p | correct}[f] − E_p[f]
      for (let i = 0; i < p.length; i++) {
        const coef = (e.correct[i] ? p[i]! / pc : 0) - p[i]!;
        if (!coef) continue;
        const x = xs[i]!;
        for (let j = 0; j < k; j++) grad[j]! += coef * x[j]!;
      }
    });
    for (let j = 0; j < k; j++) w[j]! += rate * (grad[j]! / n - l2 * w[j]!);
  }
  const weights = Object.fromEntries(features.map((f, j) => [f, Math.round(w[j]! * 1000) / 1000])) as Record<F, number>;
  return { weights, used: usable.length, loss: loss / n };
}
