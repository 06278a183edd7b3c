/**
 * Understanding one stand-alone question: linking → intent probabilities → candidate frames
 * (intent × the entity reading that intent takes) → one scorer with named features → Frame.
 * A low-confidence reading falls back to a search with the linked filters, flagged so the
 * answer says "Interpreted as …". Follow-ups that need the conversation are the rephraser's
 * job; it calls this for every stand-alone reading it considers.
 */
import type { Hit, Library } from '../../search/library.ts';
import type { Paper } from '../../corpus/schema.ts';
import { queryTerms, STOP_WORDS } from '../../search/terms.ts';
import type { Frame, GroupBy, Intent } from '../types.ts';
import { paperFilter, selectPapers } from '../execute.ts';
import { intersect, numberWord } from './dates.ts';
import { features, maskedWords, predict, type IntentLabel, type IntentModel } from './intents.ts';
import { adoptLexiconSteps, greedy, inheritLexicon, lexicon, lexiconData, link, runSteps, type LexiconData, type Span, type SpanType } from './link.ts';
import { tokenize, type Token } from './tokens.ts';
import model from './intent-model.json' with { type: 'json' };
import scoreWeights from './score-weights.json' with { type: 'json' };

const MODEL = model as unknown as IntentModel;
const VOCABULARY: ReadonlySet<string> = new Set(MODEL.vocabulary);
const INTENT_WORDS: ReadonlySet<string> = new Set(MODEL.intentWords ?? MODEL.vocabulary);

/** The candidate scorer's named features, what each means (weights in score-weights.json). */
export const SCORE_FEATURES = {
  /** log P(intent | words) from the intent model. */
  logProb: 'log P(intent | words) from the intent model',
  /** The intent's required entity (a paper for "who wrote", a person for "who is") was linked. */
  entityPresent: 'the entity the intent needs was linked',
  /** …was not linked, and the words left over do not name one either. */
  entityMissing: 'the entity the intent needs was not found',
  /** The required entity was found from a description ("the paper about flip angles"). */
  entityDescribed: 'the paper was found from a description',
  /** Mean match quality of the spans the reading uses (1 exact … 0.6 partial). */
  spanQuality: 'mean match quality of the spans used',
  /** Topic words left over by a reading about one named paper (0…3). */
  topicLeftOver: 'topic words left over by a one-paper reading (0…3)',
  /** A listing reading of a question with an order word (oldest, newest, latest, earliest). */
  sortWord: 'a listing reading of a question with an order word',
  /** An aggregate reading of a question that names one paper by description ("who wrote the … paper"). */
  onePaperAsked: 'an aggregate reading of a question about one paper',
  /** A reading about one person ("who is", "co-authors of") given several different names. */
  severalPeople: 'a one-person reading given several names',
} as const;

export type ScoreFeature = keyof typeof SCORE_FEATURES;

/** Weights of the candidate scorer, fitted as a conditional logit on the single-turn sets (`npm run eval -- --fit`). */
export const SCORE_WEIGHTS: Record<ScoreFeature, number> = Object.fromEntries(
  (Object.keys(SCORE_FEATURES) as ScoreFeature[]).map((k) => [k, (scoreWeights as { weights: Partial<Record<string, number>> }).weights[k] ?? 0]),
) as Record<ScoreFeature, number>;

let weightsVersion = 0;

/** Replaces the scorer's weights in this process (the fitter's; readings memoised before are not reused). */
export function setScoreWeights(w: Readonly<Partial<Record<ScoreFeature, number>>>): void {
  for (const k of Object.keys(SCORE_FEATURES) as ScoreFeature[]) SCORE_WEIGHTS[k] = w[k] ?? 0;
  weightsVersion++;
}

/** Σ weight·feature of one candidate's features. */
export function scoreFeatures(f: Readonly<Record<string, number>>, w: Readonly<Record<string, number>> = SCORE_WEIGHTS): number {
  let score = 0;
  for (const [k, v] of Object.entries(f)) score += (w[k] ?? 0) * v;
  return score;
}

