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
