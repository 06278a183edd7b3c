/**
 * `/follow author|topic|search|list|remove` — a personal list of things to follow. When a new paper
 * matching one of them arrives (a data drop or the arXiv feed), the follower gets a DM batching
 * everything new since the previous one: the first alert of a follow within a minute, then at most
 * one DM per follower per hour (src/digest/followAlerts.ts). Anyone may use it, in a server or in
 * the bot's DMs; each user sees and manages only their own follows.
 *
 * Following from a server first sends a short direct message, as `/mydigest subscribe` does: when
 * the user's DMs are closed, that fails and nothing is stored (the reply says how to open them),
 * instead of every alert failing silently.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  DiscordAPIError,
  RESTJSONErrorCodes,
  SlashCommandBuilder,
  time,
  TimestampStyles,
  type APIEmbed,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { formatAuthors, titleLine } from '../src/digest/format.ts';
import { resolveFollow, type ResolvedFollow } from '../src/digest/follows.ts';
import { foldText } from '../src/digest/select.ts';
import { LIMITS, joinWithin, type Choice } from '../src/discord/limits.ts';
import { authorChoices, categoryChoices } from '../src/discord/lookup.ts';
import { COLORS, finish } from '../src/discord/render.ts';
import { oneLine, safe } from '../src/discord/text.ts';
import { bySubcommand, libraryOf, reply, update, type BotContext, type Command, type MessageRow, type Reply } from '../src/discord/types.ts';
import { UserError } from '../src/errors.ts';
import type { Follow, FollowKind } from '../src/store/types.ts';

/** Follows one user may have at once. */
export const MAX_FOLLOWS = 25;
/** Papers per page of an alert's "Show all". */
export const FOLLOW_SHOW_ALL_PAGE_SIZE = 10;

const DMS_CLOSED =
  "I can't send you direct messages, so alerts for a follow could never arrive. Allow direct messages from this server's members (Server menu → Privacy Settings), or use `/follow` in a DM with me, then try again.";

const KIND_WORD: Record<FollowKind, string> = { author: 'author', topic: 'topic', search: 'search' };

function mine(ctx: BotContext, userId: string): Follow[] {
  return ctx.store.listFollows({ userId });
}

/** `author Yanqi Zhou`, `topic category Computation and Language (CL)`, `search “mixture of experts”` — escaped. */
function describe(f: Pick<Follow, 'kind' | 'label'>): string {
  return `${KIND_WORD[f.kind]} ${safe(f.label)}`;
}

/** `hour`, `2 hours`, `30 minutes` (as in "every …"). */
function every(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes % 60 === 0) return minutes === 60 ? 'hour' : `${minutes / 60} hours`;
  return minutes === 1 ? 'minute' : `${minutes} minutes`;
}

/** The DM channel alerts go to; from a server, proves with a short DM that they can arrive. */
async function dmChannelId(i: ChatInputCommandInteraction, ctx: BotContext, what: string): Promise<string> {
  if (!i.inGuild()) return i.channelId;
  try {
    const dm = await i.user.createDM();
    await dm.send({
      content: `Alerts for your papertalk follow (${what}) will arrive here. Manage your follows with \`/follow\` (here or in a server).`,
      allowedMentions: { parse: [] },
    });
    return dm.id;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) {
      ctx.logger.info({ userId: i.user.id }, 'follow refused: DMs closed');
      throw new UserError('follow-dms-closed', DMS_CLOSED);
    }
    throw err;
  }
}

