/**
 * Parser for a blog archive dump: posts separated by `Source: Google AI Blog`; each post is a
 * title line, then paragraphs (section headings and captions included), an acknowledgements
 * paragraph, and paper titles cited in quotes.
 */
import { looksLikeName } from './authorList.ts';
import type { LoadIssue, ParseResult, RawPost } from './schema.ts';
import { squash } from './text.ts';

const SEPARATOR = /^Source:\s*Google AI Blog\s*$/i;
const ARCHIVE_HEADER = /^(Category|Tag) Archives?:|^The latest news on /i;
const ACK_HEADING = /^Acknowledge?ments?:?$/i;
const ACK_START = /^(Acknowledge?ments?:?\s|This post reflects the (combined )?work of|We would (also )?like to thank|We (also )?thank|Thanks to|This (effort|work) (has been|was) (successful|possible) thanks to)/i;

export function isBlogArchive(lines: string[]): boolean {
  return lines.filter((l) => SEPARATOR.test(l.trim())).length >= 1;
}

/** Names in an acknowledgements paragraph: comma/"and"-separated name-shaped phrases. */
export function acknowledgedNames(paragraph: string): string[] {
  const text = paragraph
    .replace(/\([^)]*\)/g, ' ')
    .replace(/^.*?(?:\bof|\bthank|\bthanks to|:)\s+/i, (m) => (m.length < 200 ? '' : m));
  const names = new Set<string>();
  for (const part of text.split(/,|;|\band\b|\bfor\b|\bwho\b|\.\s|:/)) {
    let candidate = squash(part).replace(/^(our |the |also |co-authors |paper co-authors )+/i, '').replace(/\.$/, '');
    candidate = candidate.replace(/^(?:co-authors of (?:the|our) paper|the co-authors of (?:the|our) paper)\s*/i, '');
    const tokens = candidate.split(' ');
    if (tokens.length >= 2 && tokens.length <= 4 && looksLikeName(candidate) && tokens.every((t) => t.length > 1 || /^[A-Z]$/.test(t))) {
      names.add(candidate);
    }
  }
  return [...names];
}

const QUOTED = /[“"]([^”"\n]{6,220})[”"]/g;

/** Quoted strings that have the shape of a paper title (not questions, not single words). */
export function quotedTitles(paragraph: string): string[] {
  const out: string[] = [];
  for (const m of paragraph.matchAll(QUOTED)) {
    const raw = squash(m[1]!).replace(/[,.;:]+$/, '');
    const tokens = raw.split(' ');
    if (tokens.length < 3 || /\?$/.test(raw)) continue;
    const significant = tokens.filter((t) => t.replace(/[^\p{L}]/gu, '').length >= 4);
    const capitalised = significant.filter((t) => /^[\p{Lu}\d]/u.test(t));
    if (significant.length && capitalised.length / significant.length >= 0.6) out.push(raw);
  }
  return out;
}

export function parseBlogArchive(text: string, source: string): ParseResult<RawPost> {
  const lines = text.split(/\r?\n/);
  const issues: LoadIssue[] = [];
  const records: RawPost[] = [];
  let chunk: { text: string; line: number }[] = [];
  const flush = (endLine: number) => {
    const body = chunk.filter((c) => !ARCHIVE_HEADER.test(c.text));
    chunk = [];
    if (!body.length) {
      issues.push({ level: 'warn', file: source, line: endLine, message: 'empty post before separator; skipped' });
      return;
    }
    const [title, ...paragraphs] = body;
    const acknowledged: string[] = [];
    let inAck = false;
    for (const p of paragraphs) {
      if (ACK_HEADING.test(p.text)) {
        inAck = true;
        continue;
      }
      if (inAck || ACK_START.test(p.text)) acknowledged.push(...acknowledgedNames(p.text));
      inAck = false;
    }
    const cited = new Set<string>();
    for (const p of paragraphs) for (const t of quotedTitles(p.text)) cited.add(t);
    if (title!.text.length > 200) issues.push({ level: 'warn', file: source, line: title!.line, message: 'post title is unusually long' });
    records.push({
      title: title!.text,
      paragraphs: paragraphs.map((p) => p.text),
      acknowledged: [...new Set(acknowledged)],
      citedTitles: [...cited],
      source,
      line: title!.line,
    });
  };
  lines.forEach((raw, idx) => {
    const l = squash(raw);
    if (SEPARATOR.test(l)) flush(idx + 1);
    else if (l) chunk.push({ text: l, line: idx + 1 });
  });
  if (chunk.some((c) => !ARCHIVE_HEADER.test(c.text))) {
    issues.push({ level: 'warn', file: source, line: chunk[0]!.line, message: 'text after the last "Source:" separator; parsed as a post' });
    flush(lines.length);
  }
  return { records, issues };
}
