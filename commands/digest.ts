/**
 * `/digest subscribe|unsubscribe|list|preview|feedback` — daily paper digests posted to a channel,
 * ranked by each subscription's interest profile (keywords, authors, `like:` seed papers, 👍/👎).
 * Managing digests needs the Manage Server permission (default member permission, checked
 * again at run time). Validation errors come back as one clear ephemeral message; confirmations
 * go in the interaction reply, never in the digest channel.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, ChannelType, PermissionFlagsBits, SlashCommandBuilder, type APIEmbed, type ChatInputCommandInteraction } from 'discord.js';
import { CATEGORY_NAMES } from '../src/corpus/categories.ts';
import { formatAuthors, titleLine } from '../src/digest/format.ts';
import type { DigestSelection } from '../src/digest/select.ts';
import { formatLocalDate } from '../src/digest/time.ts';
import { parseSubscriptionInput } from '../src/digest/subscriptionInput.ts';
import { UserError } from '../src/errors.ts';
import type { Choice } from '../src/discord/limits.ts';
import { addScheduleOptions, readLikes, readScheduleOptions, requireScheduler, scheduleAndConfirm, scheduleAutocomplete, subscriptionIdChoices } from '../src/discord/digestOptions.ts';
import { feedbackReply, likesLine, ratePress, seedLikes, undoChoices } from '../src/discord/feedback.ts';
import { selectedValue } from '../src/discord/lookup.ts';
import { renderDigestMessage } from '../src/discord/digestSender.ts';
import { LIMITS } from '../src/discord/limits.ts';
import { COLORS, finish, renderSubscriptions } from '../src/discord/render.ts';
import { bySubcommand, libraryOf, reply, update, type BotContext, type Command, type MessageRow, type Reply } from '../src/discord/types.ts';

const TEXT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
const NEED = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks;

export const DENIED_MESSAGE = 'Managing digests needs the **Manage Server** permission.';

function requireManager(i: ChatInputCommandInteraction): { guildId: string } {
  if (!i.inGuild()) throw new UserError('digest-guild-only', 'Digests are set up in a server, not in DMs.');
  if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) throw new UserError('digest-forbidden', DENIED_MESSAGE);
  return { guildId: i.guildId };
}

function subscriptionIn(ctx: BotContext, guildId: string, id: number) {
  const sub = ctx.store.getSubscription(id);
  if (!sub || sub.guildId !== guildId) throw new UserError('digest-not-found', `There is no digest subscription #${id} in this server. See \`/digest list\`.`);
  return sub;
}

function subscribe(i: ChatInputCommandInteraction, ctx: BotContext) {
  const { guildId } = requireManager(i);
  const channel = i.options.getChannel('channel', true);
  if (!(TEXT_CHANNELS as readonly ChannelType[]).includes(channel.type)) {
    throw new UserError('digest-channel-type', 'Pick a text channel of this server for the digest.');
  }
  const guild = i.guild;
  const full = guild?.channels.cache.get(channel.id);
  if (guild && !full) throw new UserError('digest-channel-guild', 'Pick a text channel of this server for the digest.');
  const me = guild?.members.me;
  if (full && me && !full.permissionsFor(me).has(NEED)) {
    throw new UserError('digest-channel-perms', `I can't post in <#${channel.id}>: I need View Channel, Send Messages and Embed Links there.`);
  }
  const sub = parseSubscriptionInput(
    {
      guildId,
      channelId: channel.id,
      createdBy: i.user.id,
      ...readScheduleOptions(i),
    },
    { knownCategories: CATEGORY_NAMES },
  );
  const likes = readLikes(i, libraryOf(ctx));
  const created = ctx.store.transaction(() => {
    const c = ctx.store.addSubscription(sub, ctx.now());
    seedLikes(ctx, c, likes);
    return c;
  });
  const content = [scheduleAndConfirm(ctx, created), likesLine(likes)].filter(Boolean).join('\n');
  ctx.logger.info({ subscriptionId: created.id, guildId, channelId: created.channelId, by: i.user.id }, 'digest subscription created');
  return reply({ content });
}

function unsubscribe(i: ChatInputCommandInteraction, ctx: BotContext) {
  const { guildId } = requireManager(i);
  const id = i.options.getInteger('id', true);
  const removed = ctx.store.removeSubscription(id, { userId: i.user.id, guildId, canManageGuild: true });
  ctx.scheduler?.removeSubscription(removed.id);
  ctx.logger.info({ subscriptionId: id, guildId, by: i.user.id }, 'digest subscription removed');
  return reply({ content: `Unsubscribed: digest #${removed.id} in <#${removed.channelId}> will no longer be posted.` });
}

function list(i: ChatInputCommandInteraction, ctx: BotContext) {
  const { guildId } = requireManager(i);
  return reply(renderSubscriptions(ctx.store.listSubscriptions({ guildId }), { latestRun: (id) => ctx.store.latestDigestRun(id) }));
}

/** The subscription an `id` option names, or the one of this channel (or server) when there is one. */
function pickSubscription(i: ChatInputCommandInteraction, ctx: BotContext, guildId: string, subcommand: string) {
  let id = i.options.getInteger('id');
  if (id === null) {
    const here = ctx.store.listSubscriptions({ guildId });
    const inChannel = here.filter((s) => s.channelId === i.channelId);
    const pick = inChannel.length === 1 ? inChannel[0] : here.length === 1 ? here[0] : undefined;
    if (!pick) {
      throw new UserError('digest-pick', here.length ? `Which one? This server has ${here.length} digests: ${here.map((s) => `#${s.id}`).join(', ')}. Use \`/digest ${subcommand} id:\`.` : 'No digest subscriptions in this server yet. Create one with `/digest subscribe`.');
    }
    id = pick.id;
  }
  return subscriptionIn(ctx, guildId, id);
}

function preview(i: ChatInputCommandInteraction, ctx: BotContext) {
  const { guildId } = requireManager(i);
  const scheduler = requireScheduler(ctx);
  const sub = pickSubscription(i, ctx, guildId, 'preview');
  const id = sub.id;
  const message = scheduler.preview(sub.id, { now: ctx.now() });
  if (!message) throw new UserError('digest-not-found', `There is no digest subscription #${id}.`);
  return reply({ ...renderDigestMessage(message, { subscriptionId: sub.id, localDate: 'next' }, { feedback: sub.id }), content: `Preview of digest #${sub.id} (not posted; nothing recorded):`, ephemeral: true });
}

/** `/digest feedback [id] [undo]`: the 👍/👎 and seed papers of a channel digest, or undo one paper's ratings. */
function feedback(i: ChatInputCommandInteraction, ctx: BotContext) {
  const { guildId } = requireManager(i);
  const sub = pickSubscription(i, ctx, guildId, 'feedback');
  return reply(feedbackReply(ctx, sub, { undo: i.options.getString('undo') }));
}

/** Papers per "Show all" page. */
export const SHOW_ALL_PAGE_SIZE = 10;

/**
 * One page of every paper matching a digest: the full titles as text (numbered as in the digest),
 * the details in an embed, Prev/Next buttons (`digest:allp:<id>:<date>:<page>`).
 */
export function renderShowAll(subscriptionId: number, localDate: string, sel: DigestSelection, page: number): Reply {
  const pages = Math.max(1, Math.ceil(sel.papers.length / SHOW_ALL_PAGE_SIZE));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const from = p * SHOW_ALL_PAGE_SIZE;
  const slice = sel.papers.slice(from, from + SHOW_ALL_PAGE_SIZE);
  const when = localDate === 'next' ? 'the next digest' : formatLocalDate(localDate);
  const head = `**All ${sel.papers.length} matching paper${sel.papers.length === 1 ? '' : 's'} of digest #${subscriptionId} for ${when}**${pages > 1 ? ` (page ${p + 1} of ${pages})` : ''}`;
  let content = head;
  const details: string[] = [];
  for (const [i, s] of slice.entries()) {
    const title = s.paper.title && s.paper.title.trim() !== '' ? s.paper.title : '(untitled)';
    const line = `\n${titleLine(from + i + 1, title)}`;
    if (content.length + line.length > LIMITS.content) break; // never cut a title; the details below still list it
    content += line;
    details.push(`**${from + i + 1}.** ${[formatAuthors(s.paper.authors, s.paper.authorsTruncated), s.paper.category, s.paper.date].filter(Boolean).join(' · ')}\n↳ ${s.reason ?? s.why.join('; ')}`);
  }
  if (slice.length === 0) content += '\nNo papers match this digest any more.';
  let description = '';
  for (const d of details) {
    if (description.length + d.length + 2 > LIMITS.embedDescription) break;
    description += (description ? '\n\n' : '') + d;
  }
  const embeds: APIEmbed[] = description ? [{ description, color: COLORS.digest }] : [];
  const out: Reply = { content, embeds, ephemeral: true };
  if (pages > 1) {
    const button = (label: string, target: number, disabled: boolean): ButtonBuilder =>
      new ButtonBuilder().setCustomId(`digest:allp:${subscriptionId}:${localDate}:${target}`).setLabel(label).setStyle(ButtonStyle.Secondary).setDisabled(disabled);
    out.components = [new ActionRowBuilder<ButtonBuilder>().addComponents(button('Prev', p - 1, p === 0), button('Next', p + 1, p >= pages - 1)).toJSON() as MessageRow];
  }
  return finish(out);
}

function showAll(ctx: BotContext, [id = '', localDate = '', page = '0']: string[]): Reply {
  const subscriptionId = Number(id);
  const scheduler = requireScheduler(ctx);
  if (!Number.isInteger(subscriptionId) || !/^(\d{4}-\d{2}-\d{2}|next)$/.test(localDate)) {
    throw new UserError('digest-show-all', 'That button is not valid any more.');
  }
  if (!ctx.store.getSubscription(subscriptionId)) throw new UserError('digest-not-found', `Digest subscription #${subscriptionId} no longer exists.`);
  const sel = scheduler.allMatching(subscriptionId, localDate, ctx.now());
  if (!sel) throw new UserError('digest-not-found', `The digest #${subscriptionId} of ${formatLocalDate(localDate)} is not recorded.`);
  return renderShowAll(subscriptionId, localDate, sel, Number(page) || 0);
}

export const digest = {
  data: new SlashCommandBuilder()
    .setName('digest')
    .setDescription('Daily paper digests posted to a channel')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(0)
    .addSubcommand((s) =>
      addScheduleOptions(
        s
          .setName('subscribe')
          .setDescription('Post a daily digest of new papers to a channel')
          .addChannelOption((o) => o.setName('channel').setDescription('Text channel to post the digest in').setRequired(true).addChannelTypes(...TEXT_CHANNELS)),
      ),
    )
    .addSubcommand((s) =>
      s
        .setName('unsubscribe')
        .setDescription('Stop a digest')
        .addIntegerOption((o) => o.setName('id').setDescription('Subscription number (see /digest list)').setRequired(true).setAutocomplete(true).setMinValue(1)),
    )
    .addSubcommand((s) => s.setName('list').setDescription("This server's digest subscriptions"))
    .addSubcommand((s) =>
      s
        .setName('preview')
        .setDescription('Show what a digest would contain now (nothing is posted)')
        .addIntegerOption((o) => o.setName('id').setDescription('Subscription number (default: the one in this channel)').setAutocomplete(true).setMinValue(1)),
    )
    .addSubcommand((s) =>
      s
        .setName('feedback')
        .setDescription("A digest's 👍/👎 ratings and seed papers; undo one")
        .addIntegerOption((o) => o.setName('id').setDescription('Subscription number (default: the one in this channel)').setAutocomplete(true).setMinValue(1))
        .addStringOption((o) => o.setName('undo').setDescription('Remove the ratings of this paper').setAutocomplete(true).setMaxLength(500)),
    ),

  components: {
    /** "Show all" on a digest: `digest:all:<subscription>:<local date | next>` → every matching paper, ephemeral. */
    all: {
      ack: 'reply',
      ephemeral: true,
      public: true,
      run: (_i, args, ctx) => reply(showAll(ctx, args)),
    },
    /** Prev/Next of the "Show all" list: `digest:allp:<subscription>:<local date>:<page>`. */
    allp: {
      ack: 'update',
      public: true,
      run: (_i, args, ctx) => update(showAll(ctx, args)),
    },
    /**
     * 👍/👎 under a digest paper: `digest:fb:<subscription>:<u|d>:<paper ref>`. Channel digests: any
     * member who sees it; personal digests: their owner (checked in `ratePress`). Under /search
     * results the subscription is `me`: the presser's own profile (their personal digests).
     */
    fb: {
      ack: 'reply',
      ephemeral: true,
      public: true,
      run: (i, [id = '', dir = '', ...ref], ctx) => ratePress(i, ctx, id, dir === 'u' ? 1 : -1, ref.join(':')),
    },
    /** The "Rate papers N–M…" menu of a long digest: `digest:fbs:<subscription | me>`, values `u:<ref>` / `d:<ref>`. */
    fbs: {
      ack: 'reply',
      ephemeral: true,
      public: true,
      run: (i, [id = ''], ctx) => {
        const [dir = '', ...ref] = selectedValue(i).split(':');
        return ratePress(i, ctx, id, dir === 'u' ? 1 : -1, ref.join(':'));
      },
    },
  },

  execute: bySubcommand('digest', { subscribe, unsubscribe, list, preview, feedback }),

  autocomplete(interaction, ctx): Choice[] {
    const shared = scheduleAutocomplete(interaction, libraryOf(ctx));
    if (shared) return shared;
    const focused = interaction.options.getFocused(true);
    if (!interaction.inGuild()) return [];
    if (focused.name === 'undo') {
      const here = ctx.store.listSubscriptions({ guildId: interaction.guildId });
      const id = interaction.options.getInteger('id');
      const inChannel = here.filter((s) => s.channelId === interaction.channelId);
      const sub = id !== null ? here.find((s) => s.id === id) : inChannel.length === 1 ? inChannel[0] : here.length === 1 ? here[0] : undefined;
      return undoChoices(ctx, sub, String(focused.value));
    }
    if (focused.name !== 'id') return [];
    return subscriptionIdChoices(
      ctx.store.listSubscriptions({ guildId: interaction.guildId }),
      String(focused.value),
      (s) => `#${s.id} — #${interaction.guild?.channels.cache.get(s.channelId)?.name ?? s.channelId} at ${s.time} ${s.timezone}`,
    );
  },
} satisfies Command;

export default digest;
