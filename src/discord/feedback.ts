/**
 * Digest feedback on Discord: the 👍/👎 buttons under every paper of a digest, what a press does,
 * `/digest feedback` and `/mydigest feedback` (list, undo), and the `like:` option of `subscribe`
 * (seed papers, autocompleted by title like `/paper`).
 *
 * - Buttons: `digest:fb:<subscription>:<u|d>:<paper ref>`, two papers per row (`1 👍 1 👎 2 👍 2 👎`),
 *   below the "Show all" row. When more papers are shown than the rows hold, the last row is a menu
 *   "Rate papers N–M…" (`digest:fbs:<subscription>`, values `u:<ref>` / `d:<ref>`).
 *   A paper ref is the paper id, or `#<hash>` of it when the id would make the customId too long.
 * - A press is stored once per (subscription, paper, person) — an upsert: pressing again changes
 *   nothing, pressing the other button changes the rating — and answered with an ephemeral line.
 *   Channel digests: anyone in the digest's server who can see the message; personal digests: only
 *   their owner.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, StringSelectMenuBuilder, type APIEmbed } from 'discord.js';
import type { Paper } from '../corpus/schema.ts';
import type { DigestMessage } from '../digest/format.ts';
import { shortTitle } from '../digest/rank.ts';
import { UserError } from '../errors.ts';
import type { Library } from '../search/library.ts';
import type { DigestFeedback, FeedbackRating, Subscription } from '../store/types.ts';
import { LIMITS, truncate, type Choice } from './limits.ts';
import { shortHash } from './state.ts';
import { oneLine, safe } from './text.ts';
import type { BotContext, ComponentInteraction, MessageRow, Outcome, Reply } from './types.ts';
import { ephemeral } from './types.ts';

/** Most seed papers a subscription may name with `like:`. */
export const MAX_LIKES = 10;

/** A paper id as a customId argument: itself, or `#<hash>` when too long or when it holds `:`. */
export function paperRef(id: string, room = 60): string {
  return id.length <= room && !id.includes(':') && !id.startsWith('#') ? id : `#${shortHash(id, 16)}`;
}

/** The paper a ref names (an id, or `#<hash>` of one). */
export function resolvePaperRef(lib: Library, ref: string): Paper | undefined {
  if (!ref.startsWith('#')) return lib.papers.get(ref) ?? lib.papers.get(lib.resolvePaperId(ref) ?? '');
  const h = ref.slice(1);
  for (const p of lib.papers.values()) if (shortHash(p.id, 16) === h) return p;
  return undefined;
}

export function feedbackId(subscriptionId: number, rating: FeedbackRating, paperId: string): string {
  const head = `digest:fb:${subscriptionId}:${rating > 0 ? 'u' : 'd'}:`;
  return head + paperRef(paperId, LIMITS.customId - head.length);
}

const row = (...components: (ButtonBuilder | StringSelectMenuBuilder)[]): MessageRow =>
  new ActionRowBuilder<ButtonBuilder | StringSelectMenuBuilder>().addComponents(...components).toJSON() as MessageRow;

/**
 * The 👍/👎 rows for the papers a digest message shows (`rowsFree`: action rows left after the
 * others). Every shown paper gets its pair, as buttons or — past what the buttons hold — in a menu.
 */
export function feedbackRows(m: DigestMessage, subscriptionId: number, rowsFree: number): MessageRow[] {
  const shown = m.lines.slice(0, m.shown);
  if (shown.length === 0 || rowsFree <= 0) return [];
  const perRow = 2;
  const buttonRowsFit = shown.length <= rowsFree * perRow ? rowsFree : rowsFree - 1;
  const withButtons = shown.slice(0, buttonRowsFit * perRow);
  const rows: MessageRow[] = [];
  for (let i = 0; i < withButtons.length; i += perRow) {
    const buttons = withButtons.slice(i, i + perRow).flatMap((line, k) => {
      const n = i + k + 1;
      return [
        new ButtonBuilder().setCustomId(feedbackId(subscriptionId, 1, line.paperId)).setLabel(`${n} 👍`).setStyle(ButtonStyle.Secondary),
        new ButtonBuilder().setCustomId(feedbackId(subscriptionId, -1, line.paperId)).setLabel(`${n} 👎`).setStyle(ButtonStyle.Secondary),
      ];
    });
    rows.push(row(...buttons));
  }
  const rest = shown.slice(withButtons.length, withButtons.length + Math.floor(LIMITS.selectOptions / 2));
  if (rest.length > 0) {
    const first = withButtons.length + 1;
    const options = rest.flatMap((line, k) => {
      const n = first + k;
      const label = (emoji: string): string => truncate(`${emoji} ${n}. ${oneLine(line.title)}`, LIMITS.selectLabel);
      const ref = paperRef(line.paperId, LIMITS.selectValue - 2);
      return [
        { label: label('👍'), value: `u:${ref}` },
        { label: label('👎'), value: `d:${ref}` },
      ];
    });
    rows.push(row(new StringSelectMenuBuilder().setCustomId(`digest:fbs:${subscriptionId}`).setPlaceholder(`Rate papers ${first}–${first + rest.length - 1}…`).addOptions(options)));
  }
  return rows;
}

