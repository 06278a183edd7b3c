/**
 * The digest message model (platform-free). A digest is ONE message:
 *
 * - `content` (≤ 2,000 characters, Discord's message-text limit): the heading, the intro sentence
 *   (first or empty digest), then each shown paper's FULL title as plain text, one per line
 *   (`1. Title`), then a "…and N more" line when not every matching paper is shown. A title is
 *   never cut: a paper whose title no longer fits is not shown (and counts as trimmed).
 * - `chunks`: embed descriptions with the full details of the same papers, in the same order and
 *   numbering (full title, first authors, category, date, why it matched). Each ≤ 4,096
 *   characters; title + chunks + footer ≤ 6,000; at most 10.
 *
 * The shown papers are always a prefix of `lines` (papers whose title cannot fit even alone are
 * moved to the end). Papers that do not fit — by max papers or by these limits — set
 * `showAllNeeded`; the platform layer then offers a "Show all" button. A digest is therefore never
 * split into several messages: Discord's limits cannot force a second message, because what does
 * not fit is left to "Show all" rather than posted separately.
 */
import { formatLocalDate } from './time.ts';
import type { DigestSelection, SelectedPaper } from './select.ts';

/** Discord limits the chunks are packed against. */
export const EMBED_DESCRIPTION_LIMIT = 4096;
export const EMBED_TOTAL_LIMIT = 6000;
export const EMBEDS_PER_MESSAGE = 10;
export const EMBED_TITLE_LIMIT = 256;
/** Discord's message `content` limit. */
export const CONTENT_LIMIT = 2000;
/** Longest "why it matched" and "authors · category · date" parts of a detail line. */
const WHY_LIMIT = 300;
const META_LIMIT = 300;

export interface DigestLine {
  paperId: string;
  /** The full title, exactly as the corpus has it (`(untitled)` when there is none). */
  title: string;
  /** First authors, at most 3, then `et al.`. */
  authors: string;
  category: string | null;
  date: string | null;
  why: string[];
  /** The ranking's main reason (`matches your keyword *retrieval*`), shown instead of `why`; null when unranked. */
  reason: string | null;
  /** The rendered line (markdown-light): numbered title, then authors · category · date, then why (or the reason). */
  text: string;
}

export interface DigestMessage {
  /** `Papers for Mon 24 Nov 2025 — 3 new`. */
  title: string;
  /** Sentence shown before the papers (first digest, or empty digest), or null. */
  intro: string | null;
  /**
   * The message text (≤ 2,000 characters): `**title**`, the intro, one line per shown paper with its
   * full title (`1. Title`), and a last line naming how many more match when trimmed.
   */
  content: string;
  /** One line per selected paper, in order. */
  lines: DigestLine[];
  /** Embed descriptions: each ≤ 4,096 chars; title + chunks + footer ≤ 6,000; at most 10. */
  chunks: string[];
  /** Set when not every matching paper is in `chunks` (`Showing 10 of 14 …`). */
  footer: string | null;
  /** Papers shown (titles in `content`, details in `chunks`): the first `shown` of `lines`. */
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
  /** Message text limit (default 2,000). */
  maxContentChars?: number;
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

/** Cuts a non-title text to `max` characters with an ellipsis (titles are never clipped). */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** A title as one line of message text (line breaks inside a title become spaces; nothing else changes). */
export function titleLine(n: number, title: string): string {
  return `${n}. ${title.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

function moreLine(n: number): string {
  return `…and ${n} more matching paper${n === 1 ? '' : 's'}: press Show all to see ${n === 1 ? 'it' : 'them'}.`;
}

function renderLine(n: number, sel: SelectedPaper): DigestLine {
  const p = sel.paper;
  const title = p.title && p.title.trim() !== '' ? p.title : '(untitled)';
  const authors = formatAuthors(p.authors, p.authorsTruncated);
  // Bold only when the title has no markdown characters, so the title text is never altered by escaping.
  const head = MARKDOWN_SPECIAL.test(title) ? `${n}. ${title}` : `**${n}. ${title}**`;
  const meta = clip([authors, p.category, p.date].filter((x): x is string => typeof x === 'string' && x !== '').join(' · '), META_LIMIT);
  const reason = sel.reason ?? null;
  const text = `${head}\n${meta}\n↳ ${clip(reason ?? sel.why.join('; '), WHY_LIMIT)}`;
  return { paperId: p.id, title, authors, category: p.category, date: p.date, why: [...sel.why], reason, text };
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
  const maxContent = opts.maxContentChars ?? CONTENT_LIMIT;
  const title = headline(opts.localDate, selection).slice(0, EMBED_TITLE_LIMIT);
  const empty = selection.papers.length === 0;
  const intro = empty
    ? 'No new papers matched this digest today.'
    : selection.firstDigest
      ? 'First digest for this subscription: the latest papers by date. From the next one on, only papers new since the previous digest.'
      : null;

  const head = [`**${title}**`, ...(intro ? [intro] : [])].join('\n');
  const MORE_RESERVE = moreLine(999).length + 1;
  // Papers whose title cannot fit the message text even alone go last (they are left to "Show all").
  const titleOf = (s: SelectedPaper): string => (s.paper.title && s.paper.title.trim() !== '' ? s.paper.title : '(untitled)');
  const fitsAlone = (s: SelectedPaper): boolean =>
    head.length + 1 + titleLine(selection.papers.length, titleOf(s)).length + MORE_RESERVE <= maxContent;
  const ordered = [...selection.papers.filter(fitsAlone), ...selection.papers.filter((s) => !fitsAlone(s))];
  const lines = ordered.map((s, i) => renderLine(i + 1, s));

  // Reserve room for a footer in case not everything fits.
  const footerReserve = 120;
  let budget = maxTotal - title.length - footerReserve;
  const chunks: string[] = [];
  let current = '';
  let content = head;
  let shown = 0;
  const SEP = '\n\n';
  const flush = (): void => {
    if (current !== '') chunks.push(current);
    current = '';
  };

  for (const [i, line] of lines.entries()) {
    // Message text: the full title, whole, plus room for the "…and N more" line unless this is the very last paper.
    const contentLine = `\n${titleLine(i + 1, line.title)}`;
    const lastOfAll = i === lines.length - 1 && selection.total <= lines.length;
    if (content.length + contentLine.length + (lastOfAll ? 0 : MORE_RESERVE) > maxContent) break;
    // Embed details.
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
    content += contentLine;
    budget -= cost;
    shown += 1;
  }
  flush();
  if (empty) chunks.push(intro ?? '');

  const total = Math.max(selection.total, lines.length);
  const trimmed = total - shown;
  const showAllNeeded = trimmed > 0;
  if (showAllNeeded) content += `\n${moreLine(trimmed)}`;
  const footer = showAllNeeded ? `Showing ${shown} of ${total} matching papers. Press Show all to see every one.` : null;

  return {
    title,
    intro,
    content,
    lines,
    chunks,
    footer,
    shown,
    total,
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
  return [msg.content, ...(msg.empty ? [] : msg.chunks), ...(msg.footer ? [msg.footer] : [])].join('\n\n');
}
