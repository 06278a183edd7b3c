/**
 * The slots a fragment carries ("and in 2023?" → year; "only CV ones" → category; "by Nan Du?"
 * → author; "what about GLaM?" → paper; "any blog posts?" → kind; "when?" → intent), and how
 * they merge into an earlier frame (ellipsis resolution by combining key terms of the current
 * and previous turns into a known query pattern).
 */
import { nameKey, squash, titleKey } from '../../corpus/text.ts';
import type { Library } from '../../search/library.ts';
import { queryTerms } from '../../search/terms.ts';
import { extractFilters, parseQuery } from '../parse.ts';
import type { Frame, Intent } from '../types.ts';
import { distinctNames, PAPER_INTENTS, PERSON_INTENTS } from './context.ts';

export interface Slots {
  intent?: Intent;
  year?: number;
  category?: string;
  topic?: string;
  papers?: string[];
  authors?: string[];
  kind?: 'posts' | 'papers';
}

/** Words that carry no topic in a fragment. */
const FILLER = new Set(
  'and also only just the ones one any some those these them it that this papers paper posts post blog what about how same more other else too instead then please ok okay so now published written from in by anything something stuff results result ones articles article list show me give find'.split(' '),
);

const INTENT_CUES: [RegExp, Intent][] = [
  [/^(?:(?:and |so )?who (?:wrote|authored|made)(?: it| that| this)?|(?:the |its )?authors?(?: list)?|by whom|written by whom|who are the authors)$/i, 'authors_of'],
  [/^(?:when(?: was (?:it|that|this) (?:published|released))?|(?:the |its )?(?:publication |release )?(?:date|year)|(?:what|which) year|published when)$/i, 'date_of'],
  [/^(?:where(?: was (?:it|that|this) published)?|(?:the |its )?(?:venue|conference|journal)|which (?:venue|conference))$/i, 'venue_of'],
  [/^(?:(?:the |her |his |their )?(?:co-?authors|collaborators)|who (?:did|does) (?:she|he|they) work with)$/i, 'coauthors'],
  [/^(?:how many(?: (?:papers|publications))?|(?:the )?count|how many in total)$/i, 'count'],
  [/^(?:(?:a |the )?(?:summary|abstract|tl;?dr|gist)|what(?:'s| is) it about|what about it)$/i, 'about'],
  [/^(?:(?:the )?(?:latest|newest|most recent)(?: ones?| papers?)?)$/i, 'latest'],
  [/^(?:similar (?:ones|papers)|anything similar|related (?:ones|papers|work))$/i, 'similar'],
];

/** Readings a fragment can have on its own: a topic, a filter, a bare paper or person, blog posts. */
const FRAGMENT_INTENTS: ReadonlySet<Intent> = new Set(['search', 'unknown', 'paper', 'author', 'posts_about', 'papers_by', 'latest']);

/** True when the name as typed contains the person's family name (guards fuzzy matches like "she" → "Sheng Shen"). */
export function namesPerson(text: string, authorName: string): boolean {
  const words = new Set(titleKey(text).split(' '));
  const tokens = nameKey(authorName).split(' ').filter(Boolean);
  const last = tokens[tokens.length - 1];
  return !!last && words.has(last) && (tokens.length < 2 || tokens.slice(0, -1).some((t) => words.has(t)) || last.length >= 4);
}

/** True when the text names the paper itself (short name, alias, or most of its title words). */
export function namesPaper(text: string, lib: Library, id: string): boolean {
  const p = lib.papers.get(id);
  if (!p) return false;
  const key = ` ${titleKey(text)} `;
  for (const t of [p.title, ...p.aliases]) {
    if (!t) continue;
    const short = /^([^:]{2,40}):/.exec(t)?.[1];
    if (short && key.includes(` ${titleKey(short)} `)) return true;
    if (key.includes(` ${titleKey(t)} `)) return true;
  }
  const mine = new Set(queryTerms(text));
  const title = [...new Set(queryTerms(p.title ?? ''))];
  const hit = title.filter((t) => mine.has(t)).length;
  return title.length > 0 && hit >= Math.min(title.length, Math.max(2, Math.ceil(0.6 * title.length)));
}

function contentOf(text: string): string[] {
  return queryTerms(text).filter((t) => !FILLER.has(t));
}

/** The intent a bare cue asks for ("when?", "authors?", "how many?"), if the text is one. */
export function intentCue(core: string): Intent | null {
  const text = squash(core.replace(/\s*[?!.]+$/, ''));
  for (const [re, intent] of INTENT_CUES) if (re.test(text)) return intent;
  return null;
}

/** Reads a fragment's slots. Null when the text is a full question of its own kind. */
export function fragmentSlots(core: string, lib: Library, explicitIntent = false): Slots | null {
  const text = squash(core.replace(/\s*[?!.]+$/, ''));
  if (!text) return null;
  const cue = intentCue(text);
  if (cue) return { intent: cue };
  // "who is Sercan Arik?", "papers about object detection": a query with its own intent phrase is not a fragment.
  if (explicitIntent) return null;
  // A question of its own kind ("when were both published?") is not a fragment to merge.
  const whole = parseQuery(text, lib);
  if (!FRAGMENT_INTENTS.has(whole.intent)) return null;
  const slots: Slots = {};
  let rest = text;
  // Kind: "any blog posts", "blog posts about X", "papers?".
  const posts = /\b(?:any |some |the )?(?:blog )?posts?\b(?:\s+(?:about|on|regarding|mentioning))?/i.exec(rest);
  if (posts) {
    slots.kind = 'posts';
    rest = squash(rest.replace(posts[0], ' '));
  } else if (/^(?:(?:any|some|the|only|just) )?(?:papers?|publications?)$/i.test(rest)) {
    slots.kind = 'papers';
    rest = '';
  }
  const f = extractFilters(rest, lib);
  if (f.year !== undefined) slots.year = f.year;
  if (f.category) slots.category = f.category;
  rest = squash(f.rest.replace(/\b(?:only|just|ones?|papers?|published|written|from|in)\b/gi, ' ').replace(/^(?:the|any|some)\s+/i, ''));
  // "by Nan Du", "from Yanqi Zhou".
  const by = /^(?:(?:papers?|ones?|work)\s+)?(?:by|from|written by|authored by|of)\s+(.+)$/i.exec(rest) ?? /^(.+?)(?:'s|’s|s')(?:\s+(?:papers?|work|ones))?$/i.exec(rest);
  if (by) {
    const people = lib.findAuthors(by[1]!);
    if (people.length && namesPerson(by[1]!, people[0]!.name)) {
      slots.authors = people.map((a) => a.id);
      rest = '';
    }
  }
  if (rest && contentOf(rest).length) {
    const found = lib.findPaper(rest);
    const people = lib.findAuthors(rest);
    if (found && found.how !== 'search') slots.papers = [found.paper.id];
    else if (people.length && namesPerson(rest, people[0]!.name) && contentOf(rest).length <= 4) slots.authors = people.map((a) => a.id);
    else if (found && namesPaper(rest, lib, found.paper.id)) slots.papers = [found.paper.id];
    else {
      const parsed = parseQuery(rest, lib);
      if (parsed.intent === 'search' && parsed.topic && contentOf(parsed.topic).length) slots.topic = parsed.topic;
      else if (parsed.intent === 'paper' && parsed.papers) slots.papers = parsed.papers;
      else if (parsed.intent === 'author' && parsed.authors && namesPerson(rest, parsed.authorName ?? '')) slots.authors = parsed.authors;
      else return null;
    }
  }
  return Object.keys(slots).length ? slots : null;
}

function names(lib: Library, ids: readonly string[]): string {
  const list = distinctNames(lib, ids);
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** Sets authors and the name they are called by. */
export function withAuthors(f: Frame, ids: string[], lib: Library): Frame {
  return { ...f, authors: ids, authorName: names(lib, ids) };
}

function filtersOf(f: { year?: number; category?: string }): { year?: number; category?: string } {
  return { ...(f.year !== undefined ? { year: f.year } : {}), ...(f.category ? { category: f.category } : {}) };
}

/**
 * Merges a fragment's slots into an earlier frame. `shown` are that turn's results (the paper an
 * intent cue like "when?" is about when the turn had no focus paper). Null when they do not combine.
 */
export function mergeSlots(prev: Frame, s: Slots, shown: { papers: string[]; authors: string[] }, lib: Library): Frame | null {
  if (prev.unresolved || prev.intent === 'help' || prev.intent === 'reset' || prev.intent === 'unknown') return null;
  const prevPapers = PAPER_INTENTS.has(prev.intent) && prev.papers?.length ? prev.papers : null;
  const prevAuthors = prev.authors?.length ? prev.authors : null;
  const filters = { ...filtersOf(prev), ...filtersOf(s) };
  if (s.intent) {
    if (PAPER_INTENTS.has(s.intent)) {
      const papers = s.papers ?? prevPapers ?? (shown.papers.length === 1 ? shown.papers : null);
      return papers ? { intent: s.intent, papers } : null;
    }
    if (PERSON_INTENTS.has(s.intent)) {
      const people = s.authors ?? prevAuthors ?? (distinctNames(lib, shown.authors).length === 1 ? shown.authors : null);
      return people ? withAuthors({ intent: s.intent, ...filters }, people, lib) : null;
    }
    if (s.intent === 'latest') return { intent: 'latest', ...(prev.topic ? { topic: prev.topic } : {}), ...filters };
    return null;
  }
  if (s.kind === 'posts') {
    if (s.papers) return { intent: 'posts_about', papers: s.papers };
    const topic = s.topic ?? prev.topic;
    if (topic) return { intent: 'posts_about', topic };
    if (prevPapers) return { intent: 'posts_about', papers: prevPapers };
    if (prevAuthors) return { intent: 'posts_about', topic: names(lib, prevAuthors) };
    return null;
  }
  if (s.papers) {
    if (prevPapers && prev.intent !== 'paper') return { intent: prev.intent, papers: s.papers };
    return { intent: 'paper', papers: s.papers };
  }
  let n: Frame;
  if (s.authors) {
    if (PERSON_INTENTS.has(prev.intent)) n = withAuthors({ ...prev }, s.authors, lib);
    else if (prev.intent === 'search' || prev.intent === 'latest') n = withAuthors({ intent: 'papers_by', ...(prev.topic ? { topic: prev.topic } : {}) }, s.authors, lib);
    else n = withAuthors({ intent: 'author' }, s.authors, lib);
  } else if (s.kind === 'papers') {
    if (prev.intent !== 'posts_about' || !prev.topic) return null;
    n = { intent: 'search', topic: prev.topic };
  } else {
    n = { ...prev };
  }
  delete n.unresolved;
  if (s.topic) {
    if (n.intent === 'search' || n.intent === 'latest' || n.intent === 'posts_about' || n.intent === 'papers_by' || n.intent === 'count' || n.intent === 'coauthors') {
      n.topic = s.topic;
      if (n.intent === 'posts_about') delete n.papers;
    } else n = { intent: 'search', topic: s.topic };
  }
  if (s.year !== undefined || s.category) {
    if (n.intent === 'author' && n.authors) n = { ...n, intent: 'papers_by' };
    if (!['search', 'latest', 'papers_by', 'count', 'coauthors'].includes(n.intent)) return null;
    Object.assign(n, filtersOf(s));
  }
  if (n.intent === 'author' || n.intent === 'papers_by' || n.intent === 'count' || n.intent === 'coauthors') {
    if (!n.authors?.length) return null;
  }
  return n;
}
