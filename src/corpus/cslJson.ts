/**
 * Parser for CSL-JSON files: an array of CSL items, as Zotero ("Export Library… → CSL JSON"),
 * Mendeley and Citation.js write them. The array is cut into its elements here (with the line
 * each starts on) and every element is parsed and checked alone, so that a broken element is a
 * warning naming its line and every other one loads.
 */
import { CslItemSchema, entryName, paperFromCsl } from './csl.ts';
import type { LoadIssue, ParseResult, RawPaper } from './schema.ts';

export interface JsonElement {
  text: string;
  /** 1-based line the element starts on. */
  line: number;
  /** Offset of its first character in the text. */
  offset: number;
  /** Column of its first character (0-based). */
  column: number;
}

export interface JsonArraySplit {
  elements: JsonElement[];
  /** False when the text ends before the array's closing `]`. */
  closed: boolean;
  /** 1-based line of the end of the text, or of the closing `]`. */
  endLine: number;
}

export interface SplitOptions {
  /** Stop after this many elements (detection). */
  limit?: number;
  /** Resume inside the array at this offset, on this line (after a broken element). */
  resume?: { offset: number; line: number };
}

/**
 * Cuts the text of a JSON array into the texts of its top-level elements, without parsing them
 * (strings and nesting respected). Null when the text does not start with `[`.
 */
export function splitJsonArray(text: string, options: SplitOptions = {}): JsonArraySplit | null {
  const limit = options.limit ?? Infinity;
  let i = options.resume?.offset ?? 0;
  let line = options.resume?.line ?? 1;
  const skipSpace = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\ufeff') break;
    }
  };
  if (!options.resume) {
    skipSpace();
    if (text[i] !== '[') return null;
    i++;
  }
  const elements: JsonElement[] = [];
  while (elements.length < limit) {
    skipSpace();
    while (text[i] === ',') {
      i++;
      skipSpace();
    }
    if (i >= text.length) return { elements, closed: false, endLine: line };
    if (text[i] === ']') return { elements, closed: true, endLine: line };
    const start = i;
    const startLine = line;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break; // the array's own `]`
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (c === ',' && depth === 0) break;
    }
    elements.push({ text: text.slice(start, i), line: startLine, offset: start, column: start - text.lastIndexOf('\n', start - 1) - 1 });
  }
  return { elements, closed: true, endLine: line };
}

function isCslObject(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return typeof o['type'] === 'string' && ('title' in o || 'author' in o || 'issued' in o);
}

/** True when the text is a JSON array whose first element is a CSL item (`type` and a title, authors or date). */
export function isCslJson(text: string): boolean {
  const first = splitJsonArray(text, { limit: 1 })?.elements[0];
  if (!first) return false;
  try {
    return isCslObject(JSON.parse(first.text));
  } catch {
    return false;
  }
}

/**
 * Where, inside a broken element, the next element seems to start: a later line that opens an
 * object no deeper than the broken one (`{` or `,{` at its column or less). -1 when none does.
 */
function nextElementStart(element: JsonElement): number {
  const re = /\n([ \t]*),?[ \t]*\{/g;
  for (let m = re.exec(element.text); m; m = re.exec(element.text)) {
    if (m[1]!.length <= element.column) return m.index + 1;
  }
  return -1;
}

export function parseCslJson(text: string, source: string): ParseResult<RawPaper> {
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  let split = splitJsonArray(text);
  if (!split) return { records, issues: [{ level: 'warn', file: source, line: 1, message: 'not a JSON array; skipped' }] };
  for (let k = 0; k < split.elements.length; k++) {
    const element: JsonElement = split.elements[k]!;
    let value: unknown;
    try {
      value = JSON.parse(element.text);
    } catch (err) {
      issues.push({ level: 'warn', file: source, line: element.line, message: `entry is not valid JSON (${(err as Error).message}); skipped` });
      // A broken element (a bracket missing) may have swallowed the ones after it: read on from where the next one starts.
      const restart = nextElementStart(element);
      if (restart > 0) {
        const line = element.line + (element.text.slice(0, restart).match(/\n/g)?.length ?? 0);
        split = splitJsonArray(text, { resume: { offset: element.offset + restart, line } })!;
        k = -1;
      }
      continue;
    }
    const item = CslItemSchema.safeParse(value);
    const key = value && typeof value === 'object' && 'id' in value ? String((value as { id: unknown }).id) : null;
    if (!item.success) {
      const problem = item.error.issues[0];
      issues.push({ level: 'warn', file: source, line: element.line, message: `${entryName(key)}: not a CSL item (${problem ? `${problem.path.join('.') || 'value'}: ${problem.message}` : 'schema mismatch'}); skipped` });
      continue;
    }
    const r = paperFromCsl(item.data, { source, line: element.line, key: item.data['citation-key'] ?? item.data.id ?? null });
    issues.push(...r.issues);
    if (r.record) records.push(r.record);
  }
  if (!split.closed) issues.push({ level: 'warn', file: source, line: split.endLine, message: 'the array is not closed (file cut short?)' });
  return { records, issues };
}
