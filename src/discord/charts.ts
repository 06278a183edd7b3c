/**
 * Charts in embeds: simple bar charts written as SVG here, rendered to PNG by resvg with the
 * DejaVu Sans font that ships in node_modules (`dejavu-fonts-ttf`; system fonts are never loaded,
 * so a machine without fonts draws the same image), attached to the reply and shown as the first
 * embed's image (`attachment://<name>`, see `attachImage` in render.ts).
 *
 * - `/author`: papers per year and the top co-authors; `/topic`: the topic's papers per year;
 *   `/about`: papers per category. The numbers come from `src/search/charts.ts`.
 * - Charts are cached per `Library` (a WeakMap: a reload builds a new library, whose charts are
 *   drawn anew); concurrent requests for the same chart share one drawing.
 * - `withChart` never fails: a chart that cannot be drawn (or is not ready in time) is logged
 *   and the text answer goes out without it.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Author } from '../corpus/schema.ts';
import { authorChartData, perCategory, seriesYears, topicChartData, type AuthorChartData, type Bar, type TopicChartData, type YearSeries } from '../search/charts.ts';
import type { Library } from '../search/library.ts';
import { categoryName } from '../corpus/categories.ts';
import { topicCategory, topicPapers, type ListQuery } from './lists.ts';
import { attachImage } from './render.ts';
import type { Reply } from './types.ts';

/** A drawn chart: the PNG, its file name and alt text. */
export interface ChartImage {
  name: string;
  png: Buffer;
  width: number;
  height: number;
  description: string;
}

export const CHART_SIZES = {
  author: { width: 800, height: 620 },
  topic: { width: 800, height: 320 },
  categories: { width: 800, height: 480 },
} as const;

export type ChartSize = { readonly width: number; readonly height: number };

/** How long an answer waits for its chart before it goes out without it. */
export const CHART_TIMEOUT_MS = 1500;

const FONT_FAMILY = 'DejaVu Sans';
const FONT_FILES = ['dejavu-fonts-ttf/ttf/DejaVuSans.ttf', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'];
const INK = '#313338';
const MUTED = '#6d6f78';
const GRID = '#e3e5e8';
const BACKGROUND = '#ffffff';
const BLURPLE = '#5865f2';
const GREEN = '#3ba55c';
const PINK = '#eb459e';
/** Average advance of a DejaVu Sans glyph, in ems (for fitting labels). */
const EM_ADVANCE = 0.6;

// ------------------------------------------------------------------------------------------ SVG

/** Characters XML 1.0 does not allow (controls, lone surrogates, U+FFFE/U+FFFF) — dropped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for an SVG text node or attribute: invalid characters dropped, markup escaped. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Cuts a label to about `width` pixels at `size` px (ending with "…"). */
export function fitLabel(text: string, width: number, size: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const max = Math.max(1, Math.floor(width / (size * EM_ADVANCE)));
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

interface TextStyle {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  bold?: boolean;
  fill?: string;
}

const n = (x: number): string => String(Math.round(x * 10) / 10);

function text(x: number, y: number, content: string, style: TextStyle = {}): string {
  const attrs = [`x="${n(x)}"`, `y="${n(y)}"`, `font-size="${style.size ?? 14}"`, `fill="${style.fill ?? INK}"`];
  if (style.anchor && style.anchor !== 'start') attrs.push(`text-anchor="${style.anchor}"`);
  if (style.bold) attrs.push('font-weight="bold"');
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string): string {
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, w))}" height="${n(Math.max(0, h))}" fill="${fill}"/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="1"/>`;
}