function confirmation(created: Follow, resolved: ResolvedFollow, ctx: BotContext): string {
  const intervalMs = ctx.follows?.intervalMs ?? 3_600_000;
  const what = created.kind === 'author' ? 'new papers by them' : created.target.category ? 'new papers in it' : 'new papers matching every word';
  const lines = [
    `Following ${KIND_WORD[created.kind]} **${safe(created.label)}** (follow #${created.id}): ${what} will come to you in a DM — the first within a minute of arriving, then at most one message every ${every(intervalMs)}, with everything new since the last.`,
  ];
  if (resolved.unknownAuthor) {
    const close = resolved.unknownAuthor.suggestions;
    lines.push(`No author of that name is in the corpus yet: papers listing the name will be sent when they arrive.${close.length ? ` (Did you mean ${close.map((n) => `“${safe(n)}”`).join(', ')}?)` : ''}`);
  } else if (resolved.authors.length > 1) {
    lines.push(`${resolved.authors.length} people in the corpus share this name; papers by any of them count.`);
  }
  if (resolved.existing > 0) lines.push(`The ${resolved.existing} paper${resolved.existing === 1 ? '' : 's'} already in the corpus ${resolved.existing === 1 ? 'is' : 'are'} not sent: only new ones.`);
  return lines.join('\n');
}

function followHandler(kind: FollowKind, option: string) {
  return async (i: ChatInputCommandInteraction, ctx: BotContext) => {
    const lib = libraryOf(ctx);
    // Validate before touching Discord: nothing to follow must not send a DM.
    const resolved = resolveFollow(kind, i.options.getString(option, true), lib);
    const existing = mine(ctx, i.user.id);
    const same = existing.find((f) => f.kind === kind && f.key === resolved.key);
    if (same) throw new UserError('follow-duplicate', `You already follow this (follow #${same.id}, ${describe(same)}). See \`/follow list\`.`);
    if (existing.length >= MAX_FOLLOWS) {
      throw new UserError('follow-limit', `You already follow ${existing.length} things (the most one person can). Remove one with \`/follow remove\` first.`);
    }
    const channelId = await dmChannelId(i, ctx, `${KIND_WORD[kind]} ${safe(resolved.label)}`);
    // The papers in the corpus now are not new for this follow: make sure the store has seen them.
    ctx.store.recordPapersSeen(lib.corpus.papers, ctx.now());
    const { query, label, key, target } = resolved;
    const created = ctx.store.addFollow({ kind, query, label, key, target, userId: i.user.id, channelId, guildId: i.guildId ?? null }, ctx.now());
    ctx.logger.info({ followId: created.id, userId: i.user.id, kind, channelId }, 'follow created');
    return reply({ content: confirmation(created, resolved, ctx), ephemeral: true });
  };
}

function list(i: ChatInputCommandInteraction, ctx: BotContext) {
  const follows = mine(ctx, i.user.id);
  if (!follows.length) return reply({ content: 'You follow nothing yet. Try `/follow author`, `/follow topic` or `/follow search`.', ephemeral: true });
  const statusOf = new Map<number, string | undefined>();
  const alertStatus = (id: number): string | undefined => {
    if (!statusOf.has(id)) statusOf.set(id, ctx.store.getFollowAlert(id)?.status);
    return statusOf.get(id);
  };
  const lines = follows.map((f) => {
    let sent = 0;
    let waiting = 0;
    for (const m of ctx.store.listFollowMatches({ followId: f.id })) {
      const status = m.alertId === null ? 'waiting' : alertStatus(m.alertId);
      if (status === 'sent') sent += 1;
      else if (status !== 'empty') waiting += 1; // waiting, or in an alert being delivered
    }
    const notes = [`since ${time(f.createdAt, TimestampStyles.ShortDate)}`, `${sent} paper${sent === 1 ? '' : 's'} sent`];
    if (waiting) notes.push(`${waiting} waiting`);
    return `**#${f.id}** — ${describe(f)}\n↳ ${notes.join(' · ')}`;
  });
  const status = ctx.follows?.status(i.user.id, ctx.now());
  const footer = status?.nextAlertAt ? `\nNext alert: ${time(status.nextAlertAt, TimestampStyles.RelativeTime)}.` : '';
  const embed: APIEmbed = { title: `Your follows (${follows.length})`, description: joinWithin(lines, '\n', LIMITS.embedDescription - footer.length) + footer, color: COLORS.digest };
  return reply(finish({ embeds: [embed], ephemeral: true }));
}

