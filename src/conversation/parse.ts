/**
 * The stand-alone query parser: text → `Frame`, through the understanding pipeline in
 * `understand/` (entity linking, a fitted intent model, scored candidate readings). Also the
 * small text helpers the rephraser shares: input cleaning and year / category extraction.
 * Follow-ups that need the conversation are the rephraser's job; this sees one query alone.
 */
import { squash } from '../corpus/text.ts';
import type { Library } from '../search/library.ts';
import type { Frame } from './types.ts';
import { clockKey, understand, type Understanding } from './understand/understand.ts';

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

/** Parses one stand-alone query (entity linking, the intent model, scored readings). Never throws. */
export function parseQuery(input: string, lib: Library): Frame {
  // A copy: readings are memoised, and callers may add to the frame they get.
  const f = understandQuery(input, lib).frame;
  return { ...f, ...(f.papers ? { papers: [...f.papers] } : {}), ...(f.authors ? { authors: [...f.authors] } : {}), ...(f.within ? { within: [...f.within] } : {}) };
}

/** The full reading of one stand-alone query, with its confidence and candidates (for logs and the eval). */
export function understandQuery(input: string, lib: Library): Understanding {
  const text = core(cleanInput(input));
  if (!text || /^[?]+$/.test(text)) return { frame: { intent: text ? 'help' : 'unknown' }, confidence: 1, intents: [], spans: [], candidates: [] };
  if (!/[\p{L}\p{N}]/u.test(text)) return { frame: { intent: 'unknown' }, confidence: 1, intents: [], spans: [], candidates: [] };
  // One reading per text and library (the rephraser and the engine ask for the same texts in a turn).
  let memo = readings.get(lib);
  if (!memo) readings.set(lib, (memo = new Map()));
  const key = `${clockKey()}\0${text}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const u = understand(text, lib);
  memo.set(key, u);
  if (memo.size > 256) memo.delete(memo.keys().next().value as string);
  return u;
}

const readings = new WeakMap<Library, Map<string, Understanding>>();
