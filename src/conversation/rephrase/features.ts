/**
 * The scorer's named features. Input-level signals (is the input stand-alone, does it hold an
 * unresolved reference, is it a fragment) are set on the identity candidate only: scores are
 * compared within a turn, so "keep it as it is" versus "rewrite" is all that an input-level
 * signal can weigh. Candidate-level signals (type agreement, salience and recency of the
 * antecedent, fragment merged, set restricted, whether it retrieves anything) apply to rewrites.
 */
import { selectPapers } from '../execute.ts';
import type { Library } from '../../search/library.ts';
import { queryTerms } from '../../search/terms.ts';
import type { Frame } from '../types.ts';
import { LOOKBACK } from './context.ts';
import type { Candidate } from './generators.ts';
import type { Analysis } from './refs.ts';
import { intentCue, namesPaper, namesPerson } from './slots.ts';

export const FEATURES = [
  /** Identity candidate: bias. */
  'identity',
  /** Identity × the input names its own paper, person or post. */
  'identity.namesEntity',
  /** Identity × the input has its own intent phrase (who wrote…, papers about…). */
  'identity.explicitIntent',
  /** Identity × the input holds a reference (pronoun, demonstrative, ordinal, "of these"). */
  'identity.hasReference',
  /** Identity × fragment-ness of the input (ellipsis lead; short without intent phrase; incomplete reading), 0…1. */
  'identity.fragment',
  /** Identity × its answer would be empty (nothing found, unresolved, not understood). */
  'identity.empty',
  /** Rewrite that replaces a reference expression with an antecedent. */
  'ref.resolved',
  /** Antecedent type agrees with the expression (person pronoun ↔ person, it ↔ paper/post, plural ↔ list): 1, plausible 0.5. */
  'ref.typeAgree',
  /** Antecedent type contradicts the expression ("she" → a paper). */
  'ref.typeClash',
  /** Antecedent was what its turn was about (not one of its results). */
  'ref.focus',
  /** Antecedent's position among its turn's results (0 focus … 1 fourth or later). */
  'ref.rank',
  /** Turns back the candidate reaches (0 last turn … 1 at the look-back limit). */
  'context.turnsAgo',
  /** Slot merge × fragment-ness of the input. */
  'merge.fragment',
  /** Slot merge keeps the earlier frame's intent (the fragment only changes a slot). */
  'merge.intentKept',
  /** Set restriction over the previous results. */
  'set.restriction',
  /** Rewrite × its answer would be empty. */
  'rewrite.empty',
  /** Rewrite that finds nothing where the literal (complete) reading finds something. */
  'rewrite.emptyVsIdentity',
] as const;

export type FeatureName = (typeof FEATURES)[number];
export type FeatureVector = Record<FeatureName, number>;

export interface InputSignals {
  namesEntity: number;
  explicitIntent: number;
  hasReference: number;
  fragment: number;
  /** The literal reading lacks what its intent needs ("any blog posts?" — about what?). */
  incomplete: number;
  /** The literal reading's answer would be empty, or only vacuously full (incomplete). */
  identityEmpty: number;
}

/** Memoised "does this frame retrieve anything" (one cheap check per distinct frame). */
export class RetrievalCheck {
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly lib: Library) {}

  retrieves(f: Frame): boolean {
    const key = JSON.stringify(f);
    let v = this.cache.get(key);
    if (v === undefined) {
      v = this.compute(f);
      this.cache.set(key, v);
    }
    return v;
  }

  private compute(f: Frame): boolean {
    const lib = this.lib;
    if (f.unresolved) return false;
    const year = f.year;
    const cat = f.category;
    const within = f.within ? new Set(f.within) : null;
    const keep = (id: string) => {
      const p = lib.papers.get(id);
      return !!p && (year === undefined || p.year === year) && (!cat || p.category === cat) && (!within || within.has(id));
    };
    switch (f.intent) {
      case 'help':
      case 'reset':
        return true;
      case 'unknown':
        return false;
      case 'paper':
      case 'about':
      case 'authors_of':
      case 'date_of':
      case 'venue_of':
      case 'similar':
      case 'first_author':
      case 'last_author':
      case 'author_count':
      case 'category_of':
      case 'code_of':
        return !!f.papers?.some((id) => lib.papers.has(id));
      case 'post_citations':
        return !f.post || lib.posts.has(f.post);
      case 'post':
        return !!f.post && lib.posts.has(f.post);
      case 'verify':
      case 'breakdown':
      case 'top_authors':
        return f.papers?.length ? f.papers.some((id) => lib.papers.has(id)) : selectPapers(f, lib, 1).total > 0;
      case 'author':
        return !!f.authors?.some((id) => lib.authors.has(id));
      case 'papers_by':
      case 'count':
        if (f.unresolved) return false;
        return selectPapers(f, lib, 1).total > 0;
      case 'coauthors': {
        const ids = [...new Set((f.authors ?? []).flatMap((id) => lib.authors.get(id)?.paperIds ?? []))].filter(keep);
        if (!ids.length) return false;
        if (!f.topic) return true;
        return lib.search(f.topic, { kinds: ['paper'], within: new Set(ids) }, { limit: 0 }).total > 0;
      }
      case 'posts_about':
        if (f.papers?.length) return true;
        if (!f.topic) return lib.posts.size > 0;
        return lib.search(f.topic, { kinds: ['post'], ...(within ? { within } : {}) }, { limit: 0 }).total > 0;
      case 'latest':
      case 'search': {
        if (f.kind !== 'posts' && f.kind !== 'all') return selectPapers(f, lib, 1).total > 0;
        if (!f.topic) return lib.corpus.papers.some((p) => keep(p.id));
        const kinds: ('paper' | 'post')[] = f.kind === 'posts' ? ['post'] : f.kind === 'all' ? ['paper', 'post'] : ['paper'];
        return lib.search(f.topic, { kinds, ...(cat ? { category: cat } : {}), ...(year !== undefined ? { year } : {}), ...(within ? { within } : {}) }, { limit: 0 }).total > 0;
      }
    }
  }
}

