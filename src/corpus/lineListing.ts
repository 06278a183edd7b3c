/**
 * Parser for an aggregator's author page: a header (name, field, `h-index117`, `30papers`,
 * `36,306citations`, …), then entries of category+date line, title line, authors line, abstract.
 */
import { looksLikeName, parseAuthorList } from './authorList.ts';
import type { AuthorProfile, LoadIssue, ParseResult, RawPaper } from './schema.ts';
import { isPartialCategoryDate, parseCategoryDate, squash } from './text.ts';

export interface LineListingResult extends ParseResult<RawPaper> {
  profile: AuthorProfile | null;
}

const H_INDEX = /^h-index\s*(\d+)$/i;

/** True when the text has the aggregator profile header. */
export function isLineListing(lines: string[]): boolean {
  return lines.slice(0, 30).some((l) => H_INDEX.test(l.trim())) && lines.some((l) => parseCategoryDate(l) !== null);
}

function intOf(text: string | undefined): number | null {
  if (!text) return null;
  const n = Number(text.replace(/[,\s]/g, ''));
  return Number.isFinite(n) ? n : null;
}

export function parseLineListing(text: string, source: string): LineListingResult {
  const lines = text.split(/\r?\n/);
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const firstEntry = lines.findIndex((l) => parseCategoryDate(l) !== null);
  const headerLines = lines.slice(0, firstEntry < 0 ? lines.length : firstEntry).map((l) => l.trim()).filter(Boolean);
  const owner = headerLines[0] && looksLikeName(headerLines[0]) ? headerLines[0] : null;
  if (!owner) issues.push({ level: 'warn', file: source, line: 1, message: 'profile header has no owner name' });
  let profile: AuthorProfile | null = null;
  if (owner) {
    const find = (re: RegExp) => headerLines.map((l) => re.exec(l)).find(Boolean)?.[1];
    profile = {
      name: owner,
      field: headerLines.find((l) => /^[A-Z]{2,5}$/.test(l)) ?? null,
      hIndex: intOf(find(H_INDEX)),
      paperCount: intOf(find(/^([\d,]+)\s*papers$/i)),
      citations: intOf(find(/^([\d,]+)\s*citations$/i)),
      source,
    };
  }
  const announced = intOf(headerLines.map((l) => /^(\d+)\s+Papers$/.exec(l)).find(Boolean)?.[1]);

  let i = Math.max(firstEntry, 0);
  while (i < lines.length) {
    const header = parseCategoryDate(lines[i]!);
    if (!header) {
      if (lines[i]!.trim()) issues.push({ level: 'warn', file: source, line: i + 1, message: `unexpected line outside an entry: "${squash(lines[i]!).slice(0, 60)}"` });
      i++;
      continue;
    }
    const headerLine = i + 1;
    i++;
    const body: { text: string; line: number }[] = [];
    while (i < lines.length && !parseCategoryDate(lines[i]!)) {
      if (isPartialCategoryDate(lines[i]!)) {
        issues.push({ level: 'warn', file: source, line: i + 1, message: `incomplete category/date line "${squash(lines[i]!)}" (file cut short?); ignored` });
      } else if (lines[i]!.trim()) {
        body.push({ text: squash(lines[i]!), line: i + 1 });
      }
      i++;
    }
    const [titleLine, authorLine, ...abstract] = body;
    if (!titleLine || !authorLine) {
      issues.push({ level: 'warn', file: source, line: headerLine, message: 'entry lacks a title or an authors line; skipped' });
      continue;
    }
    if (!abstract.length) issues.push({ level: 'warn', file: source, line: headerLine, message: 'entry has no abstract (file cut short?)' });
    const list = parseAuthorList(authorLine.text);
    if (!list.authors.length || !list.authors.every(looksLikeName)) {
      issues.push({ level: 'warn', file: source, line: authorLine.line, message: `authors line does not look like names: "${authorLine.text.slice(0, 60)}"` });
    }
    records.push({
      title: titleLine.text,
      authors: list.authors,
      authorsTruncated: list.truncated,
      date: header.date,
      category: header.category,
      venue: null,
      orgs: list.orgs,
      hasCode: header.hasCode,
      abstract: abstract.length ? abstract.map((a) => a.text).join('\n') : null,
      source,
      line: headerLine,
      pageOwner: owner,
    });
  }
  if (announced !== null && announced !== records.length) {
    issues.push({ level: 'warn', file: source, line: 1, message: `header announces ${announced} papers, parsed ${records.length}` });
  }
  return { records, issues, profile };
}
