/**
 * Lookups shared by the commands: conversation keys, paper/author resolution with friendly
 * errors, and autocomplete choice lists.
 */
import type { Interaction, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import { conversationKey } from '../conversation/memory.ts';
import type { Author, Paper } from '../corpus/schema.ts';
import { UserError } from '../errors.ts';
import type { Library } from '../search/library.ts';
import { LIMITS, truncate, type Choice } from './limits.ts';
import { oneLine, safe } from './text.ts';

/** The first value picked in a select menu ('' for any other component). */
export function selectedValue(i: MessageComponentInteraction | ModalSubmitInteraction): string {
  return i.isStringSelectMenu() ? (i.values[0] ?? '') : '';
}

/** A picked `kind:id` value (`p:<paper id>`, `a:<author id>`, `b:<post id>`); ids may contain ':'. */
export function selectedRef(i: MessageComponentInteraction | ModalSubmitInteraction): { kind: string; id: string } {
  const [kind = '', ...rest] = selectedValue(i).split(':');
  return { kind, id: rest.join(':') };
}

/** Conversation key of an interaction: per user per channel in guilds, per user in DMs. */
export function interactionKey(i: Pick<Interaction, 'channelId' | 'user' | 'inGuild'>): string {
  return conversationKey({ channelId: i.channelId, userId: i.user.id, dm: !i.inGuild() });
}

function didYouMean(items: string[]): string {
  return items.length ? ` Did you mean: ${items.map((t) => `“${safe(t)}”`).join(', ')}?` : '';
}

/** A paper by id, title, alias, short name or a clear title search; a UserError with suggestions otherwise. */
export function requirePaper(lib: Library, text: string): Paper {
  if (!oneLine(text)) throw new UserError('paper-empty', 'Which paper? Type a title, a short name (e.g. GPipe) or pick one from the list.');
  const byId = lib.papers.get(text.trim());
  if (byId) return byId;
  const found = lib.findPaper(text);
  if (found) return found.paper;
  const close = lib.closestTitles(text, 3).map((p) => p.title).filter((t): t is string => !!t);
  throw new UserError('paper-not-found', `I don't know a paper called “${safe(truncate(oneLine(text), 200))}”.${didYouMean(close)}`);
}

/** A paper by id (component state); a UserError when it left the corpus. */
export function paperById(lib: Library, id: string): Paper {
  const p = lib.papers.get(id);
  if (!p) throw new UserError('paper-gone', 'That paper is no longer in the corpus.');
  return p;
}

export function authorById(lib: Library, id: string): Author {
  const a = lib.authors.get(id);
  if (!a) throw new UserError('author-gone', 'That author is no longer in the corpus.');
  return a;
}

/** Authors matching a name or id (several when a name is shared); a UserError with suggestions when none. */
export function requireAuthors(lib: Library, text: string): Author[] {
  if (!oneLine(text)) throw new UserError('author-empty', 'Which author? Type a name as the corpus lists it (e.g. Yanqi Zhou) or pick one from the list.');
  const byId = lib.authors.get(text.trim());
  if (byId) return [byId];
  const found = lib.findAuthors(text);
  if (found.length) return found;
  const close = lib.closestAuthors(text, 3).map((a) => a.name);
  throw new UserError('author-not-found', `I don't know an author called “${safe(truncate(oneLine(text), 200))}”.${didYouMean([...new Set(close)])}`);
}

// ------------------------------------------------------------------------------------------ autocomplete

export function titleChoices(lib: Library, typed: string): Choice[] {
  return lib.suggestTitles(typed, LIMITS.choices).map((t) => ({ name: t.title, value: t.id }));
}

export function authorChoices(lib: Library, typed: string, value: 'id' | 'name' = 'id'): Choice[] {
  return lib.suggestAuthors(typed, LIMITS.choices).map((a) => ({
    name: `${a.name}${a.disambiguation ? ` (${a.disambiguation})` : ''} — ${a.paperIds.length} paper${a.paperIds.length === 1 ? '' : 's'}`,
    value: value === 'id' ? a.id : a.name,
  }));
}

export function categoryChoices(lib: Library, typed: string): Choice[] {
  const counts = new Map(lib.categoryList().map((c) => [c.code, c.count]));
  return lib.suggestCategories(typed, LIMITS.choices).map((c) => ({ name: `${c.name} (${c.code}) — ${counts.get(c.code) ?? 0} papers`, value: c.code }));
}

/**
 * Completes the last item of a comma-separated list (`CL, Mach` → `CL, LG`): the choices keep
 * what was typed before the last comma.
 */
export function listChoices(typed: string, complete: (last: string) => Choice[]): Choice[] {
  const cut = typed.lastIndexOf(',');
  const head = cut >= 0 ? typed.slice(0, cut + 1).replace(/\s*$/, ' ') : '';
  const last = cut >= 0 ? typed.slice(cut + 1) : typed;
  const choices = complete(last.trim()).map((c) => {
    const value = `${head}${String(c.value)}`;
    return { name: head ? `${head}${String(c.value)}` : c.name, value };
  });
  return choices.filter((c) => c.value.length <= LIMITS.choiceValue);
}
