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
 * all, ephemerally, for whoever presses it. A digest is never split into several messages (see
 * `src/digest/format.ts`), so the run row records exactly one message id.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, RESTJSONErrorCodes, type APIEmbed, type Client } from 'discord.js';
import type { Logger } from 'pino';
import type { DigestMessage } from '../digest/format.ts';
import { DigestSendError, type DigestSender } from '../digest/scheduler.ts';
import type { Subscription } from '../store/types.ts';
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

function classify(err: unknown, channelId: string): Error {
  if (err instanceof DiscordAPIError && typeof err.code === 'number' && PERMANENT.has(err.code)) {
    return new DigestSendError(`cannot post the digest to channel ${channelId}: ${err.message} (${err.code})`, { retryable: false, cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** customId of the "Show all" button: `digest:all:<subscription id>:<local date | next>`. */
export function showAllId(subscriptionId: number, localDate: string): string {
  return `digest:all:${subscriptionId}:${localDate}`;
}

/**
 * A digest as one Discord message: `content` = heading + full titles (one per line), embeds =
 * details (the first embed titled, the footer on the last), plus a "Show all" button when
 * trimmed and `showAll` names the digest (`{ subscriptionId, localDate }`; `localDate: 'next'`
 * for a preview).
 */
export function renderDigestMessage(m: DigestMessage, showAll?: { subscriptionId: number; localDate: string } | null): Reply {
  const chunks = m.chunks.length ? m.chunks : [m.intro ?? 'No new papers matched this digest today.'];
  const embeds: APIEmbed[] = chunks.map((chunk, i) => ({ ...(i === 0 ? { title: m.title } : {}), description: chunk, color: COLORS.digest }));
  const last = embeds[embeds.length - 1];
  if (m.footer && last) last.footer = { text: m.footer };
  const out: Reply = { content: m.content, embeds };
  if (m.showAllNeeded && showAll) {
    const button = new ButtonBuilder()
      .setCustomId(showAllId(showAll.subscriptionId, showAll.localDate))
      .setLabel(`Show all ${m.total}`)
      .setStyle(ButtonStyle.Secondary);
    out.components = [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON() as MessageRow];
  }
  return finish(out);
}

export class DiscordDigestSender implements DigestSender {
  private readonly client: Client;
  private readonly logger: Logger;

  constructor(client: Client, logger: Logger) {
    this.client = client;
    this.logger = logger.child({ component: 'digest-sender' });
  }

  async send(subscription: Subscription, message: DigestMessage, nonce: string): Promise<string[]> {
    let channel;
    try {
      channel = await this.client.channels.fetch(subscription.channelId);
    } catch (err) {
      throw classify(err, subscription.channelId);
    }
    if (!channel || !channel.isSendable()) {
      throw new DigestSendError(`channel ${subscription.channelId} is not a channel I can post in`, { retryable: false });
    }
    const payload = renderDigestMessage(message, { subscriptionId: subscription.id, localDate: message.localDate });
    try {
      const posted = await channel.send({ ...payload, nonce, enforceNonce: true, allowedMentions: { parse: [] } });
      this.logger.debug({ subscriptionId: subscription.id, messageId: posted.id, nonce }, 'digest posted');
      return [posted.id];
    } catch (err) {
      throw classify(err, subscription.channelId);
    }
  }
}
