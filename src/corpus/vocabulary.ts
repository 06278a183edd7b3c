/**
 * The corpus vocabulary the glued-title splitter consults: every lower-case word of three or more
 * ASCII letters that stands alone in some file (not glued to other letters, accented ones
 * included). Exactly the words of
 *
 *   text.match(/(?<![A-Za-z\u00c0-\uffff])[a-z]{3,}(?![A-Za-z\u00c0-\uffff])/g)
 *
 * but found by one scan of character codes, and kept by hash: a word string is made only the
 * first time a word is met, not for each of the tens of millions of occurrences in a large corpus.
 */
import type { WordSet } from './authorList.ts';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Letters for the purpose of "glued": ASCII letters and every code unit from U+00C0 up. */
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 0xc0;
}

/** Slots of the direct-mapped cache of recently met words (frequent words skip the map). */
const RECENT_BITS = 14;

export class Vocabulary implements WordSet {
  /** 30-bit word hash (a small integer key) → the word, or the words, with that hash. */
  private readonly byHash = new Map<number, string | string[]>();
  private count = 0;
  /** The last word met per slot (by hash), known to be in the vocabulary. */
  private readonly recent: string[] = new Array<string>(1 << RECENT_BITS).fill('');

  get size(): number {
    return this.count;
  }

  /** Adds the standalone lower-case words of `text`. */
  addText(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (!isLetter(text.charCodeAt(i))) {
        i++;
        continue;
      }
      // A maximal run of letters: a word only when it is all a-z and 3 or more long.
      const start = i;
      let lower = true;
      let h = FNV_OFFSET;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 97 && c <= 122) h = Math.imul(h ^ c, FNV_PRIME);
        else if (isLetter(c)) lower = false;
        else break;
      }
      if (lower && i - start >= 3) this.addRun(text, start, i, h & 0x3fffffff);
    }
  }

  private addRun(text: string, start: number, end: number, key: number): void {
    const len = end - start;
    const slot = key & ((1 << RECENT_BITS) - 1);
    const last = this.recent[slot]!;
    if (last.length === len && text.startsWith(last, start)) return;
    const known = this.byHash.get(key);
    let word: string;
    if (known === undefined) {
      word = text.slice(start, end);
      this.byHash.set(key, word);
      this.count++;
    } else if (typeof known === 'string') {
      if (known.length === len && text.startsWith(known, start)) word = known;
      else {
        word = text.slice(start, end);
        this.byHash.set(key, [known, word]);
        this.count++;
      }
    } else {
      const found = known.find((w) => w.length === len && text.startsWith(w, start));
      if (found !== undefined) word = found;
      else {
        word = text.slice(start, end);
        known.push(word);
        this.count++;
      }
    }
    this.recent[slot] = word;
  }

  /** Every word, once. */
  *words(): IterableIterator<string> {
    for (const w of this.byHash.values()) {
      if (typeof w === 'string') yield w;
      else yield* w;
    }
  }

  has(word: string): boolean {
    if (word.length < 3) return false;
    let h = FNV_OFFSET;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (c < 97 || c > 122) return false;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const known = this.byHash.get(h & 0x3fffffff);
    if (known === undefined) return false;
    return typeof known === 'string' ? known === word : known.includes(word);
  }
}