/** The subscription a press or command names, checked against who asks (personal digests: the owner only). */
function subscriptionFor(ctx: BotContext, i: Pick<ComponentInteraction, 'user' | 'guildId'>, subscriptionId: number): Subscription {
  const sub = Number.isInteger(subscriptionId) ? ctx.store.getSubscription(subscriptionId) : undefined;
  if (!sub) throw new UserError('feedback-no-digest', 'This digest no longer exists, so there is nothing to rate.');
  if (sub.guildId === null) {
    if (sub.userId !== i.user.id) throw new UserError('feedback-not-owner', 'Only the owner of this personal digest can rate its papers.');
  } else if (i.guildId !== sub.guildId) {
    throw new UserError('feedback-wrong-server', "This digest belongs to another server; rate its papers there.");
  }
  return sub;
}

/** A 👍/👎 press: stored once (upsert), answered with one ephemeral line. */
export function ratePress(i: ComponentInteraction, ctx: BotContext, subscriptionId: number, rating: FeedbackRating, ref: string): Outcome {
  const sub = subscriptionFor(ctx, i, subscriptionId);
  const lib = ctx.engine.lib;
  const paper = resolvePaperRef(lib, ref);
  if (!paper) throw new UserError('feedback-paper-gone', 'That paper is no longer in the corpus.');
  const { change } = ctx.store.rateDigestPaper({ subscriptionId: sub.id, paperId: paper.id, userId: i.user.id, rating, source: 'button', title: paper.title }, ctx.now());
  const name = `*${safe(shortTitle(paper))}*`;
  const thumb = rating > 0 ? '👍' : '👎';
  const effect = rating > 0 ? 'papers like it will rank higher' : 'papers like it will rank lower';
  const cmd = sub.guildId === null ? '/mydigest feedback' : '/digest feedback';
  const text =
    change === 'same'
      ? `You already rated ${name} ${thumb} for digest #${sub.id}; nothing changed.`
      : `${change === 'changed' ? 'Changed to' : 'Noted'} ${thumb} for ${name} (digest #${sub.id}): ${effect} from the next digest on. See or undo it with \`${cmd}\`.`;
  return ephemeral(text);
}

/** The feedback of a subscription as an ephemeral list (or undoes one paper's rating when `undo` names it). */
export function feedbackReply(ctx: BotContext, sub: Subscription, opts: { undo: string | null; userId?: string }): Reply {
  const lib = ctx.engine.lib;
  if (opts.undo !== null && opts.undo.trim() !== '') {
    const all = ctx.store.listDigestFeedback(sub.id, opts.userId);
    const typed = opts.undo.trim();
    const target =
      all.find((f) => f.paperId === typed) ??
      all.find((f) => f.paperId === (lib.findPaper(typed)?.paper.id ?? '')) ??
      all.find((f) => (f.title ?? '').toLowerCase() === typed.toLowerCase());
    if (!target) throw new UserError('feedback-undo-none', `Digest #${sub.id} has no rating of “${safe(truncate(oneLine(typed), 200))}”. See the list with no \`undo\`.`);
    const gone = ctx.store.removeDigestFeedback(sub.id, target.paperId, opts.userId);
    ctx.logger.info({ subscriptionId: sub.id, paperId: target.paperId, removed: gone.length }, 'digest feedback removed');
    const what = gone.length === 1 ? `the ${gone[0]!.source === 'seed' ? 'seed' : gone[0]!.rating > 0 ? '👍' : '👎'}` : `${gone.length} ratings`;
    return { content: `Removed ${what} of *${safe(target.title ?? target.paperId)}* from digest #${sub.id}. The next digest is ranked without it.`, ephemeral: true };
  }
  const list = ctx.store.listDigestFeedback(sub.id, opts.userId);
  if (list.length === 0) {
    return { content: `Digest #${sub.id} has no feedback yet. Rate papers with the 👍/👎 buttons under a digest, or seed it with \`like:\` when subscribing.`, ephemeral: true };
  }
  const lines = list.map((f) => feedbackLine(f, lib, sub));
  let description = '';
  let shown = 0;
  for (const l of lines) {
    if (description.length + l.length + 1 > LIMITS.embedDescription - 60) break;
    description += (description ? '\n' : '') + l;
    shown++;
  }
  if (shown < lines.length) description += `\n…and ${lines.length - shown} more.`;
  const up = list.filter((f) => f.rating > 0).length;
  const embed: APIEmbed = { title: `Feedback of digest #${sub.id} (${up} 👍 · ${list.length - up} 👎)`, description, color: 0xeb459e, footer: { text: 'Undo one with the undo option (it autocompletes).' } };
  return { embeds: [embed], ephemeral: true };
}