/** Input-level signals, from the analysis and the identity reading. */
export function inputSignals(a: Analysis, identity: Frame, lib: Library): InputSignals {
  const text = a.core;
  const names =
    (identity.papers ?? []).some((id) => namesPaper(text, lib, id)) ||
    (identity.authors ?? []).some((id) => namesPerson(text, lib.authors.get(id)?.name ?? '')) ||
    (!!identity.post && namesPaper(text, lib, identity.post)) ||
    (!!identity.post && queryTerms(lib.posts.get(identity.post)?.title ?? '').filter((t) => queryTerms(text).includes(t)).length >= 2);
  const hasReference = a.refs.length > 0 || a.set !== null;
  const explicit = a.explicitIntent && identity.intent !== 'unknown';
  const contentTerms = queryTerms(text).length;
  const noIntent = (identity.intent === 'search' || identity.intent === 'unknown') && !a.explicitIntent;
  // A reading that lacks what its intent needs: "any blog posts?" (about what?), "in 2021?" (what?).
  const incomplete =
    identity.intent === 'unknown' ||
    (identity.intent === 'posts_about' && !identity.topic && !identity.papers?.length) ||
    (identity.intent === 'search' && !identity.topic) ||
    (!!identity.unresolved && !identity.papers?.length && !identity.authors?.length) ||
    // "by Nan Du?", "from 2019?", "in CV?": a bare filter phrase leans on the question before it.
    /^(?:and\s+|but\s+|only\s+|just\s+)?(?:by|from|in|on|about|with|since|before|after|at)\b/i.test(text);
  // A bare cue ("when?", "authors?", "how many?") is all fragment.
  const fragment = intentCue(a.core) ? 1 : Math.min(1, (a.lead ? 0.5 : 0) + (noIntent && contentTerms <= 3 ? 0.5 : 0) + (incomplete ? 0.5 : 0));
  return { namesEntity: names ? 1 : 0, explicitIntent: explicit ? 1 : 0, hasReference: hasReference ? 1 : 0, fragment, incomplete: incomplete ? 1 : 0, identityEmpty: 0 };
}

export function features(c: Candidate, input: InputSignals, check: RetrievalCheck): FeatureVector {
  const v = Object.fromEntries(FEATURES.map((f) => [f, 0])) as FeatureVector;
  const empty = check.retrieves(c.frame) ? 0 : 1;
  if (c.generator === 'identity') {
    v.identity = 1;
    v['identity.namesEntity'] = input.namesEntity;
    v['identity.explicitIntent'] = input.explicitIntent;
    v['identity.hasReference'] = input.hasReference;
    v['identity.fragment'] = input.fragment;
    v['identity.empty'] = empty;
    return v;
  }
  v['rewrite.empty'] = empty;
  v['rewrite.emptyVsIdentity'] = empty && !input.identityEmpty ? 1 : 0;
  v['context.turnsAgo'] = Math.min(c.turnsAgo ?? 0, LOOKBACK) / LOOKBACK;
  if (c.ref) {
    v['ref.resolved'] = 1;
    v['ref.typeAgree'] = c.ref.agree;
    v['ref.typeClash'] = c.ref.clash ? 1 : 0;
    v['ref.focus'] = c.ref.referent.source === 'focus' ? 1 : 0;
    v['ref.rank'] = Math.min(c.ref.referent.rank, 4) / 4;
  }
  if (c.merge) {
    v['merge.fragment'] = input.fragment;
    v['merge.intentKept'] = c.merge.intentKept ? 1 : 0;
  }
  if (c.set) v['set.restriction'] = 1;
  return v;
}