/** The follow a `remove` names: a number (`3`, `#3`), what was followed, or the only one. */
function pick(ctx: BotContext, userId: string, raw: string | null): Follow {
  const follows = mine(ctx, userId);
  const text = oneLine(String(raw ?? '')); // (a number typed into the option arrives as one)
  if (!text) {
    if (follows.length === 1 && follows[0]) return follows[0];
    if (!follows.length) throw new UserError('follow-none', 'You follow nothing yet. Try `/follow author`, `/follow topic` or `/follow search`.');
    throw new UserError('follow-pick', `Which one? You have ${follows.length} follows: ${follows.map((f) => `#${f.id}`).join(', ')}. Add \`id:\` (see \`/follow list\`).`);
  }
  const n = /^#?(\d{1,12})$/.exec(text)?.[1];
  if (n !== undefined) {
    const f = follows.find((x) => x.id === Number(n));
    if (!f) throw new UserError('follow-not-found', `You have no follow #${n}. See \`/follow list\`.`);
    return f;
  }
  const key = foldText(text);
  const hits = follows.filter((f) => foldText(f.query) === key || foldText(f.label) === key);
  if (hits.length === 1 && hits[0]) return hits[0];
  if (hits.length > 1) throw new UserError('follow-pick', `Which one? ${hits.map((f) => `#${f.id}`).join(', ')} all follow “${text}”. Use the number.`);
  throw new UserError('follow-not-found', `You don't follow “${text}”. See \`/follow list\`.`);
}

function remove(i: ChatInputCommandInteraction, ctx: BotContext) {
  const f = pick(ctx, i.user.id, i.options.getString('id'));
  const removed = ctx.store.removeFollow(f.id, i.user.id);
  ctx.logger.info({ followId: removed.id, userId: i.user.id }, 'follow removed');
  return reply({ content: `Unfollowed #${removed.id} (${describe(removed)}): no more alerts for it.`, ephemeral: true });
}

/** One page of every paper of an alert (its "Show all"), with Prev/Next (`follow:allp:<alert>:<page>`). */
export function renderFollowAll(ctx: BotContext, userId: string, alertId: number, page: number): Reply {
  const alert = ctx.store.getFollowAlert(alertId);
  if (!alert || alert.userId !== userId) throw new UserError('follow-alert-gone', 'That alert is not recorded any more.');
  const lib = libraryOf(ctx);
  const items = alert.items.map((it) => ({ paper: lib.papers.get(it.paperId) ?? lib.papers.get(lib.resolvePaperId(it.paperId) ?? ''), why: it.why })).filter((x) => x.paper !== undefined);
  items.sort((a, b) => (b.paper!.date ?? '').localeCompare(a.paper!.date ?? '') || (a.paper!.title ?? '').localeCompare(b.paper!.title ?? ''));
  const pages = Math.max(1, Math.ceil(items.length / FOLLOW_SHOW_ALL_PAGE_SIZE));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const from = p * FOLLOW_SHOW_ALL_PAGE_SIZE;
  const slice = items.slice(from, from + FOLLOW_SHOW_ALL_PAGE_SIZE);
  let content = `**All ${items.length} new paper${items.length === 1 ? '' : 's'} of this alert**${pages > 1 ? ` (page ${p + 1} of ${pages})` : ''}`;
  const details: string[] = [];
  for (const [k, it] of slice.entries()) {
    const paper = it.paper!;
    const line = `\n${titleLine(from + k + 1, paper.title && paper.title.trim() !== '' ? paper.title : '(untitled)')}`;
    if (content.length + line.length > LIMITS.content) break;
    content += line;
    details.push(`**${from + k + 1}.** ${safe([formatAuthors(paper.authors, paper.authorsTruncated), paper.category, paper.date].filter(Boolean).join(' · '))}\n↳ ${safe(it.why.join('; '))}`);
  }
  if (!slice.length) content += '\nThese papers are no longer in the corpus.';
  const description = joinWithin(details, '\n\n', LIMITS.embedDescription);
  const out: Reply = { content, embeds: description ? [{ description, color: COLORS.digest }] : [], ephemeral: true };
  if (pages > 1) {
    const button = (label: string, target: number, disabled: boolean): ButtonBuilder =>
      new ButtonBuilder().setCustomId(`follow:allp:${alertId}:${target}`).setLabel(label).setStyle(ButtonStyle.Secondary).setDisabled(disabled);
    out.components = [new ActionRowBuilder<ButtonBuilder>().addComponents(button('Prev', p - 1, p === 0), button('Next', p + 1, p >= pages - 1)).toJSON() as MessageRow];
  }
  return finish(out);
}

export const follow = {
  data: new SlashCommandBuilder()
    .setName('follow')
    .setDescription('Follow an author, topic or search: new papers come to you in a DM')
    // Guild (0) and the bot's DMs (1).
    .setContexts(0, 1)
    .addSubcommand((s) =>
      s
        .setName('author')
        .setDescription('Get a DM when a new paper by this author arrives')
        .addStringOption((o) => o.setName('name').setDescription('Author name as the corpus lists it, e.g. Yanqi Zhou').setRequired(true).setAutocomplete(true).setMaxLength(200)),
    )
    .addSubcommand((s) =>
      s
        .setName('topic')
        .setDescription('Get a DM when a new paper on this category or topic arrives')
        .addStringOption((o) => o.setName('name').setDescription('A category (e.g. CL, Machine Learning) or any topic (e.g. speech recognition)').setRequired(true).setAutocomplete(true).setMaxLength(200)),
    )
    .addSubcommand((s) =>
      s
        .setName('search')
        .setDescription('Get a DM when a new paper matching this search arrives')
        .addStringOption((o) => o.setName('query').setDescription('Keywords a new paper must all match, e.g. mixture of experts').setRequired(true).setMaxLength(200)),
    )
    .addSubcommand((s) => s.setName('list').setDescription('What you follow'))
    .addSubcommand((s) =>
      s
        .setName('remove')
        .setDescription('Stop following something')
        .addStringOption((o) => o.setName('id').setDescription('Its number (see /follow list) or what you follow; default: your only one').setAutocomplete(true).setMaxLength(200)),
    ),
  ephemeral: true,

  execute: bySubcommand('follow', {
    author: followHandler('author', 'name'),
    topic: followHandler('topic', 'name'),
    search: followHandler('search', 'query'),
    list,
    remove,
  }),

  autocomplete(interaction, ctx): Choice[] {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value);
    const sub = interaction.options.getSubcommand(false);
    const lib = libraryOf(ctx);
    if (sub === 'author' && focused.name === 'name') return authorChoices(lib, typed);
    if (sub === 'topic' && focused.name === 'name') {
      const cats = categoryChoices(lib, typed);
      const free = typed.trim() && !cats.some((c) => String(c.value).toLowerCase() === typed.trim().toLowerCase()) ? [{ name: `Topic: ${typed.trim()}`, value: typed.trim() }] : [];
      return [...free, ...cats];
    }
    if (sub === 'remove' && focused.name === 'id') {
      const q = foldText(typed.replace(/^#/, ''));
      return mine(ctx, interaction.user.id)
        .filter((f) => !q || String(f.id).startsWith(q) || foldText(`${f.kind} ${f.label}`).includes(q))
        .slice(0, LIMITS.choices)
        .map((f) => ({ name: `#${f.id} — ${f.kind} ${f.label}`, value: String(f.id) }));
    }
    return [];
  },

  components: {
    /** "Show all" under an alert: `follow:all:<alert id>` → every paper of it, ephemeral. */
    all: {
      ack: 'reply',
      ephemeral: true,
      run: (i, [id = ''], ctx) => reply(renderFollowAll(ctx, i.user.id, Number(id), 0)),
    },
    /** Prev/Next of that list: `follow:allp:<alert id>:<page>`. */
    allp: {
      ack: 'update',
      run: (i, [id = '', page = '0'], ctx) => update(renderFollowAll(ctx, i.user.id, Number(id), Number(page) || 0)),
    },
  },
} satisfies Command;

export default follow;
