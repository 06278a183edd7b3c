/**
 * Snippets: the sentence of a text that matches the most query terms, trimmed around the
 * first match, with the matched words' character ranges for highlighting.
 */
import { processTerm } from './terms.ts';

export interface Snippet {
  text: string;
  /** [start, end) character ranges of `text` to highlight. */
  highlights: [number, number][];
}

export interface SnippetOptions {
  /** Longest snippet in characters (an ellipsis marks a cut). */
  maxLength?: number;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** A letter or digit (what `[\p{L}\p{N}]` matches); ASCII without a regex. */
function isWordChar(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

const startsTable = new Uint8Array(128);

/**
 * Which ASCII characters can begin a word whose processed form is one of `terms` (by code):
 * processing leaves an ASCII first character as it is, lower-cased (folding changes only
 * non-ASCII characters, stemming only the end of words of four characters and more).
 */
function asciiStarts(terms: ReadonlySet<string>): Uint8Array {
  // One table, refilled: making a typed array per hit cost more than the table saves on short texts.
  const starts = startsTable.fill(0);
  for (const t of terms) {
    const c = t.charCodeAt(0);
    if (c < 128) {
      starts[c] = 1;
      if (c >= 97 && c <= 122) starts[c - 32] = 1;
    }
  }
  return starts;
}

/**
 * Character ranges of the words (runs of letters and digits) whose processed form is a query
 * term, and how many distinct terms they are. A scan by code point: no match object per word
 * (snippets are made for every hit shown, on every search), and a word that begins with an ASCII
 * character no term begins with is passed over without being cut out and processed.
 */
function matchRanges(text: string, from: number, to: number, terms: ReadonlySet<string>, starts: Uint8Array): { ranges: [number, number][]; distinct: number } {
  const ranges: [number, number][] = [];
  let found: Set<string> | null = null;
  let i = from;
  while (i < to) {
    let cp = text.codePointAt(i)!;
    if (!isWordChar(cp)) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    const first = cp;
    do {
      i += cp > 0xffff ? 2 : 1;
      if (i >= to) break;
      cp = text.codePointAt(i)!;
    } while (isWordChar(cp));
    if (first < 128 && !starts[first]) continue;
    const p = processTerm(text.slice(start, i));
    if (p && terms.has(p)) {
      ranges.push([start - from, i - from]);
      (found ??= new Set()).add(p);
    }
  }
  return { ranges, distinct: found?.size ?? 0 };
}

/** Characters `String#trim` removes (white space and line terminators). */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** `.`, `!` or `?`. */
function isStop(c: number): boolean {
  return c === 46 || c === 33 || c === 63;
}

/**
 * The next sentence from offset `i`, trimmed and non-empty, into `at` ([from, to) and where to
 * look next); false when there is none. A sentence is what `/[^.!?\n]+(?:[.!?]+|$)/g` matches
 * (a run of characters other than `.!?` and new lines, with the `.!?` characters that end it,
 * or ended by the end of the text; a run ended by a new line is none), found without a match
 * object or a string per sentence.
 */
function nextSentence(text: string, i: number, at: Int32Array): boolean {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || isStop(c)) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && !isStop(text.charCodeAt(j)) && text.charCodeAt(j) !== 10) j++;
    if (j < n && text.charCodeAt(j) === 10) {
      i = j + 1;
      continue;
    }
    let end = j;
    while (end < n && isStop(text.charCodeAt(end))) end++;
    let a = i;
    let b = end;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    i = end;
    if (a < b) {
      at[0] = a;
      at[1] = b;
      at[2] = end;
      return true;
    }
  }
  return false;
}

const sentence = new Int32Array(3);

export function makeSnippet(text: string | null, terms: ReadonlySet<string>, options: SnippetOptions = {}): Snippet | null {
  if (!text) return null;
  const maxLength = options.maxLength ?? 220;
  let best: { from: number; to: number; ranges: [number, number][]; distinct: number } | null = null;
  const starts = asciiStarts(terms);
  for (let i = 0; nextSentence(text, i, sentence); i = sentence[2]!) {
    const from = sentence[0]!;
    const to = sentence[1]!;
    const { ranges, distinct } = matchRanges(text, from, to, terms, starts);
    if (!best || distinct > best.distinct) best = { from, to, ranges, distinct };
  }
  if (!best) return null;
  let s = text.slice(best.from, best.to);
  let ranges = best.ranges;
  if (s.length > maxLength) {
    const first = ranges[0]?.[0] ?? 0;
    let start = Math.max(0, Math.min(first - 40, s.length - maxLength));
    if (start > 0) start = s.indexOf(' ', start) + 1 || start;
    let end = Math.min(s.length, start + maxLength);
    if (end < s.length) end = s.lastIndexOf(' ', end) > start ? s.lastIndexOf(' ', end) : end;
    const prefix = start > 0 ? '…' : '';
    const suffix = end < s.length ? '…' : '';
    ranges = ranges.filter(([a, b]) => a >= start && b <= end).map(([a, b]) => [a - start + prefix.length, b - start + prefix.length]);
    s = `${prefix}${s.slice(start, end)}${suffix}`;
  }
  return { text: s, highlights: ranges };
}

/** Renders a snippet with a highlight function (e.g. markdown bold after escaping). */
export function renderSnippet(snippet: Snippet, escape: (s: string) => string, mark: (s: string) => string): string {
  let out = '';
  let at = 0;
  for (const [a, b] of snippet.highlights) {
    out += escape(snippet.text.slice(at, a)) + mark(escape(snippet.text.slice(a, b)));
    at = b;
  }
  return out + escape(snippet.text.slice(at));
}