function feedbackLine(f: DigestFeedback, lib: Library, sub: Subscription): string {
  const title = lib.papers.get(f.paperId)?.title ?? f.title ?? f.paperId;
  const mark = f.source === 'seed' ? '🌱 seed' : f.rating > 0 ? '👍' : '👎';
  const who = sub.guildId === null ? '' : ` — <@${f.userId}>`;
  return `${mark} ${safe(truncate(oneLine(title), 200))}${who} · <t:${Math.floor(f.updatedAt.getTime() / 1000)}:d>`;
}

/** Autocomplete of `undo`: the rated papers of a subscription. */
export function undoChoices(ctx: BotContext, sub: Subscription | undefined, typed: string, userId?: string): Choice[] {
  if (!sub) return [];
  const q = typed.trim().toLowerCase();
  const seen = new Set<string>();
  const out: Choice[] = [];
  for (const f of ctx.store.listDigestFeedback(sub.id, userId)) {
    if (seen.has(f.paperId)) continue;
    seen.add(f.paperId);
    const title = ctx.engine.lib.papers.get(f.paperId)?.title ?? f.title ?? f.paperId;
    if (q && !title.toLowerCase().includes(q)) continue;
    if (f.paperId.length > LIMITS.choiceValue) continue;
    out.push({ name: truncate(`${f.source === 'seed' ? '🌱' : f.rating > 0 ? '👍' : '👎'} ${oneLine(title)}`, LIMITS.choiceName), value: f.paperId });
  }
  return out.slice(0, LIMITS.choices);
}

/** Autocomplete of `like`: paper titles (values are paper ids), the last of a `;`-separated list. */
export function likeChoices(lib: Library, typed: string): Choice[] {
  const cut = typed.lastIndexOf(';');
  const head = cut >= 0 ? `${typed.slice(0, cut + 1).trim()} ` : '';
  const last = cut >= 0 ? typed.slice(cut + 1) : typed;
  return lib
    .suggestTitles(last.trim(), LIMITS.choices)
    .map((t) => ({ name: truncate(head ? `${head}${t.title}` : t.title, LIMITS.choiceName), value: `${head}${t.id}` }))
    .filter((c) => c.value.length <= LIMITS.choiceValue);
}

/**
 * The papers `like:` names: `;`-separated titles, short names or paper ids (a single title with
 * commas is read whole; without `;`, commas separate when the whole text names no paper).
 */
export function resolveLikes(lib: Library, text: string | null): Paper[] {
  if (text === null || text.trim() === '') return [];
  const find = (s: string): Paper | null => lib.papers.get(s.trim()) ?? lib.findPaper(s)?.paper ?? null;
  let items = text.split(';').map((s) => s.trim()).filter(Boolean);
  if (items.length === 1 && !find(items[0]!) && items[0]!.includes(',')) items = items[0]!.split(',').map((s) => s.trim()).filter(Boolean);
  const papers: Paper[] = [];
  const unknown: string[] = [];
  for (const item of items) {
    const p = find(item);
    if (!p) unknown.push(item);
    else if (!papers.some((x) => x.id === p.id)) papers.push(p);
  }
  if (unknown.length > 0) {
    const hints = unknown.map((u) => {
      const close = lib.closestTitles(u, 2).map((p) => p.title).filter((t): t is string => !!t);
      return `• “${safe(truncate(oneLine(u), 100))}”${close.length ? ` — did you mean ${close.map((t) => `“${safe(t)}”`).join(' or ')}?` : ''}`;
    });
    throw new UserError('digest-like-unknown', `I don't know ${unknown.length === 1 ? 'this paper' : 'these papers'} named in \`like\` (separate titles with \`;\`):\n${hints.join('\n')}`);
  }
  if (papers.length > MAX_LIKES) throw new UserError('digest-like-many', `Name at most ${MAX_LIKES} papers in \`like\` (you named ${papers.length}).`);
  return papers;
}

/** Stores the seed papers of a new subscription (rated 👍 by its creator, source `seed`). */
export function seedLikes(ctx: BotContext, sub: Subscription, papers: readonly Paper[]): void {
  for (const p of papers) ctx.store.rateDigestPaper({ subscriptionId: sub.id, paperId: p.id, userId: sub.createdBy, rating: 1, source: 'seed', title: p.title }, ctx.now());
}

/** The confirmation line about seed papers. */
export function likesLine(papers: readonly Paper[]): string {
  if (papers.length === 0) return '';
  return `Seeded with ${papers.map((p) => `*${safe(shortTitle(p))}*`).join(', ')}: from the second digest on, new papers like ${papers.length === 1 ? 'it' : 'them'} are listed first. Rate papers with 👍/👎 under each digest.`;
}
