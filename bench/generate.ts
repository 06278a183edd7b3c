/**
 * Deterministic generator of synthetic corpora in papertalk's own input formats, for the
 * performance benchmark (`bench/run.ts`) and its tests.
 *
 * Everything is drawn from the real corpus in `data/`: author names are recombined first and
 * last names seen there, titles follow the real shapes (`Acronym: Title Words`, hyphenated
 * words), abstracts and blog paragraphs come from word-bigram chains over the real abstracts and
 * posts (with content words and numbers substituted so that texts are as diverse as a large real
 * corpus), categories, years, venues and organisations from their real distributions.
 *
 * Papers are listed in the pages of their page owners: aggregator inline listings (page owner in
 * `sources.json`), aggregator line listings (profile header), Google Research author pages (all
 * co-authors, year only, some entries untitled) and blog archives citing titles in quotes.
 * A share of papers (`dupRate`) is listed on two or three pages, as in real data: title case and
 * punctuation variants, an earlier title (alias), truncated (`et al.`) vs full author lists,
 * name spelling variants, untitled author-page entries found again by their abstract.
 *
 * Same seed and same `data/` → byte-identical files.
 *
 * Profiles (`--profile`):
 * - `default`: an open vocabulary that grows with the corpus as a real one does (Heaps' law:
 *   ~125k distinct content words at 100k papers, numbers with fresh digits, a new acronym per
 *   titled paper that has one).
 * - `small-vocab`: a closed vocabulary of about 20k distinct abstract words whatever the size
 *   (`SMALL_VOCAB_WORDS` substitution words, drawn with Zipf weights; numbers as the real
 *   abstracts write them; acronyms from a fixed pool of `SMALL_VOCAB_ACRONYMS`), so that at 100k
 *   papers posting lists are long: the case the issue's "about 21k distinct abstract terms"
 *   measurement hit. Same structure otherwise (formats, duplicates, authors, posts).
 *
 * CLI: `tsx bench/generate.ts --papers 10000 [--seed 42] [--profile default|small-vocab] [--out DIR]`
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCorpusDir, type SourceFile } from '../src/corpus/load.ts';
import { MANIFEST_FILE, type Manifest } from '../src/corpus/manifest.ts';
import type { Corpus } from '../src/corpus/schema.ts';
import { foldDiacritics, titleKey } from '../src/corpus/text.ts';
import { createProgress } from '../src/progress.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = join(REPO_ROOT, 'data');
/** Bump when the generator's output changes, so cached generated corpora are regenerated. */
export const GENERATOR_VERSION = 3;
/** Bump when the `small-vocab` profile's output changes (its cache directories carry it). */
export const SMALL_VOCAB_VERSION = 1;

/** Generator profiles: the open vocabulary of a real corpus, or a closed one of ~20k words (long posting lists). */
export const PROFILES = ['default', 'small-vocab'] as const;
export type GeneratorProfile = (typeof PROFILES)[number];

export function isProfile(s: string): s is GeneratorProfile {
  return (PROFILES as readonly string[]).includes(s);
}

/** Substitution words of the `small-vocab` profile (the real content words plus derived ones). */
export const SMALL_VOCAB_WORDS = 17_000;
/** Acronyms of the `small-vocab` profile (titles with one draw from this pool). */
export const SMALL_VOCAB_ACRONYMS = 3_000;
/** Zipf exponent of the `small-vocab` substitution words (rank r drawn ∝ 1/r^s). */
const SMALL_VOCAB_ZIPF = 0.9;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32, seeded through splitmix32)

export interface Rng {
  /** Uniform in [0, 1). */
  (): number;
}

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}
export const chance = (rng: Rng, p: number) => rng() < p;

