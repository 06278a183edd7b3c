/**
 * Frames compared by meaning: intent, entity ids (people by name, so namesakes and the
 * records of one person compare equal), year, category, kind, normalised topic terms and the
 * restriction set. Used to dedupe candidates, to label the dev set for fitting, and by the eval.
 */
import type { Library } from '../../search/library.ts';
import { queryTerms } from '../../search/terms.ts';
import type { Frame, Intent } from '../types.ts';

export interface FrameKey {
  intent: Intent;
  papers: string[];
  authors: string[];
  post: string | null;
  year: number | null;
  category: string | null;
  kind: 'papers' | 'posts' | 'all';
  topic: string;
  within: string[] | null;
  unresolved: string | null;
  /** The general frame's other filters, sort, limit and aggregate, as one canonical string. */
  rest: string;
}

export function frameKey(f: Frame, lib: Library): FrameKey {
  let intent = f.intent;
  let kind: FrameKey['kind'] = f.kind ?? 'papers';
  // "blog posts about X" is a search for posts.
  if (intent === 'search' && kind === 'posts') intent = 'posts_about';
  if (intent === 'posts_about') kind = 'posts';
  const names = [...new Set((f.authors ?? []).map((id) => lib.authors.get(id)?.name ?? id))].sort();
  return {
    intent,
    papers: [...new Set(f.papers ?? [])].sort(),
    authors: names,
    post: f.post ?? null,
    year: f.year ?? null,
    category: f.category ?? null,
    kind,
    topic: [...new Set(queryTerms(f.topic ?? ''))].sort().join(' '),
    within: f.within ? [...new Set(f.within)].sort() : null,
    unresolved: f.unresolved && !f.papers?.length && !f.authors?.length ? f.unresolved.toLowerCase() : null,
    rest: JSON.stringify([
      names.length > 1 ? (f.authorMode ?? 'any') : null,
      [...new Set((f.excludeAuthors ?? []).map((id) => lib.authors.get(id)?.name ?? id))].sort(),
      [...new Set(queryTerms(f.excludeTopic ?? ''))].sort().join(' '),
      f.from ?? null, f.to ?? null, f.venue ?? null, f.org ?? null, f.hasCode ?? null, f.sort ?? null, f.limit ?? null,
      f.countOf && f.countOf !== 'papers' ? f.countOf : null, f.groupBy ?? null,
      f.excludeCategory ?? null, f.excludePeriod ?? null, f.compare ?? null, f.citing ?? null, f.profileCheck ?? null,
    ]),
  };
}

export function keyString(k: FrameKey): string {
  return JSON.stringify(k);
}

export function sameFrame(a: Frame, b: Frame, lib: Library): boolean {
  return keyString(frameKey(a, lib)) === keyString(frameKey(b, lib));
}

/** Field-by-field differences (for eval reports). */
export function frameDiff(actual: Frame, expected: Frame, lib: Library): string[] {
  const a = frameKey(actual, lib);
  const e = frameKey(expected, lib);
  const out: string[] = [];
  for (const k of Object.keys(e) as (keyof FrameKey)[]) {
    const x = JSON.stringify(a[k]);
    const y = JSON.stringify(e[k]);
    if (x !== y) out.push(`${k}: got ${x}, want ${y}`);
  }
  return out;
}
