/**
 * Parser for the aggregator's inline listing: per entry a category+date line
 * (`CLJul 13, 2022Code`), then title and authors glued on one line, then the abstract.
 * The file has no header: its page owner comes from the sources manifest.
 */
import { parseAuthorList, splitGluedTitle, type SplitContext } from './authorList.ts';
import type { LoadIssue, ParseResult, RawPaper } from './schema.ts';
import { isPartialCategoryDate, parseCategoryDate, squash } from './text.ts';

export interface InlineListingOptions extends Partial<SplitContext> {
  source: string;
  pageOwner: string | null;
}

/** How many category+date lines are immediately followed by a glued title+authors line. */
export function inlineListingScore(lines: string[]): number {
  let hits = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!parseCategoryDate(lines[i]!)) continue;
    const next = lines[i + 1]!.trim();
    if (next && /[\p{Ll}\d)\]?!]\p{Lu}[\p{L}-]*(?:\s[\p{Lu}][\p{L}.-]*)+\s*(?:,|\set al\.|$|\s·)/u.test(next)) hits++;
  }
  return hits;
}

/** A title+authors line longer than this is prose (an abstract without its title line). */
const MAX_GLUED_LINE = 600;

export function parseInlineListing(text: string, options: InlineListingOptions): ParseResult<RawPaper> {
  const { source, pageOwner } = options;
  const lines = text.split(/\r?\n/);
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const ctx: SplitContext = {
    knownNames: options.knownNames ?? new Set(),
    vocabulary: options.vocabulary ?? new Set(),
  };
  let i = 0;
  while (i < lines.length) {
    const header = parseCategoryDate(lines[i]!);
    if (!header) {
      if (lines[i]!.trim()) issues.push({ level: 'warn', file: source, line: i + 1, message: `unexpected line outside an entry: "${squash(lines[i]!).slice(0, 60)}"` });
      i++;
      continue;
    }
    const headerLine = i + 1;
    if (!header.date) issues.push({ level: 'warn', file: source, line: headerLine, message: 'invalid date in category/date line' });
    i++;
    while (i < lines.length && !lines[i]!.trim()) i++;
    const glued = i < lines.length && !parseCategoryDate(lines[i]!) ? squash(lines[i]!) : '';
    if (!glued) {
      issues.push({ level: 'warn', file: source, line: headerLine, message: 'entry has no title/authors line; skipped' });
      continue;
    }
    const gluedLine = i + 1;
    i++;
    const abstractLines: string[] = [];
    while (i < lines.length && !parseCategoryDate(lines[i]!)) {
      if (isPartialCategoryDate(lines[i]!)) {
        issues.push({ level: 'warn', file: source, line: i + 1, message: `incomplete category/date line "${squash(lines[i]!)}" (file cut short?); ignored` });
      } else if (lines[i]!.trim()) {
        abstractLines.push(squash(lines[i]!));
      }
      i++;
    }
    const split = glued.length > MAX_GLUED_LINE ? null : splitGluedTitle(glued, ctx);
    if (!split) {
      issues.push({ level: 'warn', file: source, line: gluedLine, message: `cannot split title from authors: "${glued.slice(0, 80)}"; skipped` });
      continue;
    }
    // Neither a known name nor a name's shape after the title: a cut-off or garbled line
    // (`GSPMD: General and Scalable Pa`). Better no entry than one with an invented title.
    if (split.basis === 'guess') {
      issues.push({ level: 'warn', file: source, line: gluedLine, message: `cannot tell the title from the authors (no name-shaped author): "${glued.slice(0, 80)}"; skipped` });
      continue;
    }
    if (!abstractLines.length) {
      issues.push({ level: 'warn', file: source, line: headerLine, message: 'entry has no abstract (file cut short?)' });
    }
    const list = parseAuthorList(split.authorText);
    records.push({
      title: split.title,
      authors: list.authors,
      authorsTruncated: list.truncated,
      date: header.date,
      category: header.category,
      venue: null,
      orgs: list.orgs,
      hasCode: header.hasCode,
      abstract: abstractLines.length ? abstractLines.join('\n') : null,
      source,
      line: headerLine,
      pageOwner,
    });
  }
  return { records, issues };
}
