/**
 * Parser for RIS files (Zotero, Mendeley, EndNote, publishers' "download citation").
 *
 * The file is cut into its records here (`TY  - ` to `ER  - `, each with its line) and each record
 * is read by Citation.js's RIS plugin into CSL-JSON, so that a broken record is a warning naming its
 * line and every other record loads. (Citation.js reads a whole file at once and fails on a tag
 * outside a record; it also drops every field of a record whose type it does not know, so such a
 * record is read as `GEN`, the generic type.)
 */
import { CitationJsError, risToCsl } from './citationJs.ts';
import { CslItemSchema, entryName, paperFromCsl } from './csl.ts';
import type { LoadIssue, ParseResult, RawPaper } from './schema.ts';

/** A tag line: two characters, two spaces, a hyphen (`TY  - JOUR`, `ER  -`). */
const TAG_LINE = /^([A-Z][A-Z0-9])  -(?: (.*))?$/;

/** The reference types of the RIS specification (what Citation.js maps). */
const RIS_TYPES = new Set(
  'ABST ADVS AGGR ANCIENT ART BILL BLOG BOOK CASE CHAP CHART CLSWK COMP CONF CPAPER CTLG DATA DBASE DICT EBOOK ECHAP EDBOOK EJOUR ELEC ENCYC EQUA FIGURE GEN GOVDOC GRANT HEAR ICOMM INPR JFULL JOUR LEGAL MANSCPT MAP MGZN MPCT MULTI MUSIC NEWS PAMP PAT PCOMM RPRT SER SLIDE SOUND STAND STAT THES UNBILL UNPB VIDEO WEB'.split(' '),
);

/**
 * True when a `TY  - ` line opens a record within the first lines with text (publishers' RIS
 * downloads may start with `Provider:` / `Database:` lines) and some line closes a record.
 */
export function isRis(lines: readonly string[]): boolean {
  const head: string[] = [];
  for (let i = 0; i < lines.length && head.length < 10; i++) {
    const l = lines[i]!.replace(/^\ufeff/, '').trimEnd();
    if (l) head.push(l);
  }
  const ty = head.findIndex((l) => /^TY  - \S/.test(l));
  if (ty < 0 || head.slice(0, ty).some((l) => TAG_LINE.test(l))) return false;
  return lines.some((l) => /^ER  -\s*$/.test(l));
}

interface RisRecord {
  line: number;
  lines: string[];
  closed: boolean;
}

export function parseRis(text: string, source: string): ParseResult<RawPaper> {
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const blocks: RisRecord[] = [];
  let current: RisRecord | null = null;
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    const tag = TAG_LINE.exec(line);
    if (tag?.[1] === 'TY') {
      if (current) blocks.push(current);
      current = { line: i + 1, lines: [line], closed: false };
    } else if (tag?.[1] === 'ER') {
      if (current) {
        current.closed = true;
        blocks.push(current);
        current = null;
      } else {
        issues.push({ level: 'warn', file: source, line: i + 1, message: 'ER line without a record; ignored' });
      }
    } else if (current) {
      current.lines.push(line);
    } else if (tag || (line.trim() && blocks.length)) {
      // Text before the first record is a header (`Provider: …`); a tag or text between records is not.
      issues.push({ level: 'warn', file: source, line: i + 1, message: `line outside a record (no TY before it): "${line.trim().slice(0, 60)}"; ignored` });
    }
  }
  if (current) blocks.push(current);

  for (const block of blocks) {
    const key = block.lines.map((l) => /^ID  - (.+)$/.exec(l)?.[1]?.trim()).find(Boolean) ?? null;
    const warn = (message: string) => issues.push({ level: 'warn', file: source, line: block.line, message: `${entryName(key)}: ${message}` });
    if (!block.closed) warn('record not closed by an ER line (file cut short?)');
    const type = /^TY  - (.*)$/.exec(block.lines[0]!)?.[1]?.trim().toUpperCase() ?? '';
    const recordText = [`TY  - ${RIS_TYPES.has(type) ? type : 'GEN'}`, ...block.lines.slice(1), 'ER  - '].join('\n');
    let items: unknown[];
    try {
      const r = risToCsl(recordText);
      for (const w of r.warnings) warn(w);
      items = r.value;
    } catch (err) {
      warn(`${err instanceof CitationJsError ? err.message : String(err)}; skipped`);
      continue;
    }
    for (const raw of items) {
      const item = CslItemSchema.safeParse(raw);
      if (!item.success) {
        warn(`unexpected shape (${item.error.issues[0]?.message ?? 'schema mismatch'}); skipped`);
        continue;
      }
      const r = paperFromCsl(item.data, { source, line: block.line, key });
      issues.push(...r.issues);
      if (r.record) records.push(r.record);
    }
  }
  return { records, issues };
}
