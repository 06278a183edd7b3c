/**
 * Posts digests to Discord: ONE message per digest (subscription × local date), with the
 * scheduler's deterministic `nonce` and `enforce_nonce: true`, so a re-send of the same digest
 * (after a crash between posting and recording) is deduplicated by Discord instead of appearing
 * twice.
 *
 * The message is readable by any client: its `content` carries the heading and each paper's full
 * title as plain text, one per line; the embeds carry the details (title, first authors,
 * category, date, why it matched). When not every matching paper fits — by max papers or by
 * Discord's limits — a "Show all" button (`digest:all:<subscription>:<local date>`) lists them
 * all, ephemerally, for whoever presses it. Every shown paper gets 👍/👎 buttons (`digest:fb:…`,
 * see feedback.ts) that tune the subscription's ranking. A digest is never split into several messages (see
 * `src/digest/format.ts`), so the run row records exactly one message id.
 *
 * Follow alerts (`/follow`) go out the same way (`DiscordFollowSender`): one message to the
 * follower's DM channel, with the alert's nonce, the same rendering, and the same failures
 * (closed DMs → not retryable); their "Show all" button is `follow:all:<alert id>`.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, RESTJSONErrorCodes, type APIEmbed, type Client } from 'discord.js';
import type { Logger } from 'pino';
import type { DigestMessage } from '../digest/format.ts';
import type { FollowSender } from '../digest/followAlerts.ts';
import { DigestSendError, type DigestSender } from '../digest/scheduler.ts';
import type { FollowAlert, Subscription } from '../store/types.ts';
import { feedbackRows } from './feedback.ts';
import { COLORS, finish } from './render.ts';
import type { MessageRow, Reply } from './types.ts';

/** Discord errors after which retrying the same digest cannot help. */
const PERMANENT = new Set<number>([
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.CannotSendMessagesToThisUser,
  RESTJSONErrorCodes.UnknownGuild,
]);

function classify(err: unknown, channelId: string, what = 'the digest'): Error {
  if (err instanceof DiscordAPIError && typeof err.code === 'number' && PERMANENT.has(err.code)) {
    return new DigestSendError(`cannot post ${what} to channel ${channelId}: ${err.message} (${err.code})`, { retryable: false, cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** customId of the "Show all" button: `digest:all:<subscription id>:<local date | next>`. */
export function showAllId(subscriptionId: number, localDate: string): string {
  return `digest:all:${subscriptionId}:${localDate}`;
}

/** customId of the "Show all" button of a follow alert: `follow:all:<alert id>`. */
export function followShowAllId(alertId: number): string {
  return `follow:all:${alertId}`;
}

/**
 * A digest as one Discord message: `content` = heading + full titles (one per line), embeds =
 * details (the first embed titled, the footer on the last), plus a "Show all" button when
 * trimmed and `showAll` names the digest (`{ subscriptionId, localDate }`; `localDate: 'next'`
 * for a preview) or gives the button's customId (a follow alert).
 */
export function renderDigestMessage(
  m: DigestMessage,
  showAll?: { subscriptionId: number; localDate: string } | { customId: string } | null,
  opts: { feedback?: number } = {},
): Reply {
  const chunks = m.chunks.length ? m.chunks : [m.intro ?? 'No new papers matched this digest today.'];
  const embeds: APIEmbed[] = chunks.map((chunk, i) => ({ ...(i === 0 ? { title: m.title } : {}), description: chunk, color: COLORS.digest }));
  const last = embeds[embeds.length - 1];
  if (m.footer && last) last.footer = { text: m.footer };
  const out: Reply = { content: m.content, embeds };
  if (m.showAllNeeded && showAll) {
    const button = new ButtonBuilder()
      .setCustomId('customId' in showAll ? showAll.customId : showAllId(showAll.subscriptionId, showAll.localDate))
      .setLabel(`Show all ${m.total}`)
      .setStyle(ButtonStyle.Secondary);
    out.components = [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON() as MessageRow];
  }
  // 👍/👎 under every shown paper of a digest (below "Show all"), for its subscription's ranking.
  if (opts.feedback !== undefined && !m.empty) {
    const rows = feedbackRows(m, opts.feedback, 5 - (out.components?.length ?? 0));
    if (rows.length) out.components = [...(out.components ?? []), ...rows];
  }
  return finish(out);
}

/**
 * Posts one message to a channel (a guild channel or a DM channel) with `nonce` and
 * `enforce_nonce: true`; failures after which retrying cannot help become `DigestSendError`s with
 * `retryable: false`. What digests and follow alerts share.
 */
export async function postWithNonce(client: Client, channelId: string, payload: Reply, nonce: string, what: string): Promise<string> {
  let channel;
  try {
    channel = await client.channels.fetch(channelId);
  } catch (err) {
    throw classify(err, channelId, what);
  }
  if (!channel || !channel.isSendable()) {
    throw new DigestSendError(`channel ${channelId} is not a channel I can post in`, { retryable: false });
  }
  try {
    const posted = await channel.send({ ...payload, nonce, enforceNonce: true, allowedMentions: { parse: [] } });
    return posted.id;
  } catch (err) {
    throw classify(err, channelId, what);
  }
}

export class DiscordDigestSender implements DigestSender {
  private readonly client: Client;
  private readonly logger: Logger;

  constructor(client: Client, logger: Logger) {
    this.client = client;
    this.logger = logger.child({ component: 'digest-sender' });
  }

  async send(subscription: Subscription, message: DigestMessage, nonce: string): Promise<string[]> {
    const payload = renderDigestMessage(message, { subscriptionId: subscription.id, localDate: message.localDate }, { feedback: subscription.id });
    const id = await postWithNonce(this.client, subscription.channelId, payload, nonce, 'the digest');
    this.logger.debug({ subscriptionId: subscription.id, messageId: id, nonce }, 'digest posted');
    return [id];
  }
}

/** Follow alerts, delivered exactly as personal digests are (the follower's DM channel, nonce, same failures). */
export class DiscordFollowSender implements FollowSender {
  private readonly client: Client;
  private readonly logger: Logger;

  constructor(client: Client, logger: Logger) {
    this.client = client;
    this.logger = logger.child({ component: 'follow-sender' });
  }

  async send(alert: FollowAlert, message: DigestMessage): Promise<string[]> {
    const payload = renderDigestMessage(message, { customId: followShowAllId(alert.id) });
    const id = await postWithNonce(this.client, alert.channelId, payload, alert.nonce, 'the follow alert');
    this.logger.debug({ alertId: alert.id, userId: alert.userId, messageId: id, nonce: alert.nonce }, 'follow alert posted');
    return [id];
  }
}
