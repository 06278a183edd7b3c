/**
 * The labelled utterances the intent model is fitted on: hand-written templates
 * (test/fixtures/utterances/templates.jsonl) crossed with the corpus's own entities, with a
 * seeded generator so the expansion is reproducible. Also turns an utterance into the model's
 * features exactly as the parser does at run time (linking, masking, n-grams).
 */
import fs from 'node:fs';
import { CATEGORY_NAMES } from '../../src/corpus/categories.ts';
import type { Library } from '../../src/search/library.ts';
import { features, maskedWords, type IntentLabel } from '../../src/conversation/understand/intents.ts';
import { greedy, link } from '../../src/conversation/understand/link.ts';
import { tokenize } from '../../src/conversation/understand/tokens.ts';
import { rng } from '../fixtures/corpus/synthetic.ts';

export interface Template { intent: IntentLabel; text: string }
export interface Utterance { intent: IntentLabel; text: string }

const TOPICS = [
  'speech recognition', 'machine translation', 'mixture of experts', 'retrieval', 'image generation', 'reinforcement learning',
  'language models', 'text to speech', 'pipeline parallelism', 'model parallelism', 'transformers', 'privacy', 'robotics',
  'graph neural networks', 'music generation', 'vision transformers', 'contrastive learning', 'data augmentation', 'sparse models',
  'multilingual models', 'on-device ASR', 'MRI', 'neural architecture search', 'quantization', 'scaling laws', 'chain of thought',
  'question answering', 'summarization', 'diffusion', 'self-supervised learning', 'federated learning', 'compilers', 'TPUs',
  'attention', 'distillation', 'benchmarks', 'optimization', 'video', 'audio', 'captioning', 'embeddings', 'synthesis',
];
const DATES = [
  'in 2021', 'from 2022', 'since 2022', 'since 2019', 'after 2020', 'before 2019', 'before 2021', 'between 2019 and 2021', 'from 2018 to 2020',
  'this year', 'last year', 'in the past three years', 'in the last 2 years', 'older than 2018', 'in March 2023', '2019-2021', 'in 2023',
  'after 2021', 'over the last five years', 'in 2020', 'during 2022', 'from 2024 onwards', 'in the 2010s',
];
const VENUES = ['ICLR', 'OSDI', 'ICASSP', 'arXiv'];
const ORGS = ['DeepMind', 'Amazon', 'Baidu', 'Apple', 'CMU', 'Carnegie Mellon'];

export function loadTemplates(file: string): Template[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Template);
}

/** Each template `copies` times with entities drawn from the library. */
export function expand(templates: Template[], lib: Library, copies = 3, seed = 12): Utterance[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const papers = [...lib.papers.values()].filter((p) => p.title);
  const authors = [...lib.authors.values()];
  const posts = [...lib.posts.values()];
  const cats = lib.categories;
  const fill: Record<string, () => string> = {
    paper: () => {
      const p = pick(papers);
      const short = /^([^:]{2,40}):/.exec(p.title!)?.[1];
      const x = r();
      if (short && x < 0.55) return x < 0.1 ? short.toLowerCase() : short;
      return x < 0.8 ? p.title! : p.title!.toLowerCase();
    },
    author: () => { const n = pick(authors).name; return r() < 0.15 ? n.toLowerCase() : n; },
    topic: () => pick(TOPICS),
    category: () => {
      const c = pick(cats);
      const x = r();
      return x < 0.35 ? c : x < 0.5 ? `cs.${c}` : x < 0.8 ? (CATEGORY_NAMES.get(c) ?? c) : (CATEGORY_NAMES.get(c) ?? c).toLowerCase();
    },
    date: () => pick(DATES),
    year: () => String(2016 + Math.floor(r() * 10)),
    post: () => { const t = pick(posts).title; const s = /^([^:]{2,40}):/.exec(t)?.[1]; return s && r() < 0.5 ? s : t; },
    venue: () => pick(VENUES),
    org: () => pick(ORGS),
  };
  const out: Utterance[] = [];
  for (const t of templates) {
    const n = /\{\w+\}/.test(t.text) ? copies : 1;
    for (let i = 0; i < n; i++) {
      const text = t.text.replace(/\{(\w+?)2?\}/g, (_, k: string) => (fill[k] ?? (() => k))());
      out.push({ intent: t.intent, text });
    }
  }
  return out;
}

/** Template words outside placeholders: the model's vocabulary. */
export function vocabularyOf(templates: Template[]): string[] {
  const v = new Set<string>();
  for (const t of templates) for (const tok of tokenize(t.text.replace(/\{\w+\}/g, ' '))) if (!/^\d+$/.test(tok.norm)) v.add(tok.norm);
  return [...v].sort();
}

/** Template words used in at least `min` templates: words that ask (never part of a topic). */
export function intentWordsOf(templates: Template[], min = 2): string[] {
  const counts = new Map<string, number>();
  for (const t of templates) for (const w of new Set(tokenize(t.text.replace(/\{\w+\}/g, ' ')).map((x) => x.norm))) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts.entries()].filter(([w, n]) => n >= min && !/^\d+$/.test(w)).map(([w]) => w).sort();
}

export function featurize(text: string, lib: Library, vocabulary: ReadonlySet<string>, now: Date): string[] {
  const tokens = tokenize(text);
  return features(maskedWords(tokens, greedy(link(text, tokens, lib, now)), vocabulary));
}
