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
 * - Database failures (locked by another process, read-only, gone) get a clear message saying
 *   nothing was changed; the log names the file and the SQLite code.
 * - When sending the answer fails even after discord.js's own retries, a short "could not deliver"
 *   message is tried where Discord still allows one (edit / follow-up / a late-enough reply).
 * - An answer not ready `answerTimeoutMs` after the interaction was created (default 12 s) is
 *   replaced by a short "took too long" message, so the deferred response is finished within 15 s.
 *   Autocomplete that is not ready ~2.5 s after creation answers with no choices.
 * - Commands registered with default member permissions are checked again at run time for
 *   autocomplete and components (the command's own `execute` checks and explains).
 * - Per-user token buckets limit commands and components (not autocomplete); components have their own, looser one.
 * - On shutdown, new interactions get "restarting" and in-flight ones are awaited (`Tracker`).
 */
import {
  DiscordAPIError,
  HTTPError,
  MessageFlags,
  RateLimitError,
  RESTJSONErrorCodes,
  type AutocompleteInteraction,
  type CommandInteractionOption,
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
import { escapeEchoes, neutralizeMentions } from './text.ts';
import type { BotContext, Command, Outcome, Reply } from './types.ts';

export const RESTARTING_MESSAGE = "I'm restarting — please try again in a moment.";
export const EXPIRED_MESSAGE = 'This button has expired. Please run the command again.';
export const UNDELIVERED_MESSAGE = "Sorry, I couldn't deliver that answer (Discord didn't accept it). Please try again.";
export const TOO_SLOW_MESSAGE = 'Sorry, that took too long to answer. Please try again in a moment.';
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

export type DatabaseProblem = 'locked' | 'readonly' | 'unavailable';

/** Whether `err` is a database failure (a SQLite error or the store's `StoreError`), and which kind. */
export function databaseProblem(err: unknown): DatabaseProblem | null {
  const e = err as { name?: unknown; code?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'StoreError') return code === 'locked' ? 'locked' : code === 'unwritable' ? 'readonly' : 'unavailable';
  if (!code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') return 'readonly';
  return 'unavailable';
}

const DATABASE_MESSAGES: Record<DatabaseProblem, string> = {
  locked: "I couldn't save that: my database is busy (another program is holding a lock on it). Nothing was changed — please try again in a minute.",
  readonly: "I couldn't save that: my database is read-only right now. Nothing was changed; the bot's operator has been told.",
  unavailable: "I couldn't reach my database just now. Nothing was changed; the bot's operator has been told.",
};

/** The text shown for an error: a UserError's message as is, a database problem explained, otherwise a generic one. */
export function errorMessage(err: unknown, ref: string): { text: string; expected: boolean } {
  if (isUserError(err)) return { text: err.message, expected: true };
  const db = databaseProblem(err);
  if (db) return { text: `${DATABASE_MESSAGES[db]} (ref ${ref})`, expected: false };
  return { text: `Sorry, something went wrong on my side. It has been logged (ref ${ref}).`, expected: false };
}

/** Log fields for an error: for database failures the SQLite code and the file. */
export function errorFields(err: unknown, dbPath?: string): Record<string, unknown> {
  const db = databaseProblem(err);
  if (!db) return { err };
  const e = err as { code?: unknown; path?: unknown };
  const path = typeof e.path === 'string' ? e.path : dbPath;
  return { err, database: db, code: e.code, ...(path ? { path } : {}) };
}

/** Discord said the interaction can no longer be answered (expired or already answered): nothing more to try. */
function isFinal(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.UnknownInteraction || err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged);
}

/** What the user typed into an interaction: string option values and modal fields. */
export function typedValues(i: Interaction): string[] {
  const out: string[] = [];
  const walk = (opts: readonly CommandInteractionOption[]): void => {
    for (const o of opts) {
      if (typeof o.value === 'string') out.push(o.value);
      if (o.options) walk(o.options);
    }
  };
  if (i.isChatInputCommand() || i.isAutocomplete()) walk(i.options.data);
  if (i.isModalSubmit()) {
    for (const f of i.fields.fields.values()) {
      const value = (f as { value?: unknown }).value;
      if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}

/** No HTTP answer at all (connection dropped or reset, timeout): the request may be tried again. */
function isNetworkFailure(err: unknown): boolean {
  return err instanceof Error && !(err instanceof DiscordAPIError) && !(err instanceof HTTPError) && !(err instanceof RateLimitError);
}

/** Discord's initial-response window (3 s) minus a margin. */
const REPLY_WINDOW_MS = 2800;

function replyOptions(r: Reply): InteractionReplyOptions {
  const o: InteractionReplyOptions = { allowedMentions: NO_MENTIONS };
  if (r.content !== undefined) o.content = r.content;
  if (r.embeds) o.embeds = r.embeds;
  if (r.components) o.components = r.components;
  if (r.files?.length) o.files = r.files; // multipart parts `files[n]`, declared in `attachments` with their alt text
  if (r.ephemeral) o.flags = MessageFlags.Ephemeral;
  return o;
}

/** Replaces the whole message (content, embeds, components, attachments: the old ones are dropped). */
function editOptions(r: Reply): InteractionEditReplyOptions & InteractionUpdateOptions {
  const o: InteractionEditReplyOptions & InteractionUpdateOptions = { content: r.content ?? '', embeds: r.embeds ?? [], components: r.components ?? [], attachments: [], allowedMentions: NO_MENTIONS };
  if (r.files?.length) o.files = r.files;
  return o;
}

type Ack = 'reply' | 'update' | 'modal';

const LATE_MODAL: Reply = { content: 'Sorry, that took too long to open. Please try again.', ephemeral: true };

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

  /**
   * Defers after `ms` unless an answer was sent before. A modal must be the first response and
   * cannot be deferred: when it is not ready `ms` + 500 ms, a short "took too long" reply
   * acknowledges the interaction instead (the modal, when ready, is dropped).
   */
  armDefer(ms: number): void {
    if (this.ack === 'modal') {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.giveUp().catch((err: unknown) => this.logger.warn({ err, interactionId: this.interaction.id }, 'could not acknowledge the interaction'));
      }, ms + 500);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.defer().catch((err: unknown) => this.logger.warn({ err, interactionId: this.interaction.id }, 'could not defer the interaction'));
    }, ms);
  }

  private gaveUp = false;

  /** Acknowledges a modal-opening interaction that is too slow with a short ephemeral reply. */
  private giveUp(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'none') return;
      this.logger.warn({ interactionId: this.interaction.id }, 'the modal was not ready in time; replied instead');
      await this.interaction.reply(replyOptions(LATE_MODAL));
      this.state = 'done';
      this.gaveUp = true;
    });
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

  /** Whether an answer may still be sent: a deferred response (15 min token), or a first reply within the 3 s window. */
  canStillAnswer(): boolean {
    if (this.state === 'done') return false;
    return this.state !== 'none' || Date.now() - this.interaction.createdTimestamp <= REPLY_WINDOW_MS;
  }

  /**
   * After `send` failed for good (discord.js already retried): tells the user with a short message
   * where Discord still allows one — editing the deferred response (else a follow-up), or a reply
   * while the 3 s window is open. True when something was delivered.
   */
  apologize(failure: unknown, text: string = UNDELIVERED_MESSAGE): Promise<boolean> {
    this.disarm();
    return this.enqueue(async () => {
      if (isFinal(failure)) return false;
      const i = this.interaction;
      const short: Reply = { content: text, ephemeral: true };
      switch (this.state) {
        case 'none': {
          if (Date.now() - i.createdTimestamp > REPLY_WINDOW_MS) return false;
          await i.reply(replyOptions(short));
          break;
        }
        case 'deferred-reply':
          try {
            await i.editReply(editOptions(short));
          } catch {
            await i.followUp(replyOptions(short));
          }
          break;
        case 'deferred-update':
          await i.followUp(replyOptions(short));
          break;
        case 'done':
          return false;
      }
      this.state = 'done';
      return true;
    });
  }

  private async doSend(outcome: Outcome): Promise<void> {
    const i = this.interaction;
    const late = LATE_MODAL;
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
        if (this.gaveUp) return; // the user was already told it took too long
        await i.followUp(replyOptions(outcome.type === 'modal' ? late : outcome.reply));
        break;
    }
    this.state = 'done';
  }
}

