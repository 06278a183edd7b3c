/** Small text helpers shared by the parsers, the merger and the search layer. */
import { createHash } from 'node:crypto';

const EXTRA_FOLDS: Record<string, string> = {
  ı: 'i', İ: 'I', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', ß: 'ss', đ: 'd', Đ: 'D', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE',
};

const NON_ASCII = /[^\u0000-\u007f]/;

/** Strips diacritics: `Arık` → `Arik`, `Ö` → `O`. */
export function foldDiacritics(text: string): string {
  // Most text is plain ASCII: nothing to fold (this runs once per indexed token).
  if (!NON_ASCII.test(text)) return text;
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ıİøØłŁßđĐæÆœŒ]/g, (c) => EXTRA_FOLDS[c] ?? c);
}

/** Collapses runs of whitespace (incl. NBSP) and trims. */
export function squash(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Comparison key for titles: case, punctuation, diacritics and spacing ignored. */
export function titleKey(title: string): string {
  return foldDiacritics(title)
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Lower-case word tokens (diacritics folded), for similarity measures. */
export function words(text: string): string[] {
  return foldDiacritics(text).toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/**
 * Comparison key for person names: diacritics folded, nicknames in parentheses and
 * middle initials dropped, lower-cased. `Sercan Ö. Arık` and `Sercan O. Arik` → `sercan arik`;
 * `Dmitry (Dima) Lepikhin` → `dmitry lepikhin`.
 */
export function nameKey(name: string): string {
  const tokens = foldDiacritics(name)
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[.,]/g, ' ')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
  if (tokens.length <= 2) return tokens.join(' ');
  const first = tokens[0]!;
  const last = tokens[tokens.length - 1]!;
  const middle = tokens.slice(1, -1).filter((t) => t.length > 1);
  return [first, ...middle, last].join(' ');
}

/** URL-safe slug of the first `maxWords` words. */
export function slug(text: string, maxWords = 6): string {
  return words(text).slice(0, maxWords).join('-') || 'x';
}

/** Short stable hash (hex). */
export function shortHash(text: string, length = 6): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};

/** `Jul 13, 2022` → `2022-07-13`; null when it is not a real date. */
export function parseMonthDayYear(month: string, day: string, year: string): string | null {
  const m = MONTHS[month.toLowerCase()];
  const d = Number(day);
  const y = Number(year);
  if (!m || !Number.isInteger(d) || d < 1 || d > 31 || y < 1900 || y > 2100) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export const MONTH_PATTERN = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';

/**
 * The aggregator's glued category+date line: `CLJul 13, 2022Code` → category CL, date, code flag.
 * The category code is optional (`Jul 13, 2022`).
 */
export const CATEGORY_DATE_LINE = new RegExp(
  `^([A-Z]{2,5})?(${MONTH_PATTERN})\\s+(\\d{1,2}),\\s*(\\d{4})\\s*(Code)?$`,
);

/**
 * A line that is only the beginning of a category+date line (`DCMay 10`, `CLJul 13, 20`): what a
 * half-written file ends with. Never matches a complete one.
 */
const PARTIAL_CATEGORY_DATE = new RegExp(`^(?:[A-Z]{2,5})?(?:${MONTH_PATTERN})(?:\\s+\\d{1,2}(?:,\\s*\\d{0,4})?)?\\s*(?:C(?:o(?:de?)?)?)?$`);

export function isPartialCategoryDate(line: string): boolean {
  const t = line.trim();
  return PARTIAL_CATEGORY_DATE.test(t) && !CATEGORY_DATE_LINE.test(t);
}

export interface CategoryDate {
  category: string | null;
  date: string | null;
  hasCode: boolean;
}

export function parseCategoryDate(line: string): CategoryDate | null {
  const m = CATEGORY_DATE_LINE.exec(line.trim());
  if (!m) return null;
  return {
    category: m[1] ?? null,
    date: parseMonthDayYear(m[2]!, m[3]!, m[4]!),
    hasCode: m[5] === 'Code',
  };
}

/** Word 3-gram shingles of a text, as strings. */
export function shingles(text: string, size = 3): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let i = 0; i + size <= w.length; i++) out.add(w.slice(i, i + size).join(' '));
  return out;
}

/** |A ∩ B| / min(|A|, |B|): 1 when one text contains the other. */
export function containment(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let hit = 0;
  for (const s of small) if (large.has(s)) hit++;
  return hit / small.size;
}

/** True when the text looks binary (NUL bytes or many control characters). */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  const sample = text.slice(0, 4096);
  let control = 0;
  for (const ch of sample) {
    const c = ch.charCodeAt(0);
    if ((c < 9 || (c > 13 && c < 32)) || c === 0xfffd) control++;
  }
  return sample.length > 0 && control / sample.length > 0.05;
}
