/**
 * Follow-ups by message, without privileged intents: a guild message that @mentions the bot or
 * replies to one of its messages, and any DM, is answered by the engine as a reply to that
 * message in the same channel. Discord delivers the text of such messages without the Message
 * Content intent — except a reply that turned its ping off, which arrives empty: then we say so.
 */
import type { Client, Message } from 'discord.js';
import type { Logger } from 'pino';
import { conversationKey } from '../conversation/memory.ts';
import { RESET_TEXT } from './followUp.ts';
import { clampContent } from './limits.ts';
import { rateLimitMessage } from './rateLimit.ts';
import { renderAnswer } from './render.ts';
import { errorFields, errorMessage, RESTARTING_MESSAGE, type Tracker } from './router.ts';
import { neutralizeMentions } from './text.ts';
import { libraryOf, type BotContext, type Reply } from './types.ts';

export const NO_CONTENT_MESSAGE = "I can't read replies that turn the @mention off. Keep the mention on (or use `/ask`) and I'll answer.";
export const EMPTY_MENTION_MESSAGE = 'Yes? Ask me about a paper, an author or a topic — e.g. “who wrote GPipe?”. `/help` lists everything.';

/** Strips mentions of the bot (`<@id>`, `<@!id>`) from a message's text. */
export function stripBotMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

export class MessageHandler {
  private readonly ctx: BotContext;
  private readonly client: Client;
  private readonly tracker: Tracker;
  private readonly logger: Logger;

  constructor(ctx: BotContext, client: Client, tracker: Tracker) {
    this.ctx = ctx;
    this.client = client;
    this.tracker = tracker;
    this.logger = ctx.logger;
  }

  /** Entry point for `Events.MessageCreate`. Never throws. */
  handle(message: Message): Promise<void> {
    if (!this.addressed(message)) return Promise.resolve();
    return this.tracker.track(
      this.answer(message).catch(async (err: unknown) => {
        this.logger.error({ ...errorFields(err, this.ctx.store.path), messageId: message.id, channelId: message.channelId, userId: message.author.id }, 'could not answer a message');
        await this.send(message, { content: clampContent(neutralizeMentions(errorMessage(err, message.id).text)) }).catch(() => undefined);
      }),
    );
  }

  /** Whether the message is for us: a DM, an explicit @mention, or a reply to one of our messages. */
  addressed(message: Message): boolean {
    const me = this.client.user;
    if (!me || message.author.bot || message.system || message.webhookId) return false;
    if (!message.inGuild()) return true;
    if (message.mentions.users.has(me.id)) return true;
    return message.reference?.messageId !== undefined && message.mentions.repliedUser?.id === me.id;
  }

  private async send(message: Message, r: Reply): Promise<void> {
    await message.reply({
      ...(r.content !== undefined ? { content: r.content } : {}),
      ...(r.embeds ? { embeds: r.embeds } : {}),
      ...(r.components ? { components: r.components } : {}),
      allowedMentions: { parse: [] },
      failIfNotExists: false,
    });
  }

  private async answer(message: Message): Promise<void> {
    const log = this.logger.child({ messageId: message.id, channelId: message.channelId, userId: message.author.id });
    if (!this.tracker.accepting) {
      await this.send(message, { content: RESTARTING_MESSAGE });
      return;
    }
    const wait = this.ctx.loading?.();
    if (wait) {
      await this.send(message, { content: wait });
      return;
    }
    const limited = this.ctx.rateLimiter.take(message.author.id);
    if (!limited.ok) {
      log.info({ retryAfterMs: limited.retryAfterMs }, 'rate limited');
      await this.send(message, { content: rateLimitMessage(limited.retryAfterMs) });
      return;
    }
    const text = stripBotMention(message.content, this.client.user!.id);
    if (!text) {
      const isReply = message.reference?.messageId !== undefined;
      await this.send(message, { content: isReply && !message.mentions.users.has(this.client.user!.id) ? NO_CONTENT_MESSAGE : EMPTY_MENTION_MESSAGE });
      return;
    }
    const key = conversationKey({ channelId: message.channelId, userId: message.author.id, dm: !message.inGuild() });
    const answer = this.ctx.engine.ask(text, key);
    log.debug({ key, intent: answer.intent }, 'message answered');
    await this.send(message, answer.intent === 'reset' ? { content: RESET_TEXT } : renderAnswer(answer, libraryOf(this.ctx)));
  }
}
