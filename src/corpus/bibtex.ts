/**
 * Parser for BibTeX / BibLaTeX files (a Zotero, Mendeley or JabRef export, or a hand-kept `.bib`).
 *
 * Citation.js reads the entries (braces, quotes, `#` concatenation, `@string` macros, LaTeX
 * accents and escapes, month macros, BibLaTeX's fields) and maps them to CSL-JSON. It reads a file
 * as a whole and gives up on the first syntax error, so this module first cuts the file into its
 * `@…{…}` blocks (by brace depth, a block also ending where a line starts the next entry) and
 * hands Citation.js one entry at a time, preceded by the `@string` macros it uses: a malformed
 * entry is a warning naming its line and key, and every other entry loads. A field Citation.js
 * cannot read (unbalanced math, say) is left out of its entry with a warning; the title never is.
 */
import { bibEntryToCsl, CitationJsError, readBibtexEntries, type BibEntry } from './citationJs.ts';
import { arxivCategoryCode } from './categories.ts';
import { CslItemSchema, entryName, paperFromCsl, type EntryPlace } from './csl.ts';
import { normaliseArxivId } from './identity.ts';
import type { LoadIssue, ParseResult, RawPaper } from './schema.ts';

/** A data entry's head at the start of a line: `@article{key,` / `@InProceedings( key ,`. */
const ENTRY_HEAD = /^[ \t]*@[ \t]*(?!(?:string|preamble|comment)\b)[A-Za-z]+[ \t]*[{(][ \t]*[^\s,{}()"=#%]+[ \t]*,/im;

/** True when the text has at least one BibTeX/BibLaTeX entry at the start of a line. */
export function isBibtex(text: string): boolean {
  return ENTRY_HEAD.test(text.replace(/^\ufeff/, ''));
}

export interface BibBlock {
  /** Lower-cased block type: `article`, `string`, `comment`, … */
  type: string;
  text: string;
  /** 1-based line of the `@`. */
  line: number;
  /** The entry key, when the head has one. */
  key: string | null;
  /** False when the block ran into the next entry or the end of the file before its closing delimiter. */
  closed: boolean;
}

const BLOCK_HEAD = /@[ \t\r\n]*([A-Za-z][\w:-]*)[ \t\r\n]*([{(])/y;
/** A line that starts a new block: an unclosed block ends before it. */
const NEXT_BLOCK = /[ \t]*@[ \t]*[A-Za-z][\w:-]*[ \t]*[{(]/y;

/** Cuts a `.bib` text into its `@…` blocks; text between blocks is comment, as in BibTeX. */
export function splitBibtex(text: string): BibBlock[] {
  const blocks: BibBlock[] = [];
  let line = 1;
  let counted = 0;
  const lineAt = (pos: number) => {
    for (; counted < pos; counted++) if (text.charCodeAt(counted) === 10) line++;
    return line;
  };
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at < 0) break;
    BLOCK_HEAD.lastIndex = at;
    const head = BLOCK_HEAD.exec(text);
    if (!head) {
      i = at + 1;
      continue;
    }
    const paren = head[2] === '(';
    let depth = 0;
    let end = -1;
    for (let j = BLOCK_HEAD.lastIndex; j < text.length; j++) {
      const c = text[j];
      if (c === '\\') j++; // `\{`, `\}`: escaped braces are text, as Citation.js reads them
      else if (c === '{') depth++;
      else if (c === '}') {
        if (!paren && depth === 0) {
          end = j + 1;
          break;
        }
        depth--;
      } else if (c === ')' && paren && depth <= 0) {
        end = j + 1;
        break;
      } else if (c === '\n') {
        NEXT_BLOCK.lastIndex = j + 1;
        if (NEXT_BLOCK.test(text)) break;
      }
    }
    const closed = end >= 0;
    if (!closed) {
      // Up to the line that starts the next block, or the end of the file.
      const next = findNextBlockLine(text, BLOCK_HEAD.lastIndex);
      end = next < 0 ? text.length : next;
    }
    const blockText = text.slice(at, end);
    const key = /^@[^{(]*[{(]\s*([^\s,{}()"=#%]+)\s*,/.exec(blockText)?.[1] ?? null;
    blocks.push({ type: head[1]!.toLowerCase(), text: blockText, line: lineAt(at), key, closed });
    i = end;
  }
  return blocks;
}

function findNextBlockLine(text: string, from: number): number {
  for (let j = text.indexOf('\n', from); j >= 0; j = text.indexOf('\n', j + 1)) {
    NEXT_BLOCK.lastIndex = j + 1;
    if (NEXT_BLOCK.test(text)) return j + 1;
  }
  return -1;
}

interface Macro {
  name: string;
  text: string;
  uses: RegExp;
}

/** Which of the file's `@string` macros a block names (a bare identifier; a false hit is harmless). */
function macrosUsedBy(block: BibBlock, macros: readonly Macro[]): Macro[] {
  return macros.filter((m) => m.uses.test(block.text));
}

/** `eprint` with `archivePrefix`/`eprinttype` arXiv (or an id-shaped `eprint` alone). */
function arxivIdOf(entry: BibEntry): string | null {
  const p = entry.properties;
  const eprint = p['eprint'];
  if (!eprint) return null;
  const kind = (p['archiveprefix'] ?? p['eprinttype'] ?? '').toLowerCase();
  if (kind && kind !== 'arxiv') return null;
  return normaliseArxivId(eprint);
}

/** `primaryClass` / `eprintclass` → the listings' code (`cs.CL` → `CL`). */
function categoryOf(entry: BibEntry): string | null {
  const cls = entry.properties['primaryclass'] ?? entry.properties['eprintclass'];
  const first = cls?.trim().split(/[\s,;]+/)[0];
  return first ? arxivCategoryCode(first) : null;
}

/**
 * The entry's CSL item; a field Citation.js cannot read is found by trying the fields one by one,
 * left out and reported. Throws `CitationJsError` when the title is among them or nothing helps.
 */
function toCsl(entry: BibEntry, warn: (message: string) => void): unknown[] {
  try {
    const r = bibEntryToCsl(entry);
    for (const w of r.warnings) warn(w);
    return r.value;
  } catch (err) {
    const bad: [string, string][] = [];
    for (const [field, value] of Object.entries(entry.properties)) {
      try {
        bibEntryToCsl({ ...entry, properties: { [field]: value } });
      } catch (fieldErr) {
        bad.push([field, (fieldErr as Error).message]);
      }
    }
    if (!bad.length || bad.some(([field]) => field === 'title')) throw err;
    const properties = { ...entry.properties };
    for (const [field, message] of bad) {
      delete properties[field];
      warn(`field ${field} cannot be read (${message}); left out`);
    }
    const r = bibEntryToCsl({ ...entry, properties });
    for (const w of r.warnings) warn(w);
    return r.value;
  }
}

export function parseBibtex(text: string, source: string): ParseResult<RawPaper> {
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const macros: Macro[] = [];
  for (const block of splitBibtex(text.replace(/^\ufeff/, ''))) {
    const at: EntryPlace = { source, line: block.line, key: block.key };
    const who = block.type === 'string' ? '@string macro' : entryName(block.key);
    const warn = (message: string) => issues.push({ level: 'warn', file: source, line: block.line, message: `${who}: ${message}` });
    if (block.type === 'comment' || block.type === 'preamble') continue;
    const used = macrosUsedBy(block, macros);
    const prefix = used.map((m) => `${m.text}\n`).join('');
    const prefixLines = prefix.split('\n').length - 1;
    let entries: BibEntry[];
    try {
      const r = readBibtexEntries(prefix + block.text);
      for (const w of r.warnings) warn(w);
      entries = r.value;
    } catch (err) {
      if (!block.closed) {
        warn(`not closed before the next entry or the end of the file; skipped`);
        continue;
      }
      const e = err instanceof CitationJsError ? err : new CitationJsError(String(err), null);
      const within = e.line !== null ? e.line - prefixLines : 0;
      const line = within >= 1 && within <= block.text.split('\n').length ? block.line + within - 1 : block.line;
      issues.push({ level: 'warn', file: source, line, message: `${who}: ${e.message}; skipped` });
      continue;
    }
    if (block.type === 'string') {
      const name = /^@\s*string\s*[{(]\s*([A-Za-z_][\w:+-]*)/i.exec(block.text)?.[1];
      // Its text carries the macros it uses itself (`@string{b = a # " x"}`).
      if (name) macros.push({ name, text: prefix + block.text, uses: new RegExp(String.raw`(?:^|[^\w\\])${name.replace(/[+]/g, '\\+')}(?![\w:+-])`, 'i') });
      continue;
    }
    for (const entry of entries) {
      let items: unknown[];
      try {
        items = toCsl(entry, warn);
      } catch (err) {
        warn(`${(err as Error).message}; skipped`);
        continue;
      }
      for (const raw of items) {
        const item = CslItemSchema.safeParse(raw);
        if (!item.success) {
          warn(`unexpected shape (${item.error.issues[0]?.message ?? 'schema mismatch'}); skipped`);
          continue;
        }
        const r = paperFromCsl(item.data, at, { arxivId: arxivIdOf(entry), category: categoryOf(entry) });
        issues.push(...r.issues);
        if (r.record) records.push(r.record);
      }
    }
  }
  return { records, issues };
}
