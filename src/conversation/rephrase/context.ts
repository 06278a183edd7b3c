/**
 * The conversation as candidate antecedents: the papers, people and posts earlier turns were
 * about (their focus) and showed (their results and lists), with how salient each is.
 */
import type { Library } from '../../search/library.ts';
import type { Turn } from '../memory.ts';
import type { Frame, Intent } from '../types.ts';

export type EntityType = 'paper' | 'person' | 'post';

export interface Referent {
  type: EntityType;
  /** One id, or several for a list ("the first two", "these authors"). */
  ids: string[];
  /** 0 = the last turn. */
  turnsAgo: number;
  /** 0 = what that turn was about; 1, 2, … = its results in the order shown. */
  rank: number;
  source: 'focus' | 'result' | 'list';
  /** Ordinals: how long the list it was picked from is. */
  listSize?: number;
  /** Ordinals: the list it was picked from. */
  list?: readonly string[];
}

export interface ShownList {
  type: EntityType;
  ids: string[];
  turnsAgo: number;
  /** Not shown as a list but implied: the authors of the one paper a turn was about ("the first author"). */
  implied?: boolean;
}

/** How many turns back references look. */
export const LOOKBACK = 4;

export const PAPER_INTENTS: ReadonlySet<Intent> = new Set(['paper', 'about', 'authors_of', 'date_of', 'venue_of', 'similar', 'posts_about']);
export const PERSON_INTENTS: ReadonlySet<Intent> = new Set(['author', 'papers_by', 'coauthors', 'count']);

function focusPapers(f: Frame): string[] {
  return PAPER_INTENTS.has(f.intent) && f.papers?.length ? f.papers : [];
}

function focusAuthors(f: Frame): string[] {
  return PERSON_INTENTS.has(f.intent) && f.authors?.length ? f.authors : (f.intent === 'search' && f.authors?.length ? f.authors : []);
}

/** Distinct people in a list of author ids (namesakes share one name). */
export function distinctNames(lib: Library, ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => lib.authors.get(id)?.name).filter((n): n is string => !!n))];
}

/** Antecedents, most salient first (recent turns first; within a turn, focus before results). */
export function referents(history: readonly Turn[], lib: Library): Referent[] {
  const out: Referent[] = [];
  const seen = new Set<string>();
  const push = (r: Referent) => {
    const key = `${r.type}:${[...r.ids].sort().join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  for (let t = 0; t < Math.min(LOOKBACK, history.length); t++) {
    const turn = history[history.length - 1 - t]!;
    const f = turn.frame;
    const fp = focusPapers(f).filter((id) => lib.papers.has(id));
    if (fp.length) push({ type: 'paper', ids: fp, turnsAgo: t, rank: 0, source: 'focus' });
    const fa = focusAuthors(f).filter((id) => lib.authors.has(id));
    if (fa.length) push({ type: 'person', ids: fa, turnsAgo: t, rank: 0, source: 'focus' });
    if (f.post && lib.posts.has(f.post)) push({ type: 'post', ids: [f.post], turnsAgo: t, rank: 0, source: 'focus' });
    // Results shown.
    const papers = turn.papers.filter((id) => lib.papers.has(id) && !fp.includes(id));
    if (papers.length >= 2) push({ type: 'paper', ids: papers, turnsAgo: t, rank: 1, source: 'list' });
    papers.slice(0, 3).forEach((id, i) => push({ type: 'paper', ids: [id], turnsAgo: t, rank: 1 + i, source: 'result' }));
    const people = turn.authors.filter((id) => lib.authors.has(id) && !fa.includes(id));
    if (distinctNames(lib, people).length >= 2) push({ type: 'person', ids: people, turnsAgo: t, rank: 1, source: 'list' });
    people.slice(0, 2).forEach((id, i) => push({ type: 'person', ids: [id], turnsAgo: t, rank: 1 + i, source: 'result' }));
    const posts = turn.posts.filter((id) => lib.posts.has(id) && id !== f.post);
    if (posts.length >= 2) push({ type: 'post', ids: posts, turnsAgo: t, rank: 1, source: 'list' });
    posts.slice(0, 2).forEach((id, i) => push({ type: 'post', ids: [id], turnsAgo: t, rank: 1 + i, source: 'result' }));
  }
  return out;
}

/** The lists earlier answers showed (for ordinals), most recent first. */
export function shownLists(history: readonly Turn[], lib: Library): ShownList[] {
  const out: ShownList[] = [];
  for (let t = 0; t < Math.min(LOOKBACK, history.length); t++) {
    const turn = history[history.length - 1 - t]!;
    const papers = turn.papers.filter((id) => lib.papers.has(id));
    const people = turn.authors.filter((id) => lib.authors.has(id));
    const posts = turn.posts.filter((id) => lib.posts.has(id));
    const lists: ShownList[] = [];
    if (papers.length) lists.push({ type: 'paper', ids: papers, turnsAgo: t });
    if (posts.length) lists.push({ type: 'post', ids: posts, turnsAgo: t });
    if (people.length > 1 || (people.length === 1 && !papers.length && !posts.length)) lists.push({ type: 'person', ids: people, turnsAgo: t });
    // A question about people (authors of X, co-authors of Y) lists people first.
    if (turn.frame.intent === 'authors_of' || turn.frame.intent === 'coauthors') lists.sort((a, b) => (a.type === 'person' ? -1 : b.type === 'person' ? 1 : 0));
    // The one paper a turn was about implies its author list ("who is the first author?").
    const fp = focusPapers(turn.frame);
    const only = fp.length === 1 ? lib.papers.get(fp[0]!) : undefined;
    if (only && !lists.some((l) => l.type === 'person')) lists.push({ type: 'person', ids: only.authorIds.filter((id) => lib.authors.has(id)), turnsAgo: t, implied: true });
    out.push(...lists);
  }
  return out;
}