/** "the … paper", "that … one": a question about a single paper. */
const ONE_PAPER = /\b(?:the|that|this)\s+(?:[\w'’.-]+\s+){0,8}?(?:paper|report|one|thing|article|preprint)\b(?!s)/i;

/** Words that point back into the conversation: a reading without its entity is then the rephraser's to complete. */
const REFERENCE = /\b(?:it|its|they|them|their|theirs|this|that|these|those|he|him|his|she|her|hers|same|both|one|ones|first|second|third|fourth|fifth|last|former|latter)\b|#\d|\bnumber\s+\d/i;

/** Below this probability of the winner among candidates, the reading is a fallback search. */
export const MIN_CONFIDENCE = 0.3;

const PAPER_INTENTS = new Set<IntentLabel>(['paper', 'about', 'authors_of', 'first_author', 'last_author', 'author_count', 'date_of', 'venue_of', 'category_of', 'code_of', 'similar']);
const PERSON_INTENTS = new Set<IntentLabel>(['author', 'coauthors']);
const LIST_INTENTS = new Set<IntentLabel>(['search', 'count', 'breakdown', 'top_authors']);

/** Words that ask rather than name a topic (never part of a topic). */
const QUERY_WORDS = new Set(
  ('ship ships shipped shipping provide provides include includes come comes right correct true ' +
    'range span cover covers covered productive busiest active prolific remember recall think thinking guess ' +
    'both either neither corpus database collection library joint jointly together shared collaboration collaborations co-wrote cowrote co-authored coauthored ' +
    'one two three four five six seven eight nine ten eleven twelve ' +
    'first second third fourth fifth sixth seventh eighth ninth tenth number ' +
    'papers paper work works research articles article stuff things thing ones one anything something everything publications publication results result ' +
    'show find list give tell get search look looking pull display fetch bring want need know see me please pls hey hi hello yo ok okay thanks ' +
    'latest newest recent recently most least oldest earliest older newer first last new old top best many much number count total ' +
    'written wrote write writes authored published publish publishes released release came come out appeared ' +
    'any some all every each only just also else other others more related regarding concerning covering discussing mention mentions ' +
    'about on in at by from of for to with without within into among between since before after during until ' +
    'blog post posts code implementation implementations github repo repository source open sourced available ' +
    'there here is are was were be been do does did has have had can could would should will you your i we they it its them this that these those ' +
    'what which who whom whose when where how why whats s t not no nope yes aren isn don doesn didn hasn haven wasn weren').split(' '),
);

const NEGATION = new Set(['not', 'without', 'excluding', 'except', 'exclude', 'minus', 'sans', 'besides']);
const SORT_NEW = new Set(['latest', 'newest', 'recent', 'newer', 'recently', 'freshest', 'new']);
const SORT_OLD = new Set(['oldest', 'earliest', 'older', 'earlier']);
const SINGULAR = new Set(['paper', 'one', 'thing', 'work', 'publication', 'article', 'entry']);
const AUX = new Set(['is', 'are', 'was', 'were', 'do', 'does', 'did', 'has', 'have', 'had', 'can', 'could']);
const CODE_WORDS = new Set(['code', 'implementation', 'implementations', 'github', 'repo', 'repository', 'sourced']);
const PAPER_NOUNS = new Set(['papers', 'paper', 'ones', 'stuff', 'work', 'research', 'publications', 'articles', 'category', 'field']);

const GROUP_CUES: [GroupBy, RegExp][] = [
  ['category', /^(?:categor(?:y|ies)|fields?|areas?|subjects?|topics?|disciplines?)$/],
  ['venue', /^(?:venues?|conferences?|journals?|proceedings)$/],
  ['org', /^(?:org(?:anis|aniz)?ations?|orgs?|compan(?:y|ies)|labs?|institutions?|affiliations?|institutes?)$/],
  ['author', /^(?:authors?|people|persons?|researchers?|writers?|who)$/],
  ['year', /^(?:years?|yearly|annual(?:ly)?|time|timeline|per-year|dates?)$/],
];
const COUNT_CUES: [NonNullable<Frame['countOf']>, RegExp][] = [
  ['authors', /^(?:authors?|people|persons?|researchers?|writers?|scientists?|names?)$/],
  ['posts', /^(?:posts?|blogs?)$/],
  ['categories', /^(?:categor(?:y|ies)|fields?|areas?|subjects?)$/],
  ['venues', /^(?:venues?|conferences?|journals?)$/],
  ['orgs', /^(?:org(?:anis|aniz)?ations?|orgs?|compan(?:y|ies)|labs?|institutions?)$/],
  ['papers', /^(?:papers?|publications?|articles?|works?)$/],
];

let clock: () => Date = () => new Date();

/** The current day and the scorer's weights (readings depend on both, so memoised readings are per day and weights). */
export function clockKey(): string {
  return `${clock().toISOString().slice(0, 10)}#${weightsVersion}`;
}

/**
 * Builds what understanding needs from a library up front (the linking dictionaries, the title
 * word index), so the first question after a (re)load does not pay for it.
 */
export function prepare(lib: Library): void {
  lexicon(lib);
  titlesWith(lib, '');
}

/** Runs `fn` with `now` as the current date of every relative period ("this year") parsed inside. */
export function withClock<T>(now: () => Date, fn: () => T): T {
  const prev = clock;
  clock = now;
  try {
    return fn();
  } finally {
    clock = prev;
  }
}

export interface Candidate {
  intent: IntentLabel;
  frame: Frame;
  score: number;
  features: Record<string, number>;
}

export interface Understanding {
  frame: Frame;
  confidence: number;
  intents: [IntentLabel, number][];
  spans: Span[];
  candidates: Candidate[];
  /** The text as read (cleaned), for `resolve`. */
  text?: string;
}

const PREFER: Record<'paper' | 'post' | 'author' | 'list', SpanType[]> = {
  paper: ['date', 'paper', 'post', 'author', 'category', 'venue', 'org'],
  post: ['date', 'post', 'paper', 'author', 'category', 'venue', 'org'],
  author: ['date', 'author', 'category', 'venue', 'org', 'paper', 'post'],
  list: ['date', 'author', 'category', 'venue', 'org', 'paper', 'post'],
};

function preferFor(intent: IntentLabel): SpanType[] {
  if (PAPER_INTENTS.has(intent) || intent === 'verify') return PREFER.paper;
  if (intent === 'post' || intent === 'post_citations' || intent === 'posts_about') return PREFER.post;
  if (PERSON_INTENTS.has(intent)) return PREFER.author;
  return PREFER.list;
}

/** Spans an intent can use as entities; the rest of their words count as topic words. */
function usable(intent: IntentLabel, s: Span, tokens: Token[]): boolean {
  if (s.type === 'category' && s.how === 'synonym' && s.tokEnd - s.tokStart === 1) {
    // "vision papers", "in audio": a one-word synonym is a category only next to a paper noun or "in".
    const next = tokens[s.tokEnd]?.norm ?? '';
    const prev = tokens[s.tokStart - 1]?.norm ?? '';
    if (!PAPER_NOUNS.has(next) && prev !== 'in') return false;
  }
  if (s.type === 'venue' && s.ids[0] === 'arXiv') {
    // "arXiv" is where nearly everything comes from: a venue only as "on/in/at arXiv", never "arxiv category".
    const prev = tokens[s.tokStart - 1]?.norm ?? '';
    const next = tokens[s.tokEnd]?.norm ?? '';
    if (!['on', 'in', 'at', 'to', 'from'].includes(prev) || /^(?:categor|id|code|listing|number)/.test(next)) return false;
  }
  if (s.type === 'paper') return PAPER_INTENTS.has(intent) || intent === 'verify' || intent === 'posts_about' || intent === 'post';
  if (s.type === 'post') return intent === 'post' || intent === 'post_citations' || intent === 'posts_about';
  if (s.type === 'author' && s.how === 'family name' && !tokens[s.tokStart]?.possessive && intent !== 'author' && intent !== 'coauthors') {
    // A bare family name in a listing needs a "by" before it.
    return ['by', 'from', 'with', 'and', 'or'].includes(tokens[s.tokStart - 1]?.norm ?? '');
  }
  return true;
}

interface Reading {
  frame: Frame;
  used: Span[];
  topicWords: string[];
}

/** Builds the frame an intent makes of the spans and the words left over. */
function read(intent: IntentLabel, text: string, tokens: Token[], spans: Span[], lib: Library, clause: [number, number] | null = null): Reading {
  // Spans inside a clause that says which namesake is meant are evidence, not filters.
  const inClause = (s: Span) => !!clause && s.tokStart >= clause[0] && s.tokEnd <= clause[1];
  const clauseSpans = spans.filter(inClause);
  const candidates = spans.filter((s) => !inClause(s) && usable(intent, s, tokens));
  const used = greedy(candidates, preferFor(intent));
  const inSpan = new Array<Span | undefined>(tokens.length);
  for (const s of used) for (let k = s.tokStart; k < s.tokEnd; k++) inSpan[k] = s;
  const frame: Frame = { intent: intent as Intent };
  const words = tokens.map((t) => t.norm);

  // Negation scope: from a cue to the next span or the end.
  const negated = new Array<boolean>(tokens.length).fill(false);
  for (let i = 0; i < tokens.length; i++) {
    const w = words[i]!;
    const cue = NEGATION.has(w) || (w === 'other' && words[i + 1] === 'than') || (w === 'no' && i > 0);
    if (!cue) continue;
    // A date right after the cue is negated ("not from 2020"); a later one is not ("not about X since 2020").
    let j = i + 1;
    while (j < tokens.length && !inSpan[j] && /^(?:from|in|published|during|about|on|a|an|the|any|of|be|being|been|is|are|by|with)$/.test(words[j]!)) j++;
    const dateFirst = !!inSpan[j] && inSpan[j]!.type === 'date';
    for (let k = i; k < tokens.length; k++) {
      if (k > i && inSpan[k] && inSpan[k]!.type === 'date' && !(dateFirst && k >= j && k < inSpan[j]!.tokEnd)) break;
      if (k > i + 1 && ['and', 'but', 'since', 'before', 'after', 'from', 'in'].includes(words[k]!) && !inSpan[k] && !(dateFirst && k < j)) break;
      negated[k] = true;
    }
  }

  // "papers Yanqi Zhou didn't write", "… that A was not on": the person before the negation is left out.
  for (const s of used) {
    if (s.type !== 'author' || negated[s.tokStart]) continue;
    const after = words.slice(s.tokEnd, s.tokEnd + 4);
    const neg = after.findIndex((w) => NEGATION.has(w));
    if (neg >= 0 && after.slice(neg + 1).some((w) => /^(?:write|wrote|written|author|authored|coauthor|co|on|involved|contribute|contributed|work|worked|publish|published|in)$/.test(w))) {
      for (let k = s.tokStart; k < s.tokEnd; k++) negated[k] = true;
    }
  }
  const people: Span[] = [];
  const excluded: Span[] = [];
  let period: { from?: string; to?: string } = {};
  let years = 0;
  for (const s of used) {
    const neg = negated[s.tokStart];
    switch (s.type) {
      case 'paper':
        if (!neg) frame.papers = [...new Set([...(frame.papers ?? []), ...s.ids])];
        break;
      case 'post':
        if (!neg) frame.post ??= s.ids[0]!;
        break;
      case 'author':
        (neg ? excluded : people).push(s);
        break;
      case 'category':
        if (neg) frame.excludeCategory ??= s.ids[0]!;
        else if (!frame.category) frame.category = s.ids[0]!;
        else if (frame.category !== s.ids[0]) {
          // "IV or sound papers": either category.
          frame.categories = [...new Set([...(frame.categories ?? [frame.category]), s.ids[0]!])];
        }
        break;
      case 'venue':
        if (!neg) frame.venue ??= s.ids[0]!;
        break;
      case 'org':
        if (!neg) frame.org ??= s.ids[0]!;
        break;
      case 'date': {
        const d = s.date!;
        if (neg) {
          frame.excludePeriod = { ...(d.from ? { from: d.from } : {}), ...(d.to ? { to: d.to } : {}) };
          break;
        }
        period = intersect(period, d);
        if (d.year !== undefined) {
          years++;
          frame.year = d.year;
        } else years += 2;
        break;
      }
    }
  }
  if (frame.categories) delete frame.category;
  if (years === 1 && frame.year !== undefined && period.from === `${frame.year}-01-01` && period.to === `${frame.year}-12-31`) {
    // One calendar year: kept as `year` (what the rephraser and the digests know).
  } else {
    delete frame.year;
    if (period.from) frame.from = period.from;
    if (period.to) frame.to = period.to;
  }
  if (people.length) {
    const ids = [...new Set(people.flatMap((s) => s.ids))];
    frame.authors = ids;
    frame.authorName = [...new Set(people.map((s) => lib.authors.get(s.ids[0]!)?.name ?? s.text))].join(' and ');
    const names = new Set(people.map((s) => lib.authors.get(s.ids[0]!)?.name));
    if (names.size >= 2) {
      // "A and B" (two people, or any number with a cue like "together") wrote together; "A or B", or a longer list, is either.
      const between = words.slice(people[0]!.tokEnd, people[people.length - 1]!.tokStart);
      const together = words.some((w) => /^(?:together|jointly|joint|both|co|coauthored|cowrote|collaborat\w*|shared)$/.test(w));
      frame.authorMode = between.includes('or') || words.includes('either') ? 'any' : names.size === 2 || together ? 'all' : 'any';
    }
  }
  // Namesakes ("the Zhifeng Chen who wrote GShard", "the MRI Zhifeng Chen"): the person the rest of the question points to.
  const extra: [number, number][] = [];
  const spent = frame.authors && frame.authors.length > 1 ? pickNamesake(frame, people, tokens, words, lib, intent, clause, clauseSpans, extra) : null;
  for (const r of spent ? [spent, ...extra] : []) for (let k = r[0]; k < r[1]; k++) if (!inSpan[k] || inSpan[k]!.type === 'paper') inSpan[k] = SPENT;
  if (excluded.length) frame.excludeAuthors = [...new Set(excluded.flatMap((s) => s.ids))];

  // Topic and excluded topic: words outside spans that ask nothing.
  const topicAt = new Set<number>();
  const excludeAt = new Set<number>();
  const isQuery = (i: number) => {
    const w = words[i]!;
    return QUERY_WORDS.has(w) || STOP_WORDS.has(w) || NEGATION.has(w) || /^\d+$/.test(w);
  };
  for (let i = 0; i < tokens.length; i++) {
    if (inSpan[i]) continue;
    const w = words[i]!;
    if (isQuery(i)) continue;
    const content = !INTENT_WORDS.has(w) || (i > 0 && i + 1 < tokens.length && !INTENT_WORDS.has(words[i - 1]!) && !INTENT_WORDS.has(words[i + 1]!) && !inSpan[i - 1] && !inSpan[i + 1] && !isQuery(i - 1) && !isQuery(i + 1));
    if (!content) continue;
    (negated[i] ? excludeAt : topicAt).add(i);
  }
  // Paper / post spans an intent does not take are topic words ("papers on GShard" is a search).
  for (const s of spans) {
    if (used.includes(s) || s.type === 'date' || s.type === 'author') continue;
    if (used.some((u) => u.tokStart < s.tokEnd && s.tokStart < u.tokEnd)) continue;
    for (let k = s.tokStart; k < s.tokEnd; k++) {
      if (isQuery(k) || inSpan[k] === SPENT) continue;
      (negated[k] ? excludeAt : topicAt).add(k);
    }
  }
  // The words as typed, with the small words between them ("mixture of experts").
  const phrase = (at: Set<number>) => {
    const idx = [...at].sort((a, b) => a - b);
    let out = '';
    for (let n = 0; n < idx.length; n++) {
      const i = idx[n]!;
      const prev = idx[n - 1];
      if (prev !== undefined) {
        const gap = words.slice(prev + 1, i);
        const glue = gap.length <= 2 && gap.every((g, k) => STOP_WORDS.has(g) && !NEGATION.has(g) && !inSpan[prev + 1 + k] && !['by', 'about', 'on', 'from', 'since', 'before', 'after', 'in', 'at', 'what', 'which', 'who', 'when', 'where', 'how', 'that', 'is', 'are', 'any', 'all', 'some'].includes(g));
        const between = text.slice(tokens[prev]!.end, tokens[i]!.start);
        out += glue && /^[\s'’-]*$/.test(between.replace(/\b\w+\b/g, '')) ? between : ' ';
      }
      out += text.slice(tokens[i]!.start, tokens[i]!.end);
    }
    return out.replace(/\s+/g, ' ').trim();
  };
  const topicWords = [...topicAt].sort((a, b) => a - b).map((i) => tokens[i]!.raw);
  const topicText = phrase(topicAt);
  if (topicText) frame.topic = topicText;
  const exclude = [...excludeAt].sort((a, b) => a - b).filter((i) => !CODE_WORDS.has(words[i]!));
  if (exclude.length) frame.excludeTopic = phrase(new Set(exclude));

  // "the post on …", "in the blog": posts are what is asked for.
  if ((intent === 'search' || intent === 'posts_about') && words.some((w) => w === 'post' || w === 'posts' || w === 'blog' || w === 'blogs')) {
    frame.intent = 'posts_about';
    const weak = frame.papers && !used.some((s) => s.type === 'paper' && s.quality >= 0.9);
    if (weak) {
      frame.topic = [frame.topic, ...used.filter((s) => s.type === 'paper').map((s) => s.text)].filter(Boolean).join(' ');
      delete frame.papers;
    }
  }
  if (intent === 'count' && words.some((w) => /^(?:cite|cites|citing|cited|reference|references|referencing|mention|mentions)$/.test(w)) && words.some((w) => w === 'post' || w === 'posts' || w === 'blog')) {
    frame.countOf = 'posts';
    frame.citing = true;
    delete frame.topic;
  }
  // Code availability as a filter of listings.
  if (LIST_INTENTS.has(intent)) {
    const codeAt = words.findIndex((w) => CODE_WORDS.has(w) || (w === 'source' && words.includes('open')));
    if (codeAt >= 0) frame.hasCode = !(negated[codeAt] || words[codeAt - 1] === 'no');
  }
  // Order and how many.
  if (intent === 'search' || intent === 'posts_about') {
    const at = words.findIndex((w, i) => SORT_NEW.has(w) && !(w === 'new' && i > 0 && words[i - 1] === 'what') || (w === 'last' && !inSpan[i] && words[i + 1] !== 'author') || (w === 'most' && words[i + 1] === 'recent'));
    const atOld = words.findIndex((w, i) => SORT_OLD.has(w) && !inSpan[i] || (w === 'first' && (['came', 'come', 'published', 'appeared', 'released', 'was', 'is', 'were', 'went', 'out'].includes(words[i - 1] ?? '') || (/^(?:paper|papers|publication|publications|work)$/.test(words[i + 1] ?? '') && (i === 0 || words[i - 1] !== 'the' || !!tokens[i - 2]?.possessive || !!inSpan[i - 1])))));
    if (atOld >= 0 && (at < 0 || atOld < at)) frame.sort = 'oldest';
    else if (at >= 0 && !inSpan[at]) frame.sort = 'newest';
    if (frame.sort) {
      const after = words.slice((frame.sort === 'oldest' ? atOld : at) + 1);
      const n = words.map((w) => numberWord(w)).find((n, i) => n !== null && n > 1 && n <= 50 && !inSpan[i] && words[i] !== 'a');
      if (n) frame.limit = n;
      else if (after.some((w) => SINGULAR.has(w)) && !after.some((w) => /^(?:papers|ones|publications|articles|works)$/.test(w))) frame.limit = 1;
      else {
        // "the newest of them", "the oldest?": one paper.
        const at2 = frame.sort === 'oldest' ? atOld : at;
        if (words[at2 - 1] === 'the' && (at2 + 1 >= words.length || words[at2 + 1] === 'of') && !after.some((w) => /^(?:papers|ones|publications|articles|works)$/.test(w))) frame.limit = 1;
      }
    }
  }
  // "is Yanqi Zhou's h-index above 100?", "does she have more than 30,000 citations?"
  if ((intent === 'author' || intent === 'verify') && frame.authors?.length && !frame.papers?.length) {
    const field = words.some((w) => w === 'h' || w === 'hindex') && words.includes('index') || words.includes('hindex') ? 'hIndex' : words.some((w) => /^citations?$|^cited$/.test(w)) ? 'citations' : null;
    const m = /\b(above|over|more than|greater than|higher than|at least|below|under|less than|fewer than|lower than|at most)\s+(\d[\d,]*)/i.exec(text);
    if (field && m) {
      const op = /^(above|over|more|greater|higher)/i.test(m[1]!) ? '>' : /^at least/i.test(m[1]!) ? '>=' : /^at most/i.test(m[1]!) ? '<=' : '<';
      frame.profileCheck = { field, op, value: Number(m[2]!.replace(/,/g, '')) };
      delete frame.topic;
    }
  }
  if (intent === 'verify' && (frame.papers?.length ?? 0) >= 2) {
    const cmp = words.find((w) => /^(?:older|earlier|before|newer|later|after|first)$/.test(w));
    if (cmp) frame.compare = /^(?:older|earlier|before|first)$/.test(cmp) ? 'older' : 'newer';
  }
  if (intent === 'count') {
    const after = words.slice(Math.max(0, words.indexOf('many') + 1));
    for (const w of [...after, ...words]) {
      const hit = COUNT_CUES.find(([, re]) => re.test(w));
      if (hit) {
        frame.countOf = hit[0];
        break;
      }
    }
  }
  // "how many papers each year", "number of papers per category": a count grouped is a breakdown.
  if (intent === 'count' || intent === 'search') {
    const per = words.findIndex((w, i) => /^(?:each|per|every)$/.test(w) && /^(?:years?|categor(?:y|ies)|venues?|fields?)$/.test(words[i + 1] ?? '')) ;
    const yby = words.findIndex((w, i) => w === 'year' && words[i + 1] === 'by' && words[i + 2] === 'year');
    if (per >= 0 || yby >= 0) {
      frame.intent = 'breakdown';
      const w = words[(per >= 0 ? per : yby) + 1] ?? 'year';
      frame.groupBy = /^categor|^field/.test(w) ? 'category' : /^venue/.test(w) ? 'venue' : 'year';
      delete frame.countOf;
    }
  }
  if (intent === 'top_authors' || intent === 'search' || intent === 'count') {
    const m = /\b(?:at least|more than|over|(\d+) or more)\s*(\d+)?\s+(?:papers|publications)\b/i.exec(text);
    if (m && (intent === 'top_authors' || words.includes('authors') || words.includes('people') || words.includes('who'))) {
      const n = Number(m[1] ?? m[2]);
      if (Number.isFinite(n)) {
        frame.intent = 'top_authors';
        frame.minCount = /more than|over/i.test(m[0]) ? n + 1 : n;
        delete frame.countOf;
      }
    }
  }
  if (intent === 'breakdown') {
    for (const [g, re] of GROUP_CUES) {
      if (words.some((w, i) => re.test(w) && !inSpan[i])) {
        frame.groupBy = g;
        break;
      }
    }
    frame.groupBy ??= 'year';
  }
  return { frame, used, topicWords };
}

const titleTerms = new WeakMap<Library, Map<string, string[]>>();
/** Papers gone since the title terms a patched library inherited were built (left out on reading). */
const titleTermsRemoved = new WeakMap<Library, ReadonlySet<string>>();

/** A paper's distinct title terms, per record (a patched library keeps its unchanged records: only new ones are read). */
const titleTermsCache = new WeakMap<object, readonly string[]>();
function titleTermsOf(p: Library['corpus']['papers'][number]): readonly string[] {
  let terms = titleTermsCache.get(p);
  if (!terms) titleTermsCache.set(p, (terms = [...new Set(queryTerms(p.title ?? ''))]));
  return terms;
}

/** Papers whose title has this (processed) term; built once per library. */
function titlesWith(lib: Library, term: string): string[] {
  const gone = titleTermsRemoved.get(lib);
  if (gone) return (titleTerms.get(lib)?.get(term) ?? []).filter((id) => !gone.has(id));
  let map = titleTerms.get(lib);
  if (!map) {
    map = new Map();
    for (const p of lib.corpus.papers) {
      for (const t of titleTermsOf(p)) {
        const ids = map.get(t);
        if (ids) ids.push(p.id);
        else map.set(t, [p.id]);
      }
    }
    titleTerms.set(lib, map);
  }
  return map.get(term) ?? [];
}

/** Token range of a "who …" clause after a name that several people share. */
function namesakeClause(tokens: Token[], spans: Span[], lib: Library): [number, number] | null {
  for (const s of spans) {
    if (s.type !== 'author') continue;
    if (new Set(s.ids.map((id) => lib.authors.get(id)?.name)).size !== 1 || s.ids.length < 2) continue;
    const next = tokens[s.tokEnd]?.norm;
    const after = tokens[s.tokEnd + 1]?.norm ?? '';
    if (next === 'who' || (next === 'that' && /^(?:wrote|writes|works|worked|did|does|co|cowrote|is|was|published)$/.test(after))) return [s.tokEnd, tokens.length];
    if (next === 'the' && tokens[s.tokEnd + 1]?.norm === 'one') return [s.tokEnd, tokens.length];
    if (next === 'one' && /^(?:who|with|from|that)$/.test(tokens[s.tokEnd + 1]?.norm ?? '')) return [s.tokEnd, tokens.length];
  }
  return null;
}

/** Marks words spent on describing a person (not topic words). */
const SPENT: Span = { type: 'org', tokStart: 0, tokEnd: 0, text: '', ids: [], quality: 0, how: 'spent' };

/** Among namesakes, keep the one whose papers the question's paper or topic points to; a describing clause is then spent. */
function pickNamesake(frame: Frame, people: Span[], tokens: Token[], words: string[], lib: Library, intent: IntentLabel, given: [number, number] | null, clauseSpans: Span[], extraSpent: [number, number][] = []): [number, number] | null {
  let spent: [number, number] | null = null;
  const byName = new Map<string, string[]>();
  for (const id of frame.authors!) {
    const n = lib.authors.get(id)?.name ?? id;
    byName.set(n, [...(byName.get(n) ?? []), id]);
  }
  const span = people[0]!;
  // A describing clause: "who …" after the name, or words between "the" and the name.
  const who = words.indexOf('who', span.tokEnd);
  const theAt = words.lastIndexOf('the', span.tokStart - 1);
  const before = theAt >= 0 && theAt < span.tokStart - 1 ? tokens.slice(theAt + 1, span.tokStart).map((t) => t.raw).join(' ') : '';
  const range: [number, number] = given ?? (who >= 0 ? [who, tokens.length] : [theAt + 1, span.tokStart]);
  const clause = [before, given ? tokens.slice(given[0], given[1]).map((t) => t.raw).join(' ') : who >= 0 ? tokens.slice(who + 1).map((t) => t.raw).join(' ') : ''].filter(Boolean).join(' ');
  if (before && (given || who >= 0)) extraSpent.push([theAt + 1, span.tokStart]);
  const coauthors = clauseSpans.filter((s) => s.type === 'author').flatMap((s) => s.ids);
  const clausePapers = clauseSpans.filter((s) => s.type === 'paper').flatMap((s) => s.ids);
  for (const [, ids] of byName) {
    if (ids.length < 2) continue;
    const evidence = clause || frame.topic || '';
    const scored = ids.map((id) => {
      const papers = new Set(lib.authors.get(id)?.paperIds ?? []);
      let score = [...(frame.papers ?? []), ...clausePapers].filter((p) => papers.has(p)).length * 10;
      for (const co of coauthors) if ((lib.authors.get(co)?.paperIds ?? []).some((p) => papers.has(p))) score += 10;
      if (evidence) score += lib.search(evidence, { kinds: ['paper'], within: papers }, { limit: 1 }).total;
      return { id, score };
    }).sort((a, b) => b.score - a.score);
    if (!scored[0]!.score || scored[0]!.score === scored[1]!.score) continue;
    const drop = new Set(ids.filter((id) => id !== scored[0]!.id));
    frame.authors = frame.authors!.filter((id) => !drop.has(id));
    if (clause && LIST_INTENTS.has(intent)) {
      // The clause described the person; it is not a filter on their papers.
      delete frame.papers;
      spent = range;
    }
  }
  return spent;
}

/**
 * "the paper about flip angles", "the dialog model paper from 2022": one clear title or full-text
 * match for the words, within the question's own filters (year, period, category, author). `loose`
 * (for questions about an attribute of the paper) also takes a top hit that only leads narrowly.
 */
function describedPaper(words: string, frame: Frame, lib: Library, loose: boolean): string | null {
  if (!words.trim()) return null;
  const filtered = frame.year !== undefined || frame.from || frame.to || frame.category || frame.authors?.length || frame.venue || frame.org;
  // The question's own filters (year, period, category, people, venue, …; never its words or papers).
  const keep = paperFilter(frame, lib);
  if (filtered) {
    // "the OSDI paper that …": the filters alone may leave one paper.
    if (keep && (frame.venue || frame.org)) {
      const left = lib.corpus.papers.filter(keep);
      if (left.length === 1) return left[0]!.id;
    }
  }
  if (!filtered) {
    const byTitle = lib.findPaper(words);
    if (byTitle) return byTitle.paper.id;
  }
  // Most of the description's words in one title, and more than in any other ("the on-device streaming ASR paper").
  const want = [...new Set(queryTerms(words))];
  // A capitalised word the corpus never uses ("GPipes Reloaded"): a title it does not have, not a description.
  const unknownCapital = [...words.matchAll(/[\p{L}\p{N}]+/gu)].some((m, i) => i > 0 && /^\p{Lu}/u.test(m[0]) && queryTerms(m[0]).some((t) => lib.documentFrequency(t) === 0));
  if (unknownCapital && want.filter((t) => lib.documentFrequency(t) === 0).length / Math.max(1, want.length) >= 0.5) return null;
  if (want.length >= 2) {
    const ranked = lib.closestTitles(words, 5).filter((p) => !keep || keep(p)).map((p) => {
      const title = new Set(queryTerms(p.title ?? ''));
      return { id: p.id, n: want.filter((t) => title.has(t)).length };
    }).sort((x, y) => y.n - x.n);
    const [t1, t2] = ranked;
    if (t1 && t1.n >= 2 && t1.n / want.length >= 0.6 && (!t2 || t1.n > t2.n)) return t1.id;
  }
  const { sort, limit, ...rest } = frame;
  void sort;
  void limit;
  delete rest.excludeTopic;
  const found = filtered
    ? selectPapers({ ...rest, intent: 'search', topic: words }, lib, 5).hits
    : lib.search(words, { kinds: ['paper'] }, { limit: 5, cache: true }).hits;
  // A description that repeats title words points at that title: score × (1 + share of its words in the title).
  const terms = new Set(queryTerms(words));
  const hits = found
    .map((h) => {
      const title = new Set(queryTerms(lib.papers.get(h.id)?.title ?? ''));
      const inTitle = terms.size ? [...terms].filter((t) => title.has(t)).length / terms.size : 0;
      return { ...h, score: h.score * (1 + inTitle) };
    })
    .sort((x, y) => y.score - x.score);
  const [a, b] = hits;
  const pick = pickDescribed(hits, a, b, want, lib, loose, keep);
  if (pick !== undefined) return pick;
  // The words' rarest terms, weighed by how few papers use them ("formally", "Lean", "theorems" over "LLMs").
  return rareWordMatch(words, frame, lib, loose);
}

function pickDescribed(hits: Hit[], a: Hit | undefined, b: Hit | undefined, want: string[], lib: Library, loose: boolean, keep: ((p: Paper) => boolean) | null): string | null | undefined {
  {
    // A word only one title has ("the gmail autocomplete paper") names that paper.
    const one = [...new Set(want.filter((t) => lib.documentFrequency(t) <= 2).map((t) => titlesWith(lib, t)).filter((x) => x.length === 1).map((x) => x[0]!))];
    if (one.length === 1 && (!keep || keep(lib.papers.get(one[0]!)!))) return one[0]!;
  }
  if (!a) return undefined;
  // Far ahead of the rest: a half-remembered description rarely uses the paper's own words.
  if (a.coverage >= 0.5 && (!b || a.score >= 3 * b.score)) return a.id;
  if (a.coverage < 0.6) return undefined;
  if (!b || (a.score >= 1.4 * b.score && a.coverage >= b.coverage)) return a.id;
  if (loose && a.coverage >= 0.75 && a.score >= 1.15 * b.score && a.coverage >= b.coverage) return a.id;
  return undefined;
}

const paperTerms = new WeakMap<Library, Map<string, Set<string>>>();

/** A paper's (processed) title and abstract terms, memoised per library. */
function termsOfPaper(lib: Library, p: Paper): Set<string> {
  let map = paperTerms.get(lib);
  if (!map) paperTerms.set(lib, (map = new Map()));
  let set = map.get(p.id);
  if (!set) {
    set = new Set(queryTerms(`${p.title ?? ''} ${(p.aliases ?? []).join(' ')} ${p.abstract ?? ''}`));
    map.set(p.id, set);
    if (map.size > 4096) map.delete(map.keys().next().value as string);
  }
  return set;
}

/**
 * A description matched by its rare words: each paper the search finds for the words (and for
 * each rare word alone) scores the share of the description's IDF weight its title and abstract
 * hold. One paper holding most of it, clearly more than the next, is the paper described. Facts
 * a paper's record does not give (its organisation, its venue) do not rule it out.
 */
function rareWordMatch(words: string, frame: Frame, lib: Library, loose: boolean): string | null {
  const m = describeByRareWords(words, frame, lib);
  if (!m) return null;
  return m.share >= 0.5 && m.share - m.next >= (loose ? 0.15 : 0.2) ? m.id : null;
}

/** Another form of the word in the set ("translating" → translate, translation): the same first letters, all but the last three of 8+. */
function hasVariant(have: ReadonlySet<string>, t: string): boolean {
  if (t.length < 8) return false;
  const key = t.slice(0, t.length - 3);
  for (const x of have) if (x.startsWith(key)) return true;
  return false;
}

export function describeByRareWords(words: string, frame: Frame, lib: Library): { id: string; share: number; next: number } | null {
  const terms = [...new Set(queryTerms(words))].filter((t) => lib.documentFrequency(t) > 0);
  if (terms.length < 2) return null;
  const n = lib.papers.size + lib.posts.size;
  const idf = new Map(terms.map((t) => [t, Math.log(1 + n / lib.documentFrequency(t))]));
  const total = [...idf.values()].reduce((x, y) => x + y, 0);
  const { org, venue, ...hard } = frame;
  const keep = paperFilter({ ...hard, intent: 'search' }, lib);
  const fits = (p: Paper) => (!keep || keep(p)) && (!org || !p.orgs.length || p.orgs.includes(org)) && (!venue || !p.venue || p.venue.toLowerCase().includes(venue.toLowerCase()));
  const pool = new Set<string>();
  for (const h of lib.search(words, { kinds: ['paper'] }, { limit: 10, cache: true }).hits) pool.add(h.id);
  // The rarest words alone reach papers a long description's commoner words outrank.
  for (const t of [...terms].sort((x, y) => lib.documentFrequency(x) - lib.documentFrequency(y)).slice(0, 3)) {
    for (const h of lib.search(t, { kinds: ['paper'] }, { limit: 5, cache: true }).hits) pool.add(h.id);
  }
  const ranked = [...pool].map((id) => lib.papers.get(id)!).filter((p) => p && fits(p)).map((p) => {
    const have = termsOfPaper(lib, p);
    let w = 0;
    for (const [t, v] of idf) if (have.has(t) || hasVariant(have, t)) w += v;
    return { id: p.id, share: w / total };
  }).sort((x, y) => y.share - x.share || (x.id < y.id ? -1 : 1));
  const [a, b] = ranked;
  return a ? { id: a.id, share: a.share, next: b?.share ?? 0 } : null;
}

function scoreReading(intent: IntentLabel, p: number, r: Reading, tokens: Token[], lib: Library, raw: string): Candidate {
  const f: Record<string, number> = { logProb: Math.log(Math.max(p, 1e-6)) };
  const frame = { ...r.frame };
  const needsPaper = PAPER_INTENTS.has(intent);
  const needsPerson = PERSON_INTENTS.has(intent);
  if (needsPaper) {
    // A question about one paper rarely carries a topic of its own besides.
    if (frame.papers?.length) {
      f['entityPresent'] = 1;
      // Words that repeat the paper's own title ("GDP (generalized device placement)") are not left over.
      const own = new Set(frame.papers.flatMap((id) => queryTerms(lib.papers.get(id)?.title ?? '')));
      const left = r.topicWords.filter((w) => queryTerms(w).some((t) => !own.has(t))).length;
      if (left) f['topicLeftOver'] = Math.min(3, left);
      // A lone title word ("LLMs", "Network") among many other words: the words may describe another paper.
      const weak = r.used.filter((x) => x.type === 'paper').every((x) => x.how === 'title word');
      if (weak && left >= 2) {
        const words = [...r.used.filter((x) => x.type === 'paper').map((x) => x.text), frame.topic, frame.excludeTopic].filter(Boolean).join(' ');
        const desc = describedPaper(words, { ...frame, papers: undefined as never }, lib, intent !== 'paper' && intent !== 'about' && intent !== 'similar');
        if (desc && !frame.papers.includes(desc)) {
          frame.papers = [desc];
          frame.described = words;
          delete frame.topic;
          delete frame.excludeTopic;
          delete f['topicLeftOver'];
          f['entityDescribed'] = 1;
        }
      }
    }
    else {
      // Negated words describe the paper too ("speech translation without text").
      const desc = describedPaper([frame.topic, frame.excludeTopic].filter(Boolean).join(' '), frame, lib, intent !== 'paper' && intent !== 'about' && intent !== 'similar');
      if (desc) {
        frame.papers = [desc];
        frame.described = [frame.topic, frame.excludeTopic].filter(Boolean).join(' ');
        delete frame.topic;
        delete frame.excludeTopic;
        f['entityDescribed'] = 1;
      } else {
        f['entityMissing'] = 1;
        frame.unresolved = frame.topic ?? '';
      }
    }
  }
  if (needsPerson) {
    if (frame.authors?.length) {
      f['entityPresent'] = 1;
      // "who is A" is about one person; two different names ask for what they did together.
      if (new Set(frame.authors.map((id) => lib.authors.get(id)?.name)).size > 1) f['severalPeople'] = 1;
    }
    else {
      f['entityMissing'] = 1;
      frame.unresolved = frame.topic ?? '';
    }
  }
  if (intent === 'post') {
    if (frame.post) f['entityPresent'] = 1;
    else f['entityMissing'] = 1;
  }
  if (intent === 'verify') {
    const facts = (frame.papers?.length ?? 0) + (frame.authors?.length ? 1 : 0) + (frame.category ? 1 : 0) + (frame.year !== undefined || frame.from || frame.to ? 1 : 0) + (frame.venue ? 1 : 0) + (frame.org ? 1 : 0) + (frame.topic ? 1 : 0) + (tokens.some((t) => CODE_WORDS.has(t.norm)) ? 1 : 0);
    if (facts >= 2) f['entityPresent'] = 1;
    else f['entityMissing'] = 1;
  }
  // "oldest paper in the corpus": an order word asks for a listing.
  if (intent === 'search' && tokens.some((t) => /^(?:oldest|newest|latest|earliest)$/.test(t.norm))) f['sortWord'] = 1;
  // "who wrote the … paper", "how many authors are on the … one": one paper is asked about, not an aggregate.
  if ((intent === 'top_authors' || intent === 'count' || intent === 'breakdown') && ONE_PAPER.test(raw) && !frame.sort) f['onePaperAsked'] = 1;
  if (r.used.length) f['spanQuality'] = r.used.reduce((a, s) => a + s.quality, 0) / r.used.length;
  return { intent, frame, score: scoreFeatures(f), features: f };
}

/**
 * A listing whose words describe one paper rather than a topic ("compiler-based auto
 * parallelization with a few sharding annotations"): the paper holding most of the words' rare
 * terms, clearly more than any other, is listed first.
 */
function leadPaper(f: Frame, lib: Library): string | null {
  if (!f.topic || f.papers?.length || f.post || f.sort) return null;
  const words = f.topic;
  const known = new Set(queryTerms(words).filter((t) => lib.documentFrequency(t) > 0)).size;
  if (known < 4) return null;
  const m = describeByRareWords(words, f, lib);
  return m && m.share >= LEAD.share && m.share - m.next >= LEAD.margin ? m.id : null;
}

/** How clearly a listing's words must single out one paper for it to lead (share of the IDF weight, lead over the next). */
const LEAD = { share: 0.5, margin: 0.15 };

/** Reads one stand-alone question. */
export function understand(text: string, lib: Library, now: Date = clock()): Understanding {
  const tokens = tokenize(text);
  const spans = link(text, tokens, lib, now);
  // A clause that only says which namesake is meant ("the Zhifeng Chen who wrote GShard") does not ask anything.
  const clause = namesakeClause(tokens, spans, lib);
  const shown = clause ? tokens.filter((_, i) => i < clause[0] || i >= clause[1]) : tokens;
  const shownSpans = clause ? greedy(spans).filter((s) => s.tokEnd <= clause[0] || s.tokStart >= clause[1]).map((s) => (s.tokStart >= clause[1] ? { ...s, tokStart: s.tokStart - (clause[1] - clause[0]), tokEnd: s.tokEnd - (clause[1] - clause[0]) } : s)) : greedy(spans);
  const probs = predict(MODEL, features(maskedWords(shown, shownSpans, VOCABULARY)));
  const ranked = [...probs.entries()].sort((a, b) => b[1] - a[1]);
  // "reset" and "help" only as what a short question plainly is; never a guess for something else.
  const plain = (l: IntentLabel, p: number) => (l !== 'reset' && l !== 'help') || (p >= 0.5 && tokens.length <= 6 && !spans.length);
  // Readings far less likely than the model's first choice are not considered: a confident
  // "when was … published?" without its paper stays that question (unresolved), not a listing.
  const top = ranked[0]?.[1] ?? 0;
  let considered = ranked.filter(([l, p], i) => i < 5 && plain(l, p) && (i === 0 || p >= Math.max(0.02, 0.08 * top)));
  if (!considered.length) considered = ranked.filter(([l]) => l === 'search');
  const candidates = considered.map(([intent, p]) => scoreReading(intent, p, read(intent, text, tokens, spans, lib, clause), tokens, lib, text));
  candidates.sort((a, b) => b.score - a.score);
  const best = candidates[0]!;
  const z = candidates.map((c) => Math.exp(c.score - best.score));
  const confidence = 1 / z.reduce((a, b) => a + b, 0);
  const frame = resolve(best, tokens, text, lib, confidence);
  return { frame, confidence, intents: ranked.slice(0, 4), spans, candidates, text };
}

/** Attributes of a paper a question can ask for, and the words that ask for each. */
const ATTRIBUTE_CUES: [Intent, RegExp][] = [
  ['authors_of', /^(?:who|authors?|wrote|written|authored)$/],
  ['date_of', /^(?:when|year|date|dated)$/],
  ['venue_of', /^(?:where|venues?|conferences?|journals?)$/],
  ['category_of', /^(?:categor(?:y|ies)|field|area|subject)$/],
  ['code_of', /^(?:code|github|implementation|repo|repository)$/],
];
const ATTRIBUTE_INTENTS = new Set<Intent>(ATTRIBUTE_CUES.map(([i]) => i));
/** What an attribute's answer already says besides (a date's answer gives the venue and category). */
const SAYS_ALSO: Partial<Record<Intent, Intent[]>> = { date_of: ['venue_of', 'category_of'], category_of: ['date_of', 'venue_of'], venue_of: ['date_of'] };

/**
 * "what year and what category is X?", "who wrote X and when?": the other attributes a question
 * joins to the first ("and", a comma), each asked by its own words outside the names.
 */
function otherAttributes(intent: Intent, tokens: Token[]): Intent[] {
  const words = tokens.map((t) => t.norm);
  if (!words.includes('and') && !tokens.some((t, i) => i > 0 && /,\s*$/.test(t.raw))) return [];
  const asked = ATTRIBUTE_CUES.filter(([, re]) => words.some((w) => re.test(w))).map(([i]) => i);
  if (!asked.includes(intent)) return [];
  const covered = new Set<Intent>([intent, ...(SAYS_ALSO[intent] ?? [])]);
  const out: Intent[] = [];
  for (const i of asked) {
    if (covered.has(i)) continue;
    out.push(i);
    for (const c of SAYS_ALSO[i] ?? []) covered.add(c);
  }
  return out;
}

/** The frame a candidate stands for once chosen: its finishing touches, and the fallback search when it lacks what it needs. */
export function resolve(best: Candidate, tokens: Token[], text: string, lib: Library, confidence = 1): Frame {
  let frame = finish(best, tokens);
  if (frame.intent === 'search' && !frame.authors?.length) {
    const lead = leadPaper(frame, lib);
    if (lead) frame.lead = lead;
  }
  const listable = best.intent === 'paper' || best.intent === 'about' || best.intent === 'similar';
  if (best.features['entityMissing'] && listable && frame.topic && !REFERENCE.test(text)) {
    // Nothing the question needs was found: search for its words with the filters that were found.
    const { unresolved, papers, post, ...rest } = frame;
    void papers;
    void post;
    frame = { ...rest, intent: 'search', fallback: true, topic: rest.topic ?? unresolved ?? '' };
  } else if (confidence < MIN_CONFIDENCE && LIST_INTENTS.has(best.intent)) frame.fallback = true;
  return frame;
}

/** Intent-specific touches that do not change the reading's score. */
function finish(c: Candidate, tokens: Token[]): Frame {
  const f: Frame = { ...c.frame };
  const first = tokens.findIndex((t) => !['hey', 'hi', 'hello', 'ok', 'okay', 'so', 'and', 'bot', 'yo', 'um', 'well', 'also', 'but'].includes(t.norm));
  if (first >= 0 && AUX.has(tokens[first]!.norm)) f.yesno = true;
  // "PaLM 2 came out in 2022, right?": a statement with a tag asks for yes or no.
  const last = tokens[tokens.length - 1]?.norm ?? '';
  if (/^(?:right|correct|true|yes|yeah|no)$/.test(last) || (tokens.length >= 3 && tokens[tokens.length - 2]?.norm === 'isn' && last === 'it')) f.yesno = true;
  if (f.intent === 'posts_about' && f.post && !f.papers) f.intent = 'post';
  if (f.profileCheck) f.intent = 'author';
  // "is Noise2Music in the Sound category?", "was GPipe published in 2018?": a check of the value given.
  if (f.yesno && f.papers?.length && f.intent === 'paper' && (f.category || f.year !== undefined || f.from || f.to || f.venue || f.authors?.length)) f.intent = 'verify';
  if (f.yesno && f.papers?.length && ((f.intent === 'category_of' && f.category) || ((f.intent === 'date_of') && (f.year !== undefined || f.from || f.to)) || (f.intent === 'venue_of' && f.venue) || ((f.intent === 'authors_of' || f.intent === 'first_author' || f.intent === 'last_author') && f.authors?.length))) f.intent = 'verify';
  if (f.intent === 'post_citations' && !f.post && f.papers?.length) f.intent = 'posts_about';
  if (f.intent === 'post' && !f.post) f.intent = 'posts_about';
  if (f.intent === 'similar' && !f.papers?.length && f.topic) f.intent = 'search';
  if (f.papers?.length && ATTRIBUTE_INTENTS.has(f.intent)) {
    const also = otherAttributes(f.intent, tokens);
    if (also.length) f.also = also;
  }
  // A listing with nothing to list by, from words that ask for nothing ("#3", "and the third?"): not understood.
  const bare = f.intent === 'search' && !f.topic && !f.category && f.year === undefined && !f.from && !f.to && !f.venue && !f.org && f.hasCode === undefined && !f.authors && !f.sort && !f.excludeTopic;
  if (bare && !tokens.some((t) => /^(?:papers?|publications?|articles?|works?|stuff|anything|everything|all|corpus|list|show)$/.test(t.norm))) f.intent = 'unknown';
  // The names the rest of the engine knows listings by.
  if (f.intent === 'search' && f.authors?.length) f.intent = 'papers_by';
  else if (f.intent === 'search' && f.sort === 'newest') f.intent = 'latest';
  return f;
}

/**
 * What `prepare` builds for a library, as plain data: computed in the corpus worker thread and
 * installed with `adoptPrepared` on the library the main thread assembles (see corpusService.ts).
 */
export interface PreparedData {
  lexicon: LexiconData;
  titleTerms: [string, string[]][];
}

export function preparedData(lib: Library): PreparedData {
  prepare(lib);
  const gone = titleTermsRemoved.get(lib);
  const terms = [...(titleTerms.get(lib) ?? new Map<string, string[]>())].map(([t, ids]): [string, string[]] => [t, gone ? ids.filter((id) => !gone.has(id)) : ids]).filter(([, ids]) => ids.length);
  return { lexicon: lexiconData(lib), titleTerms: terms };
}

export function adoptPrepared(lib: Library, data: PreparedData): void {
  runSteps(adoptPreparedSteps(lib, data, Infinity));
}

/** `adoptPrepared` a slice at a time (about `slice` entries a step: see `adoptLexiconSteps`). */
export function* adoptPreparedSteps(lib: Library, data: PreparedData, slice: number): Generator<void, void> {
  yield* adoptLexiconSteps(lib, data.lexicon, slice);
  const terms = new Map<string, string[]>();
  let n = 0;
  for (const [t, ids] of data.titleTerms) {
    terms.set(t, ids);
    if (++n % slice === 0) yield;
  }
  titleTerms.set(lib, terms);
  titleTermsRemoved.delete(lib);
}

/** `to` (patched from `from`) answers with `from`'s prepared data, minus removed records, until its own arrive. */
export function inheritPrepared(from: Library, to: Library, removed: ReadonlySet<string>): void {
  inheritLexicon(from, to, removed);
  const terms = titleTerms.get(from);
  if (!terms) return;
  titleTerms.set(to, terms);
  // The gone papers are left out as terms are read (see `inheritLexicon`).
  const gone = new Set([...(titleTermsRemoved.get(from) ?? []), ...removed]);
  if (gone.size) titleTermsRemoved.set(to, gone);
}

/** `preparedData` as flat extras (sent in parts, kept in snapshots; see corpusWorker.ts). */
export function preparedExtras(lib: Library): Record<string, unknown> {
  const p = preparedData(lib);
  return { dict: p.lexicon.dict, maxLen: p.lexicon.maxLen, venues: p.lexicon.venues, orgs: p.lexicon.orgs, titleTerms: p.titleTerms };
}

/** The prepared data in `extras` (null when they hold none). */
export function preparedFromExtras(get: (key: string) => unknown): PreparedData | null {
  const dict = get('dict');
  if (!Array.isArray(dict)) return null;
  return {
    lexicon: { dict: dict as PreparedData['lexicon']['dict'], maxLen: typeof get('maxLen') === 'number' ? (get('maxLen') as number) : 1, venues: (get('venues') ?? []) as [string, string][], orgs: (get('orgs') ?? []) as [string, string][] },
    titleTerms: (get('titleTerms') ?? []) as [string, string[]][],
  };
}
