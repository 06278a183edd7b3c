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

export class Vocabulary implements WordSet {
  /** 30-bit word hash (a small integer key) → the word, or the words, with that hash. */
  private readonly byHash = new Map<number, string | string[]>();
  private count = 0;

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
    const known = this.byHash.get(key);
    const same = (w: string) => w.length === len && text.startsWith(w, start);
    if (known === undefined) {
      this.byHash.set(key, text.slice(start, end));
    } else if (typeof known === 'string') {
      if (same(known)) return;
      this.byHash.set(key, [known, text.slice(start, end)]);
    } else {
      if (known.some(same)) return;
      known.push(text.slice(start, end));
    }
    this.count++;
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