export interface RouterOptions {
  /** Defer when no answer is ready this long after the interaction was created (default 2000 ms). */
  deferAfterMs?: number;
  /** Replace an answer not ready this long after creation by a short "took too long" (default 12 000 ms). */
  answerTimeoutMs?: number;
  /** Answer autocomplete with no choices when not ready this long after creation (default 2500 ms). */
  autocompleteDeadlineMs?: number;
  /**
   * Test hook: awaited before an interaction's answer is computed (e.g. a forced delay to exercise
   * the defer-then-edit path). Not set in production.
   */
  beforeAnswer?: (interaction: Interaction) => void | Promise<void>;
}

export class Router {
  readonly commands: ReadonlyMap<string, Command>;
  readonly tracker: Tracker;
  deferAfterMs: number;
  answerTimeoutMs: number;
  autocompleteDeadlineMs: number;
  beforeAnswer: RouterOptions['beforeAnswer'];
  private readonly ctx: BotContext;
  /** Default member permissions of each command (null: everyone). */
  private readonly required = new Map<string, bigint | null>();

  constructor(ctx: BotContext, commands: readonly Command[], tracker: Tracker, options: RouterOptions = {}) {
    this.ctx = ctx;
    this.commands = new Map(commands.map((c) => [c.data.name, c]));
    for (const c of commands) {
      const perms = c.data.toJSON().default_member_permissions;
      this.required.set(c.data.name, perms ? BigInt(perms) : null);
    }
    this.tracker = tracker;
    this.deferAfterMs = options.deferAfterMs ?? 2000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 12_000;
    this.autocompleteDeadlineMs = options.autocompleteDeadlineMs ?? 2500;
    this.beforeAnswer = options.beforeAnswer;
  }

