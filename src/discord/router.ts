/**
 * Interaction routing and acknowledgement discipline.
 *
 * - Slash commands go to their `Command.execute`, autocomplete to `Command.autocomplete`, buttons,
 *   selects and modal submits to `Command.components[action]` by customId `<namespace>:<action>:…`.
 * - Handlers return an `Outcome`; the `Responder` acknowledges exactly once: directly when the
 *   answer is ready in time, otherwise it defers ~2 s after the interaction was created (or at
 *   once when it arrived late) and then edits the original response.
 * - Errors become a short ephemeral message (a `UserError`'s text as is, otherwise a generic one
 *   with a reference) and are logged with the interaction id.
 * - A per-user token bucket limits commands and components (not autocomplete).
 * - On shutdown, new interactions get "restarting" and in-flight ones are awaited (`Tracker`).
 */
import {
  MessageFlags,
  type AutocompleteInteraction,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type InteractionUpdateOptions,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from 'pino';
import { isUserError } from '../errors.ts';
import { clampChoices, clampContent } from './limits.ts';
import { rateLimitMessage } from './rateLimit.ts';
import { neutralizeMentions } from './text.ts';
import type { BotContext, Command, Outcome, Reply } from './types.ts';

export const RESTARTING_MESSAGE = "I'm restarting — please try again in a moment.";
export const EXPIRED_MESSAGE = 'This button has expired. Please run the command again.';
const NO_MENTIONS = { parse: [] as [] };

/** Counts work in progress and says whether new work is accepted (shared by interactions and messages). */
export class Tracker {
  private readonly inFlight = new Set<Promise<unknown>>();
  accepting = true;

  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = (): void => void this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  get size(): number {
    return this.inFlight.size;
  }

  /** Waits for in-flight work (at most `timeoutMs`); true when everything finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, left)))]);
      if (timer) clearTimeout(timer);
    }
    return true;
  }
}

/** The text shown for an error: a UserError's message as is, otherwise a generic one. */
export function errorMessage(err: unknown, ref: string): { text: string; expected: boolean } {
  if (isUserError(err)) return { text: err.message, expected: true };
  return { text: `Sorry, something went wrong on my side. It has been logged (ref ${ref}).`, expected: false };
}

function replyOptions(r: Reply): InteractionReplyOptions {
  const o: InteractionReplyOptions = { allowedMentions: NO_MENTIONS };
  if (r.content !== undefined) o.content = r.content;
  if (r.embeds) o.embeds = r.embeds;
  if (r.components) o.components = r.components;
  if (r.ephemeral) o.flags = MessageFlags.Ephemeral;
  return o;
}

/** Replaces the whole message (content, embeds, components). */
function editOptions(r: Reply): InteractionEditReplyOptions & InteractionUpdateOptions {
  return { content: r.content ?? '', embeds: r.embeds ?? [], components: r.components ?? [], allowedMentions: NO_MENTIONS };
}

type Ack = 'reply' | 'update' | 'modal';

const canUpdate = (i: RepliableInteraction): boolean => i.isMessageComponent() || (i.isModalSubmit() && i.isFromMessage());

/** Acknowledges one interaction exactly once (defer + edit when slow). Operations are serialised. */
export class Responder {
  private state: 'none' | 'deferred-reply' | 'deferred-update' | 'done' = 'none';
  private deferredEphemeral = false;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly interaction: RepliableInteraction;
  private readonly ack: Ack;
  private readonly ephemeralDefer: boolean;
  private readonly logger: Logger;

  constructor(interaction: RepliableInteraction, ack: Ack, ephemeralDefer: boolean, logger: Logger) {
    this.interaction = interaction;
    this.ack = ack;
    this.ephemeralDefer = ephemeralDefer;
    this.logger = logger;
  }

  get acknowledged(): string {
    return this.state;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Defers after `ms` unless an answer was sent before. */
  armDefer(ms: number): void {
    if (this.ack === 'modal') return; // a modal must be the first response: never defer
    this.timer = setTimeout(() => {
      this.timer = null;
      this.defer().catch((err: unknown) => this.logger.warn({ err, interactionId: this.interaction.id }, 'could not defer the interaction'));
    }, ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  defer(): Promise<void> {
    this.disarm();
    return this.enqueue(async () => {
      if (this.state !== 'none' || this.ack === 'modal') return;
      const i = this.interaction;
      if (this.ack === 'update' && canUpdate(i) && (i.isMessageComponent() || i.isModalSubmit())) {
        await i.deferUpdate();
        this.state = 'deferred-update';
      } else {
        await i.deferReply(this.ephemeralDefer ? { flags: MessageFlags.Ephemeral } : {});
        this.state = 'deferred-reply';
        this.deferredEphemeral = this.ephemeralDefer;
      }
    });
  }

  send(outcome: Outcome): Promise<void> {
    this.disarm();
    return this.enqueue(() => this.doSend(outcome));
  }

  private async doSend(outcome: Outcome): Promise<void> {
    const i = this.interaction;
    const late = { content: 'Sorry, that took too long to open. Please try again.', ephemeral: true };
    switch (this.state) {
      case 'none': {
        if (outcome.type === 'modal') {
          if (i.isModalSubmit()) await i.reply(replyOptions(late));
          else await i.showModal(outcome.modal);
        } else if (outcome.type === 'update' && i.isMessageComponent()) {
          await i.update(editOptions(outcome.reply));
        } else if (outcome.type === 'update' && i.isModalSubmit() && i.isFromMessage()) {
          await i.update(editOptions(outcome.reply));
        } else {
          await i.reply(replyOptions(outcome.reply));
        }
        break;
      }
      case 'deferred-update': {
        if (outcome.type === 'update') await i.editReply(editOptions(outcome.reply));
        else await i.followUp(replyOptions(outcome.type === 'modal' ? late : outcome.reply));
        break;
      }
      case 'deferred-reply': {
        const r = outcome.type === 'modal' ? late : outcome.reply;
        if (r.ephemeral && !this.deferredEphemeral) {
          // A public "thinking…" cannot become ephemeral: remove it and answer privately.
          await i.deleteReply().catch(() => undefined);
          await i.followUp(replyOptions(r));
        } else {
          await i.editReply(editOptions(r));
        }
        break;
      }
      case 'done':
        await i.followUp(replyOptions(outcome.type === 'modal' ? late : outcome.reply));
        break;
    }
    this.state = 'done';
  }
}

export interface RouterOptions {
  /** Defer when no answer is ready this long after the interaction was created (default 2000 ms). */
  deferAfterMs?: number;
}

export class Router {
  readonly commands: ReadonlyMap<string, Command>;
  readonly tracker: Tracker;
  deferAfterMs: number;
  private readonly ctx: BotContext;

  constructor(ctx: BotContext, commands: readonly Command[], tracker: Tracker, options: RouterOptions = {}) {
    this.ctx = ctx;
    this.commands = new Map(commands.map((c) => [c.data.name, c]));
    this.tracker = tracker;
    this.deferAfterMs = options.deferAfterMs ?? 2000;
  }

  /** Entry point for `Events.InteractionCreate`. Never throws. */
  handle(interaction: Interaction): Promise<void> {
    return this.tracker.track(
      this.dispatch(interaction).catch((err: unknown) => {
        this.ctx.logger.error({ err, interactionId: interaction.id }, 'interaction handling failed');
      }),
    );
  }

  private describe(i: Interaction): Record<string, unknown> {
    const base: Record<string, unknown> = { interactionId: i.id, userId: i.user.id, guildId: i.guildId, channelId: i.channelId };
    if (i.isChatInputCommand() || i.isAutocomplete()) base.command = i.commandName;
    if (i.isMessageComponent() || i.isModalSubmit()) base.customId = i.customId;
    return base;
  }

  private async dispatch(i: Interaction): Promise<void> {
    const log = this.ctx.logger.child(this.describe(i));
    if (i.isAutocomplete()) return this.autocomplete(i, log);
    if (!i.isRepliable()) return;
    if (!this.tracker.accepting) {
      await i.reply(replyOptions({ content: RESTARTING_MESSAGE, ephemeral: true }));
      return;
    }
    const limited = this.ctx.rateLimiter.take(i.user.id);
    if (!limited.ok) {
      log.info({ retryAfterMs: limited.retryAfterMs }, 'rate limited');
      await i.reply(replyOptions({ content: rateLimitMessage(limited.retryAfterMs), ephemeral: true }));
      return;
    }

    let ack: Ack = 'reply';
    let ephemeralDefer = false;
    let run: () => Outcome | Promise<Outcome>;
    if (i.isChatInputCommand()) {
      const cmd = this.commands.get(i.commandName);
      if (!cmd) {
        await i.reply(replyOptions({ content: `I don't know the command /${i.commandName} (any more).`, ephemeral: true }));
        return;
      }
      ephemeralDefer = cmd.ephemeral === true;
      run = () => cmd.execute(i, this.ctx);
    } else if (i.isMessageComponent() || i.isModalSubmit()) {
      const parsed = this.ctx.state.parseCustomId(i.customId);
      const handler = parsed ? this.commands.get(parsed.namespace)?.components?.[parsed.action] : undefined;
      if (!parsed || !handler) {
        log.info('component without handler (expired or unknown)');
        await i.reply(replyOptions({ content: EXPIRED_MESSAGE, ephemeral: true }));
        return;
      }
      ack = handler.ack;
      ephemeralDefer = handler.ephemeral === true;
      run = () => handler.run(i, parsed.args, this.ctx);
    } else {
      await i.reply(replyOptions({ content: "I can't handle that kind of interaction.", ephemeral: true }));
      return;
    }

    const responder = new Responder(i, ack, ephemeralDefer, log);
    const age = Math.max(0, Date.now() - i.createdTimestamp);
    if (ack !== 'modal') {
      if (age >= this.deferAfterMs) await responder.defer().catch((err: unknown) => log.warn({ err }, 'could not defer the interaction'));
      else responder.armDefer(this.deferAfterMs - age);
    }
    const started = Date.now();
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (err) {
      const { text, expected } = errorMessage(err, i.id);
      if (expected) log.info({ err: (err as Error).message }, 'user error');
      else log.error({ err }, 'interaction failed');
      outcome = { type: 'reply', reply: { content: clampContent(neutralizeMentions(text)), ephemeral: true } };
    }
    try {
      await responder.send(outcome);
      log.debug({ ms: Date.now() - started, ack: responder.acknowledged }, 'interaction answered');
    } catch (err) {
      log.error({ err }, 'could not respond to the interaction');
    }
  }

  private async autocomplete(i: AutocompleteInteraction, log: Logger): Promise<void> {
    if (!this.tracker.accepting) {
      await i.respond([]).catch(() => undefined);
      return;
    }
    try {
      const cmd = this.commands.get(i.commandName);
      const choices = cmd?.autocomplete ? await cmd.autocomplete(i, this.ctx) : [];
      await i.respond(clampChoices(choices));
    } catch (err) {
      log.error({ err }, 'autocomplete failed');
      if (!i.responded) await i.respond([]).catch(() => undefined);
    }
  }
}
