/**
 * Candidate generators. Each proposes stand-alone readings of the input:
 *  (a) reference substitution — pronouns, demonstratives and ordinals replaced by antecedents
 *      from the history, the result parsed as a stand-alone query;
 *  (b) slot merge — a fragment's slots (year, category, topic, author, paper, kind, intent)
 *      combined with an earlier frame;
 *  (c) set restriction — "which of these …" over the previous results (`Frame.within`);
 *  (d) identity — the input parsed alone (no rewrite).
 * Generation is bounded: a few antecedents per reference, two earlier frames, one list.
 */
import { squash } from '../../corpus/text.ts';
import type { Library } from '../../search/library.ts';
import type { Turn } from '../memory.ts';
import { parseQuery } from '../parse.ts';
import type { Frame } from '../types.ts';
import { verbalize } from '../verbalize.ts';
import { distinctNames, LOOKBACK, referents, shownLists, type Referent } from './context.ts';
import { frameKey, keyString } from './frames.ts';
import { mainRef, type Analysis, type RefSpan } from './refs.ts';
import { fragmentSlots, intentCue, mergeSlots, withAuthors, type Slots } from './slots.ts';

export type Generator = 'identity' | 'reference' | 'merge' | 'set';

export interface Candidate {
  generator: Generator;
  /** The stand-alone query (the frame verbalized). */
  text: string;
  frame: Frame;
  /** Human-readable origin ("it → GPipe (focus, 1 turn ago)"). */
  provenance: string;
  /** Reference substitution: the expression and its antecedent. */
  ref?: { span: RefSpan; referent: Referent; agree: number; clash: boolean };
  /** Slot merge / set restriction: which earlier turn it builds on. */
  turnsAgo?: number;
  merge?: { slots: (keyof Slots)[]; intentKept: boolean };
  set?: { size: number };
  /** A rewrite that means the same as the identity reading (right either way; not shown as a rewrite). */
  sameAsIdentity?: boolean;
}

/** Antecedents considered per reference (agreeing), plus at most one of the wrong type. */
const MAX_AGREEING = 3;

function label(lib: Library, r: Referent): string {
  const one = (id: string) =>
    r.type === 'paper' ? (lib.papers.get(id)?.title ?? id).split(':')[0]! : r.type === 'person' ? (lib.authors.get(id)?.name ?? id) : (lib.posts.get(id)?.title ?? id);
  const names = r.type === 'person' ? distinctNames(lib, r.ids) : r.ids.map(one);
  const shown = names.length > 2 ? `${names.slice(0, 2).join(', ')} +${names.length - 2}` : names.join(', ');
  return `${shown} (${r.source}${r.rank ? ` #${r.rank}` : ''}, ${r.turnsAgo === 0 ? 'last turn' : `${r.turnsAgo + 1} turns ago`})`;
}

/** How well an antecedent's type fits the expression: 1 agrees, 0.5 plausible, 0 clashes. */
export function agreement(span: RefSpan, r: Referent, lib: Library): number {
  const single = r.type === 'person' ? distinctNames(lib, r.ids).length === 1 : r.ids.length === 1;
  if (span.noun && span.noun !== r.type) return 0;
  switch (span.kind) {
    case 'thing':
      return (r.type === 'paper' || r.type === 'post') && single ? 1 : 0;
    case 'person':
      return r.type === 'person' && single ? 1 : 0;
    case 'plural':
      if (!single) return 1;
      return r.type === 'person' ? 0.5 : 0;
    case 'ordinal':
      // "the last one" of a one-item list is a weak reading of an ordinal.
      return (r.listSize ?? 2) >= 2 ? 1 : 0.5;
  }
}

/**
 * The text an antecedent is substituted by: ids for papers (the parser looks ids up exactly, and
 * they hold no punctuation to confuse its patterns), names for people, titles for posts. An id
 * with a year-like part would be read as a year filter: then the exact title stands in.
 */
function surface(r: Referent, lib: Library): string {
  const id = r.ids[0]!;
  if (r.type === 'paper') return /\b(?:19|20)\d{2}\b/.test(id) ? (lib.papers.get(id)?.title ?? id) : id;
  if (r.type === 'person') return lib.authors.get(id)?.name ?? id;
  return lib.posts.get(id)?.title ?? id;
}