  private dbPath(): string | undefined {
    try {
      return this.ctx.store.path;
    } catch {
      return undefined;
    }
  }

  /** Whether the invoker has the command's default member permissions (Discord hides the command otherwise; checked again here). */
  private permitted(i: Interaction, command: string): boolean {
    const need = this.required.get(command);
    if (!need) return true;
    if (!i.inGuild()) return false;
    return i.memberPermissions?.has(need) === true;
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
    const wait = this.ctx.loading?.();
    if (wait) {
      log.info('still loading the corpus; asked to wait');
      await i.reply(replyOptions({ content: wait, ephemeral: true }));
      return;
    }
    // Presses of buttons and menus draw on their own, looser bucket: paging never uses up questions.
    const limiter = i.isMessageComponent() ? this.ctx.componentRateLimiter : this.ctx.rateLimiter;
    const limited = limiter.take(i.user.id);
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
      run = async () => {
        await this.beforeAnswer?.(i);
        return cmd.execute(i, this.ctx);
      };
    } else if (i.isMessageComponent() || i.isModalSubmit()) {
      const parsed = this.ctx.state.parseCustomId(i.customId);
      const handler = parsed ? this.commands.get(parsed.namespace)?.components?.[parsed.action] : undefined;
      if (!parsed || !handler) {
        log.info('component without handler (expired or unknown)');
        await i.reply(replyOptions({ content: EXPIRED_MESSAGE, ephemeral: true }));
        return;
      }
      if (!handler.public && !this.permitted(i, parsed.namespace)) {
        log.warn('component used without the command\'s default member permissions');
        await i.reply(replyOptions({ content: "You don't have the permissions this needs.", ephemeral: true }));
        return;
      }
      ack = handler.ack;
      ephemeralDefer = handler.ephemeral === true;
      run = async () => {
        await this.beforeAnswer?.(i);
        return handler.run(i, parsed.args, this.ctx);
      };
    } else {
      await i.reply(replyOptions({ content: "I can't handle that kind of interaction.", ephemeral: true }));
      return;
    }