function svgDocument(size: ChartSize, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="${FONT_FAMILY}">`,
    rect(0, 0, size.width, size.height, BACKGROUND),
    ...body,
    '</svg>',
  ].join('\n');
}

/** A round step for about `target` units per grid line: 1, 2 or 5 × 10^k. */
function niceStep(target: number): number {
  if (target <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(target));
  const f = target / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Vertical bars, one per year, with a grid, year labels (thinned to fit) and counts when there is room. */
function yearBars(box: Box, title: string, series: YearSeries, color: string, highlight: number | null = null): string[] {
  const out = [text(box.x, box.y + 18, title, { size: 17, bold: true })];
  const years = seriesYears(series);
  const max = Math.max(1, ...series.counts);
  const step = niceStep(max / 4);
  const top = Math.ceil(max / step) * step;
  const plot = { x: box.x + 44, y: box.y + 40, w: box.w - 44, h: box.h - 40 - 26 };
  for (let v = 0; v <= top; v += step) {
    const y = plot.y + plot.h - (v / top) * plot.h;
    out.push(line(plot.x, y, plot.x + plot.w, y, GRID), text(plot.x - 8, y + 5, String(v), { size: 13, anchor: 'end', fill: MUTED }));
  }
  const slot = plot.w / years.length;
  const barW = Math.max(1, slot * 0.72);
  const every = Math.max(1, Math.ceil(46 / slot));
  let lastLabel = -Infinity;
  years.forEach((year, i) => {
    const count = series.counts[i]!;
    const cx = plot.x + i * slot + slot / 2;
    const h = (count / top) * plot.h;
    if (count > 0) out.push(rect(cx - barW / 2, plot.y + plot.h - h, barW, h, highlight === year ? PINK : color));
    if (count > 0 && slot >= 22) out.push(text(cx, plot.y + plot.h - h - 5, String(count), { size: 12, anchor: 'middle', fill: MUTED }));
    const isLast = i === years.length - 1;
    if (i % every === 0 || (isLast && (i - lastLabel) * slot >= 46)) {
      out.push(text(cx, plot.y + plot.h + 19, String(year), { size: 13, anchor: 'middle', fill: highlight === year ? PINK : MUTED, bold: highlight === year }));
      lastLabel = i;
    }
  });
  out.push(line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, MUTED));
  return out;
}

/** Horizontal bars, largest first, labelled on the left, values at the bar ends. */
function rankBars(box: Box, title: string, bars: readonly Bar[], color: string, empty: string, labelW = 250): string[] {
  const out = [text(box.x, box.y + 18, title, { size: 17, bold: true })];
  if (!bars.length) return [...out, text(box.x, box.y + 56, empty, { size: 15, fill: MUTED })];
  const area = { x: box.x + labelW + 12, y: box.y + 34, w: box.w - labelW - 12 - 48, h: box.h - 34 };
  const rowH = Math.min(34, area.h / bars.length);
  const max = Math.max(1, ...bars.map((b) => b.value));
  const size = Math.min(15, Math.max(10, Math.floor(rowH * 0.55)));
  bars.forEach((b, i) => {
    const y = area.y + i * rowH;
    const w = Math.max(2, (b.value / max) * area.w);
    out.push(
      text(box.x + labelW, y + rowH / 2 + size * 0.36, fitLabel(b.label, labelW, size), { size, anchor: 'end' }),
      rect(area.x, y + rowH * 0.18, w, rowH * 0.64, color),
      text(area.x + w + 6, y + rowH / 2 + size * 0.36, String(b.value), { size, fill: MUTED }),
    );
  });
  return out;
}

const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
const span = (s: YearSeries): string => (s.from === s.to ? String(s.from) : `${s.from}–${s.to}`);
const total = (s: YearSeries): number => s.counts.reduce((a, b) => a + b, 0);

/** `/author`: papers per year above, top co-authors below. */
export function authorSvg(data: AuthorChartData, size: ChartSize = CHART_SIZES.author): string {
  const pad = 20;
  const w = size.width - 2 * pad;
  const upper = Math.round((size.height - 2 * pad) * 0.5);
  const body = data.years
    ? yearBars({ x: pad, y: pad, w, h: upper }, fitLabel(`${data.name} — papers per year (${plural(total(data.years), 'paper')}, ${span(data.years)})`, w, 17), data.years, BLURPLE)
    : [text(pad, pad + 18, fitLabel(`${data.name} — papers per year`, w, 17), { size: 17, bold: true }), text(pad, pad + 56, 'No paper of known year.', { size: 15, fill: MUTED })];
  body.push(...rankBars({ x: pad, y: pad + upper + 24, w, h: size.height - 2 * pad - upper - 24 }, 'Top co-authors (shared papers)', data.coauthors, GREEN, 'No co-authors listed.'));
  return svgDocument(size, body);
}

/** `/topic`: the topic's papers per year, the year asked about in another colour. */
export function topicSvg(label: string, data: TopicChartData, size: ChartSize = CHART_SIZES.topic): string {
  const pad = 20;
  const w = size.width - 2 * pad;
  const title = fitLabel(`${label} — papers per year (${plural(total(data.years), 'paper')}, ${span(data.years)})`, w, 17);
  return svgDocument(size, yearBars({ x: pad, y: pad, w, h: size.height - 2 * pad }, title, data.years, BLURPLE, data.highlight));
}

/** `/about`: papers per category. */
export function categoriesSvg(bars: readonly Bar[], papers: number, size: ChartSize = CHART_SIZES.categories): string {
  const pad = 20;
  return svgDocument(size, rankBars({ x: pad, y: pad, w: size.width - 2 * pad, h: size.height - 2 * pad }, `Papers per category (${plural(papers, 'paper')})`, bars, BLURPLE, 'No papers.', 380));
}

// ------------------------------------------------------------------------------------------ PNG

let fontFiles: string[] | null = null;

/** The bundled font files (resolved once; a missing package is an error of the chart, not of the bot). */
function bundledFonts(): string[] {
  fontFiles ??= FONT_FILES.map((f) => createRequire(import.meta.url).resolve(f));
  return fontFiles;
}

/** Renders an SVG to PNG with the bundled font only (on libuv's thread pool). */
export async function renderPng(svg: string, size: ChartSize): Promise<Buffer> {
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(svg, {
    font: { fontFiles: bundledFonts(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'original' },
    background: BACKGROUND,
    logLevel: 'off',
  });
  if (image.width !== size.width || image.height !== size.height) throw new Error(`chart rendered at ${image.width}×${image.height}, expected ${size.width}×${size.height}`);
  return image.asPng();
}

async function draw(name: string, svg: string, size: ChartSize, description: string): Promise<ChartImage> {
  return { name, png: await renderPng(svg, size), width: size.width, height: size.height, description };
}

// ------------------------------------------------------------------------------------------ cache

/** Charts kept per library (least recently used dropped first). */
const CACHE_SIZE = 256;
const caches = new WeakMap<Library, Map<string, Promise<ChartImage | null>>>();

/** One drawing per library and key; a failed drawing is forgotten (the next request tries again). */
function cached(lib: Library, key: string, make: () => Promise<ChartImage | null> | null): Promise<ChartImage | null> {
  let cache = caches.get(lib);
  if (!cache) caches.set(lib, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const drawing = Promise.resolve().then(make);
  const map = cache;
  map.set(key, drawing);
  drawing.catch(() => {
    if (map.get(key) === drawing) map.delete(key);
  });
  if (map.size > CACHE_SIZE) map.delete(map.keys().next().value as string);
  return drawing;
}

// ------------------------------------------------------------------------------------------ charts

/** Papers per year and top co-authors of an author; null when the author has neither. */
export function authorChart(a: Author, lib: Library): Promise<ChartImage | null> {
  return cached(lib, `author\0${a.id}`, () => {
    const data = authorChartData(lib, a.id);
    if (!data) return null;
    const what = [data.years ? `papers per year (${span(data.years)})` : '', data.coauthors.length ? 'top co-authors' : ''].filter(Boolean).join(' and ');
    return draw('author-chart.png', authorSvg(data), CHART_SIZES.author, `Bar chart: ${what} of ${a.name}`);
  });
}

/** Papers per year of a topic (all years; the list's year marked); null for a blog-post list or a topic without dated papers. */
export function topicChart(q: ListQuery, lib: Library): Promise<ChartImage | null> {
  if (q.kind === 'posts') return Promise.resolve(null);
  const category = topicCategory(q, lib);
  const key = `topic\0${category ?? `q:${q.q.trim().toLowerCase()}`}\0${q.year ?? ''}`;
  return cached(lib, key, () => {
    const data = topicChartData(topicPapers(q, lib), q.year);
    if (!data) return null;
    const label = category ? `${category} · ${categoryName(category) ?? category}` : `“${q.q.trim()}”`;
    return draw('topic-chart.png', topicSvg(label, data), CHART_SIZES.topic, `Bar chart: papers per year on ${label} (${span(data.years)})`);
  });
}

/** Papers per category of the whole corpus; null for an empty corpus. */
export function categoryChart(lib: Library): Promise<ChartImage | null> {
  return cached(lib, 'categories', () => {
    const bars = perCategory(lib);
    if (!bars.length) return null;
    return draw('categories-chart.png', categoriesSvg(bars, lib.corpus.papers.length), CHART_SIZES.categories, 'Bar chart: papers per category');
  });
}

/**
 * The reply with its chart as the embed image. When the chart cannot be drawn, or is not ready
 * within `timeoutMs` (it is still cached when it finishes), the reply is returned as it is and
 * the reason logged.
 */
export async function withChart(r: Reply, chart: () => Promise<ChartImage | null>, log: Logger, timeoutMs: number = CHART_TIMEOUT_MS): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const image = await Promise.race([Promise.resolve().then(chart), late]);
    if (image === 'late') {
      log.warn({ timeoutMs }, 'chart not ready in time; answered without it');
      return r;
    }
    return image ? attachImage(r, { name: image.name, attachment: image.png, description: image.description }) : r;
  } catch (err) {
    log.warn({ err }, 'could not draw the chart; answered without it');
    return r;
  } finally {
    clearTimeout(timer);
  }
}
