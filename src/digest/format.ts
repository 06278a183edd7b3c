/**
 * The digest message model (platform-free). Every paper line carries the paper's full title as text
 * (never truncated). Lines are packed into `chunks` that each fit one Discord embed description
 * (4,096 characters) while the whole message stays within Discord's 6,000-character embed total and
 * 10 embeds; papers that do not fit are counted and `showAllNeeded` is set.
 */
import { formatLocalDate } from './time.ts';
import type { DigestSelection, SelectedPaper } from './select.ts';

/** Discord limits the chunks are packed against. */
export const EMBED_DESCRIPTION_LIMIT = 4096;
export const EMBED_TOTAL_LIMIT = 6000;
export const EMBEDS_PER_MESSAGE = 10;
export const EMBED_TITLE_LIMIT = 256;

export interface DigestLine {
  paperId: string;
  /** The full title, exactly as the corpus has it (`(untitled)` when there is none). */
  title: string;
  /** First authors, at most 3, then `et al.`. */
  authors: string;
  category: string | null;
  date: string | null;
  why: string[];
  /** The rendered line (markdown-light): numbered title, then authors · category · date, then why. */
  text: string;
}

export interface DigestMessage {
  /** `Papers for Mon 24 Nov 2025 — 3 new`. */
  title: string;
  /** Sentence shown before the papers (first digest, or empty digest), or null. */
  intro: string | null;
  /** One line per selected paper, in order. */
  lines: DigestLine[];
  /** Embed descriptions: each ≤ 4,096 chars; title + chunks + footer ≤ 6,000; at most 10. */
  chunks: string[];
  /** Set when not every matching paper is in `chunks` (`Showing 10 of 14 …`). */
  footer: string | null;
  /** Papers present in `chunks`. */
  shown: number;
  /** Matching papers before any trimming. */
  total: number;
  /** Matching papers left out (by max papers or by the size limits). */
  trimmed: number;
  /** Not every matching paper is shown: offer a "show all" (e.g. `/digest preview`). */
  showAllNeeded: boolean;
  firstDigest: boolean;
  empty: boolean;
  /** `YYYY-MM-DD` the digest is for. */
  localDate: string;
  /** Ids of the papers in `lines`, in order. */
  paperIds: string[];
}

export interface FormatOptions {
  /** Local date the digest is for (`YYYY-MM-DD`). */
  localDate: string;
  /** Per-embed description limit (default 4,096). */
  maxChunkChars?: number;
  /** Whole-message limit (default 6,000). */
  maxTotalChars?: number;
  /** Embeds per message (default 10). */
  maxChunks?: number;
}

const MARKDOWN_SPECIAL = /[*_~`|\\<>[\]]/;

/** `A, B, C et al.` (≤ 3 names). */
export function formatAuthors(authors: readonly string[], truncated = false): string {
  if (authors.length === 0) return 'unknown authors';
  const shown = authors.slice(0, 3).join(', ');
  return authors.length > 3 || truncated ? `${shown} et al.` : shown;
}

function renderLine(n: number, sel: SelectedPaper): DigestLine {
  const p = sel.paper;
  const title = p.title && p.title.trim() !== '' ? p.title : '(untitled)';
  const authors = formatAuthors(p.authors, p.authorsTruncated);
  // Bold only when the title has no markdown characters, so the title text is never altered by escaping.
  const head = MARKDOWN_SPECIAL.test(title) ? `${n}. ${title}` : `**${n}. ${title}**`;
  const meta = [authors, p.category, p.date].filter((x): x is string => typeof x === 'string' && x !== '').join(' · ');
  const text = `${head}\n${meta}\n↳ ${sel.why.join('; ')}`;
  return { paperId: p.id, title, authors, category: p.category, date: p.date, why: [...sel.why], text };
}

function headline(localDate: string, sel: DigestSelection): string {
  const day = formatLocalDate(localDate);
  if (sel.total === 0) return `Papers for ${day} — nothing new`;
  if (sel.firstDigest) return `Papers for ${day} — ${sel.papers.length} latest`;
  return `Papers for ${day} — ${sel.total} new`;
}

/** Splits an over-long text into pieces of at most `limit` characters, at line breaks or spaces when possible. */
function hardSplit(text: string, limit: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut <= 0) cut = rest.lastIndexOf(' ', limit);
    if (cut <= 0) cut = limit;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest !== '') out.push(rest);
  return out;
}

/** Builds the message model for one digest. */
export function formatDigest(selection: DigestSelection, opts: FormatOptions): DigestMessage {
  const maxChunk = opts.maxChunkChars ?? EMBED_DESCRIPTION_LIMIT;
  const maxTotal = opts.maxTotalChars ?? EMBED_TOTAL_LIMIT;
  const maxChunks = opts.maxChunks ?? EMBEDS_PER_MESSAGE;
  const lines = selection.papers.map((s, i) => renderLine(i + 1, s));
  const title = headline(opts.localDate, selection).slice(0, EMBED_TITLE_LIMIT);
  const empty = selection.papers.length === 0;
  const intro = empty
    ? 'No new papers matched this digest today.'
    : selection.firstDigest
      ? 'First digest for this subscription: the latest papers by date. From the next one on, only papers new since the previous digest.'
      : null;

  // Reserve room for a footer in case not everything fits.
  const footerReserve = 120;
  let budget = maxTotal - title.length - footerReserve - (intro?.length ?? 0);
  const chunks: string[] = [];
  let current = intro ?? '';
  let shown = 0;
  const SEP = '\n\n';
  const flush = (): void => {
    if (current !== '') chunks.push(current);
    current = '';
  };

  for (const line of lines) {
    const pieces = line.text.length > maxChunk ? hardSplit(line.text, maxChunk) : [line.text];
    const cost = pieces.reduce((n, p) => n + p.length, 0) + (current === '' ? 0 : SEP.length);
    if (cost > budget) break;
    if (pieces.length === 1 && current !== '' && current.length + SEP.length + line.text.length <= maxChunk) {
      current += SEP + line.text;
    } else {
      const needed = chunks.length + (current === '' ? 0 : 1) + pieces.length;
      if (needed > maxChunks) break;
      flush();
      for (const p of pieces.slice(0, -1)) chunks.push(p);
      current = pieces[pieces.length - 1] ?? '';
    }
    budget -= cost;
    shown += 1;
  }
  flush();

  const trimmed = selection.total - shown;
  const showAllNeeded = trimmed > 0;
  const footer = showAllNeeded
    ? `Showing ${shown} of ${selection.total} matching papers. Use /digest preview or raise max papers to see more.`
    : null;

  return {
    title,
    intro,
    lines,
    chunks,
    footer,
    shown,
    total: selection.total,
    trimmed,
    showAllNeeded,
    firstDigest: selection.firstDigest,
    empty,
    localDate: opts.localDate,
    paperIds: lines.map((l) => l.paperId),
  };
}

/** The whole message as plain text (for logs, the console and tests). */
export function digestToText(msg: DigestMessage): string {
  return [msg.title, ...msg.chunks, ...(msg.footer ? [msg.footer] : [])].join('\n\n');
}
