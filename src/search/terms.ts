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

/** Index-time and query-time term processing (MiniSearch `processTerm`). */
export function processTerm(term: string): string | null {
  const t = foldDiacritics(term).toLowerCase();
  if (!t || STOP_WORDS.has(t)) return null;
  return stem(t);
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
