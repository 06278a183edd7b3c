/**
 * Discord's size limits, and the one place that enforces them. Every payload the bot sends goes
 * through `clampPayload` (content, embeds, components); autocomplete choices through
 * `clampChoices`; select options through `clampSelectOptions`. Text that has to be cut ends with "…".
 * Pure: no discord.js runtime needed.
 */
import type {
  APIActionRowComponent,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIEmbedField,
  APISelectMenuOption,
} from 'discord.js';

export const LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Sum of title, description, field names/values, footer text and author name over all embeds of a message. */
  embedTotal: 6000,
  embedsPerMessage: 10,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  selectOptions: 25,
  selectLabel: 100,
  selectValue: 100,
  selectDescription: 100,
  selectPlaceholder: 150,
  customId: 100,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  modalTitle: 45,
  textInputLabel: 45,
  textInputPlaceholder: 100,
  filesPerMessage: 10,
  attachmentDescription: 1024,
} as const;

export const ELLIPSIS = '…';

/** Cuts `text` to at most `max` characters, ending with "…" when cut (never splits a surrogate pair or leaves a dangling `\`). */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  if (max === 1) return ELLIPSIS;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // An odd run of trailing backslashes would escape the ellipsis: drop one.
  const slashes = /\\+$/.exec(cut)?.[0].length ?? 0;
  if (slashes % 2 === 1) cut = cut.slice(0, -1);
  return `${cut.replace(/\s+$/, '')}${ELLIPSIS}`;
}

/**
 * Joins items with `sep` while the result stays within `max` characters; when some do not fit,
 * appends `more(n)` (default "…and N more"). Items are never cut in the middle unless even the
 * first one does not fit.
 */
export function joinWithin(items: readonly string[], sep: string, max: number, more: (n: number) => string = (n) => `${ELLIPSIS}and ${n} more`): string {
  if (!items.length) return '';
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const piece = (i ? sep : '') + items[i]!;
    const left = items.length - i - 1;
    const tail = left > 0 ? sep + more(left) : '';
    if (out.length + piece.length + tail.length <= max) {
      out += piece;
      continue;
    }
    // Does not fit: close with "…and N more" (N counts this item too).
    if (!out) {
      // Not even the first item fits: cut it, keeping room for the note about the others.
      const note = left > 0 ? sep + more(left) : '';
      return note.length < max / 2 ? truncate(items[0]!, max - note.length) + note : truncate(items[0]!, max);
    }
    const note = sep + more(items.length - i);
    return out.length + note.length <= max ? out + note : truncate(out, max);
  }
  return out;
}

