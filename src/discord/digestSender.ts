/**
 * Posts digests to Discord: one message per digest, with the scheduler's deterministic `nonce`
 * and `enforce_nonce: true`, so a re-send of the same digest (after a crash between posting and
 * recording) is deduplicated by Discord instead of appearing twice.
 */
import { DiscordAPIError, RESTJSONErrorCodes, type Client } from 'discord.js';
import type { Logger } from 'pino';
import type { DigestMessage } from '../digest/format.ts';
import { DigestSendError, type DigestSender } from '../digest/scheduler.ts';
import type { Subscription } from '../store/types.ts';
import { renderDigest } from './render.ts';

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
    try {
      const posted = await channel.send({ ...renderDigest(message), nonce, enforceNonce: true, allowedMentions: { parse: [] } });
      this.logger.debug({ subscriptionId: subscription.id, messageId: posted.id, nonce }, 'digest posted');
      return [posted.id];
    } catch (err) {
      throw classify(err, subscription.channelId);
    }
  }
}
