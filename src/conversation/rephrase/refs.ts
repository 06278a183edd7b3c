/**
 * Lexical analysis of a follow-up: the referring expressions it contains (pronouns,
 * demonstratives, ordinals, set references), the ellipsis lead it starts with ("and …",
 * "what about …"), and how fragment-like it is. Pure string work; no library access.
 */
import { squash } from '../../corpus/text.ts';

/** What a referring expression can point at. */
export type RefKind =
  /** it / this / that / this paper / the one: a paper or a post. */
  | 'thing'
  /** he / she / him / her / this author: one person. */
  | 'person'
  /** they / them / their / these authors / these papers: a list (or singular "they"). */
  | 'plural'
  /** the second one / #3 / the last paper / the first two: items of a shown list. */
  | 'ordinal';

export type Noun = 'paper' | 'post' | 'person';

export interface RefSpan {
  kind: RefKind;
  start: number;
  end: number;
  text: string;
  /** Possessive (its / her / their): substituted as "X's" or "the N of X". */
  possessive: boolean;
  /** Head noun the expression names ("that paper", "the second author"). */
  noun?: Noun;
  /** Ordinals: 0-based positions; negative counts from the end (-1 = last). */
  positions?: number[];
  /** "the newest one" / "the oldest paper": picked from the list by date, not by position. */
  byDate?: 'newest' | 'oldest';
}

export interface SetRef {
  start: number;
  end: number;
  text: string;
  /** The restriction with the set phrase removed ("use mixture of experts"). */
  rest: string;
}

export interface Analysis {
  input: string;
  /** The input without its ellipsis lead and trailing punctuation. */
  core: string;
  /** The ellipsis lead ("and", "what about", "only"), when there is one. */
  lead: string | null;
  refs: RefSpan[];
  set: SetRef | null;
  /** The whole core is one reference ("the second one", "#3", "that one"). */
  bareRef: boolean;
  /** The input carries its own intent phrase (who wrote / papers about / when was …). */
  explicitIntent: boolean;
}

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const ORDINALS: Record<string, number> = {
  first: 0, second: 1, third: 2, fourth: 3, fifth: 4, sixth: 5, seventh: 6, eighth: 7, ninth: 8, tenth: 9,
  '1st': 0, '2nd': 1, '3rd': 2, '4th': 3, '5th': 4, '6th': 5, '7th': 6, '8th': 7, '9th': 8, '10th': 9,
  last: -1, final: -1, latter: -1, former: 0,
};

function nounOf(word: string | undefined): Noun | undefined {
  if (!word) return undefined;
  const w = word.toLowerCase();
  if (/^(?:paper|papers|article|articles|publication|publications|result|results|preprint|study|work|works|model)$/.test(w)) return 'paper';
  if (/^(?:post|posts|blog post|blog posts|blog)$/.test(w)) return 'post';
  if (/^(?:author|authors|person|people|researcher|researchers|co-?authors?|writer|writers|scientist|guy|woman|man)$/.test(w)) return 'person';
  return undefined;
}

/** Leading words that mark an elliptical follow-up. */
const LEAD = /^(?:(?:ok(?:ay)?|so|and|also|now|then|but|alright)[,\s]+)*(?:(?:and )?(?:what|how) about|what of|(?:and )?the same (?:for|with)|same (?:for|with)|only|just|except|also|and|now|then)\b[,\s]*/i;

/** Phrases that make a query carry its own intent. */
const INTENT_PHRASE = /^(?:who|when|where|what|which|how many|list|show|find|search|get|give|tell|summari[sz]e|explain|describe|are there|is there)\b|\b(?:papers?|publications?|blog posts?|posts?|articles?|research|work)\s+(?:about|on|by|from|regarding|related to|written by|of|similar to|like|mentioning|discussing|cited|that|which|using|with|for|covering|concerning|proposing|introducing)\b|\b(?:wrote|written|published|authored|co-?authors?|collaborators|latest|newest|most recent|similar to|more like)\b/i;
/** A query headed by its own noun ("papers in CV from 2021") is a query of its own, unless it follows an ellipsis lead ("only papers from 2021"). */
const HEAD_NOUN = /^(?:(?:show|find|list|give|get)(?: me)? )?(?:all )?(?:the )?(?:papers|publications|articles|blog posts)\b/i;

