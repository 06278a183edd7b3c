/**
 * The numbers behind the charts: papers per year, papers per category, top co-authors. Pure and
 * platform-free (no Discord, no images): the Discord layer draws them (`src/discord/charts.ts`)
 * and prints the same per-year series as a text sparkline.
 */
import { CATEGORY_NAMES } from '../corpus/categories.ts';
import type { Paper } from '../corpus/schema.ts';
import type { Library } from './library.ts';

/** Counts per year from the first to the last year with a paper (gaps are zeros). */
export interface YearSeries {
  from: number;
  to: number;
  counts: number[];
}

/** One bar of a ranked chart. */
export interface Bar {
  label: string;
  value: number;
}

/** Publications per year from the first to the last year (gaps are zeros); null without a dated paper. */
export function perYear(papers: readonly Pick<Paper, 'year'>[]): YearSeries | null {
  const years = papers.map((p) => p.year).filter((y): y is number => typeof y === 'number');
  if (!years.length) return null;
  let from = years[0]!;
  let to = years[0]!;
  for (const y of years) {
    if (y < from) from = y;
    if (y > to) to = y;
  }
  const counts = Array.from({ length: to - from + 1 }, () => 0);
  for (const y of years) counts[y - from]! += 1;
  return { from, to, counts };
}

/** `▁▂▃▄▅▆▇█` of counts; a zero is `▁`, the smallest non-zero count `▂`, the largest `█`. */
export function sparkline(counts: readonly number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(0, ...counts);
  return counts
    .map((c) => {
      if (c <= 0 || max === 0) return bars[0];
      if (max === 1) return bars[7];
      return bars[1 + Math.round(((c - 1) / (max - 1)) * 6)];
    })
    .join('');
}

/** The year of each count of a series, in order. */
export function seriesYears(s: YearSeries): number[] {
  return s.counts.map((_, i) => s.from + i);
}

/** Co-authors with the most shared papers, most first (ties by name), as the corpus names them. */
export function topCoauthors(lib: Library, authorId: string, limit = 8): Bar[] {
  return lib
    .coauthors(authorId)
    .slice(0, Math.max(0, limit))
    .map((c) => ({ label: c.author.name, value: c.count }));
}

/**
 * Papers per category, most first (ties by code), labelled `CL · Computation and Language`.
 * Beyond `limit` bars the smallest categories are summed into one "other" bar; papers without a
 * category get their own bar.
 */
export function perCategory(lib: Library, limit = 12): Bar[] {
  const counts = new Map<string, number>();
  let uncategorised = 0;
  for (const p of lib.corpus.papers) {
    if (p.category) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
    else uncategorised++;
  }
  const bars = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, value]) => ({ label: categoryLabel(code), value }));
  if (uncategorised) bars.push({ label: 'no category', value: uncategorised });
  const max = Math.max(1, limit);
  if (bars.length <= max) return bars;
  const kept = bars.slice(0, max - 1);
  const rest = bars.slice(max - 1);
  kept.push({ label: `other (${rest.length} categories)`, value: rest.reduce((n, b) => n + b.value, 0) });
  return kept;
}

function categoryLabel(code: string): string {
  const name = CATEGORY_NAMES.get(code);
  return name ? `${code} · ${name}` : code;
}

/** What `/author` charts: papers per year and the top co-authors. Null when there is nothing to draw. */
export interface AuthorChartData {
  name: string;
  years: YearSeries | null;
  coauthors: Bar[];
}

export function authorChartData(lib: Library, authorId: string, coauthors = 8): AuthorChartData | null {
  const author = lib.authors.get(authorId);
  if (!author) return null;
  const years = perYear(lib.papersOf(authorId));
  const top = topCoauthors(lib, authorId, coauthors);
  if (!years && !top.length) return null;
  return { name: author.name, years, coauthors: top };
}

/** What `/topic` charts: the topic's papers per year (all years), the year asked about marked. */
export interface TopicChartData {
  years: YearSeries;
  /** The year the list is filtered to, when it is one of the series' years. */
  highlight: number | null;
}

export function topicChartData(papers: readonly Pick<Paper, 'year'>[], year?: number): TopicChartData | null {
  const years = perYear(papers);
  if (!years) return null;
  const highlight = year !== undefined && year >= years.from && year <= years.to ? year : null;
  return { years, highlight };
}
