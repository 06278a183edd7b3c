/**
 * Term processing shared by indexing and querying: diacritics folded, lower case, stop words
 * dropped, a light plural stemmer (`experts` → `expert`, `studies` → `study`).
 */
import { foldDiacritics } from '../corpus/text.ts';

export const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or that the their this to was were with via using we our us i me my you your what which who whom whose when where how why about any some all also than then there these those do does did can could would should will shall may might not no yes'.split(' '),
);

/** Light English stemmer: enough to match singular and plural forms. */
export function stem(term: string): string {
  if (term.length <= 3 || /\d/.test(term)) return term;
  if (term.endsWith('ies') && term.length > 4) return `${term.slice(0, -3)}y`;
  if (/(ss|us|is|ous)$/.test(term)) return term;
  if (/(ches|shes|xes|sses)$/.test(term)) return term.slice(0, -2);
  if (term.endsWith('s')) return term.slice(0, -1);
  return term;
}

const processed = new Map<string, string | null>();
const MAX_MEMO = 200_000;

/**
 * Index-time and query-time term processing (MiniSearch `processTerm`). Memoised: it runs once
 * per indexed token and per snippet word; a corpus has far fewer distinct words than tokens.
 */
export function processTerm(term: string): string | null {
  const hit = processed.get(term);
  if (hit !== undefined) return hit;
  const t = foldDiacritics(term).toLowerCase();
  const out = !t || STOP_WORDS.has(t) ? null : stem(t);
  if (processed.size >= MAX_MEMO) processed.clear();
  processed.set(term, out);
  return out;
}

/** Tokenizer: words with letters or digits; hyphens and other punctuation split. */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Content terms of a query, processed as the index processes them. */
export function queryTerms(query: string): string[] {
  return tokenize(query)
    .map(processTerm)
    .filter((t): t is string => !!t);
}
