/**
 * Words of a question with their places in it: the unit the linker, the date finder and the
 * intent model all work on. `norm` is lower-case, diacritics folded; a possessive `'s` is cut
 * off and remembered; hyphenated words are split ("co-authors" → "co", "authors").
 */
import { foldDiacritics } from '../../corpus/text.ts';

export interface Token {
  /** As typed. */
  raw: string;
  /** Lower-case, diacritics folded. */
  norm: string;
  start: number;
  end: number;
  /** Followed by a possessive `'s` / `s'`. */
  possessive: boolean;
  /** Typed with an upper-case letter. */
  upper: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:\.[\p{L}\p{N}]+)*(['’](?:s|t|re|ve|ll|d|m)\b)?/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const suffix = m[1] ?? '';
    const body = m[0].slice(0, m[0].length - suffix.length);
    const s = suffix.toLowerCase().replace('’', "'");
    const start = m.index;
    // "cs.CL" stays one dotted word only for category codes; other dotted runs split.
    const parts = /^(?:cs|eess|stat|math|physics|q-bio|q-fin|econ)\.[a-z]{2}$/i.test(body) ? [body] : body.split('.');
    let at = start;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      out.push({
        raw: part,
        norm: foldDiacritics(part).toLowerCase(),
        start: at,
        end: at + part.length,
        possessive: last && s === "'s",
        upper: /\p{Lu}/u.test(part),
      });
      if (last && s === "'t") out.push({ raw: 'not', norm: 'not', start: at + part.length, end: at + part.length + 2, possessive: false, upper: false });
      at += part.length + 1;
    });
  }
  return out;
}

/** The key a phrase is looked up by: its tokens' norms joined by spaces. */
export function phraseKey(text: string): string {
  return tokenize(text).map((t) => t.norm).join(' ');
}
