/**
 * The stand-alone query parser: text → `Frame`. Recognises the questions papertalk answers
 * (who wrote X, when was X published, papers by A in 2021, co-authors of A, latest papers on T,
 * blog posts about T, …) and resolves the papers and people they name against the library.
 * Follow-ups that need the conversation are the rephraser's job; this sees one query alone.
 */
import { resolveCategory } from '../corpus/categories.ts';
import { squash, titleKey } from '../corpus/text.ts';
import type { Library } from '../search/library.ts';
import type { Frame, Intent } from './types.ts';

/** Removes characters that only disturb matching: control, zero-width, bidi marks. */
export function cleanInput(text: string): string {
  return squash(text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, ' '));
}

const YEAR = /\b(?:(?:in|from|during|of|for)\s+(?:the\s+year\s+)?)?((?:19|20)\d{2})\b/i;

/** Pulls a year (`in 2021`) and a category (`CV`, `in Computation and Language`) out of a query. */
export function extractFilters(text: string, lib: Library): { rest: string; year?: number; category?: string } {
  let rest = text;
  const out: { rest: string; year?: number; category?: string } = { rest };
  const y = YEAR.exec(rest);
  if (y) {
    out.year = Number(y[1]);
    rest = rest.replace(y[0], ' ');
  }
  // Category codes written in capitals (CL, CV, LG), or a category's full name.
  for (const code of lib.categories) {
    const re = new RegExp(`(?<![-\\w])(?:in\\s+)?${code}\\b(?!-)`);
    if (re.test(rest) && !(code === 'AI' && /\bAI\b/.test(rest) && !/\b(?:in|only)\s+AI\b|\bAI (?:papers|ones)\b/.test(rest))) {
      out.category = code;
      rest = rest.replace(re, ' ');
      break;
    }
  }
  if (!out.category) {
    for (const code of lib.categories) {
      const name = lib.suggestCategories(code, 1)[0]?.name;
      if (!name || name === code) continue;
      const re = new RegExp(`\\b(?:in\\s+)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
      if (re.test(rest)) {
        out.category = code;
        rest = rest.replace(re, ' ');
        break;
      }
    }
  }
  out.rest = squash(rest.replace(/\s+(?:ones|papers?)\s*$/i, (m) => (/\w/.test(rest.replace(m, '')) ? ' papers' : m)));
  return out;
}

/** Strips question marks, quotes and polite padding. */
function core(text: string): string {
  return squash(
    text
      .replace(/^(?:(?:hey|hi|ok|okay|so|please|pls|bot|and|also|then|now|but|well)[,!\s]+)+/i, '')
      .replace(/\b(?:please|pls)\b/gi, ' ')
      // "what's X about?", "who's X?", "when's X from?"
      .replace(/\b(what|who|when|where|which|how)['’]s\b/gi, '$1 is')
      .replace(/\s*[?!.]+\s*$/, ''),
  );
}

function unquote(text: string): string {
  return squash(text.replace(/^[\s"“”'‘’`]+|[\s"“”'‘’`]+$/g, '').replace(/^(?:the\s+)?(?:paper|article|publication|post|blog post)\s+(?:called|titled|named)?\s*/i, ''));
}

const TOPIC_LEAD = /^(?:(?:show|find|get|give|list)(?: me)?|search(?: for)?|look(?:ing)? for|i(?:'m| am) looking for|are there(?: any)?|is there(?: any)?|any|what|which)?\s*(?:the\s+)?(?:papers?|publications?|research|work|articles?|studies|results?)?\s*(?:are there\s+)?(?:about|on|regarding|related to|concerning|covering|for|in|discussing|that (?:discuss|mention|use)|using|with)?\s+/i;

function topicOf(text: string): string {
  let t = ` ${text}`;
  t = t.replace(TOPIC_LEAD, ' ');
  t = t.replace(/\s+(?:papers?|publications?|research)$/i, '');
  t = squash(t.replace(/^(?:the|a|an)\s+/i, ''));
  // Nothing but a noun for papers ("CV papers in 2021" once filters are out): no topic.
  return /^(?:papers?|publications?|ones?|articles?|works?|research|results?|all|everything|any)$/i.test(t) ? '' : t;
}

interface Pattern {
  intent: Intent;
  re: RegExp;
  /** Which capture group holds the entity. */
  group: number;
  /** What the entity is. */
  entity: 'paper' | 'author' | 'topic' | 'post' | 'paper-or-topic' | 'none' | 'author-or-paper';
}

// Order matters: specific before general.
const PATTERNS: Pattern[] = [
  { intent: 'help', re: /^(?:help|commands|what can you do|how do(?:es)? (?:this|you|it) work|\?)$/i, group: 0, entity: 'none' },
  { intent: 'reset', re: /^(?:reset|forget(?: it| that| everything)?|start over|new (?:conversation|topic)|clear(?: context| history)?)$/i, group: 0, entity: 'none' },
  { intent: 'authors_of', re: /^(?:who (?:else )?(?:wrote|authored|co-?authored|created|published|made|worked on|contributed to|is behind|are behind)|who (?:is|are|were|was) (?:the )?(?:authors?|writers?|people behind|team behind) (?:of|on|behind)|(?:list|show|give me|name)?\s*(?:all )?(?:the )?authors? (?:of|on|for)|authors? list (?:of|for))\s+(.+)$/i, group: 1, entity: 'paper' },
  { intent: 'date_of', re: /^(?:when (?:was|were|is|did) (.+?) (?:published|released|come out|came out|appear(?:ed)?|written|put out|posted)|(?:what|which) (?:year|date) (?:was|did|is) (.+?)(?: published| released| come out| appear)?|(?:publication|release) (?:date|year) (?:of|for) (.+)|when (?:was|is) (.+?) from)$/i, group: -1, entity: 'paper' },
  { intent: 'venue_of', re: /^(?:where (?:was|were|is|did) (.+?) (?:published|presented|appear(?:ed)?)|(?:what|which) (?:venue|conference|journal) (?:was|did|is) (.+?)(?: published| presented)?(?: in| at| appear(?: in| at)?)?|(?:venue|conference|journal) (?:of|for) (.+))$/i, group: -1, entity: 'paper' },
  { intent: 'coauthors', re: /^(?:who (?:did|does|has|have) (.+?) (?:work(?:ed)?|collaborate(?:d)?|publish(?:ed)?|write|written|co-?author(?:ed)?) with|(?:who are |list )?(?:the )?(?:co-?authors|collaborators|co-?workers) (?:of|for) (.+)|(?:who are )?(.+?)(?:'s|’s|s') (?:co-?authors|collaborators))$/i, group: -1, entity: 'author' },
  { intent: 'count', re: /^(?:how many (?:papers|publications|articles|works)(?: (?:did|has|have|does|do|is|are))? (.+?)(?: (?:publish(?:ed)?|write|written|authored|author|co-?authored|got|have|has))?(?: in total)?|how many (?:did|has|have|does) (.+?) (?:publish(?:ed)?|write|written|author(?:ed)?)(?: in total)?)$/i, group: -1, entity: 'author' },
  { intent: 'post_citations', re: /^(?:(?:which|what) papers? (?:does|did|do) (?:the )?(?:blog )?(?:post )?(.+?) (?:cite|mention|reference|discuss|link(?: to)?)|papers? (?:cited|mentioned|referenced) (?:by|in) (?:the )?(?:blog )?(?:post )?(.+))$/i, group: -1, entity: 'post' },
  { intent: 'posts_about', re: /^(?:(?:are there |is there |show me |find |any |the )?(?:a |any )?(?:blog )?posts? (?:about|on|discussing|mentioning|covering|for|that (?:discuss|mention)) (.+)|(?:any |show me |are there any )?blog posts?(?: (?:about|on) (.+))?)$/i, group: -1, entity: 'paper-or-topic' },
  { intent: 'similar', re: /^(?:(?:show me |find )?(?:more |other )?(?:papers? )?(?:like|similar to|related to|resembling) (.+)|more like (.+))$/i, group: -1, entity: 'paper' },
  { intent: 'latest', re: /^(?:what(?:'s| is| are)? )?(?:the )?(?:latest|newest|most recent|recent|new(?:est)?)\s*(?:papers?|publications?|work|research|results|additions|ones)?(?:\s+(?:about|on|in|regarding)\s+(.+))?$/i, group: 1, entity: 'topic' },
  { intent: 'papers_by', re: /^(?:(?:show |list |find |get )?(?:me )?(?:all )?(?:the )?(?:other )?(?:papers?|publications?|work|articles|research)(?: written)? (?:by|from|of) (.+)|(?:what (?:else |other (?:papers|publications|work) )?|which (?:other )?(?:papers|publications) )(?:did|has|have|does) (.+?) (?:publish(?:ed)?|write|written|work(?:ed)? on|author(?:ed)?)(?: else)?|(?:did|has|have|does) (.+?) (?:publish(?:ed)?|write|written|author(?:ed)?) (?:anything|any(?:thing)? (?:other|more) papers?|other papers|more papers)(?: else)?|(.+?)(?:'s|’s|s') (?:other |latest |newest |recent |most recent )?(?:papers?|publications?|work|research))$/i, group: -1, entity: 'author' },
  { intent: 'about', re: /^(?:what (?:is|was|are) (.+?) about|(?:summari[sz]e|summary of|abstract of|explain|describe|tldr(?: of)?|tl;dr(?: of)?|what does (.+?) (?:do|propose|show|say))\s*(.*))$/i, group: -1, entity: 'paper' },
  { intent: 'author', re: /^(?:who (?:is|was) (.+)|tell me about (.+)|what (?:is|was) (.+))$/i, group: -1, entity: 'author-or-paper' },
];

function firstGroup(m: RegExpExecArray, group: number): string {
  if (group >= 0) return m[group] ?? '';
  for (let i = 1; i < m.length; i++) if (m[i]) return m[i]!;
  return '';
}

/** Splits "Yanqi Zhou about mixture of experts" into the person and a topic. */
function splitAuthorTopic(text: string): { name: string; topic?: string } {
  const m = /^(.+?)\s+(?:about|on|regarding|related to|concerning|in the area of)\s+(.+)$/i.exec(text);
  return m ? { name: m[1]!, topic: m[2]! } : { name: text };
}

/** "A, B and C" when every part is a person the library knows by that exact name; else null. */
function authorList(text: string, lib: Library): { ids: string[]; names: string[] } | null {
  const parts = text.split(/\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*/).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 2 || parts.length > 20) return null;
  const ids: string[] = [];
  const names: string[] = [];
  for (const part of parts) {
    const found = lib.findAuthors(part).filter((a) => [a.name, ...a.variants].some((v) => v.toLowerCase() === part.toLowerCase()));
    if (!found.length) return null;
    ids.push(...found.map((a) => a.id));
    names.push(found[0]!.name);
  }
  return { ids: [...new Set(ids)], names: [...new Set(names)] };
}

const paperNames = new WeakMap<Library, Map<string, string>>();

/** Title, alias and unambiguous short-name keys → paper id (built once per library). */
function exactPaperNames(lib: Library): Map<string, string> {
  let map = paperNames.get(lib);
  if (map) return map;
  map = new Map();
  const shorts = new Map<string, Set<string>>();
  for (const p of lib.papers.values()) {
    for (const t of [p.title, ...p.aliases]) {
      if (!t) continue;
      map.set(titleKey(t), p.id);
      const short = /^([^:]{2,40}):/.exec(t)?.[1];
      if (short) shorts.set(titleKey(short), new Set([...(shorts.get(titleKey(short)) ?? []), p.id]));
    }
  }
  for (const [k, ids] of shorts) if (ids.size === 1 && !map.has(k)) map.set(k, [...ids][0]!);
  paperNames.set(lib, map);
  return map;
}

/**
 * "A, B and C" when the text splits (at commas / "and" / "&") into parts that each name one paper
 * exactly (id, title, alias or short name); titles may contain those separators themselves.
 */
function paperList(text: string, lib: Library): string[] | null {
  const seps = [...text.matchAll(/\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*/g)].slice(0, 40);
  if (!seps.length) return null;
  const cuts = [{ start: 0, end: 0 }, ...seps.map((m) => ({ start: m.index, end: m.index + m[0].length })), { start: text.length, end: text.length }];
  const names = exactPaperNames(lib);
  const exact = (a: number, b: number): string | null => {
    const part = text.slice(cuts[a]!.end, cuts[b]!.start).trim();
    return lib.papers.has(part) ? part : (names.get(titleKey(part)) ?? null);
  };
  // best[i] = papers covering text up to cut i (fewest parts first found), by dynamic programming.
  const best: (string[] | null)[] = [[]];
  for (let j = 1; j < cuts.length; j++) {
    best[j] = null;
    for (let i = 0; i < j && !best[j]; i++) {
      const prev = best[i];
      if (!prev) continue;
      const id = exact(i, j);
      if (id) best[j] = [...prev, id];
    }
  }
  const out = best[cuts.length - 1];
  return out && out.length >= 2 ? [...new Set(out)] : null;
}

/** Parses one stand-alone query. Never throws. */
export function parseQuery(input: string, lib: Library): Frame {
  const cleaned = cleanInput(input);
  const { rest, year, category } = extractFilters(core(cleaned), lib);
  const base: Frame = { intent: 'unknown' };
  if (year !== undefined) base.year = year;
  if (category) base.category = category;
  const text = core(rest);
  if (!text && (year !== undefined || category)) return { ...base, intent: 'search' };
  if (!text) return base;

  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (!m) continue;
    const raw = unquote(firstGroup(m, p.group));
    const frame: Frame = { ...base, intent: p.intent };
    switch (p.entity) {
      case 'none':
        return frame;
      case 'topic':
        if (raw) frame.topic = topicOf(raw);
        return frame;
      case 'paper': {
        const found = lib.findPaper(raw);
        if (found) return { ...frame, papers: [found.paper.id] };
        // Several papers: "when were GLaM and GPipe published?"
        const list = paperList(raw, lib);
        if (list) return { ...frame, papers: list };
        // "more like speech synthesis": a topic, not a paper.
        if (p.intent === 'similar' || p.intent === 'about') return { ...frame, intent: 'search', topic: topicOf(raw) };
        return { ...frame, unresolved: raw };
      }
      case 'author': {
        const { name, topic } = splitAuthorTopic(raw);
        const authors = lib.findAuthors(name);
        if (topic) frame.topic = topicOf(topic);
        if (authors.length) return { ...frame, authors: authors.map((a) => a.id), authorName: authors[0]!.name };
        // Several people: "papers by Yanping Huang, Youlong Cheng and Ankur Bapna".
        const many = authorList(name, lib);
        if (many) return { ...frame, authors: many.ids, authorName: many.names.join(', ').replace(/, ([^,]*)$/, ' and $1') };
        return { ...frame, unresolved: name };
      }
      case 'post': {
        const post = [...lib.posts.values()].find((x) => x.title.toLowerCase() === raw.toLowerCase()) ?? lib.search(raw, { kinds: ['post'] }, { limit: 1 }).hits[0];
        if (post) return { ...frame, post: post.id };
        const paper = lib.findPaper(raw);
        if (paper) return { ...frame, intent: 'posts_about', papers: [paper.paper.id] };
        return { ...frame, unresolved: raw };
      }
      case 'paper-or-topic': {
        if (!raw) return frame;
        const found = lib.findPaper(raw);
        if (found && found.how !== 'search') return { ...frame, papers: [found.paper.id] };
        return { ...frame, topic: topicOf(raw) };
      }
      case 'author-or-paper': {
        const authors = lib.findAuthors(raw);
        const exactAuthor = authors.length && authors.some((a) => a.name.toLowerCase() === raw.toLowerCase() || a.variants.some((v) => v.toLowerCase() === raw.toLowerCase()));
        if (exactAuthor) return { ...frame, intent: 'author', authors: authors.map((a) => a.id), authorName: authors[0]!.name };
        const found = lib.findPaper(raw);
        if (found) return { ...frame, intent: 'about', papers: [found.paper.id] };
        if (authors.length && /^\p{Lu}/u.test(raw) && raw.split(' ').length <= 4) return { ...frame, intent: 'author', authors: authors.map((a) => a.id), authorName: authors[0]!.name };
        return { ...frame, intent: 'search', topic: topicOf(raw) };
      }
    }
  }
  // A bare title or short name: that paper. A bare name: that author.
  const asPaper = lib.findPaper(text);
  if (asPaper && asPaper.how !== 'search') return { ...base, intent: 'paper', papers: [asPaper.paper.id] };
  const asPapers = paperList(text, lib);
  if (asPapers) return { ...base, intent: 'paper', papers: asPapers };
  const asAuthor = lib.findAuthors(text);
  if (asAuthor.length && asAuthor.some((a) => [a.name, ...a.variants].some((v) => v.toLowerCase() === text.toLowerCase()))) {
    return { ...base, intent: 'author', authors: asAuthor.map((a) => a.id), authorName: asAuthor[0]!.name };
  }
  // "papers by X" phrased loosely: "Nan Du papers", "Yanqi Zhou 2022".
  const namePapers = /^(.+?)\s+(?:papers|publications)$/i.exec(text);
  if (namePapers) {
    const authors = lib.findAuthors(namePapers[1]!);
    if (authors.length && authors.some((a) => a.name.toLowerCase() === namePapers[1]!.toLowerCase())) {
      return { ...base, intent: 'papers_by', authors: authors.map((a) => a.id), authorName: authors[0]!.name };
    }
  }
  const topic = topicOf(text);
  if (!topic && /^(?:(?:show|list|all|any)\s+)*(?:the\s+)?(?:papers?|publications?|ones?|articles?)$/i.test(text)) return { ...base, intent: 'search' };
  return { ...base, intent: 'search', topic: topic || text };
}