    const responder = new Responder(i, ack, ephemeralDefer, log);
    const age = Math.max(0, Date.now() - i.createdTimestamp);
    if (age >= this.deferAfterMs && ack !== 'modal') await responder.defer().catch((err: unknown) => log.warn({ err }, 'could not defer the interaction'));
    else responder.armDefer(Math.max(0, this.deferAfterMs - age));
    const started = Date.now();
    let outcome: Outcome;
    let timer: NodeJS.Timeout | undefined;
    try {
      const tooSlow = new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ ms: Date.now() - started }, 'answer took too long; sent a short message instead');
          resolve({ type: 'reply', reply: { content: TOO_SLOW_MESSAGE, ephemeral: true } });
        }, Math.max(1000, this.answerTimeoutMs - age)); // at least 1 s: the creation time comes from Discord's clock
      });
      outcome = await Promise.race([Promise.resolve().then(run), tooSlow]);
    } catch (err) {
      const { text, expected } = errorMessage(err, i.id);
      if (expected) log.info({ err: (err as Error).message }, 'user error');
      else log.error(errorFields(err, this.dbPath()), 'interaction failed');
      // User errors may quote the input: escape it there, whoever wrote the message.
      outcome = { type: 'reply', reply: { content: clampContent(neutralizeMentions(escapeEchoes(text, typedValues(i)))), ephemeral: true } };
    } finally {
      clearTimeout(timer);
    }
    try {
      try {
        await responder.send(outcome);
      } catch (err) {
        // A dropped connection is not retried by discord.js: try once more while Discord still accepts it.
        if (!isNetworkFailure(err) || !responder.canStillAnswer()) throw err;
        log.warn({ err }, 'sending the answer failed without a response from Discord; trying once more');
        await responder.send(outcome);
      }
      log.debug({ ms: Date.now() - started, ack: responder.acknowledged }, 'interaction answered');
    } catch (err) {
      log.error({ err }, 'could not respond to the interaction');
      const told = await responder.apologize(err).catch((e: unknown) => {
        log.warn({ err: e }, 'could not tell the user either');
        return false;
      });
      if (told) log.info('told the user the answer could not be delivered');
    }
  }

  private async autocomplete(i: AutocompleteInteraction, log: Logger): Promise<void> {
    if (!this.tracker.accepting || !this.permitted(i, i.commandName) || this.ctx.loading?.()) {
      await i.respond([]).catch(() => undefined);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const cmd = this.commands.get(i.commandName);
      const work = (async () => {
        await this.beforeAnswer?.(i);
        return cmd?.autocomplete ? await cmd.autocomplete(i, this.ctx) : [];
      })();
      // Autocomplete cannot be deferred: past the deadline, answer with no choices (at least 250 ms, in case of clock skew).
      const budget = Math.max(250, this.autocompleteDeadlineMs - Math.max(0, Date.now() - i.createdTimestamp));
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), budget)));
      const choices = await Promise.race([work, late]);
      if (choices === null) {
        work.catch(() => undefined);
        log.warn({ budgetMs: budget }, 'autocomplete too slow; answered with no choices');
      }
      await i.respond(clampChoices(choices ?? []));
    } catch (err) {
      log.error(errorFields(err, this.dbPath()), 'autocomplete failed');
      if (!i.responded) await i.respond([]).catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
  }
}