/** What a possessive asks for ("its authors", "her co-authors") → the phrase the parser knows. */
const POSSESSED_FIELD: [RegExp, string][] = [
  [/^\s+(?:full |complete )?(?:authors?|author list|writers)\b/i, 'the authors of'],
  [/^\s+(?:other )?(?:co-?authors|collaborators|co-?workers)\b/i, 'the co-authors of'],
  [/^\s+(?:publication |release )?(?:date|year)\b/i, 'publication date of'],
  [/^\s+(?:venue|conference|journal)\b/i, 'venue of'],
  [/^\s+(?:abstract|summary|tl;?dr|gist)\b/i, 'abstract of'],
];

export function substitute(core: string, span: RefSpan, s: string): string {
  const before = core.slice(0, span.start);
  const after = core.slice(span.end);
  if (span.possessive) {
    for (const [re, phrase] of POSSESSED_FIELD) {
      const m = re.exec(after);
      // "who are its authors" → "who are the authors of X"; a bare "its venue" → "venue of X".
      if (m) return squash(`${before.replace(/^(?:and|so|what about|what is|what's|what are|tell me)\s+$/i, '')}${phrase} ${s}${after.slice(m[0].length)}`);
    }
    return `${before}${s}'s${after}`;
  }
  return `${before}${s}${after}`;
}

/** Does the parsed frame use the antecedent substituted in? Then give it all of the antecedent's ids. */
function bind(f: Frame, r: Referent, lib: Library): Frame | null {
  const id = r.ids[0]!;
  if (r.type === 'paper') {
    if (!f.papers?.includes(id)) return null;
    return { ...f, papers: [...r.ids] };
  }
  if (r.type === 'person') {
    const name = lib.authors.get(id)?.name;
    if (!f.authors?.some((a) => lib.authors.get(a)?.name === name)) return null;
    return withAuthors(f, [...r.ids], lib);
  }
  if (f.post === id) return f;
  return null;
}

/** The newest / oldest paper of a list (by date; other lists keep their order). */
function byDate(ids: string[], which: 'newest' | 'oldest', lib: Library): string | undefined {
  const dated = ids.map((id) => ({ id, date: lib.papers.get(id)?.date ?? '' })).filter((x) => x.date);
  if (!dated.length) return which === 'newest' ? ids[0] : ids[ids.length - 1];
  dated.sort((a, b) => (which === 'newest' ? b.date.localeCompare(a.date) : a.date.localeCompare(b.date)));
  return dated[0]!.id;
}

/** The template frame (parsed with some antecedent of this type) with this antecedent's entity. */
function rebind(f: Frame, r: Referent, lib: Library): Frame | null {
  if (r.type === 'paper') return { ...f, papers: [...r.ids] };
  if (r.type === 'person') return withAuthors(f, [...r.ids], lib);
  return { ...f, post: r.ids[0]! };
}

function bareFrame(r: Referent, lib: Library, core: string): Frame {
  if (r.type === 'paper') return { intent: /\b(?:about|summar|abstract|details|more)\b/i.test(core) ? 'about' : 'paper', papers: [...r.ids] };
  if (r.type === 'person') return withAuthors({ intent: 'author' }, [...r.ids], lib);
  return { intent: 'post_citations', post: r.ids[0]! };
}

function candidate(generator: Generator, frame: Frame, lib: Library, provenance: string, extra: Partial<Candidate> = {}): Candidate {
  return { generator, frame, text: verbalize(frame, lib), provenance, ...extra };
}

