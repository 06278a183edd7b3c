/**
 * The one door to Citation.js (core + BibTeX and RIS plugins): BibTeX/BibLaTeX text → entries,
 * one entry → CSL-JSON, one RIS record → CSL-JSON, LaTeX field text → Unicode.
 *
 * Citation.js throws on bad input (a `SyntaxError` whose message says `at line N col M`, a
 * `RangeError`, a `TypeError`) and reports what it tolerates through its `logger` (e.g. an entry
 * opened with `{` and closed with `)`). Every call here runs with the logger captured, so those
 * warnings come back to the caller instead of piling up in the logger's memory, and every throw
 * becomes a `CitationJsError` with a one-line message and the line it names. Input types are
 * always given (`forceType`): Citation.js never guesses, so never fetches a URL.
 */
import { logger, plugins, type LogLevel, type LogMethod } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-ris';
import { z } from 'zod';

/** A failure reported by Citation.js, in one line; `line` is 1-based in the text given, when it names one. */
export class CitationJsError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'CitationJsError';
  }
}

export interface WithWarnings<T> {
  value: T;
  /** What Citation.js logged at `warn` or `error` while producing `value`. */
  warnings: string[];
}

const LEVELS: readonly LogLevel[] = ['http', 'debug', 'unmapped', 'info', 'warn', 'error'];

function messageText(message: unknown[]): string {
  return message.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
}

/** Runs `fn` with Citation.js's logger captured; its throws become `CitationJsError`s. */
function captured<T>(fn: () => T): WithWarnings<T> {
  const saved = new Map<LogLevel, LogMethod>(LEVELS.map((l) => [l, logger[l]]));
  const warnings: string[] = [];
  const keep: LogMethod = (_scope, ...message) => void warnings.push(messageText(message));
  const drop: LogMethod = () => undefined;
  for (const level of LEVELS) logger[level] = level === 'warn' || level === 'error' ? keep : drop;
  try {
    return { value: fn(), warnings };
  } catch (err) {
    throw toCitationJsError(err);
  } finally {
    for (const [level, method] of saved) logger[level] = method;
  }
}

/**
 * Citation.js's errors carry a code excerpt after the first line and the grammar rules in
 * parentheses (`… at line 3 col 1:\n\n1  @article{…` / `(String->Text)`): kept to the first line,
 * with the line number taken out.
 */
function toCitationJsError(err: unknown): CitationJsError {
  if (err instanceof CitationJsError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const firstLine = raw.split('\n').find((l) => l.trim()) ?? raw;
  const at = /\s*at line (\d+) col (\d+):?/.exec(firstLine);
  const line = at ? Number(at[1]) : null;
  const message = firstLine
    .replace(/\s*at line \d+ col \d+:?/, '')
    .replace(/\s*\([A-Za-z]+(?:->[A-Za-z]+)*\)\s*$/, '')
    .trim();
  return new CitationJsError(message || 'unreadable input', line !== null && line > 0 ? line : null);
}

/** One BibTeX/BibLaTeX entry as Citation.js reads it: field values still in LaTeX. */
export const BibEntrySchema = z.object({
  type: z.string(),
  label: z.string(),
  properties: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)),
});
export type BibEntry = z.infer<typeof BibEntrySchema>;

/**
 * A closing entry so that the text is never without one: Citation.js cannot stop at an empty
 * entry list (a text of `@string` macros only), it tries to read `[]` further until it gives up.
 */
const PROBE_LABEL = 'papertalk:probe';
const PROBE = `\n@misc{${PROBE_LABEL},}\n`;

/** BibTeX/BibLaTeX text → its entries (`@string` macros applied; `@comment`, `@preamble` dropped). Throws `CitationJsError`. */
export function readBibtexEntries(text: string): WithWarnings<BibEntry[]> {
  return captured(() => {
    const out = plugins.input.chain(text + PROBE, { forceType: '@biblatex/text', target: '@biblatex/entries+list', generateGraph: false });
    return z.array(BibEntrySchema).parse(Array.isArray(out) ? out : []).filter((e) => e.label !== PROBE_LABEL);
  });
}

/** Font and formatting commands in math that Citation.js leaves as text (`$\mathcal{O}(1)$` → `\mathcalO(1)`). */
const MATH_STYLE = /\\(?:math(?:cal|rm|bf|it|bb|sf|tt|frak|scr)|boldsymbol|bm|operatorname|text(?:rm|normal)?|mbox)\s*(?=\{)/g;

/** Math symbols common in titles that Citation.js does not know (it knows the Greek letters). */
const MATH_SYMBOLS: Readonly<Record<string, string>> = {
  infty: '∞', ell: 'ℓ', times: '×', cdot: '·', cdots: '⋯', ldots: '…', dots: '…', pm: '±', mp: '∓',
  leq: '≤', le: '≤', geq: '≥', ge: '≥', neq: '≠', ne: '≠', approx: '≈', sim: '∼', simeq: '≃', equiv: '≡', propto: '∝',
  to: '→', rightarrow: '→', leftarrow: '←', Rightarrow: '⇒', leftrightarrow: '↔', mapsto: '↦',
  partial: '∂', nabla: '∇', sqrt: '√', sum: '∑', prod: '∏', int: '∫', in: '∈', notin: '∉',
  subset: '⊂', subseteq: '⊆', cup: '∪', cap: '∩', forall: '∀', exists: '∃', emptyset: '∅', circ: '∘', star: '⋆', ast: '∗', prime: '′',
};
const MATH_SYMBOL = new RegExp(String.raw`\\(${Object.keys(MATH_SYMBOLS).join('|')})(?![A-Za-z])`, 'g');

/** A field's LaTeX made readable by Citation.js: math font commands dropped, known math symbols replaced. */
function prepareLatex(value: string): string {
  return value.replace(MATH_STYLE, '').replace(MATH_SYMBOL, (_m, name: string) => MATH_SYMBOLS[name] ?? name);
}

/** One entry → CSL-JSON items (one, normally), its fields' LaTeX turned into text. Throws `CitationJsError`. */
export function bibEntryToCsl(entry: BibEntry): WithWarnings<unknown[]> {
  const properties: Record<string, string> = {};
  for (const [field, value] of Object.entries(entry.properties)) properties[field] = prepareLatex(value);
  return captured(() => {
    const out = plugins.input.chain({ type: entry.type, label: entry.label, properties }, { forceType: '@biblatex/entry+object', generateGraph: false });
    return Array.isArray(out) ? out : [];
  });
}

/** One RIS record (`TY  - …` to `ER  - `) → CSL-JSON items. Throws `CitationJsError`. */
export function risToCsl(text: string): WithWarnings<unknown[]> {
  return captured(() => {
    const out = plugins.input.chain(text, { forceType: '@ris/file', generateGraph: false });
    return Array.isArray(out) ? out : [];
  });
}

const LATEX_SPECIALS = /[\\{}$~]/;

/**
 * A text in LaTeX (an arXiv title, abstract or name) as Unicode text (`Bal\'azs` → `Balázs`,
 * `$\alpha$` → `α`), with CSL rich-text markup still in it (`\emph{x}` → `<i>x</i>`). Text without
 * LaTeX specials comes back as it is; null when Citation.js cannot read it (unbalanced braces).
 */
export function latexToText(text: string): string | null {
  if (!LATEX_SPECIALS.test(text)) return text;
  try {
    const items = bibEntryToCsl({ type: 'misc', label: 'x', properties: { title: text } }).value;
    const title = (items[0] as { title?: unknown } | undefined)?.title;
    return typeof title === 'string' ? title : '';
  } catch {
    return null;
  }
}
