/**
 * The intent model: multinomial logistic regression over word n-grams of the question with its
 * linked entities replaced by their types (`<paper>`, `<author>`, `<date>` …) and words outside
 * the training vocabulary replaced by `<w>`. Fitted by `npm run fit-intents` from the labelled
 * utterances in test/fixtures/utterances/ into `intent-model.json` (a generated file; a test
 * refits it and compares). Predicts a probability for every intent.
 */
import type { Token } from './tokens.ts';
import type { Span } from './link.ts';

export const INTENT_LABELS = [
  'search', 'paper', 'about', 'authors_of', 'first_author', 'last_author', 'author_count', 'date_of', 'venue_of',
  'category_of', 'code_of', 'author', 'coauthors', 'count', 'breakdown', 'top_authors', 'posts_about', 'post',
  'post_citations', 'similar', 'verify', 'help', 'reset',
] as const;
export type IntentLabel = (typeof INTENT_LABELS)[number];

export interface IntentModel {
  labels: IntentLabel[];
  /** Words the training utterances use outside entity slots; others become `<w>`. */
  vocabulary: string[];
  /** Words used in several templates: they ask for something and are never topic words. */
  intentWords?: string[];
  bias: number[];
  /** feature → one weight per label. */
  weights: Record<string, number[]>;
  meta?: Record<string, unknown>;
}

/** The words the model sees: entity spans as their type, everything else as typed (lower-case). */
export function maskedWords(tokens: Token[], spans: readonly Span[], vocabulary?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const at = new Map<number, Span>();
  for (const s of spans) at.set(s.tokStart, s);
  for (let i = 0; i < tokens.length; ) {
    const s = at.get(i);
    if (s) {
      out.push(`<${s.type}>`);
      if (tokens[s.tokEnd - 1]?.possessive) out.push("'s");
      i = s.tokEnd;
      continue;
    }
    const t = tokens[i]!;
    const w = /^\d+$/.test(t.norm) ? '<num>' : vocabulary && !vocabulary.has(t.norm) ? '<w>' : t.norm;
    if (!(w === '<w>' && out[out.length - 1] === '<w>')) out.push(w);
    if (t.possessive) out.push("'s");
    i++;
  }
  return out;
}

/** Unigrams, bigrams with sentence boundaries, and the first two words as a unit. */
export function features(words: readonly string[]): string[] {
  const f = new Set<string>();
  const seq = ['<s>', ...words, '</s>'];
  for (let i = 0; i < seq.length; i++) {
    if (i > 0 && i < seq.length - 1) f.add(seq[i]!);
    if (i + 1 < seq.length) f.add(`${seq[i]} ${seq[i + 1]}`);
  }
  if (words.length) f.add(`^${words.slice(0, 2).join(' ')}`);
  return [...f];
}

export function predict(model: IntentModel, feats: readonly string[]): Map<IntentLabel, number> {
  const z = [...model.bias];
  for (const f of feats) {
    const w = model.weights[f];
    if (!w) continue;
    for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return new Map(model.labels.map((l, k) => [l, e[k]! / sum]));
}

export interface FitOptions {
  l2?: number;
  iterations?: number;
  learningRate?: number;
  /** Features seen fewer times are dropped. */
  minCount?: number;
}

/** Full-batch gradient descent (Adam) on the softmax log-loss with L2; deterministic. */
export function fit(examples: { label: IntentLabel; feats: string[] }[], vocabulary: string[], options: FitOptions = {}): IntentModel {
  const { l2 = 1e-4, iterations = 300, learningRate = 0.1, minCount = 1 } = options;
  const labels = [...INTENT_LABELS];
  const K = labels.length;
  const counts = new Map<string, number>();
  for (const ex of examples) for (const f of ex.feats) counts.set(f, (counts.get(f) ?? 0) + 1);
  const names = [...counts.keys()].filter((f) => counts.get(f)! >= minCount).sort();
  const index = new Map(names.map((f, i) => [f, i]));
  const X = examples.map((ex) => ex.feats.map((f) => index.get(f)).filter((i): i is number => i !== undefined));
  const Y = examples.map((ex) => labels.indexOf(ex.label));
  const D = names.length;
  const W = new Float64Array(D * K);
  const b = new Float64Array(K);
  const mW = new Float64Array(D * K), vW = new Float64Array(D * K), mb = new Float64Array(K), vb = new Float64Array(K);
  const gW = new Float64Array(D * K), gb = new Float64Array(K);
  const n = examples.length;
  const z = new Float64Array(K);
  for (let it = 1; it <= iterations; it++) {
    gW.fill(0);
    gb.fill(0);
    for (let e = 0; e < n; e++) {
      const xs = X[e]!;
      for (let k = 0; k < K; k++) z[k] = b[k]!;
      for (const i of xs) for (let k = 0; k < K; k++) z[k]! += W[i * K + k]!;
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) { z[k] = Math.exp(z[k]! - max); sum += z[k]!; }
      for (let k = 0; k < K; k++) {
        const g = (z[k]! / sum - (Y[e] === k ? 1 : 0)) / n;
        gb[k]! += g;
        for (const i of xs) gW[i * K + k]! += g;
      }
    }
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const c1 = 1 - b1 ** it, c2 = 1 - b2 ** it;
    for (let j = 0; j < D * K; j++) {
      const g = gW[j]! + l2 * W[j]!;
      mW[j] = b1 * mW[j]! + (1 - b1) * g;
      vW[j] = b2 * vW[j]! + (1 - b2) * g * g;
      W[j]! -= (learningRate * (mW[j]! / c1)) / (Math.sqrt(vW[j]! / c2) + eps);
    }
    for (let k = 0; k < K; k++) {
      mb[k] = b1 * mb[k]! + (1 - b1) * gb[k]!;
      vb[k] = b2 * vb[k]! + (1 - b2) * gb[k]! ** 2;
      b[k]! -= (learningRate * (mb[k]! / c1)) / (Math.sqrt(vb[k]! / c2) + eps);
    }
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const weights: Record<string, number[]> = {};
  names.forEach((f, i) => {
    const row = Array.from(W.subarray(i * K, (i + 1) * K), round);
    if (row.some((x) => Math.abs(x) >= 0.01)) weights[f] = row;
  });
  return { labels, vocabulary: [...vocabulary].sort(), bias: Array.from(b, round), weights };
}