/** (a) Reference substitution. */
function referenceCandidates(a: Analysis, history: readonly Turn[], lib: Library): Candidate[] {
  const span = mainRef(a);
  if (!span) return [];
  const out: Candidate[] = [];
  let pool: Referent[];
  if (span.kind === 'ordinal') {
    pool = [];
    for (const list of shownLists(history, lib)) {
      if (span.noun ? span.noun !== list.type : list.implied) continue;
      const ids = span.byDate
        ? [byDate(list.ids, span.byDate, lib)]
        : span.positions!.map((p) => list.ids[p < 0 ? list.ids.length + p : p]);
      if (ids.some((x) => x === undefined)) continue;
      pool.push({ type: list.type, ids: ids as string[], turnsAgo: list.turnsAgo, rank: 0, source: 'list', listSize: list.ids.length, list: list.ids });
      if (pool.length >= 2) break;
    }
  } else {
    const all = referents(history, lib);
    const agreeing = all.filter((r) => agreement(span, r, lib) > 0).slice(0, MAX_AGREEING);
    const clash = all.find((r) => agreement(span, r, lib) === 0 && !(span.kind === 'thing' && r.type === 'person' && r.ids.length > 1));
    // A bare reference ("that one") is answered as the antecedent itself: only agreeing ones.
    pool = clash && !a.bareRef ? [...agreeing, clash] : agreeing;
  }
  // One parse per antecedent type: the substituted text differs only in the entity, so the
  // frame found for the first antecedent of a type is re-bound to the others.
  const parsed = new Map<string, Frame | null>();
  for (const r of pool) {
    const agree = agreement(span, r, lib);
    const info = { span, referent: r, agree, clash: agree === 0 };
    const prov = `${span.text} → ${label(lib, r)}`;
    if (a.bareRef) {
      out.push(candidate('reference', bareFrame(r, lib, a.core), lib, prov, { ref: info, turnsAgo: r.turnsAgo }));
      // "and the fourth?" after "who wrote the third?": the antecedent as a slot of the last question.
      const last = history[history.length - 1]!;
      const slots: Slots = r.type === 'paper' ? { papers: [...r.ids] } : r.type === 'person' ? { authors: [...r.ids] } : {};
      const merged = Object.keys(slots).length ? mergeSlots(last.frame, slots, last, lib) : null;
      // Only when it carries the last question over (who wrote / when was / who is …), not a plain listing.
      if (merged && merged.intent === last.frame.intent && merged.intent !== 'paper' && merged.intent !== 'author') {
        // The last question continues the list when it was about one of its items ("who wrote the
        // third?" → "and the fourth?"); otherwise the antecedent is as old as its list.
        const asked = r.type === 'paper' ? last.frame.papers : r.type === 'person' ? last.frame.authors : undefined;
        const continues = r.turnsAgo === 0 || !!asked?.some((id) => r.list?.includes(id));
        out.push(candidate('merge', merged, lib, `${prov}, merged into “${last.rephrased}”`, {
          ref: info,
          turnsAgo: continues ? 0 : r.turnsAgo,
          merge: { slots: Object.keys(slots) as (keyof Slots)[], intentKept: merged.intent === last.frame.intent },
        }));
      }
      continue;
    }
    if (!parsed.has(r.type)) {
      const f = parseQuery(substitute(a.core, span, surface(r, lib)), lib);
      parsed.set(r.type, bind(f, r, lib) ? f : null);
    }
    const template = parsed.get(r.type);
    const bound = template ? rebind(template, r, lib) : null;
    if (bound) out.push(candidate('reference', bound, lib, prov, { ref: info, turnsAgo: r.turnsAgo }));
  }
  return out;
}

/** (b) Slot merge into the last two frames; only for inputs with some fragment evidence. */
function mergeCandidates(a: Analysis, history: readonly Turn[], lib: Library, fragment: number): Candidate[] {
  if (a.refs.length || a.set || (fragment <= 0 && !intentCue(a.core))) return [];
  const slots = fragmentSlots(a.core, lib, a.explicitIntent);
  if (!slots) return [];
  const out: Candidate[] = [];
  for (let t = 0; t < Math.min(2, history.length); t++) {
    const turn = history[history.length - 1 - t]!;
    const merged = mergeSlots(turn.frame, slots, turn, lib);
    if (!merged) continue;
    const names = Object.keys(slots) as (keyof Slots)[];
    out.push(candidate('merge', merged, lib, `${names.join('+')} merged into “${turn.rephrased}” (${t === 0 ? 'last turn' : `${t + 1} turns ago`})`, {
      turnsAgo: t,
      merge: { slots: names, intentKept: merged.intent === turn.frame.intent },
    }));
  }
  return out;
}

