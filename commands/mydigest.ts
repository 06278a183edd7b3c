/**
 * `/mydigest subscribe|unsubscribe|list|preview|feedback` — a personal daily digest, delivered in a direct
 * message. Anyone may use it, in a server or in the bot's DMs; each user sees and manages only
 * their own personal digests. Channel digests for a whole server are `/digest` (Manage Server).
 *
 * Subscribing from a server first sends a short direct message: when the user's DMs are closed,
 * that fails and the subscription is not stored (the reply says how to open them), instead of
 * every future digest failing silently.
 */
import { DiscordAPIError, RESTJSONErrorCodes, SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandIntegerOption } from 'discord.js';
import { CATEGORY_NAMES } from '../src/corpus/categories.ts';
import { parseSubscriptionInput } from '../src/digest/subscriptionInput.ts';
import { addScheduleOptions, readLikes, readScheduleOptions, requireScheduler, scheduleAndConfirm, scheduleAutocomplete, subscriptionIdChoices } from '../src/discord/digestOptions.ts';
import { feedbackReply, likesLine, seedLikes, undoChoices } from '../src/discord/feedback.ts';
import { renderDigestMessage } from '../src/discord/digestSender.ts';
import type { Choice } from '../src/discord/limits.ts';
import { renderSubscriptions } from '../src/discord/render.ts';
import { bySubcommand, libraryOf, reply, type BotContext, type Command } from '../src/discord/types.ts';
import { isUserError, UserError } from '../src/errors.ts';
import type { Subscription } from '../src/store/types.ts';

/** Personal digests one user may have at once. */
export const MAX_PERSONAL_DIGESTS = 5;

const DMS_CLOSED =
  "I can't send you direct messages, so a personal digest could never arrive. Allow direct messages from this server's members (Server menu → Privacy Settings), or use `/mydigest` in a DM with me, then try again.";

function mine(ctx: BotContext, userId: string): Subscription[] {
  return ctx.store.listSubscriptions({ userId }).filter((s) => s.guildId === null);
}

function ownSubscription(ctx: BotContext, userId: string, id: number | null): Subscription {
  const subs = mine(ctx, userId);
  if (id === null) {
    if (subs.length === 1 && subs[0]) return subs[0];
    throw new UserError(
      'mydigest-pick',
      subs.length ? `Which one? You have ${subs.length} personal digests: ${subs.map((s) => `#${s.id}`).join(', ')}. Add \`id:\`.` : 'You have no personal digest yet. Create one with `/mydigest subscribe`.',
    );
  }
  const sub = subs.find((s) => s.id === id);
  if (!sub) throw new UserError('mydigest-not-found', `You have no personal digest #${id}. See \`/mydigest list\`.`);
  return sub;
}

/** The DM channel the digest goes to; from a server, proves with a short DM that it can arrive. */
async function dmChannelId(i: ChatInputCommandInteraction, ctx: BotContext, schedule: string): Promise<string> {
  if (!i.inGuild()) return i.channelId;
  try {
    const dm = await i.user.createDM();
    await dm.send({
      content: `Your personal papertalk digest will arrive here, daily at ${schedule}. Manage it with \`/mydigest\` (here or in a server).`,
      allowedMentions: { parse: [] },
    });
    return dm.id;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) {
      ctx.logger.info({ userId: i.user.id }, 'personal digest refused: DMs closed');
      throw new UserError('mydigest-dms-closed', DMS_CLOSED);
    }
    throw err;
  }
}

async function subscribe(i: ChatInputCommandInteraction, ctx: BotContext) {
  // Validate before touching Discord: a bad time or zone must not send a DM.
  const options = { userId: i.user.id, createdBy: i.user.id, ...readScheduleOptions(i) };
  const checked = parseSubscriptionInput({ guildId: null, channelId: i.channelId, ...options }, { knownCategories: CATEGORY_NAMES });
  const likes = readLikes(i, libraryOf(ctx));
  const existing = mine(ctx, i.user.id);
  if (existing.length >= MAX_PERSONAL_DIGESTS) {
    throw new UserError('mydigest-limit', `You already have ${existing.length} personal digests (the most one person can have). Remove one with \`/mydigest unsubscribe\` first.`);
  }
  const channelId = await dmChannelId(i, ctx, `${checked.time} (${checked.timezone})`);
  let created: Subscription;
  try {
    created = ctx.store.transaction(() => {
      const c = ctx.store.addSubscription({ ...checked, channelId }, ctx.now());
      seedLikes(ctx, c, likes);
      return c;
    });
  } catch (err) {
    if (isUserError(err) && err.identifier === 'digest.duplicate') {
      throw new UserError('mydigest-duplicate', `You already have this personal digest. See \`/mydigest list\`.`);
    }
    throw err;
  }
  const content = [scheduleAndConfirm(ctx, created), likesLine(likes)].filter(Boolean).join('\n');
  ctx.logger.info({ subscriptionId: created.id, userId: i.user.id, channelId }, 'personal digest subscription created');
  return reply({ content, ephemeral: true });
}

