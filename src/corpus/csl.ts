/**
 * CSL-JSON items (what Zotero exports as CSL-JSON, and what Citation.js makes of BibTeX and RIS)
 * → `RawPaper`s. Shared by the BibTeX, RIS and CSL-JSON parsers.
 */
import { z } from 'zod';
import { categoryFromKeywords } from './categories.ts';
import { arxivIdFromDoi, findArxivId, normaliseDoi } from './identity.ts';
import { RawPaperSchema, type LoadIssue, type RawPaper } from './schema.ts';
import { squash } from './text.ts';

/** A text field: CSL-JSON allows numbers where text is expected (`"number": 3`). */
const Text = z.union([z.string(), z.number()]).transform(String).optional();

const CslNameSchema = z.object({
  family: Text,
  given: Text,
  literal: Text,
  'non-dropping-particle': Text,
  'dropping-particle': Text,
  suffix: Text,
});
type CslName = z.infer<typeof CslNameSchema>;

const CslDateSchema = z.object({
  'date-parts': z.array(z.array(z.union([z.number(), z.string()]))).optional(),
  raw: Text,
  literal: Text,
});
type CslDate = z.infer<typeof CslDateSchema>;

/** The fields of a CSL-JSON item papertalk reads; others are ignored. */
export const CslItemSchema = z.object({
  id: Text,
  'citation-key': Text,
  type: Text,
  title: Text,
  author: z.array(CslNameSchema).optional(),
  issued: CslDateSchema.optional(),
  'event-date': CslDateSchema.optional(),
  'container-title': Text,
  'event-title': Text,
  publisher: Text,
  DOI: Text,
  URL: Text,
  number: Text,
  note: Text,
  archive_location: Text,
  keyword: Text,
  abstract: Text,
});
export type CslItem = z.infer<typeof CslItemSchema>;

/**
 * Text as people read it: CSL rich-text markup (`<i>`, `<sup>`, `<span class="nocase">`) removed,
 * LaTeX commands nobody decoded reduced to their name (`\log` → `log`), spaces collapsed.
 */
export function plainText(text: string | null | undefined): string {
  if (!text) return '';
  return squash(
    text
      .replace(/<\/?(?:i|b|em|strong|sup|sub|sc|span)(?:\s[^>]*)?>/gi, '')
      .replace(/\\\\/g, ' ')
      .replace(/\\([A-Za-z]+)/g, '$1')
      .replace(/\\([&%$#_{}])/g, '$1'),
  );
}

/** `William Fedus`, `Ludwig van Beethoven`, `John Doe Jr.`; a literal name as it is. */
function nameOf(n: CslName): string {
  if (n.literal) return plainText(n.literal);
  const parts = [n.given, n['dropping-particle'], n['non-dropping-particle'], n.family, n.suffix];
  return plainText(parts.filter((p) => p && p.trim()).join(' '));
}

/** BibTeX's `and others`, and its spellings elsewhere: the list is not complete. */
const OTHERS = /^(?:others|et\.? al\.?)$/i;

function validDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `YYYY-MM-DD` when the day is known, `YYYY` when only the year (or month) is; null otherwise. */
export function dateFromParts(year: number, month?: number, day?: number): string | null {
  if (!Number.isInteger(year) || year < 1000 || year > 2999) return null;
  const y = String(year);
  if (month !== undefined && day !== undefined && Number.isInteger(month) && Number.isInteger(day) && validDay(year, month, day)) {
    return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  return y;
}

/** A CSL date → our date; `unreadable` when the item has one we cannot read. */
function cslDate(date: CslDate | undefined): string | null | 'unreadable' {
  if (!date) return null;
  const parts = date['date-parts']?.[0];
  if (parts?.length) {
    const [y, m, d] = parts.map((p) => Number(p));
    return dateFromParts(y!, m, d) ?? 'unreadable';
  }
  const text = date.raw ?? date.literal;
  if (!text) return null;
  const m = /\b(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?/.exec(text);
  if (!m) return 'unreadable';
  return dateFromParts(Number(m[1]), m[2] ? Number(m[2]) : undefined, m[3] ? Number(m[3]) : undefined) ?? 'unreadable';
}

const ARXIV_VENUE = /^arxiv\b/i;

/** Where the item appeared: its journal, proceedings or (for a thesis, report or book) publisher; `arXiv` for a preprint. */
function venueOf(item: CslItem, arxivId: string | null): string | null {
  const bookLike = item.type === 'thesis' || item.type === 'report' || item.type === 'book';
  const named = plainText(item['container-title'] ?? item['event-title'] ?? (bookLike ? item.publisher : undefined)) || null;
  if (named && !ARXIV_VENUE.test(named)) return named;
  if (named || arxivId || (item.publisher && ARXIV_VENUE.test(item.publisher))) return 'arXiv';
  return null;
}

export interface EntryPlace {
  source: string;
  /** 1-based line of the entry's start in the file. */
  line: number;
  /** The entry's key (BibTeX label, RIS `ID`, CSL `id`), for messages. */
  key: string | null;
}

/** What the format knows better than its CSL rendering (BibTeX's `eprint`, `primaryClass`). */
export interface EntryHints {
  arxivId?: string | null;
  category?: string | null;
}

/** `entry fedus_switch_2022` / `entry` — how messages name an entry. */
export function entryName(key: string | null): string {
  return key ? `entry ${key}` : 'entry';
}

/**
 * One CSL item → one `RawPaper` (null with a warning when it has neither a title nor an abstract;
 * an entry with an abstract only is kept untitled, for the merger to recover by its abstract).
 */
export function paperFromCsl(item: CslItem, at: EntryPlace, hints: EntryHints = {}): { record: RawPaper | null; issues: LoadIssue[] } {
  const issues: LoadIssue[] = [];
  const warn = (message: string) => issues.push({ level: 'warn', file: at.source, line: at.line, message: `${entryName(at.key)}: ${message}` });
  const title = plainText(item.title) || null;
  const abstract = plainText(item.abstract) || null;
  if (!title && !abstract) {
    warn('no title; skipped');
    return { record: null, issues };
  }
  if (!title) warn('no title (abstract only)');
  const names = (item.author ?? []).map(nameOf).filter(Boolean);
  const authors = names.filter((n) => !OTHERS.test(n));
  let date = cslDate(item.issued ?? item['event-date']);
  if (date === 'unreadable') {
    warn(`date ${JSON.stringify(item.issued ?? item['event-date'])} not understood; left out`);
    date = null;
  }
  const doi = item.DOI ? normaliseDoi(item.DOI) : null;
  if (item.DOI && !doi) warn(`"${item.DOI}" is not a DOI; left out`);
  const arxivId =
    hints.arxivId ?? (doi ? arxivIdFromDoi(doi) : null) ?? findArxivId([item.URL, item.number, item.note, item['container-title'], item.publisher, item.archive_location]);
  const candidate: RawPaper = {
    title,
    authors,
    authorsTruncated: authors.length < names.length,
    date,
    category: hints.category ?? (item.keyword ? categoryFromKeywords(item.keyword) : null),
    venue: venueOf(item, arxivId),
    orgs: [],
    hasCode: false,
    abstract,
    source: at.source,
    line: at.line,
    pageOwner: null,
    ...(doi ? { doi } : {}),
    ...(arxivId ? { arxivId } : {}),
  };
  const parsed = RawPaperSchema.safeParse(candidate);
  if (!parsed.success) {
    warn(`${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; skipped`);
    return { record: null, issues };
  }
  return { record: parsed.data, issues };
}
