/**
 * Parser for a Google Research author page: per entry a title line, one co-author per line
 * (the page owner is not listed), a venue/year line (`ICASSP(2020)`, `ICLR 2021(2020) (to appear)`),
 * then `Preview abstract … View details`. Some entries have only the abstract.
 */
import type { LoadIssue, ParseResult, RawPaper } from './schema.ts';
import { squash } from './text.ts';

const ABSTRACT = /^Preview abstract\s*(.*?)\s*(?:View details)?$/s;
const VENUE_YEAR = /^(.*?)\((\d{4})\)(.*)$/;

export function isAuthorPage(lines: string[]): boolean {
  const trimmed = lines.map((l) => l.trim());
  return trimmed.some((l) => l.startsWith('Preview abstract')) && trimmed.some((l) => /^Authored Publications$/.test(l) || /View details$/.test(l));
}

export function parseVenueLine(line: string): { venue: string | null; year: string } | null {
  const m = VENUE_YEAR.exec(line);
  if (!m) return null;
  const venue = squash(`${m[1]!}${m[3]!}`.replace(/\s*,\s*,/g, ',')).replace(/^,\s*/, '');
  return { venue: venue || null, year: m[2]! };
}

export function parseAuthorPage(text: string, source: string): ParseResult<RawPaper> {
  const lines = text.split(/\r?\n/);
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const trimmed = lines.map((l) => squash(l));
  const owner = trimmed.find(Boolean) ?? null;
  // Entries start after the last sort bullet, or after "Authored Publications".
  let start = 0;
  trimmed.forEach((l, idx) => {
    if (l.startsWith('•') || l === 'Authored Publications' || l === 'Sort By') start = idx + 1;
  });
  let group: { text: string; line: number }[] = [];
  for (let i = start; i < trimmed.length; i++) {
    const l = trimmed[i]!;
    if (!l) continue;
    if (!l.startsWith('Preview abstract')) {
      group.push({ text: l, line: i + 1 });
      continue;
    }
    const abstract = ABSTRACT.exec(l)?.[1]?.trim() || null;
    const entryLine = group[0]?.line ?? i + 1;
    let venue: string | null = null;
    let date: string | null = null;
    let title: string | null = null;
    let authors: string[] = [];
    if (group.length) {
      const last = group[group.length - 1]!;
      const vy = parseVenueLine(last.text);
      if (vy) {
        venue = vy.venue;
        date = vy.year;
        group = group.slice(0, -1);
      } else {
        issues.push({ level: 'warn', file: source, line: last.line, message: 'entry has no venue/year line' });
      }
      title = group[0]?.text ?? null;
      authors = group.slice(1).map((g) => g.text);
    }
    if (!title) issues.push({ level: 'warn', file: source, line: i + 1, message: 'entry has no title and no authors (abstract only)' });
    if (!abstract && !title) {
      issues.push({ level: 'warn', file: source, line: i + 1, message: 'empty entry; skipped' });
    } else {
      records.push({
        title,
        authors,
        // An entry without its author lines lists nobody: its author list is unknown, not empty.
        authorsTruncated: title === null,
        date,
        category: null,
        venue,
        orgs: [],
        hasCode: false,
        abstract,
        source,
        line: entryLine,
        pageOwner: owner,
      });
    }
    group = [];
  }
  if (group.length) issues.push({ level: 'warn', file: source, line: group[0]!.line, message: 'trailing lines without an abstract; ignored' });
  return { records, issues };
}
