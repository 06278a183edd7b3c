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
 * - `/search` results carry the same buttons with `me` for the subscription (`digest:fb:me:<u|d>:<ref>`,
 *   menu `digest:fbs:me`): a press goes to the presser's own profile (the store's profile feedback,
 *   one rating per person and paper), which ranks every personal digest of theirs — now or created
 *   later — and never a channel digest. `/mydigest feedback` lists and undoes them.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, StringSelectMenuBuilder, type APIEmbed } from 'discord.js';
import type { Paper } from '../corpus/schema.ts';
import type { DigestMessage } from '../digest/format.ts';
import { shortTitle } from '../digest/rank.ts';
import { UserError } from '../errors.ts';
import type { Library } from '../search/library.ts';
import type { DigestFeedback, FeedbackRating, ProfileFeedback, Subscription } from '../store/types.ts';
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

/** Where a press is stored: a subscription (digest buttons), or `me`: the presser's own profile (/search buttons). */
export type RatingTarget = number | 'me';

export function feedbackId(target: RatingTarget, rating: FeedbackRating, paperId: string): string {
  const head = `digest:fb:${target}:${rating > 0 ? 'u' : 'd'}:`;
  return head + paperRef(paperId, LIMITS.customId - head.length);
}

const row = (...components: (ButtonBuilder | StringSelectMenuBuilder)[]): MessageRow =>
  new ActionRowBuilder<ButtonBuilder | StringSelectMenuBuilder>().addComponents(...components).toJSON() as MessageRow;

/** A paper to rate: its id, title and its number in the message. */
export interface RateItem {
  paperId: string;
  title: string | null;
  n: number;
}

/**
 * 👍/👎 rows for papers (`rowsFree`: action rows left after the message's others). Two papers per
 * row as buttons; when the rows cannot hold them all, the last row is a menu for the rest.
 */
export function ratingRows(items: readonly RateItem[], target: RatingTarget, rowsFree: number): MessageRow[] {
  if (items.length === 0 || rowsFree <= 0) return [];
  const perRow = 2;
  const buttonRowsFit = items.length <= rowsFree * perRow ? rowsFree : rowsFree - 1;
  const withButtons = items.slice(0, buttonRowsFit * perRow);
  const rows: MessageRow[] = [];
  for (let i = 0; i < withButtons.length; i += perRow) {
    const buttons = withButtons.slice(i, i + perRow).flatMap((it) => [
      new ButtonBuilder().setCustomId(feedbackId(target, 1, it.paperId)).setLabel(`${it.n} 👍`).setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId(feedbackId(target, -1, it.paperId)).setLabel(`${it.n} 👎`).setStyle(ButtonStyle.Secondary),
    ]);
    rows.push(row(...buttons));
  }
  const rest = items.slice(withButtons.length, withButtons.length + Math.floor(LIMITS.selectOptions / 2));
  if (rest.length > 0) {
    const options = rest.flatMap((it) => {
      const label = (emoji: string): string => truncate(`${emoji} ${it.n}. ${oneLine(it.title ?? it.paperId)}`, LIMITS.selectLabel);
      const ref = paperRef(it.paperId, LIMITS.selectValue - 2);
      return [
        { label: label('👍'), value: `u:${ref}` },
        { label: label('👎'), value: `d:${ref}` },
      ];
    });
    rows.push(row(new StringSelectMenuBuilder().setCustomId(`digest:fbs:${target}`).setPlaceholder(`Rate papers ${rest[0]!.n}–${rest.at(-1)!.n}…`).addOptions(options)));
  }
  return rows;
}

/**
 * The 👍/👎 rows for the papers a digest message shows (`rowsFree`: action rows left after the
 * others). Every shown paper gets its pair, as buttons or — past what the buttons hold — in a menu.
 */
