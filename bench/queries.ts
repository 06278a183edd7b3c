/**
 * The benchmark's fixed query set, drawn deterministically from a corpus: topics, exact titles,
 * short names (acronyms), author names and misspellings for search; title and author prefixes
 * of 2–8 characters for autocomplete; a scripted multi-turn conversation.
 */
import type { Corpus } from '../src/corpus/schema.ts';
import { createRng, type Rng } from './generate.ts';

export type QueryKind = 'topic' | 'title' | 'short-name' | 'author' | 'misspelling';

export interface BenchQuery {
  kind: QueryKind;
  text: string;
}

export interface QuerySet {
  search: BenchQuery[];
  titlePrefixes: string[];
  authorPrefixes: string[];
  /** Conversations: each a list of turns for one user. */
  conversations: string[][];
}

/** Topics of the real corpus (its abstracts and titles are where the synthetic text comes from). */
export const TOPICS = [
  'machine translation',
  'speech recognition',
  'mixture of experts',
  'diffusion models',
  'neural architecture search',
  'large language models',
  'pipeline parallelism',
  'differential privacy',
  'reinforcement learning',
  'image classification',
  'sparse attention',
  'multilingual',
  'transformer',
  'text to speech',
  'object detection',
  'model parallel training',
  'contrastive learning',
  'instruction tuning',
  'music generation',
  'point cloud',
];

/** One typo: swap two letters, drop one, double one, or replace one with its keyboard neighbour. */
export function misspell(rng: Rng, text: string): string {
  const words = text.split(' ');
  const candidates = words.map((w, i) => (w.length >= 5 ? i : -1)).filter((i) => i >= 0);
  if (!candidates.length) return text;
  const wi = candidates[Math.floor(rng() * candidates.length)]!;
  const w = words[wi]!;
  const at = 1 + Math.floor(rng() * (w.length - 2));
  const kind = Math.floor(rng() * 4);
  let out: string;
  if (kind === 0) out = w.slice(0, at) + w[at + 1]! + w[at]! + w.slice(at + 2);
  else if (kind === 1) out = w.slice(0, at) + w.slice(at + 1);
  else if (kind === 2) out = w.slice(0, at) + w[at]! + w.slice(at);
  else out = w.slice(0, at) + (w[at] === 'e' ? 'r' : 'e') + w.slice(at + 1);
  words[wi] = out;
  return words.join(' ');
}

function stride<T>(items: readonly T[], count: number, offset = 0): T[] {
  if (!items.length) return [];
  const step = Math.max(1, Math.floor(items.length / count));
  const out: T[] = [];
  for (let i = offset % step; i < items.length && out.length < count; i += step) out.push(items[i]!);
  return out;
}

export function buildQuerySet(corpus: Corpus, seed = 1): QuerySet {
  const rng = createRng(seed);
  const titled = corpus.papers.filter((p) => p.title);
  const titles = stride(titled, 20, 3).map((p) => p.title!);
  const shortNames = stride(
    titled.map((p) => /^([^:]{2,40}):/.exec(p.title!)?.[1]).filter((s): s is string => !!s),
    10,
    5,
  );
  // Authors: the most prolific (long posting lists) and a spread of the rest.
  const authors = [...corpus.authors.slice(0, 5).map((a) => a.name), ...stride(corpus.authors, 15, 7).map((a) => a.name)];
  const search: BenchQuery[] = [
    ...TOPICS.map((text) => ({ kind: 'topic' as const, text })),
    ...titles.map((text) => ({ kind: 'title' as const, text })),
    ...shortNames.map((text) => ({ kind: 'short-name' as const, text })),
    ...authors.map((text) => ({ kind: 'author' as const, text })),
  ];
  const typoSources = [...TOPICS.slice(0, 8), ...titles.slice(0, 6), ...authors.slice(0, 6)];
  for (const t of typoSources) search.push({ kind: 'misspelling', text: misspell(rng, t) });

  const prefix = (text: string, i: number) => text.slice(0, 2 + (i % 7)).trimEnd();
  const titlePrefixes = [
    ...stride(titled, 40, 11).map((p, i) => prefix(p.title!, i)),
    // Typing a later word of the title.
    ...stride(titled, 10, 13).map((p, i) => prefix(p.title!.split(' ').slice(1).join(' ') || p.title!, i + 3)),
  ].filter((p) => p.length >= 2);
  const authorPrefixes = [
    ...stride(corpus.authors, 40, 17).map((a, i) => prefix(a.name, i)),
    ...stride(corpus.authors, 10, 19).map((a, i) => prefix(a.name.split(' ').slice(-1)[0]!, i + 2)),
  ].filter((p) => p.length >= 2);

  const conversations: string[][] = [];
  for (let c = 0; c < 6; c++) {
    const topic = TOPICS[(c * 3) % TOPICS.length]!;
    const title = titles[c % Math.max(1, titles.length)] ?? topic;
    const author = authors[(c * 2) % Math.max(1, authors.length)] ?? 'Zhifeng Chen';
    const short = shortNames[c % Math.max(1, shortNames.length)] ?? title;
    conversations.push([
      `papers about ${topic}`,
      'who wrote the first one?',
      `what else did ${author} write?`,
      'show me the second one',
      `what is ${short}?`,
      'who are the authors?',
      `${misspell(rng, topic)} papers from 2022`,
      `tell me about "${title}"`,
      'any blog posts about it?',
      'papers similar to that',
    ]);
  }
  return { search, titlePrefixes, authorPrefixes, conversations };
}
