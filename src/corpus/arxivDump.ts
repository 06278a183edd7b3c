/**
 * Parser for arXiv metadata in JSON lines, as in the public arXiv metadata snapshot
 * (`arxiv-metadata-oai-snapshot.json`, one paper per line: `id`, `submitter`, `authors`, `title`,
 * `comments`, `journal-ref`, `doi`, `categories`, `abstract`, `versions`, `update_date`,
 * `authors_parsed`). A slice of it (`grep`, `head`, `jq -c 'select(…)'`) is a data file.
 *
 * Titles, abstracts and names are written in LaTeX there (`Bal\'azs`, `$\alpha$`); Citation.js's
 * BibTeX value reader turns them into text. The date is the first version's (the submission, as
 * the listings and the arXiv feed date papers); the category is the first (primary) one, mapped to
 * the listings' code (`cs.CL` → `CL`). A line that is not JSON or not such an object is a warning
 * naming its line (and id); every other line loads.
 */
import { z } from 'zod';
import { arxivCategoryCode } from './categories.ts';
import { latexToText } from './citationJs.ts';
import { dateFromParts, plainText } from './csl.ts';
import { normaliseArxivId, normaliseDoi } from './identity.ts';
import { RawPaperSchema, type LoadIssue, type ParseResult, type RawPaper } from './schema.ts';

const NullableText = z.string().nullable().optional();

const ArxivLineSchema = z.object({
  id: z.string().min(1),
  authors: NullableText,
  title: z.string(),
  'journal-ref': NullableText,
  doi: NullableText,
  categories: NullableText,
  abstract: NullableText,
  versions: z.array(z.object({ version: z.string(), created: z.string() })).nullable().optional(),
  update_date: NullableText,
  /** `[family, given, suffix]` per author. */
  authors_parsed: z.array(z.array(z.string())).nullable().optional(),
});
type ArxivLine = z.infer<typeof ArxivLineSchema>;

function isArxivObject(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return typeof o['id'] === 'string' && typeof o['title'] === 'string' && (typeof o['categories'] === 'string' || Array.isArray(o['versions']) || Array.isArray(o['authors_parsed']));
}

/** True when the first lines with text are JSON objects and one of them is an arXiv metadata record. */
export function isArxivDump(lines: readonly string[]): boolean {
  const head: string[] = [];
  for (let i = 0; i < lines.length && head.length < 5; i++) {
    const l = lines[i]!.replace(/^\ufeff/, '').trim();
    if (l) head.push(l);
  }
  if (!head.length || !head.every((l) => l.startsWith('{'))) return false;
  return head.some((l) => {
    try {
      return isArxivObject(JSON.parse(l));
    } catch {
      return false;
    }
  });
}

/** LaTeX → text; the text as written when Citation.js cannot read it. */
function fromLatex(value: string | null | undefined): string {
  if (!value) return '';
  return plainText(latexToText(value) ?? value);
}

/** `et al.` and `(12 additional authors not shown)` in the authors line: the list is not complete. */
const TRUNCATED = /\bet al\b|additional authors not shown/i;

function authorsOf(line: ArxivLine): { authors: string[]; truncated: boolean } {
  const truncated = TRUNCATED.test(line.authors ?? '');
  if (line.authors_parsed?.length) {
    const authors = line.authors_parsed
      .map(([family = '', given = '', suffix = '']) => fromLatex([given, family, suffix].filter((p) => p.trim()).join(' ')))
      .filter((n) => n && !/^(?:et al\.?|al\.? et|others)$/i.test(n) && !/additional authors not shown/i.test(n));
    return { authors, truncated };
  }
  const authors = fromLatex(line.authors)
    .replace(/\(\d+ additional authors not shown\)/i, '')
    .split(/\s*,\s*|\s+and\s+/)
    .map((a) => a.trim())
    .filter((a) => a && !/^et al\.?$/i.test(a));
  return { authors, truncated };
}

/** The first version's date (`Mon, 2 Apr 2007 19:18:42 GMT` → `2007-04-02`), else the year of the id (`0704.0001` → `2007`). */
function dateOf(line: ArxivLine, arxivId: string): string | null {
  const versions = line.versions ?? [];
  const first = versions.find((v) => v.version === 'v1') ?? versions[0];
  const t = first ? Date.parse(first.created) : NaN;
  if (Number.isFinite(t)) {
    const d = new Date(t);
    return dateFromParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  const yymm = /^(\d{2})(\d{2})\./.exec(arxivId) ?? /\/(\d{2})(\d{2})\d{3}$/.exec(arxivId);
  if (!yymm) return null;
  const yy = Number(yymm[1]);
  return String(yy >= 91 ? 1900 + yy : 2000 + yy);
}

export function parseArxivDump(text: string, source: string): ParseResult<RawPaper> {
  const issues: LoadIssue[] = [];
  const records: RawPaper[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    const warn = (message: string) => issues.push({ level: 'warn', file: source, line: i + 1, message });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      warn(`line is not valid JSON (${(err as Error).message}); skipped`);
      continue;
    }
    const parsed = ArxivLineSchema.safeParse(value);
    const idOf = value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;
    const name = idOf ? `arXiv ${idOf}` : 'line';
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      warn(`${name}: not an arXiv metadata record (${problem ? `${problem.path.join('.') || 'value'}: ${problem.message}` : 'schema mismatch'}); skipped`);
      continue;
    }
    const line = parsed.data;
    const arxivId = normaliseArxivId(line.id);
    if (!arxivId) {
      warn(`${name}: "${line.id}" is not an arXiv id; skipped`);
      continue;
    }
    const title = fromLatex(line.title) || null;
    const abstract = fromLatex(line.abstract) || null;
    if (!title && !abstract) {
      warn(`${name}: no title; skipped`);
      continue;
    }
    const { authors, truncated } = authorsOf(line);
    const primary = line.categories?.trim().split(/\s+/)[0];
    const doi = line.doi ? normaliseDoi(line.doi.trim().split(/\s+/)[0]!) : null;
    const candidate: RawPaper = {
      title,
      authors,
      authorsTruncated: truncated,
      date: dateOf(line, arxivId),
      category: primary ? arxivCategoryCode(primary) : null,
      venue: plainText(line['journal-ref']) || 'arXiv',
      orgs: [],
      hasCode: false,
      abstract,
      source,
      line: i + 1,
      pageOwner: null,
      ...(doi ? { doi } : {}),
      arxivId,
    };
    const checked = RawPaperSchema.safeParse(candidate);
    if (!checked.success) {
      warn(`${name}: ${checked.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}; skipped`);
      continue;
    }
    records.push(checked.data);
  }
  return { records, issues };
}