export function feedbackRows(m: DigestMessage, subscriptionId: number, rowsFree: number): MessageRow[] {
  const items = m.lines.slice(0, m.shown).map((line, i) => ({ paperId: line.paperId, title: line.title, n: i + 1 }));
  return ratingRows(items, subscriptionId, rowsFree);
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

/** The personal digests of a person (their /search ratings rank these). */
function personalDigests(ctx: BotContext, userId: string): Subscription[] {
  return ctx.store.listSubscriptions({ userId }).filter((s) => s.guildId === null);
}

/**
 * A 👍/👎 press: stored once (upsert), answered with one ephemeral line. `target` is the digest's
 * subscription, or `me` (a /search result): the presser's own profile, for their personal digests.
 */
export function ratePress(i: ComponentInteraction, ctx: BotContext, target: RatingTarget | string, rating: FeedbackRating, ref: string): Outcome {
  if (target === 'me') return rateForProfile(i, ctx, rating, ref);
  const sub = subscriptionFor(ctx, i, typeof target === 'number' ? target : Number(target));
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

/** A 👍/👎 under /search results: the presser's own profile (never a channel digest's). */
function rateForProfile(i: Pick<ComponentInteraction, 'user'>, ctx: BotContext, rating: FeedbackRating, ref: string): Outcome {
  const paper = resolvePaperRef(ctx.engine.lib, ref);
  if (!paper) throw new UserError('feedback-paper-gone', 'That paper is no longer in the corpus.');
  const { change } = ctx.store.rateProfilePaper({ userId: i.user.id, paperId: paper.id, rating, source: 'search', title: paper.title }, ctx.now());
  const name = `*${safe(shortTitle(paper))}*`;
  const thumb = rating > 0 ? '👍' : '👎';
  if (change === 'same') return ephemeral(`You already rated ${name} ${thumb}; nothing changed.`);
  const subs = personalDigests(ctx, i.user.id);
  const effect = rating > 0 ? 'papers like it will rank higher' : 'papers like it will rank lower';
  const where =
    subs.length === 0
      ? `You have no personal digest yet: it is kept for the one you create with \`/mydigest subscribe\`, where ${effect}.`
      : `${effect[0]!.toUpperCase()}${effect.slice(1)} in your personal digest${subs.length === 1 ? ` #${subs[0]!.id}` : `s (${subs.map((s) => `#${s.id}`).join(', ')})`} from the next one on.`;
  return ephemeral(`${change === 'changed' ? 'Changed to' : 'Noted'} ${thumb} for ${name}, for you only (channel digests are not changed). ${where} See or undo it with \`/mydigest feedback\`.`);
}

/** One rating as listed: a subscription's (digest buttons, seeds) or a person's from /search. */
type Listed = (DigestFeedback & { fromSearch?: false }) | (ProfileFeedback & { fromSearch: true });

/**
 * The feedback of a subscription as an ephemeral list (or undoes one paper's rating when `undo`
 * names it). With `profileOf` (personal digests: the owner), that person's /search ratings are
 * listed and undone too; `sub` may then be null (no personal digest yet: the /search ratings only).
 */
export function feedbackReply(ctx: BotContext, sub: Subscription | null, opts: { undo: string | null; userId?: string; profileOf?: string }): Reply {
  const lib = ctx.engine.lib;
  const subRows = (): DigestFeedback[] => (sub ? ctx.store.listDigestFeedback(sub.id, opts.userId) : []);
  const profileRows = (): ProfileFeedback[] => (opts.profileOf !== undefined ? ctx.store.listProfileFeedback(opts.profileOf) : []);
  const all = (): Listed[] => [...subRows(), ...profileRows().map((f) => ({ ...f, fromSearch: true as const }))];
  if (opts.undo !== null && opts.undo.trim() !== '') {
    const rows = all();
    const typed = opts.undo.trim();
    const target =
      rows.find((f) => f.paperId === typed) ??
      rows.find((f) => f.paperId === (lib.findPaper(typed)?.paper.id ?? '')) ??
      rows.find((f) => (f.title ?? '').toLowerCase() === typed.toLowerCase());
    if (!target) throw new UserError('feedback-undo-none', `${sub ? `Digest #${sub.id} has` : 'You have'} no rating of “${safe(truncate(oneLine(typed), 200))}”. See the list with no \`undo\`.`);
    const gone: Listed[] = sub && rows.some((f) => !f.fromSearch && f.paperId === target.paperId) ? ctx.store.removeDigestFeedback(sub.id, target.paperId, opts.userId) : [];
    const goneProfile = opts.profileOf !== undefined ? ctx.store.removeProfileFeedback(opts.profileOf, target.paperId) : [];
    ctx.logger.info({ subscriptionId: sub?.id ?? null, paperId: target.paperId, removed: gone.length, removedFromSearch: goneProfile.length }, 'digest feedback removed');
    const removed: Listed[] = [...gone, ...goneProfile.map((f) => ({ ...f, fromSearch: true as const }))];
    const what =
      removed.length === 1
        ? `the ${removed[0]!.source === 'seed' ? 'seed' : removed[0]!.rating > 0 ? '👍' : '👎'}${removed[0]!.fromSearch ? ' (from /search)' : ''}`
        : `${removed.length} ratings`;
    const from = sub && gone.length > 0 ? `digest #${sub.id}${goneProfile.length > 0 ? ' and your /search ratings' : ''}` : 'your /search ratings';
    const next = goneProfile.length > 0 ? 'Your personal digests are ranked without it from the next one on.' : 'The next digest is ranked without it.';
    return { content: `Removed ${what} of *${safe(target.title ?? target.paperId)}* from ${from}. ${next}`, ephemeral: true };
  }
  const list = all();
  if (list.length === 0) {
    const content = sub
      ? `Digest #${sub.id} has no feedback yet. Rate papers with the 👍/👎 buttons under a digest${opts.profileOf !== undefined ? ' or under /search results' : ''}, or seed it with \`like:\` when subscribing.`
      : 'You have no personal digest yet and no ratings from /search. Create a digest with `/mydigest subscribe`; rate papers with the 👍/👎 buttons under /search results.';
    return { content, ephemeral: true };
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
  const counts = `(${up} 👍 · ${list.length - up} 👎)`;
  const title = sub ? `Feedback of digest #${sub.id} ${counts}` : `Your ratings from /search ${counts}`;
  const footer = sub
    ? `Undo one with the undo option (it autocompletes).${opts.profileOf !== undefined && list.some((f) => f.fromSearch) ? ' Ratings from /search count for all your personal digests.' : ''}`
    : 'They rank the personal digest you create with /mydigest subscribe. Undo one with the undo option.';
  const embed: APIEmbed = { title, description, color: 0xeb459e, footer: { text: footer } };
  return { embeds: [embed], ephemeral: true };
}

function feedbackLine(f: Listed, lib: Library, sub: Subscription | null): string {
  const title = lib.papers.get(f.paperId)?.title ?? f.title ?? f.paperId;
  const mark = f.source === 'seed' ? '🌱 seed' : f.rating > 0 ? '👍' : '👎';
  const who = f.fromSearch ? ' — from /search' : sub && sub.guildId !== null ? ` — <@${f.userId}>` : '';
  return `${mark} ${safe(truncate(oneLine(title), 200))}${who} · <t:${Math.floor(f.updatedAt.getTime() / 1000)}:d>`;
}

/** Autocomplete of `undo`: the rated papers of a subscription (and, with `profileOf`, that person's /search ratings). */
export function undoChoices(ctx: BotContext, sub: Subscription | undefined, typed: string, userId?: string, profileOf?: string): Choice[] {
  const q = typed.trim().toLowerCase();
  const seen = new Set<string>();
  const out: Choice[] = [];
  const rows: { paperId: string; title: string | null; rating: number; source: string }[] = [
    ...(sub ? ctx.store.listDigestFeedback(sub.id, userId) : []),
    ...(profileOf !== undefined ? ctx.store.listProfileFeedback(profileOf) : []),
  ];
  for (const f of rows) {
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
