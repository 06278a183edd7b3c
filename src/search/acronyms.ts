/**
 * Acronyms and their expansions, found in the corpus itself: `mixture-of-experts (MoE)`,
 * `text-to-speech (TTS)`, `Generalist Language Model (GLaM)`. Used for query expansion.
 */
import { foldDiacritics } from '../corpus/text.ts';
import { STOP_WORDS } from './terms.ts';

export type AcronymMap = Map<string, string>;

/** `(MoE)`: a parenthesised acronym; the words before it are examined separately (no backtracking). */
const PATTERN = /\(([\p{Lu}][\p{L}\d]{1,9})\)/gu;
/** The last (up to eight) words of a text, ending right before the acronym. */
function wordsBefore(text: string): string | undefined {
  if (!/[\p{L}\d]\s*$/u.test(text)) return undefined;
  const parts = text.split(/[^\p{L}\d]+/u).filter(Boolean);
  return parts.slice(-8).join(' ') || undefined;
}
const SMALL = new Set(['of', 'and', 'the', 'for', 'to', 'in', 'on', 'with', 'a', 'an']);

/** The shortest tail of `words` whose initials spell the acronym (small words optional). */
function expansionFor(words: string[], acronym: string): string | null {
  // A lower-case plural s is not a letter of the acronym (LLMs); an upper-case S is (TTS).
  const target = acronym.replace(/(?<=\p{Lu})s$/u, '').toLowerCase();
  for (let start = words.length - 1; start >= 0; start--) {
    const tail = words.slice(start);
    const initials = tail.filter((w) => !SMALL.has(w.toLowerCase())).map((w) => w[0]!.toLowerCase()).join('');
    const allInitials = tail.map((w) => w[0]!.toLowerCase()).join('');
    if (initials === target || allInitials === target) {
      if (SMALL.has(tail[0]!.toLowerCase())) return null;
      return tail.join(' ');
    }
    // Acronyms that take more than the initial of a word: GLaM = Generalist Language Model.
    if (tail.length >= 2 && matchesLoosely(tail, target)) return tail.join(' ');
    if (tail.length > target.length + 3) break;
  }
  return null;
}

/** Every acronym letter appears in order, each word contributing a prefix, first letters aligned. */
function matchesLoosely(tail: string[], target: string): boolean {
  const ws = tail.filter((w) => !SMALL.has(w.toLowerCase())).map((w) => w.toLowerCase());
  let ti = 0;
  for (const w of ws) {
    if (target[ti] !== w[0]) return false;
    ti++;
    let wi = 1;
    while (ti < target.length && wi < w.length && target[ti] === w[wi]) {
      ti++;
      wi++;
    }
  }
  return ti === target.length && ws.length >= 2;
}

/** Finds `expansion (ACRONYM)` pairs in texts; the first expansion seen for an acronym wins. */
export function findAcronyms(texts: Iterable<string>): AcronymMap {
  const found = new Map<string, Map<string, number>>();
  for (const text of texts) {
    for (const m of text.matchAll(PATTERN)) {
      const acronym = m[1]!;
      if (!/[\p{Lu}].*[\p{Lu}]/u.test(acronym)) continue; // at least two capitals
      const before = wordsBefore(text.slice(Math.max(0, m.index - 120), m.index));
      if (!before) continue;
      const words = foldDiacritics(before).split(/[\s-]+/).filter(Boolean);
      const exp = expansionFor(words, acronym);
      if (!exp) continue;
      const key = acronym.replace(/(?<=\p{Lu})s$/u, '').toLowerCase();
      if (STOP_WORDS.has(key)) continue; // IS, AS, IT: ordinary words in a query
      const counts = found.get(key) ?? new Map<string, number>();
      const norm = exp.toLowerCase();
      counts.set(norm, (counts.get(norm) ?? 0) + 1);
      found.set(key, counts);
    }
  }
  const out: AcronymMap = new Map();
  for (const [acronym, counts] of found) {
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best) out.set(acronym, best[0]);
  }
  return out;
}

/** Word → positions (in map order) of the acronyms that word may bring in, either way. */
interface AcronymIndex {
  entries: [string, string, string][];
  byWord: Map<string, number[]>;
  /** Entries whose expansion has no ASCII word (checked for every query). */
  always: number[];
}

const indexes = new WeakMap<AcronymMap, { size: number; index: AcronymIndex }>();

function indexOf(acronyms: AcronymMap): AcronymIndex {
  const hit = indexes.get(acronyms);
  if (hit && hit.size === acronyms.size) return hit.index;
  const entries: [string, string, string][] = [];
  const byWord = new Map<string, number[]>();
  const always: number[] = [];
  const add = (w: string, i: number) => {
    const list = byWord.get(w);
    if (!list) byWord.set(w, [i]);
    else if (list[list.length - 1] !== i) list.push(i);
  };
  for (const [acronym, expansion] of acronyms) {
    const i = entries.length;
    const expNorm = ` ${expansion.replace(/[^a-z0-9]+/g, ' ')} `;
    entries.push([acronym, expansion, expNorm]);
    // A query holding the acronym holds it as a word (or its plural); one holding the expansion holds its first word.
    add(acronym, i);
    const first = expNorm.trim().split(' ')[0];
    if (first) add(first, i);
    else always.push(i);
  }
  const index = { entries, byWord, always };
  indexes.set(acronyms, { size: acronyms.size, index });
  return index;
}

/**
 * Expands a query: an acronym adds its expansion, an expansion adds its acronym.
 * Returns the extra text to search for (empty when nothing applies). Only the acronyms that one
 * of the query's words can bring in are examined (an index per acronym map, built once).
 */
export function expandQuery(query: string, acronyms: AcronymMap): string[] {
  const extra: string[] = [];
  const lower = ` ${foldDiacritics(query).toLowerCase().replace(/[^a-z0-9]+/g, ' ')} `;
  const index = indexOf(acronyms);
  const candidates = new Set<number>(index.always);
  for (const w of lower.split(' ')) {
    if (!w) continue;
    for (const i of index.byWord.get(w) ?? []) candidates.add(i);
    if (w.endsWith('s')) for (const i of index.byWord.get(w.slice(0, -1)) ?? []) candidates.add(i);
  }
  for (const i of [...candidates].sort((a, b) => a - b)) {
    const [acronym, expansion, expNorm] = index.entries[i]!;
    if (lower.includes(` ${acronym} `) || lower.includes(` ${acronym}s `)) extra.push(expansion);
    else if (lower.includes(expNorm) || lower.includes(expNorm.replace(/ $/, 's '))) extra.push(acronym);
  }
  return extra;
}
