/**
 * Parsing of the aggregator's author lists: `A, B, C et al. · org1, org2`.
 */
import { nameKey } from './text.ts';

export interface AuthorList {
  authors: string[];
  truncated: boolean;
  orgs: string[];
}

/** Splits `Tao Lei, Junwen Bai, Siddhartha Brahma et al. · deepmind`. */
export function parseAuthorList(text: string): AuthorList {
  let rest = text.trim();
  let orgs: string[] = [];
  const dot = rest.indexOf(' · ');
  const dotAlt = dot >= 0 ? dot : rest.indexOf('·');
  if (dotAlt >= 0) {
    orgs = rest
      .slice(dotAlt)
      .replace(/^\s*·\s*/, '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    rest = rest.slice(0, dotAlt).trim();
  }
  let truncated = false;
  const etAl = /,?\s*et al\.?$/i.exec(rest);
  if (etAl) {
    truncated = true;
    rest = rest.slice(0, etAl.index).trim();
  }
  const authors = rest
    .split(/\s*,\s*/)
    .map((a) => a.trim())
    .filter(Boolean);
  return { authors, truncated, orgs };
}

const NAME_TOKEN = /^(?:\(?[\p{Lu}][\p{L}'’]*\)?\.?|[\p{Lu}]\.?|[\p{Lu}][\p{L}'’]*(?:-[\p{L}][\p{L}'’]*)+|[\p{Ll}]{1,3})$/u;

/** True when `text` has the shape of one person's name (or a "Team"). */
export function looksLikeName(text: string): boolean {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length < 1 || tokens.length > 6) return false;
  if (!/^[\p{Lu}(]/u.test(tokens[0]!)) return false;
  return tokens.every((t) => NAME_TOKEN.test(t));
}

/** A capitalised word glued to another: `HyoukJoong`, `TasksWeicheng`. */
function gluedParts(token: string): string[] {
  return token.split(/(?<=[\p{Ll}])(?=[\p{Lu}])/u);
}

/** What the splitter asks of a word list (a `Set`, or the compact `Vocabulary` of vocabulary.ts). */
export interface WordSet {
  has(word: string): boolean;
}

export interface SplitContext {
  /** Name keys (see `nameKey`) of people known from cleaner listings. */
  knownNames: WordSet;
  /** Lower-case words that occur in ordinary prose (abstracts, titles) of the corpus. */
  vocabulary: WordSet;
}

export interface GluedSplit {
  title: string;
  authorText: string;
  /** How sure the splitter is: `known-name`, `shape`, or `guess`. */
  basis: 'known-name' | 'shape' | 'guess';
}

/**
 * Splits a line where a title runs straight into its author list:
 * `GPipe: Efficient Training … ParallelismYanping Huang, Youlong Cheng, Ankur Bapna et al.`
 *
 * Candidates are every upper-case letter glued to the character before it, up to the end of
 * the first author. Each candidate's first author is scored: a name known from another
 * listing wins; otherwise the name must have a person's shape, and a glued word whose first
 * part is ordinary vocabulary (`TasksWeicheng`) counts against it, while one that is not
 * (`HyoukJoong`) does not.
 */
export function splitGluedTitle(line: string, ctx: SplitContext): GluedSplit | null {
  const text = line.trim();
  const firstComma = text.indexOf(',');
  const orgDot = text.indexOf('·');
  const etAl = text.search(/\set al\.?/);
  const ends = [firstComma, orgDot, etAl].filter((i) => i > 0);
  const firstAuthorEnd = ends.length ? Math.min(...ends) : text.length;
  let best: { at: number; score: number; basis: GluedSplit['basis'] } | null = null;
  for (let i = 1; i < firstAuthorEnd; i++) {
    const ch = text[i]!;
    const prev = text[i - 1]!;
    if (!/\p{Lu}/u.test(ch) || /\s/.test(prev)) continue;
    const title = text.slice(0, i).trim();
    const firstAuthor = text.slice(i, firstAuthorEnd).trim();
    if (!title || !firstAuthor) continue;
    let score = 0;
    let basis: GluedSplit['basis'] = 'guess';
    if (ctx.knownNames.has(nameKey(firstAuthor))) {
      score += 100;
      basis = 'known-name';
    }
    if (looksLikeName(firstAuthor)) {
      score += 10;
      if (basis === 'guess') basis = 'shape';
    }
    const tokens = firstAuthor.split(/\s+/);
    if (tokens.length > 4) score -= 5 * (tokens.length - 4);
    for (const token of tokens) {
      const parts = gluedParts(token);
      if (parts.length > 1 && ctx.vocabulary.has(parts[0]!.toLowerCase())) score -= 20;
    }
    // Upper case after upper case is usually inside an acronym (GSPMD, LLMs).
    if (/\p{Lu}/u.test(prev)) score -= 3;
    // A title does not end in a hyphen: `Wei-Ning Hsu` is one name.
    if (prev === '-') score -= 30;
    // Prefer the split nearest the author list when all else is equal.
    score += i / text.length;
    if (!best || score > best.score) best = { at: i, score, basis };
  }
  if (!best) return null;
  return {
    title: text.slice(0, best.at).trim(),
    authorText: text.slice(best.at).trim(),
    basis: best.basis,
  };
}
