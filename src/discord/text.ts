/**
 * Making text safe to echo in Discord: markdown escaped (so user text and corpus text can't
 * change the formatting around them) and mentions neutralised (a zero-width space breaks
 * `@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`), on top of `allowed_mentions: {parse: []}`.
 */
import { escapeMarkdown } from 'discord.js';

const ZWSP = '\u200b';

/** Breaks every mention so that it neither pings nor renders as a mention. */
export function neutralizeMentions(text: string): string {
  return text
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<(@[!&]?|#|\/)(?=[\w:\d])/g, `<${ZWSP}$1`);
}

/** Escapes Discord markdown (bold, italics, code, spoilers, headings, lists, quotes, masked links) and neutralises mentions. */
export function safe(text: string): string {
  const escaped = escapeMarkdown(text, { bulletedList: true, heading: true, maskedLink: true, numberedList: true })
    // Block quotes and -# subtext at line starts.
    .replace(/^(\s*)(>|-#)/gm, '$1\\$2');
  return neutralizeMentions(escaped);
}

/** One line: whitespace squashed (for titles, labels, names). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `**text**` of already safe text. */
export function bold(safeText: string): string {
  return safeText ? `**${safeText}**` : '';
}

/**
 * Escapes the places where `text` (a message written for the user, e.g. a validation error)
 * repeats something the user typed (`echoes`: option values, modal fields), so that their input
 * can't change the formatting around it — even where the message's author forgot `safe()`.
 * An echo is recognised as typed, trimmed, with whitespace squashed, per comma-separated item,
 * and cut short (a prefix of at least 4 characters, as error messages shorten long input).
 * The rest of the text (the message's own formatting) is left alone.
 */
/** Input that could change formatting: code, bold/italics/strike/spoiler, links, mentions, line-start syntax (an `_` inside a word, as in `Olympus_Mons`, cannot). */
const FORMATTING = /[\\`*|[\]<@\n]|~~|__|(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])|^\s*[#>-]/mu;

export function escapeEchoes(text: string, echoes: readonly string[]): string {
  const candidates = new Set<string>();
  for (const raw of echoes) {
    for (const v of [raw, raw.trim(), oneLine(raw), ...raw.split(',').map(oneLine)]) if (v.length >= 2) candidates.add(v);
  }
  if (!candidates.size) return text;
  const ranges: [number, number][] = [];
  for (const c of candidates) {
    const min = Math.min(c.length, 4);
    for (let i = text.indexOf(c[0]!); i >= 0; i = text.indexOf(c[0]!, i + 1)) {
      let n = 0;
      while (n < c.length && i + n < text.length && text[i + n] === c[n]) n++;
      if (n < min || !FORMATTING.test(text.slice(i, i + n))) continue;
      // Not in the middle of an escape the message already has (`\*`): escaping again would undo it.
      let slashes = 0;
      for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) slashes++;
      if (slashes % 2 === 0) ranges.push([i, i + n]);
    }
  }
  if (!ranges.length) return text;
  // Merge overlapping ranges, then escape each from the right.
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  let out = text;
  // Brackets too: a cut-short `[text](url` is not escaped by escapeMarkdown (no closing parenthesis yet).
  for (const [a, b] of merged.reverse()) out = out.slice(0, a) + safe(out.slice(a, b)).replace(/(?<!\\)([[\]])/g, '\\$1') + out.slice(b);
  return out;
}