const ORDINAL_RE = new RegExp(
  String.raw`(?:\b(the|my|your)\s+)?\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|4th|5th|6th|7th|8th|9th|10th|last|final|latter|former)\b` +
    String.raw`(?:\s+(two|three|four|five|[2-5]))?` +
    String.raw`(?:\s+(one|ones|paper|papers|result|results|article|articles|item|items|entry|entries|blog post|post|posts|author|authors|person|people|co-?author|publication|publications))?\b`,
  'gi',
);
const BY_DATE_RE = /\b(?:the\s+)?(newest|latest|most recent|oldest|earliest)\s+(one|paper|result|article|publication|post|blog post)\b/gi;
const TOP_RE = /\bthe\s+top\s+(two|three|four|five|[2-5])\b(?:\s+(ones|papers|results|posts|authors))?/gi;
const NUMBERED_RE = /(?:#\s?|\b(?:number|no\.|nr\.?|item|result|option|entry|paper\s+#)\s*)(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\b/gi;

const DEMONSTRATIVE_RE =
  /\b(this|that|the|the same|said)\s+(paper|article|publication|work|one|model|study|preprint|blog post|post|blog|author|person|researcher|guy|woman|man|scientist|writer)\b/gi;
const PLURAL_NP_RE = /\b(these|those|both|the)\s+(authors|people|researchers|co-?authors|writers|papers|ones|articles|results|works|publications|posts|blog posts)\b/gi;
const PERSON_RE = /\b(he|she|him|his|hers|her)\b/gi;
const THING_RE = /\b(it|its|this|that)\b/gi;
const PLURAL_RE = /\b(they|them|their|theirs|these|those|both)\b/gi;
/** Words after which "her" is a possessive determiner. */
const POSSESSED = /^\s+(?:other|own|papers?|work|works|research|publications?|co-?authors?|collaborators|latest|newest|first|most|recent|earliest|articles?|stuff|list|name|profile|h-index|citations)\b/i;
const SET_RE =
  /\b(?:(?:which|what)(?:\s+(?:ones?|papers?|posts?))?\s+(?:of|among|from)\s+(?:these|those|them|the(?:se|\s+previous)?\s+(?:results|papers|ones|posts)|the above|the list|this list|that list)|(?:of|among|from|within|in)\s+(?:these|those|them|the(?:se|\s+previous)?\s+(?:results|ones)|the above|the list|this list|that list|these papers|those papers|these posts|those posts)|any of (?:these|those|them)|^(?:which|what) ones\b|^(?:which|what) (?:papers|posts) (?=are|were|use|mention|discuss|cover|have|deal)|(?:only|just)\s+(?:the\s+)?(?:ones|those)\b)/i;

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Is this "that" a relative pronoun / complementizer ("papers that use …") rather than a demonstrative? */
function relativeThat(text: string, start: number, end: number): boolean {
  const before = text.slice(0, start).trimEnd();
  const after = text.slice(end);
  if (/\b(?:papers?|ones?|work|posts?|articles?|anything|something|research|those|people|authors?|publications?|models?|any|all|so|such|say|says|said|know|think|mean|means|shows?)$/i.test(before)) return true;
  if (/^\s+(?:uses?|used|discuss(?:es)?|mentions?|are|were|cites?|proposes?|describes?|has|have|had|deals?|covers?|introduces?|improves?|was written|appeared|won)\b/i.test(after)) return true;
  return false;
}

function temporalThis(after: string): boolean {
  return /^\s+(?:year|week|month|time|topic|area|field|decade|morning|kind|sort|type|way)\b/i.test(after);
}

export function analyze(input: string): Analysis {
  const clean = squash(input.replace(/\s*[?!.]+\s*$/, ''));
  const leadMatch = LEAD.exec(clean);
  const lead = leadMatch && leadMatch[0].trim() && leadMatch[0].length < clean.length ? leadMatch[0].trim().replace(/,$/, '') : null;
  const core = lead ? squash(clean.slice(leadMatch![0].length)) : clean;
  const text = core;
  const refs: RefSpan[] = [];
  const add = (r: RefSpan) => {
    if (!refs.some((x) => overlaps(x, r))) refs.push(r);
  };

  // Set references first: "which of these …" restricts the previous results.
  let set: SetRef | null = null;
  const sm = SET_RE.exec(text);
  if (sm) {
    const rest = squash(`${text.slice(0, sm.index)} ${text.slice(sm.index + sm[0].length)}`);
    set = { start: sm.index, end: sm.index + sm[0].length, text: sm[0], rest };
  }

  // Ordinals.
  for (const m of text.matchAll(ORDINAL_RE)) {
    const det = m[1];
    const word = m[2]!.toLowerCase();
    const count = m[3] ? (NUMBER_WORDS[m[3].toLowerCase()] ?? Number(m[3])) : 1;
    const nounWord = m[4];
    const start = m.index;
    const end = start + m[0].length;
    const after = text.slice(end);
    if (/^\s+(?:year|month|week|time|day|decade|century)\b/i.test(after) || /^\s+(?:of|by|on|about|from|in|to|with)\s+\S/i.test(after)) continue;
    if (!det && !nounWord && !m[3] && squash(text) !== squash(m[0])) continue;
    if ((word === 'latter' || word === 'former') && !det) continue;
    const base = ORDINALS[word]!;
    const positions: number[] = [];
    for (let i = 0; i < count; i++) positions.push(base < 0 ? base - (count - 1) + i : base + i);
    const noun = nounOf(nounWord);
    add({ kind: 'ordinal', start, end, text: m[0], possessive: false, positions, ...(noun ? { noun } : {}) });
  }
  for (const m of text.matchAll(BY_DATE_RE)) {
    const after = text.slice(m.index + m[0].length);
    if (/^\s+(?:of|by|on|about|from|in|to|with)\s+\S/i.test(after)) continue;
    const byDate = /^(?:oldest|earliest)$/i.test(m[1]!) ? 'oldest' : 'newest';
    const noun = nounOf(m[2]);
    add({ kind: 'ordinal', start: m.index, end: m.index + m[0].length, text: m[0], possessive: false, positions: [0], byDate, ...(noun ? { noun } : {}) });
  }
  for (const m of text.matchAll(TOP_RE)) {
    const count = NUMBER_WORDS[m[1]!.toLowerCase()] ?? Number(m[1]);
    const noun = nounOf(m[2]);
    add({ kind: 'ordinal', start: m.index, end: m.index + m[0].length, text: m[0], possessive: false, positions: Array.from({ length: count }, (_, i) => i), ...(noun ? { noun } : {}) });
  }
  for (const m of text.matchAll(NUMBERED_RE)) {
    const n = NUMBER_WORDS[m[1]!.toLowerCase()] ?? Number(m[1]);
    if (n < 1) continue;
    add({ kind: 'ordinal', start: m.index, end: m.index + m[0].length, text: m[0], possessive: false, positions: [n - 1] });
  }
  if (/^\d{1,2}$/.test(text) && Number(text) >= 1) add({ kind: 'ordinal', start: 0, end: text.length, text, possessive: false, positions: [Number(text) - 1] });

  // Demonstrative noun phrases.
  for (const m of text.matchAll(DEMONSTRATIVE_RE)) {
    const det = m[1]!.toLowerCase();
    const head = m[2]!.toLowerCase();
    const start = m.index;
    const end = start + m[0].length;
    const after = text.slice(end);
    // "the paper titled X", "the one about Y", "the author of Z": descriptions, not references;
    // "the post Alpa: …", "the paper “GShard”": the name follows.
    if (/^\s+(?:titled|called|named|about|on|by|from|with|that|which|where|who|of|for|in)\b/i.test(after)) continue;
    if ((det === 'the' || det === 'said') && /^\s+(?:["“'‘]|\p{Lu}|\d)/u.test(after)) continue;
    if (det === 'that' && relativeThat(text, start, start + 4) && head !== 'one') continue;
    const noun = nounOf(head);
    const kind: RefKind = noun === 'person' ? 'person' : 'thing';
    add({ kind, start, end, text: m[0], possessive: false, ...(noun ? { noun } : {}) });
  }
  for (const m of text.matchAll(PLURAL_NP_RE)) {
    const det = m[1]!.toLowerCase();
    const after = text.slice(m.index + m[0].length);
    // "the authors" asks for the authors (an intent), it does not point back at people.
    if (det === 'the') continue;
    if (/^\s+(?:of|on|for|about|by|from|that|which|titled|called)\b/i.test(after)) continue;
    const noun = nounOf(m[2]);
    add({ kind: 'plural', start: m.index, end: m.index + m[0].length, text: m[0], possessive: false, ...(noun ? { noun } : {}) });
  }
  for (const m of text.matchAll(PERSON_RE)) {
    const w = m[1]!.toLowerCase();
    const end = m.index + m[0].length;
    const possessive = w === 'his' || (w === 'her' && POSSESSED.test(text.slice(end)));
    add({ kind: 'person', start: m.index, end, text: m[0], possessive, noun: 'person' });
  }
  for (const m of text.matchAll(THING_RE)) {
    const w = m[1]!.toLowerCase();
    const start = m.index;
    const end = start + m[0].length;
    const after = text.slice(end);
    if (w === 'that' && relativeThat(text, start, end)) continue;
    if ((w === 'this' || w === 'that') && temporalThis(after)) continue;
    if (w === 'it' && /^'s\b|^’s\b/.test(after) && /\b(?:it['’]s (?:not|a|an|the|possible|about|like|true))/i.test(text.slice(start))) continue;
    add({ kind: 'thing', start, end, text: m[0], possessive: w === 'its' });
  }
  for (const m of text.matchAll(PLURAL_RE)) {
    const w = m[1]!.toLowerCase();
    const start = m.index;
    const end = start + m[0].length;
    if (set && overlaps({ start, end }, set)) continue;
    add({ kind: 'plural', start, end, text: m[0], possessive: w === 'their' });
  }
  // References inside the set phrase are consumed by it.
  const kept = set ? refs.filter((r) => !overlaps(r, set)) : refs;
  kept.sort((a, b) => a.start - b.start);
  const bareRef =
    kept.length === 1 &&
    squash(
      `${text.slice(0, kept[0]!.start)} ${text.slice(kept[0]!.end)}`.replace(/\b(?:show|open|give|tell|me|about|more|please|one|the|details|on|of|info|information)\b/gi, ' '),
    ) === '';
  // "papers from 2021" is a filter, not an intent phrase of its own.
  const unfiltered = squash(text.replace(/\b(?:(?:in|from|during|of|for|since)\s+)?(?:19|20)\d{2}\b/g, ' '));
  const explicitIntent = INTENT_PHRASE.test(unfiltered) || (!lead && HEAD_NOUN.test(text));
  return { input, core, lead, refs: kept, set, bareRef, explicitIntent };
}

/** The first (most specific) reference: ordinals, then noun phrases, then pronouns. */
export function mainRef(a: Analysis): RefSpan | null {
  // "her latest paper", "their first two papers": the possessor is the reference; the ordinal is part of what is possessed.
  const possessor = a.refs.find((r) => r.possessive && a.refs.some((o) => o.kind === 'ordinal' && o.start >= r.end && /^\s*$/.test(a.core.slice(r.end, o.start))));
  if (possessor) return possessor;
  const order: Record<RefKind, number> = { ordinal: 0, person: 1, thing: 2, plural: 3 };
  const withNoun = a.refs.filter((r) => r.noun || r.kind === 'ordinal');
  const pool = withNoun.length ? withNoun : a.refs;
  return [...pool].sort((x, y) => order[x.kind] - order[y.kind] || x.start - y.start)[0] ?? null;
}