function unsubscribe(i: ChatInputCommandInteraction, ctx: BotContext) {
  const sub = ownSubscription(ctx, i.user.id, i.options.getInteger('id'));
  const removed = ctx.store.removeSubscription(sub.id, { userId: i.user.id, guildId: null });
  ctx.scheduler?.removeSubscription(removed.id);
  ctx.logger.info({ subscriptionId: removed.id, userId: i.user.id }, 'personal digest subscription removed');
  return reply({ content: `Unsubscribed: your personal digest #${removed.id} will no longer be sent.`, ephemeral: true });
}

function list(i: ChatInputCommandInteraction, ctx: BotContext) {
  return reply(renderSubscriptions(mine(ctx, i.user.id), { title: 'Your personal digests', empty: 'You have no personal digest yet. Create one with `/mydigest subscribe`.', latestRun: (id) => ctx.store.latestDigestRun(id) }));
}

function preview(i: ChatInputCommandInteraction, ctx: BotContext) {
  const scheduler = requireScheduler(ctx);
  const sub = ownSubscription(ctx, i.user.id, i.options.getInteger('id'));
  const message = scheduler.preview(sub.id, { now: ctx.now() });
  if (!message) throw new UserError('mydigest-not-found', `You have no personal digest #${sub.id}.`);
  return reply({ ...renderDigestMessage(message, { subscriptionId: sub.id, localDate: 'next' }, { feedback: sub.id }), content: `Preview of your digest #${sub.id} (not sent; nothing recorded):`, ephemeral: true });
}

/**
 * `/mydigest feedback [id] [undo]`: your 👍/👎 and seed papers of a personal digest, with your 👍/👎
 * on /search results (they count for all your personal digests), or undo one. Without a personal
 * digest: your /search ratings alone.
 */
function feedback(i: ChatInputCommandInteraction, ctx: BotContext) {
  const id = i.options.getInteger('id');
  const sub = id === null && mine(ctx, i.user.id).length === 0 ? null : ownSubscription(ctx, i.user.id, id);
  return reply(feedbackReply(ctx, sub, { undo: i.options.getString('undo'), profileOf: i.user.id }));
}

const idOption = (o: SlashCommandIntegerOption) =>
  o.setName('id').setDescription('Your digest number (see /mydigest list; default: your only one)').setAutocomplete(true).setMinValue(1);

export const mydigest = {
  data: new SlashCommandBuilder()
    .setName('mydigest')
    .setDescription('Your personal daily paper digest, sent to you in a direct message')
    // Guild (0) and the bot's DMs (1).
    .setContexts(0, 1)
    .addSubcommand((s) => addScheduleOptions(s.setName('subscribe').setDescription('Get a daily digest of new papers in your DMs')))
    .addSubcommand((s) => s.setName('unsubscribe').setDescription('Stop one of your personal digests').addIntegerOption(idOption))
    .addSubcommand((s) => s.setName('list').setDescription('Your personal digests'))
    .addSubcommand((s) => s.setName('preview').setDescription('Show what your digest would contain now (nothing is sent)').addIntegerOption(idOption))
    .addSubcommand((s) =>
      s
        .setName('feedback')
        .setDescription('Your 👍/👎 ratings (digests and /search) and seed papers; undo one')
        .addIntegerOption(idOption)
        .addStringOption((o) => o.setName('undo').setDescription('Remove your rating of this paper').setAutocomplete(true).setMaxLength(500)),
    ),
  ephemeral: true,

  execute: bySubcommand('mydigest', { subscribe, unsubscribe, list, preview, feedback }),

  autocomplete(interaction, ctx): Choice[] {
    const shared = scheduleAutocomplete(interaction, libraryOf(ctx));
    if (shared) return shared;
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'undo') {
      const subs = mine(ctx, interaction.user.id);
      const id = interaction.options.getInteger('id');
      const sub = id !== null ? subs.find((s) => s.id === id) : subs.length === 1 ? subs[0] : undefined;
      return undoChoices(ctx, sub, String(focused.value), undefined, interaction.user.id);
    }
    if (focused.name !== 'id') return [];
    return subscriptionIdChoices(mine(ctx, interaction.user.id), String(focused.value), (s) => `#${s.id} — daily at ${s.time} ${s.timezone}`);
  },
} satisfies Command;

export default mydigest;