const SET_VERBS =
  /^(?:(?:which|what|are|is|were|was|do|does|did|any|ones?|papers?|posts?|of|them|only|just|show me|list|give me)\s+)*(?:(?:are|is|were|was)\s+)?(?:use|uses|using|used|about|on|mention|mentions|mentioning|discuss|discusses|discussing|deal with|deals with|cover|covers|involve|involves|concern|concerns|related to|published|written|released|have|has|with|talk about|talks about)?\s*/i;

/** (c) Restriction of the previous results. */
function setCandidates(a: Analysis, history: readonly Turn[], lib: Library): Candidate[] {
  if (!a.set) return [];
  const out: Candidate[] = [];
  for (let t = 0; t < Math.min(LOOKBACK, history.length) && out.length < 1; t++) {
    const turn = history[history.length - 1 - t]!;
    const papers = turn.papers.filter((id) => lib.papers.has(id));
    const posts = turn.posts.filter((id) => lib.posts.has(id));
    if (papers.length < 2 && posts.length < 2) continue;
    const rest = a.set.rest.replace(SET_VERBS, '');
    const slots = (rest ? fragmentSlots(rest, lib) : null) ?? {};
    let f: Frame | null = null;
    if (papers.length >= 2) {
      const filters = { ...(slots.year !== undefined ? { year: slots.year } : {}), ...(slots.category ? { category: slots.category } : {}) };
      if (slots.authors) f = withAuthors({ intent: 'papers_by', ...(slots.topic ? { topic: slots.topic } : {}), ...filters, within: papers }, slots.authors, lib);
      else if (slots.topic || slots.year !== undefined || slots.category) f = { intent: 'search', ...(slots.topic ? { topic: slots.topic } : {}), ...filters, within: papers };
    } else if (slots.topic) {
      f = { intent: 'posts_about', topic: slots.topic, within: posts };
    }
    if (papers.length >= 2 && a.set.rest) {
      // What only the general frame can say over a set: order ("which came first?"), counts, code,
      // periods, venues, exclusions ("how many of them have code?").
      const g = parseQuery(a.set.rest, lib);
      const richer = g.sort || g.hasCode !== undefined || g.from || g.to || g.venue || g.org || g.excludeTopic || g.excludeCategory || g.excludePeriod || g.categories
        || g.intent === 'count' || g.intent === 'breakdown' || g.intent === 'top_authors';
      if (richer && ['search', 'latest', 'papers_by', 'count', 'breakdown', 'top_authors'].includes(g.intent)) {
        const { fallback, yesno, ...rest } = g;
        void fallback;
        f = { ...rest, ...(yesno ? { yesno } : {}), within: papers };
        // "which of those came first?": one answer, not a re-ordered list.
        if (f.sort && !f.limit && /^(?:which|what)\b/i.test(a.core) && !/\b(?:papers|ones|publications)\b/i.test(a.set.rest)) f.limit = 1;
        if (f.intent === 'latest' && f.sort === 'newest') f.intent = 'search';
      }
    }
    if (f) out.push(candidate('set', f, lib, `“${a.set.text}” restricts the ${f.within!.length} results of “${turn.rephrased}”`, { turnsAgo: t, set: { size: f.within!.length } }));
  }
  return out;
}

/** All candidates, identity first; rewrites that repeat an earlier rewrite's meaning are dropped. */
export function generate(a: Analysis, identity: Frame, history: readonly Turn[], lib: Library, fragment = 1): Candidate[] {
  const id = candidate('identity', identity, lib, 'identity (no rewrite)');
  if (!history.length || identity.intent === 'reset' || identity.intent === 'help') return [id];
  const out: Candidate[] = [id];
  const idKey = keyString(frameKey(identity, lib));
  const seen = new Set<string>();
  for (const c of [...referenceCandidates(a, history, lib), ...setCandidates(a, history, lib), ...mergeCandidates(a, history, lib, fragment)]) {
    const k = keyString(frameKey(c.frame, lib));
    if (seen.has(k)) continue;
    seen.add(k);
    if (k === idKey) c.sameAsIdentity = true;
    out.push(c);
  }
  return out;
}