/** Picks indexes with the given weights (cumulative table + binary search). */
export class WeightedPicker {
  private readonly cumulative: Float64Array;
  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      this.cumulative[i] = sum;
    }
  }
  pick(rng: Rng): number {
    const c = this.cumulative;
    const x = rng() * c[c.length - 1]!;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// Word-bigram chains over real text

const SENTENCE_END = 1;
const SUBSTITUTABLE = 2;
const NUMERIC = 4;
/** Share of content words replaced by a random word of the real vocabulary (matches the real corpus's trigram diversity). */
const SUBSTITUTE = 0.6;

/** A word-bigram chain in compressed form: successors of token `t` are `next[offsets[t] .. offsets[t+1])`. */
export interface Chain {
  tokens: string[];
  flags: Uint8Array;
  offsets: Int32Array;
  next: Int32Array;
  /** Tokens that start a sentence. */
  starts: Int32Array;
}

const STOP = new Set(
  'about above after again against also among because before being below between both could does doing down during each either enough every further have having here however into itself just many more most much must neither other otherwise over same several should since some such than that their them then there these they this those through under until very what when where whether which while will with within without would your yours'.split(' '),
);

function buildChain(texts: string[]): Chain {
  const ids = new Map<string, number>();
  const tokens: string[] = [];
  const edges: number[][] = [];
  const starts = new Set<number>();
  const idOf = (t: string) => {
    let id = ids.get(t);
    if (id === undefined) {
      id = tokens.length;
      ids.set(t, id);
      tokens.push(t);
      edges.push([]);
    }
    return id;
  };
  for (const text of texts) {
    const words = text.split(/\s+/).filter(Boolean);
    let prev = -1;
    let sentenceStart = true;
    for (const w of words) {
      const id = idOf(w);
      if (sentenceStart && /^[\p{Lu}]/u.test(w)) starts.add(id);
      if (prev >= 0) edges[prev]!.push(id);
      prev = id;
      sentenceStart = isSentenceEnd(w);
    }
  }
  const flags = new Uint8Array(tokens.length);
  tokens.forEach((t, i) => {
    let f = 0;
    if (isSentenceEnd(t)) f |= SENTENCE_END;
    const core = /^([a-z]{4,})[,;:.]?$/.exec(t)?.[1];
    if (core && !STOP.has(core)) f |= SUBSTITUTABLE;
    if (/^\(?\d+(?:\.\d+)?(?:%|x|B|M|K|T)?\)?[,.;:]?$/.test(t)) f |= NUMERIC;
    flags[i] = f;
  });
  const offsets = new Int32Array(tokens.length + 1);
  let total = 0;
  edges.forEach((e, i) => {
    offsets[i] = total;
    total += e.length;
  });
  offsets[tokens.length] = total;
  const next = new Int32Array(total);
  edges.forEach((e, i) => next.set(e, offsets[i]!));
  return { tokens, flags, offsets, next, starts: Int32Array.from([...starts].sort((a, b) => a - b)) };
}

function isSentenceEnd(w: string): boolean {
  return /[.!?]["”)]?$/.test(w) && !/^(?:e\.g|i\.e|al|vs|etc|Fig|cf)\.$/i.test(w) && w.length > 2;
}

function randomDigits(rng: Rng, token: string): string {
  return token.replace(/\d+/g, (run) => {
    let out = String(int(rng, run.length > 1 ? 1 : 0, 9));
    for (let i = 1; i < run.length; i++) out += String(int(rng, 0, 9));
    return out;
  });
}

/**
 * Text of about `words` words from a chain; content words are substituted with probability
 * `substitute` by `word()`, numbers get new digits (unless `freshDigits` is false).
 */
function chainText(rng: Rng, chain: Chain, words: number, word: () => string, substitute: number, freshDigits = true): string {
  const out: string[] = [];
  let cur = chain.starts[Math.floor(rng() * chain.starts.length)]!;
  let sinceEnd = 0;
  const hardMax = Math.ceil(words * 1.6) + 20;
  for (;;) {
    const f = chain.flags[cur]!;
    let tok = chain.tokens[cur]!;
    if (f & SUBSTITUTABLE && rng() < substitute) {
      const m = /^([a-z]+)(.*)$/.exec(tok);
      if (m) tok = word() + m[2]!;
    } else if (f & NUMERIC && freshDigits) {
      tok = randomDigits(rng, tok);
    }
    out.push(tok);
    sinceEnd++;
    const ended = (f & SENTENCE_END) !== 0;
    if (ended) sinceEnd = 0;
    if ((ended && out.length >= words) || out.length >= hardMax) break;
    const lo = chain.offsets[cur]!;
    const hi = chain.offsets[cur + 1]!;
    if (hi === lo || sinceEnd > 60) {
      if (!ended) out[out.length - 1] = `${out[out.length - 1]!.replace(/[,;:]$/, '')}.`;
      sinceEnd = 0;
      cur = chain.starts[Math.floor(rng() * chain.starts.length)]!;
    } else {
      cur = chain.next[lo + Math.floor(rng() * (hi - lo))]!;
    }
  }
  let text = out.join(' ');
  if (!/[.!?]["”)]?$/.test(text)) text = `${text.replace(/[,;:]$/, '')}.`;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary of the real corpus

export interface Vocabulary {
  firstNames: string[];
  lastNames: string[];
  /** Capitalised title words (hyphenated ones included). */
  titleWords: string[];
  /** Lower-case connectors seen inside titles (`of`, `for`, `with`, …). */
  connectors: string[];
  /** Lower-case content words of abstracts and posts (substitution pool). */
  contentWords: string[];
  /** Hyphenated lower-case words of abstracts (`parameter-efficient`). */
  hyphenated: string[];
  /** Title prefixes before a colon (`GPipe`, `N-Grammer`), as shape examples. */
  shortNames: string[];
  abstracts: Chain;
  posts: Chain;
  /** Word counts of real abstracts. */
  abstractLengths: number[];
  /** Category codes, repeated as often as they occur. */
  categories: string[];
  years: { min: number; max: number };
  venues: string[];
  orgs: string[];
  /** Archive headers of the real blog dumps. */
  archiveHeaders: string[];
  /** Real paper titles (for topic queries). */
  realTitles: string[];
}

const TITLE_CONNECTORS = ['of', 'for', 'with', 'in', 'on', 'via', 'from', 'and', 'to', 'using', 'at', 'by', 'through', 'towards', 'without', 'beyond'];

export function vocabularyFromCorpus(corpus: Corpus): Vocabulary {
  const first = new Set<string>();
  const last = new Set<string>();
  for (const a of corpus.authors) {
    for (const name of [a.name, ...a.variants]) {
      const tokens = name.replace(/\([^)]*\)/g, ' ').split(/\s+/).filter(Boolean);
      if (tokens.length < 2) continue;
      const f = tokens[0]!;
      const l = tokens[tokens.length - 1]!;
      if (/^[\p{Lu}][\p{L}'-]+$/u.test(f)) first.add(f);
      if (/^[\p{Lu}][\p{L}'-]+$/u.test(l) && l.length > 1) last.add(l);
    }
  }
  const titles = [...corpus.papers.flatMap((p) => (p.title ? [p.title, ...p.aliases] : p.aliases)), ...corpus.posts.map((p) => p.title)];
  const titleWords = new Set<string>();
  const connectors = new Set<string>();
  const shortNames = new Set<string>();
  for (const t of titles) {
    const colon = /^([^:]{2,30}):\s/.exec(t);
    if (colon) shortNames.add(colon[1]!);
    const body = colon ? t.slice(colon[0].length) : t;
    for (const raw of body.split(/\s+/)) {
      const w = raw.replace(/^[("“]+|[)"”,.:;?!]+$/g, '');
      if (/^[\p{Lu}][\p{L}\d]*(?:-[\p{L}\d]+)*$/u.test(w) && w.length >= 3 && !/^\p{Lu}+s?$/u.test(w)) titleWords.add(w);
      else if (/^[a-z]{2,8}$/.test(w)) connectors.add(w);
    }
  }
  const content = new Set<string>();
  const hyphenated = new Set<string>();
  const abstracts = corpus.papers.map((p) => p.abstract).filter((a): a is string => !!a);
  const postTexts = corpus.posts.flatMap((p) => p.body.split(/\n\n+/)).filter((p) => p.split(' ').length >= 12);
  for (const text of [...abstracts, ...postTexts]) {
    for (const w of text.split(/\s+/)) {
      const core = w.replace(/^[("“]+|[)"”,.:;?!]+$/g, '');
      if (/^[a-z]{4,14}$/.test(core) && !STOP.has(core)) content.add(core);
      else if (/^[a-z]{2,12}-[a-z]{3,12}$/.test(core)) hyphenated.add(core);
    }
  }
  const years = corpus.papers.map((p) => p.year).filter((y): y is number => y !== null);
  const archiveHeaders = ['Category Archives: Research Blog', 'Tag Archives: Neural Networks'];
  const orgs = [...new Set(corpus.papers.flatMap((p) => p.orgs))].sort();
  const venues = [...new Set(corpus.papers.map((p) => p.venue).filter((v): v is string => !!v && v.length < 40))].sort();
  const vocabulary: Vocabulary = {
    firstNames: [...first].sort(),
    lastNames: [...last].sort(),
    titleWords: [...titleWords].sort(),
    connectors: [...new Set([...TITLE_CONNECTORS, ...[...connectors].filter((c) => TITLE_CONNECTORS.includes(c) || ['the', 'a', 'an'].includes(c))])],
    contentWords: [...content].sort(),
    hyphenated: [...hyphenated].sort(),
    shortNames: [...shortNames].sort(),
    abstracts: buildChain(abstracts),
    posts: buildChain(postTexts),
    abstractLengths: abstracts.map((a) => a.split(/\s+/).length).sort((a, b) => a - b),
    categories: corpus.papers.map((p) => p.category).filter((c): c is string => !!c),
    years: { min: years.length ? Math.min(...years) : 2017, max: years.length ? Math.max(...years) : 2025 },
    venues: venues.length ? venues : ['arXiv'],
    orgs: orgs.length ? orgs : ['deepmind'],
    archiveHeaders,
    realTitles: titles,
  };
  if (vocabulary.firstNames.length < 5 || vocabulary.lastNames.length < 5 || vocabulary.titleWords.length < 20 || !vocabulary.abstracts.starts.length || !vocabulary.posts.starts.length) {
    throw new Error('bench/generate: the real corpus is too small to draw a vocabulary from');
  }
  return vocabulary;
}

const vocabularyCache = new Map<string, Promise<Vocabulary>>();

/** Vocabulary of the real corpus in `dataDir` (parsed with the real loader). */
export function loadVocabulary(dataDir = DEFAULT_DATA_DIR): Promise<Vocabulary> {
  let v = vocabularyCache.get(dataDir);
  if (!v) {
    v = loadCorpusDir(dataDir).then((r) => vocabularyFromCorpus(r.corpus));
    vocabularyCache.set(dataDir, v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// The synthetic world

export type GeneratedFormat = 'inline-listing' | 'line-listing' | 'author-page' | 'blog-archive';

export interface GenerateOptions {
  /** Distinct papers to generate. */
  papers: number;
  seed?: number;
  /** Share of papers listed on more than one page (default 0.15). */
  dupRate?: number;
  /** Blog posts per paper (default 1/50). */
  postRate?: number;
  /** Most entries in one page file (default 100). */
  maxEntriesPerFile?: number;
  /** Called as papers and files are generated. */
  onProgress?: (done: number, total: number) => void;
  /** Vocabulary profile (default `default`). */
  profile?: GeneratorProfile;
}

export interface GeneratedFile extends SourceFile {
  format: GeneratedFormat;
  entries: number;
}

export interface GenerateStats {
  papers: number;
  persons: number;
  owners: number;
  files: Record<GeneratedFormat, number>;
  /** Paper entries over all pages (a paper listed twice counts twice). */
  entries: number;
  /** Papers listed on two or more pages. */
  duplicatedPapers: number;
  /** Entries beyond the first of each paper. */
  extraEntries: number;
  /** Extra entries with a title case variant / punctuation variant / earlier title (alias). */
  caseVariants: number;
  punctuationVariants: number;
  aliasEntries: number;
  /** Untitled author-page entries of papers listed elsewhere (recoverable by abstract). */
  untitledRecoverable: number;
  /** Papers whose only entry is untitled (stay untitled). */
  untitledOnly: number;
  /** Entries showing a truncated (`et al.`) author list. */
  truncatedEntries: number;
  posts: number;
  /** Posts printed in two archives. */
  duplicatedPosts: number;
  citations: number;
  bytes: number;
}

export interface GeneratedCorpus {
  files: GeneratedFile[];
  manifest: Manifest;
  stats: GenerateStats;
}

export interface Person {
  name: string;
  /** Another spelling seen on some pages (middle initial dropped, diacritics folded). */
  variant: string | null;
}

interface SynthPaper {
  title: string;
  authors: number[];
  date: string;
  category: string | null;
  hasCode: boolean;
  orgs: string[];
  abstract: string | null;
  venue: string;
}

interface Entry {
  paper: number;
  /** Title as this page prints it; null = untitled entry (author pages only). */
  title: string | null;
  abstract: string | null;
  variantNames: boolean;
}

interface Page {
  owner: number;
  format: Exclude<GeneratedFormat, 'blog-archive'>;
  entries: Entry[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const CONNECTOR_ARTICLE = ['the', 'a'];
const PREFIXES = ['pre', 'multi', 'un', 're', 'hyper', 'sub', 'co', 'inter', 'meta', 'self', 'semi', 'over', 'under', 'trans', 'non', 'auto', 'micro', 'cross'];
const SUFFIXES = ['ing', 'ed', 'ation', 'ness', 'ize', 'izer', 'able', 'ity', 'ive', 'ally', 'ment', 'er', 'ers', 'ism', 'ise', 'ous'];
const OPENERS = ['Towards', 'Learning', 'Scaling', 'Rethinking', 'Revisiting', 'Improving', 'Efficient', 'Unified'];

function capitalise(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

export class World {
  private readonly rng: Rng;
  private readonly v: Vocabulary;
  private readonly titleKeys = new Set<string>();
  private readonly capitalisedContent: string[];
  /** Rarer words derived from real ones (`pre`+`training`, `sparse`+`ness`): a large corpus's long tail. */
  private readonly derived: string[];
  /** A content word: real ones mostly, derived ones for the long tail. */
  readonly word: () => string;
  readonly profile: GeneratorProfile;
  /** `small-vocab`: the acronyms titles draw from (empty for `default`: each is made up from its title). */
  private readonly acronymPool: string[] = [];

  constructor(v: Vocabulary, seed: number, papers: number, profile: GeneratorProfile = 'default') {
    this.v = v;
    this.rng = createRng(seed);
    this.profile = profile;
    this.capitalisedContent = v.contentWords.filter((w) => w.length >= 5).map(capitalise);
    if (profile === 'small-vocab') {
      const r = this.rng;
      // A closed vocabulary, the same for every corpus size: the real content words plus derived
      // ones up to SMALL_VOCAB_WORDS, in a shuffled order, drawn with Zipf weights by rank.
      const pool = new Set<string>(v.contentWords);
      for (let tries = 0; pool.size < SMALL_VOCAB_WORDS && tries < SMALL_VOCAB_WORDS * 4; tries++) pool.add(this.derive(pick(r, v.contentWords)));
      const words = [...pool];
      for (let i = words.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [words[i], words[j]] = [words[j]!, words[i]!];
      }
      const weights = new Float64Array(words.length);
      for (let i = 0; i < words.length; i++) weights[i] = 1 / Math.pow(i + 1, SMALL_VOCAB_ZIPF);
      const picker = new WeightedPicker(weights);
      this.derived = [];
      this.word = () => words[picker.pick(r)]!;
      const acronyms = new Set<string>();
      for (let tries = 0; acronyms.size < SMALL_VOCAB_ACRONYMS && tries < SMALL_VOCAB_ACRONYMS * 4; tries++) acronyms.add(this.acronym(this.phrase(2, 5)));
      this.acronymPool = [...acronyms];
      return;
    }
    // Heaps' law (V ≈ 30·√tokens, ~170 tokens per abstract) sizes the vocabulary of a corpus this big.
    const target = Math.max(0, Math.round(30 * Math.sqrt(170 * papers)) - v.contentWords.length);
    const derived = new Set<string>(v.contentWords);
    const r = this.rng;
    for (let tries = 0; derived.size < v.contentWords.length + target && tries < target * 4; tries++) derived.add(this.derive(pick(r, v.contentWords)));
    this.derived = [...derived].slice(v.contentWords.length);
    this.word = () => (this.derived.length && r() < 0.3 ? pick(r, this.derived) : pick(r, v.contentWords));
  }

  /** A rarer word derived from a real one (`pre`+`training`, `sparse`+`ness`). */
  private derive(stem: string): string {
    const r = this.rng;
    const x = r();
    return x < 0.4 ? pick(r, PREFIXES) + stem : x < 0.8 ? stem.replace(/[aeiouy]?$/, '') + pick(r, SUFFIXES) : pick(r, PREFIXES) + stem.replace(/[aeiouy]?$/, '') + pick(r, SUFFIXES);
  }

  get random(): Rng {
    return this.rng;
  }

  /** A first name: a real one, or the head of one real first name joined to the tail of another (`Zhi` + `qing`). */
  private firstName(): string {
    const r = this.rng;
    const a = pick(r, this.v.firstNames);
    if (chance(r, 0.3)) return a;
    const b = pick(r, this.v.firstNames);
    const head = a.slice(0, int(r, 2, Math.min(4, a.length)));
    const tail = b.slice(Math.max(1, b.length - int(r, 2, 4)));
    const blended = `${head}${tail}`;
    return /^[\p{Lu}][\p{Ll}]{2,}$/u.test(blended) ? blended : a;
  }

  /**
   * A person: first and last names seen in the real corpus, recombined (blended first names,
   * some full middle names and double-barrelled last names), so that a 100k-paper corpus has
   * namesakes, but not far more of them than a real one.
   */
  person(): Person {
    const r = this.rng;
    let first = this.firstName();
    if (chance(r, 0.12)) first = `${first} ${pick(r, this.v.firstNames)}`;
    const last = chance(r, 0.06) ? `${pick(r, this.v.lastNames)}-${pick(r, this.v.lastNames)}` : pick(r, this.v.lastNames);
    if (chance(r, 0.08)) {
      const initial = String.fromCharCode(65 + int(r, 0, 25));
      return { name: `${first} ${initial}. ${last}`, variant: `${first} ${last}` };
    }
    const plain = `${first} ${last}`;
    const folded = foldDiacritics(plain);
    return { name: plain, variant: folded !== plain ? folded : null };
  }

  private titleWord(): string {
    const r = this.rng;
    const x = r();
    if (x < 0.45) return pick(r, this.v.titleWords);
    if (x < 0.55 && this.v.hyphenated.length) {
      const h = pick(r, this.v.hyphenated);
      return chance(r, 0.5) ? h.split('-').map(capitalise).join('-') : capitalise(h);
    }
    return x < 0.85 ? pick(r, this.capitalisedContent) : capitalise(this.word());
  }

  private phrase(min: number, max: number): string[] {
    const n = int(this.rng, min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.titleWord());
    return out;
  }

  /** A pseudo-acronym in one of the real shapes (GLaM, CoDA, N-Grammer, Noise2Music, ETGN). */
  private acronym(words: string[]): string {
    const r = this.rng;
    const letters = words.filter((w) => /^[A-Za-z]/.test(w)).map((w) => w[0]!.toUpperCase());
    const shape = r();
    if (shape < 0.4 && letters.length >= 2) return letters.slice(0, 5).join('') + (chance(r, 0.2) ? String(int(r, 2, 9)) : '');
    if (shape < 0.6 && letters.length >= 2) {
      const w = words[0]!.replace(/[^A-Za-z]/g, '');
      return `${capitalise(w.slice(0, 2).toLowerCase())}${letters.slice(1, 4).join('')}`;
    }
    if (shape < 0.75) return `${String.fromCharCode(65 + int(r, 0, 25))}-${capitalise(pick(r, this.v.contentWords))}`;
    if (shape < 0.85) return `${capitalise(pick(r, this.v.contentWords))}2${capitalise(pick(r, this.v.contentWords))}`;
    return capitalise(pick(r, this.v.contentWords).slice(0, int(r, 3, 6))) + pick(r, ['Net', 'Former', 'GAN', 'BERT', 'Mix', 'LM', 'Seg']);
  }

  /** A unique title (by `titleKey`); returns the acronym when the title has one. */
  title(): { title: string; acronym: string | null; expansion: string | null } {
    const r = this.rng;
    for (let attempt = 0; ; attempt++) {
      const parts: string[] = [];
      if (chance(r, 0.12)) parts.push(pick(r, OPENERS));
      const head = this.phrase(2, 4);
      parts.push(...head);
      if (chance(r, 0.8)) {
        parts.push(pick(r, this.v.connectors));
        if (chance(r, 0.1)) parts.push(pick(r, CONNECTOR_ARTICLE));
        parts.push(...this.phrase(1, 4));
        if (chance(r, 0.3)) {
          parts.push(pick(r, this.v.connectors));
          parts.push(...this.phrase(1, 2));
        }
      }
      let acronym: string | null = null;
      let expansion: string | null = null;
      let title = parts.join(' ');
      if (chance(r, 0.4)) {
        const significant = parts.filter((p) => /^[\p{Lu}]/u.test(p));
        acronym = this.acronymPool.length ? pick(r, this.acronymPool) : this.acronym(significant);
        expansion = significant.slice(0, Math.min(5, significant.length)).join(' ');
        title = `${acronym}: ${title}`;
      }
      if (attempt > 20) title = `${title} ${int(r, 2, 999)}`;
      const key = titleKey(title);
      if (!this.titleKeys.has(key)) {
        this.titleKeys.add(key);
        return { title, acronym, expansion };
      }
    }
  }

  date(): string {
    const r = this.rng;
    const { min, max } = this.v.years;
    // More recent years are more frequent (as on any publications page).
    const span = max - min + 1;
    const y = max - Math.floor(span * Math.pow(r(), 1.6));
    const m = int(r, 0, 11);
    const d = int(r, 1, DAYS_IN_MONTH[m]!);
    return `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }

  abstract(t: { title: string; acronym: string | null; expansion: string | null }): string {
    const r = this.rng;
    const lengths = this.v.abstractLengths;
    // The opening sentence and the run to the end of the last sentence add ~45 words: real lengths overall.
    const target = Math.max(40, Math.min(300, pick(r, lengths) - 45 + int(r, -15, 15)));
    const body = t.title.replace(/^[^:]+:\s*/, '');
    const lower = body.charAt(0).toLowerCase() + body.slice(1);
    let opening: string;
    if (t.acronym && t.expansion && chance(r, 0.5)) opening = `We introduce ${t.expansion} (${t.acronym}), an approach to ${lower}.`;
    else if (t.acronym) opening = `We present ${t.acronym}, ${pick(r, ['a method for', 'a study of', 'a framework for', 'a model for'])} ${lower}.`;
    else opening = `${pick(r, ['In this work, we study', 'This paper is about', 'We investigate', 'We address'])} ${lower}.`;
    return `${opening} ${chainText(r, this.v.abstracts, target, this.word, SUBSTITUTE, this.profile === 'default')}`;
  }

  paragraph(words: number): string {
    return chainText(this.rng, this.v.posts, words, this.word, SUBSTITUTE, this.profile === 'default');
  }
}

function formatListingDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${MONTHS[Number(m) - 1]!} ${Number(d)}, ${y!}`;
}

/** A spelling of the title that has the same `titleKey`. */
function caseVariant(rng: Rng, title: string): string {
  const words = title.split(' ');
  if (chance(rng, 0.5)) {
    // Sentence case (acronyms kept).
    return words.map((w, i) => (i === 0 || /\p{Lu}.*\p{Lu}/u.test(w) ? w : w.toLowerCase())).join(' ');
  }
  return words.map((w) => (/^[a-z]/.test(w) ? capitalise(w) : w)).join(' ');
}

function punctuationVariant(rng: Rng, title: string): string {
  const x = rng();
  if (x < 0.4 && title.includes(': ')) return title.replace(': ', chance(rng, 0.5) ? ' - ' : ' — ');
  if (x < 0.8 && /\p{L}-\p{L}/u.test(title)) return title.replace(/(\p{L})-(\p{L})/u, '$1 $2');
  return `${title}.`;
}

function dropSentence(rng: Rng, text: string): string {
  const sentences = text.split(/(?<=[.!?])\s+(?=[\p{Lu}])/u);
  if (sentences.length < 4) return text;
  return chance(rng, 0.5) ? sentences.slice(0, -1).join(' ') : sentences.slice(1).join(' ');
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rng() * 16)]!;
  return s;
}

/** Generates a synthetic corpus in memory (pure, deterministic). */
export function generateCorpus(vocabulary: Vocabulary, options: GenerateOptions): GeneratedCorpus {
  const n = Math.max(1, Math.floor(options.papers));
  const world = new World(vocabulary, options.seed ?? 42, n, options.profile ?? 'default');
  const rng = world.random;
  const dupRate = options.dupRate ?? 0.15;
  const maxPerFile = options.maxEntriesPerFile ?? 100;
  const progressTotal = n * 2;
  let progressDone = 0;
  const report = (step: number) => {
    progressDone += step;
    if (options.onProgress && (progressDone % 1000 === 0 || progressDone >= progressTotal)) options.onProgress(progressDone, progressTotal);
  };

  // People: recombined real names; productivity is Zipf-like.
  const personCount = Math.max(60, Math.round(n * 0.5));
  const persons: Person[] = Array.from({ length: personCount }, () => world.person());
  const weights = new Float64Array(personCount);
  for (let i = 0; i < personCount; i++) weights[i] = 1 / Math.pow(i + 1, 0.75);
  const personPicker = new WeightedPicker(weights);
  // Page owners: the most prolific people, each with one kind of page.
  const ownerCount = Math.max(4, Math.ceil(n / 40));
  const owners = Array.from({ length: ownerCount }, (_, i) => i);
  const ownerFormat: Page['format'][] = owners.map((i) => (i === 0 ? 'inline-listing' : i === 1 ? 'line-listing' : i === 2 ? 'author-page' : rng() < 0.45 ? 'inline-listing' : rng() < 0.72 ? 'line-listing' : 'author-page'));
  const ownerWeights = new Float64Array(ownerCount);
  for (let i = 0; i < ownerCount; i++) ownerWeights[i] = 1 / Math.pow(i + 1, 0.5);
  const ownerPicker = new WeightedPicker(ownerWeights);
  const entriesOf: Entry[][] = owners.map(() => []);

  const stats: GenerateStats = {
    papers: n, persons: personCount, owners: ownerCount,
    files: { 'inline-listing': 0, 'line-listing': 0, 'author-page': 0, 'blog-archive': 0 },
    entries: 0, duplicatedPapers: 0, extraEntries: 0, caseVariants: 0, punctuationVariants: 0, aliasEntries: 0,
    untitledRecoverable: 0, untitledOnly: 0, truncatedEntries: 0, posts: 0, duplicatedPosts: 0, citations: 0, bytes: 0,
  };

  const papers: SynthPaper[] = [];
  for (let p = 0; p < n; p++) {
    const t = world.title();
    const owner = ownerPicker.pick(rng);
    const x = rng();
    const authorCount = x < 0.08 ? int(rng, 1, 2) : x < 0.35 ? int(rng, 3, 4) : x < 0.85 ? int(rng, 5, 10) : int(rng, 11, 30);
    const authors: number[] = [];
    const taken = new Set<string>([persons[owner]!.name]);
    while (authors.length < authorCount - 1) {
      const a = personPicker.pick(rng);
      const name = persons[a]!.name;
      if (taken.has(name)) {
        if (taken.size >= personCount) break;
        continue;
      }
      taken.add(name);
      authors.push(a);
    }
    // The page owner is often last (senior author), else anywhere.
    const at = chance(rng, 0.5) ? authors.length : int(rng, 0, authors.length);
    authors.splice(at, 0, owner);
    const dupOwners: number[] = [];
    if (chance(rng, dupRate)) {
      const extra = chance(rng, 0.3) ? 2 : 1;
      for (let tries = 0; dupOwners.length < extra && tries < 20; tries++) {
        const o = ownerPicker.pick(rng);
        if (o === owner || dupOwners.includes(o)) continue;
        if (taken.has(persons[o]!.name) && !authors.includes(o)) continue; // a namesake is already on the list
        dupOwners.push(o);
        if (!authors.includes(o)) authors.splice(int(rng, 0, authors.length), 0, o);
        taken.add(persons[o]!.name);
      }
    }
    const paper: SynthPaper = {
      title: t.title,
      authors,
      date: world.date(),
      category: chance(rng, 0.92) ? pick(rng, vocabulary.categories.length ? vocabulary.categories : ['LG']) : null,
      hasCode: chance(rng, 0.3),
      orgs: chance(rng, 0.2) ? [pick(rng, vocabulary.orgs)] : [],
      abstract: chance(rng, 0.98) || dupOwners.length ? world.abstract(t) : null,
      venue: pick(rng, vocabulary.venues),
    };
    papers.push(paper);
    const primaryUntitled = !dupOwners.length && ownerFormat[owner] === 'author-page' && paper.abstract !== null && chance(rng, 0.01);
    if (primaryUntitled) stats.untitledOnly++;
    entriesOf[owner]!.push({ paper: p, title: primaryUntitled ? null : paper.title, abstract: paper.abstract, variantNames: false });
    stats.entries++;
    if (dupOwners.length) stats.duplicatedPapers++;
    for (const o of dupOwners) {
      stats.entries++;
      stats.extraEntries++;
      let title: string | null = paper.title;
      let abstract = paper.abstract;
      const kind = rng();
      if (ownerFormat[o] === 'author-page' && kind < 0.25) {
        title = null;
        stats.untitledRecoverable++;
      } else if (kind < 0.45) {
        title = caseVariant(rng, paper.title);
        stats.caseVariants++;
      } else if (kind < 0.6) {
        title = punctuationVariant(rng, paper.title);
        stats.punctuationVariants++;
      } else if (kind < 0.66) {
        title = world.title().title; // listed under an earlier title: same abstract
        stats.aliasEntries++;
      }
      if (title !== null && abstract && kind >= 0.66 && chance(rng, 0.4)) abstract = dropSentence(rng, abstract);
      entriesOf[o]!.push({ paper: p, title, abstract, variantNames: chance(rng, 0.5) });
    }
    report(1);
  }

  // Pages: each owner's entries, newest first, split into files of at most maxPerFile entries.
  const pages: Page[] = [];
  owners.forEach((o) => {
    const entries = entriesOf[o]!;
    if (!entries.length) return;
    entries.sort((a, b) => papers[b.paper]!.date.localeCompare(papers[a.paper]!.date) || a.paper - b.paper);
    for (let i = 0; i < entries.length; i += maxPerFile) pages.push({ owner: o, format: ownerFormat[o]!, entries: entries.slice(i, i + maxPerFile) });
  });

  const nameOf = (personIdx: number, variant: boolean) => {
    const person = persons[personIdx]!;
    return variant && person.variant ? person.variant : person.name;
  };
  const listingAuthors = (paper: SynthPaper, entry: Entry): string => {
    const names = paper.authors.map((a) => nameOf(a, entry.variantNames));
    const truncated = names.length > 3;
    if (truncated) stats.truncatedEntries++;
    const shown = truncated ? `${names.slice(0, 3).join(', ')} et al.` : names.join(', ');
    return paper.orgs.length ? `${shown} · ${paper.orgs.join(', ')}` : shown;
  };
  const categoryDate = (paper: SynthPaper) => `${paper.category ?? ''}${formatListingDate(paper.date)}${paper.hasCode ? 'Code' : ''}`;

  const texts: { format: GeneratedFormat; text: string; entries: number; owner: string | null }[] = [];
  for (const page of pages) {
    const ownerName = persons[page.owner]!.name;
    const lines: string[] = [];
    if (page.format === 'inline-listing') {
      for (const e of page.entries) {
        const paper = papers[e.paper]!;
        lines.push(categoryDate(paper), `${e.title ?? paper.title}${listingAuthors(paper, e)}`);
        if (e.abstract) lines.push(e.abstract);
      }
    } else if (page.format === 'line-listing') {
      lines.push(
        ownerName, '', pick(rng, vocabulary.categories.length ? vocabulary.categories : ['LG']), `h-index${int(rng, 5, 150)}`,
        `${page.entries.length}papers`, `${int(rng, 100, 90000).toLocaleString('en-US')}citations`, `Novelty${int(rng, 20, 90)}%`, `AI Score${int(rng, 10, 99)}`, '',
        `${page.entries.length} Papers`, '',
      );
      for (const e of page.entries) {
        const paper = papers[e.paper]!;
        lines.push(categoryDate(paper), e.title ?? paper.title, '', listingAuthors(paper, e), '');
        if (e.abstract) lines.push(e.abstract, '');
      }
    } else {
      lines.push(ownerName, '', ownerName, '', 'Authored Publications', 'Sort By', '  • Title', '  • Title, descending', '  • Year', '  • Year, descending');
      for (const e of page.entries) {
        const paper = papers[e.paper]!;
        if (e.title !== null) {
          lines.push(`    ${e.title}`);
          for (const a of paper.authors) if (a !== page.owner) lines.push(`    ${nameOf(a, e.variantNames)}`);
          lines.push(`    ${paper.venue}(${paper.date.slice(0, 4)})`);
        }
        lines.push(`    Preview abstract ${e.abstract ?? ''} View details`);
      }
    }
    stats.files[page.format]++;
    texts.push({ format: page.format, text: `${lines.join('\n')}\n`, entries: page.entries.length, owner: page.format === 'inline-listing' ? ownerName : null });
    report(Math.round((page.entries.length * n) / Math.max(1, stats.entries)));
  }

  // Blog posts citing papers in quotes; some printed in two archives.
  const postCount = Math.max(2, Math.round(n * (options.postRate ?? 1 / 50)));
  const postTexts: string[] = [];
  const postTitles = new Set<string>();
  for (let i = 0; i < postCount; i++) {
    let title = world.title().title.replace(/^[^:]+:\s*/, '');
    while (postTitles.has(titleKey(title))) title = `${title} ${int(rng, 2, 99)}`;
    postTitles.add(titleKey(title));
    const paragraphs: string[] = [];
    const count = int(rng, 3, 6);
    const cited = int(rng, 1, 3);
    for (let k = 0; k < count; k++) paragraphs.push(world.paragraph(int(rng, 40, 110)));
    for (let c = 0; c < cited; c++) {
      const paper = papers[int(rng, 0, n - 1)]!;
      const shown = chance(rng, 0.2) ? caseVariant(rng, paper.title) : paper.title;
      const at = int(rng, 0, paragraphs.length - 1);
      paragraphs[at] = `In “${shown}”, presented at ${paper.venue} ${paper.date.slice(0, 4)}, we ${pick(rng, ['show', 'describe', 'introduce', 'explore'])} ${paragraphs[at]!.charAt(0).toLowerCase()}${paragraphs[at]!.slice(1)}`;
      stats.citations++;
    }
    if (chance(rng, 0.3)) paragraphs.splice(1, 0, `“${pick(rng, vocabulary.contentWords)}”`);
    const acked = Array.from({ length: int(rng, 2, 7) }, () => persons[personPicker.pick(rng)]!.name);
    paragraphs.push(`Thanks to the co-authors of the paper: ${acked.slice(0, -1).join(', ')}, and ${acked[acked.length - 1]!}.`);
    postTexts.push([title, ...paragraphs].join('\n\n'));
  }
  stats.posts = postCount;
  const archives: string[][] = [];
  for (let i = 0; i < postTexts.length; i += 10) archives.push(postTexts.slice(i, i + 10));
  for (let i = 0; i < postTexts.length && archives.length > 1; i++) {
    if (!chance(rng, 0.1)) continue;
    const target = int(rng, 0, archives.length - 1);
    if (target === Math.floor(i / 10)) continue;
    archives[target]!.push(postTexts[i]!);
    stats.duplicatedPosts++;
  }
  for (const posts of archives) {
    const header = pick(rng, vocabulary.archiveHeaders);
    const text = `${header}\n\nThe latest news on Google Research\n\n${posts.map((p) => `${p}\n\nSource: Google AI Blog\n`).join('\n')}`;
    stats.files['blog-archive']++;
    texts.push({ format: 'blog-archive', text, entries: posts.length, owner: null });
  }

  // Shuffle file order (as a real data directory would be), name files like the real ones.
  for (let i = texts.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [texts[i], texts[j]] = [texts[j]!, texts[i]!];
  }
  const width = Math.max(3, String(texts.length - 1).length);
  const files: GeneratedFile[] = [];
  const manifest: Manifest = { sources: [] };
  texts.forEach((t, i) => {
    const name = `${String(i).padStart(width, '0')}_${hex(rng, 16)}.txt`;
    files.push({ name, text: t.text, format: t.format, entries: t.entries });
    stats.bytes += Buffer.byteLength(t.text);
    if (t.owner) manifest.sources.push({ file: name, description: `Synthetic inline listing of ${t.owner}'s papers`, pageOwner: t.owner });
  });
  options.onProgress?.(progressTotal, progressTotal);
  return { files, manifest, stats };
}

/** Writes a generated corpus (files + `sources.json`) into `dir`, which is emptied first. */
export async function writeGeneratedCorpus(dir: string, corpus: GeneratedCorpus, profile: GeneratorProfile = 'default'): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
  const queue = [...corpus.files];
  const writers = Array.from({ length: 8 }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) await writeFile(join(dir, f.name), f.text);
  });
  await Promise.all(writers);
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(corpus.manifest, null, 2)}\n`);
  await writeFile(join(dir, '.generated.json'), `${JSON.stringify({ version: generatedVersion(profile), ...(profile === 'default' ? {} : { profile }), stats: corpus.stats }, null, 2)}\n`);
}

/** The version a cached corpus of `profile` must carry in its `.generated.json` (a number for `default`, as before). */
export function generatedVersion(profile: GeneratorProfile = 'default'): number | string {
  return profile === 'default' ? GENERATOR_VERSION : `${GENERATOR_VERSION}-${profile}${SMALL_VOCAB_VERSION}`;
}

/** Default location of a cached generated corpus (the `default` profile's name is unchanged, so its caches stay valid). */
export function generatedDir(papers: number, seed: number, profile: GeneratorProfile = 'default'): string {
  const tag = profile === 'default' ? '' : `-${profile}${SMALL_VOCAB_VERSION}`;
  return join(tmpdir(), 'papertalk-bench', `v${GENERATOR_VERSION}${tag}-seed${seed}-n${papers}`);
}

/** Lower-case words (letters and digits, as the library's tokenizer splits them) of texts: the distinct ones, counted. */
export function distinctWords(texts: Iterable<string | null | undefined>): number {
  const seen = new Set<string>();
  for (const t of texts) {
    if (!t) continue;
    for (const w of t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) seen.add(w);
  }
  return seen.size;
}

// ---------------------------------------------------------------------------------------------
// CLI

/** `--name value` or `--name=value` from a command line (the bench scripts' one argument reader). */
export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const papers = Number(argValue(args, '--papers') ?? '1000');
  const seed = Number(argValue(args, '--seed') ?? '42');
  const profile = argValue(args, '--profile') ?? 'default';
  if (!Number.isInteger(papers) || papers < 1 || !Number.isInteger(seed) || !isProfile(profile)) {
    process.stderr.write(`usage: tsx bench/generate.ts --papers N [--seed S] [--profile ${PROFILES.join('|')}] [--out DIR] [--data DIR]\n`);
    process.exitCode = 2;
    return;
  }
  const out = argValue(args, '--out') ?? generatedDir(papers, seed, profile);
  const t0 = performance.now();
  const vocabulary = await loadVocabulary(argValue(args, '--data') ?? DEFAULT_DATA_DIR);
  const progress = createProgress({ label: `generating ${papers} papers${profile === 'default' ? '' : ` (${profile})`}`, total: papers * 2 });
  const corpus = generateCorpus(vocabulary, { papers, seed, profile, onProgress: (done, total) => progress.update(done, total) });
  progress.done();
  await writeGeneratedCorpus(out, corpus, profile);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ dir: out, ms: Math.round(ms), stats: corpus.stats })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