/** Number of characters Discord counts for an embed. */
export function embedLength(e: APIEmbed): number {
  let n = (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
  for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

function clampField(f: APIEmbedField): APIEmbedField {
  const name = truncate(f.name, LIMITS.fieldName) || '\u200b';
  const value = truncate(f.value, LIMITS.fieldValue) || '\u200b';
  return f.inline === undefined ? { name, value } : { name, value, inline: f.inline };
}

/** Applies every per-embed limit (title, description, fields, footer, author, 6,000 total). */
export function clampEmbed(embed: APIEmbed, total: number = LIMITS.embedTotal): APIEmbed {
  const e: APIEmbed = { ...embed };
  if (e.title !== undefined) e.title = truncate(e.title, LIMITS.embedTitle);
  if (e.description !== undefined) e.description = truncate(e.description, LIMITS.embedDescription);
  if (e.footer) e.footer = { ...e.footer, text: truncate(e.footer.text, LIMITS.footerText) };
  if (e.author) e.author = { ...e.author, name: truncate(e.author.name, LIMITS.authorName) };
  if (e.fields) e.fields = e.fields.slice(0, LIMITS.embedFields).map(clampField);
  let excess = embedLength(e) - total;
  if (excess <= 0) return e;
  // 1. Shorten a long description (keep at least 300 characters of it).
  if (e.description && e.description.length > 300) {
    const keep = Math.max(300, e.description.length - excess);
    e.description = truncate(e.description, keep);
    excess = embedLength(e) - total;
  }
  // 2. Drop fields from the end.
  while (excess > 0 && e.fields?.length) {
    e.fields = e.fields.slice(0, -1);
    excess = embedLength(e) - total;
  }
  // 3. Whatever is left: description, footer, title.
  if (excess > 0 && e.description) {
    e.description = truncate(e.description, Math.max(0, e.description.length - excess));
    if (!e.description) delete e.description;
    excess = embedLength(e) - total;
  }
  if (excess > 0 && e.footer) {
    const text = truncate(e.footer.text, Math.max(0, e.footer.text.length - excess));
    if (text) e.footer = { ...e.footer, text };
    else delete e.footer;
    excess = embedLength(e) - total;
  }
  if (excess > 0 && e.author) {
    delete e.author;
    excess = embedLength(e) - total;
  }
  if (excess > 0 && e.title) e.title = truncate(e.title, Math.max(1, e.title.length - excess));
  return e;
}

/** Clamps a message's embeds: at most 10, each within its limits, 6,000 characters over all of them. */
export function clampEmbeds(embeds: readonly APIEmbed[]): APIEmbed[] {
  const out: APIEmbed[] = [];
  let budget: number = LIMITS.embedTotal;
  for (const embed of embeds.slice(0, LIMITS.embedsPerMessage)) {
    if (budget <= 0) break;
    const e = clampEmbed(embed, budget);
    budget -= embedLength(e);
    out.push(e);
  }
  return out;
}

/** Content within 2,000 characters. */
export function clampContent(content: string): string {
  return truncate(content, LIMITS.content);
}

export interface Choice {
  name: string;
  value: string | number;
}

/** Autocomplete choices: at most 25, names 1–100 characters, string values ≤ 100 (longer ones are dropped, not cut), unique values. */
export function clampChoices(choices: readonly Choice[]): Choice[] {
  const seen = new Set<string>();
  const out: Choice[] = [];
  for (const c of choices) {
    if (typeof c.value === 'string' && (c.value.length > LIMITS.choiceValue || c.value.length === 0)) continue;
    const key = String(c.value);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name: truncate(c.name.replace(/\s+/g, ' ').trim(), LIMITS.choiceName) || key.slice(0, LIMITS.choiceName), value: c.value });
    if (out.length === LIMITS.choices) break;
  }
  return out;
}

/** Select options: at most 25, label/description ≤ 100 (cut), values ≤ 100 (longer dropped), unique values. */
export function clampSelectOptions(options: readonly APISelectMenuOption[]): APISelectMenuOption[] {
  const seen = new Set<string>();
  const out: APISelectMenuOption[] = [];
  for (const o of options) {
    if (o.value.length > LIMITS.selectValue || !o.value || seen.has(o.value)) continue;
    seen.add(o.value);
    const opt: APISelectMenuOption = { label: truncate(o.label.replace(/\s+/g, ' ').trim(), LIMITS.selectLabel) || o.value.slice(0, LIMITS.selectLabel), value: o.value };
    if (o.description) opt.description = truncate(o.description.replace(/\s+/g, ' ').trim(), LIMITS.selectDescription);
    if (o.default !== undefined) opt.default = o.default;
    if (o.emoji) opt.emoji = o.emoji;
    out.push(opt);
    if (out.length === LIMITS.selectOptions) break;
  }
  return out;
}

type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Components within limits: ≤ 5 rows, ≤ 5 buttons per row, select options clamped, labels cut; empty rows dropped. */
export function clampComponents(rows: readonly Row[]): Row[] {
  const out: Row[] = [];
  for (const row of rows) {
    const components = row.components.slice(0, LIMITS.buttonsPerRow).map((c) => {
      if (c.type === 2 && 'label' in c && typeof c.label === 'string') return { ...c, label: truncate(c.label, LIMITS.buttonLabel) };
      if (c.type === 3) {
        const options = clampSelectOptions(c.options);
        const placeholder = c.placeholder === undefined ? {} : { placeholder: truncate(c.placeholder, LIMITS.selectPlaceholder) };
        return { ...c, ...placeholder, options, ...(c.max_values !== undefined ? { max_values: Math.min(c.max_values, options.length) } : {}) };
      }
      return c;
    });
    const usable = components.filter((c) => c.type !== 3 || c.options.length > 0);
    if (usable.length) out.push({ ...row, components: usable });
    if (out.length === LIMITS.actionRows) break;
  }
  return out;
}

/** Splits buttons into rows of at most 5. */
export function buttonRows<T>(buttons: readonly T[]): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < buttons.length && rows.length < LIMITS.actionRows; i += LIMITS.buttonsPerRow) rows.push(buttons.slice(i, i + LIMITS.buttonsPerRow));
  return rows;
}
