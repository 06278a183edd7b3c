/**
 * Types shared by the Discord layer: what a command module exports (`Command`), what handlers
 * return (`Outcome`: the router does the acknowledging), and the context they get (`BotContext`).
 */
import type {
  APIActionRowComponent,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIModalInteractionResponseCallbackData,
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from 'pino';
import type { Engine } from '../conversation/engine.ts';
import type { LoadedCorpus } from '../corpusService.ts';
import type { FollowAlerter } from '../digest/followAlerts.ts';
import type { DigestScheduler } from '../digest/scheduler.ts';
import type { Library } from '../search/library.ts';
import type { Store } from '../store/store.ts';
import type { Choice } from './limits.ts';
import type { RateLimiter } from './rateLimit.ts';
import type { StateStore } from './state.ts';

export type MessageRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A file sent with a message (an embed shows it as `attachment://<name>`); discord.js's `AttachmentPayload` shape. */
export interface ReplyFile {
  /** File name, ASCII without spaces (it is part of the `attachment://` URL). */
  name: string;
  attachment: Buffer;
  /** Alt text. */
  description?: string;
}

/** A message the bot sends (pure data: render functions build it, the router sends it). */
export interface Reply {
  content?: string;
  embeds?: APIEmbed[];
  components?: MessageRow[];
  /** Attached files (sent as multipart); an edit replaces the message's attachments with these. */
  files?: ReplyFile[];
  /** Only the invoking user sees it (flag 64). */
  ephemeral?: boolean;
}

/**
 * What a handler asks the router to do. `reply`: a new message (the interaction response);
 * `update`: edit the message the component is on; `modal`: open a modal (must be the first response).
 */
export type Outcome =
  | { type: 'reply'; reply: Reply }
  | { type: 'update'; reply: Reply }
  | { type: 'modal'; modal: APIModalInteractionResponseCallbackData };

export const reply = (r: Reply): Outcome => ({ type: 'reply', reply: r });
export const update = (r: Reply): Outcome => ({ type: 'update', reply: r });
export const ephemeral = (content: string): Outcome => ({ type: 'reply', reply: { content, ephemeral: true } });

/** What commands and component handlers may use. */
export interface BotContext {
  readonly engine: Engine;
  /** The corpus as last loaded (library, files, load time). */
  corpus(): LoadedCorpus;
  /**
   * While the first library is loading (the bot is online meanwhile), what to tell a user who
   * asks something; null once it is there. Absent: always there.
   */
  loading?(): string | null;
  readonly store: Store;
  /** Null on shards that do not run digests. */
  readonly scheduler: DigestScheduler | null;
  /** `/follow` alerts; null on shards that do not run digests (follows are still stored). */
  readonly follows: FollowAlerter | null;
  /** Paging/selection state that must survive restarts (SQLite kv). */
  readonly state: StateStore;
  /** Commands, questions and mentions. */
  readonly rateLimiter: RateLimiter;
  /** Button presses and menu selections (cheap, frequent: paging must not use up a person's questions). */
  readonly componentRateLimiter: RateLimiter;
  readonly logger: Logger;
  readonly startedAt: Date;
  now(): Date;
}

export function libraryOf(ctx: BotContext): Library {
  return ctx.engine.lib;
}

export type ComponentInteraction = MessageComponentInteraction | ModalSubmitInteraction;

/** A handler for components whose customId is `<namespace>:<action>:<args…>`. */
export interface ComponentHandler {
  /**
   * How to acknowledge when the work takes longer than ~2 s: defer an update of the message, or a
   * new reply; `modal`: the handler opens a modal (never deferred, a modal must be the first response).
   */
  ack: 'update' | 'reply' | 'modal';
  /** Whether a deferred reply is ephemeral. */
  ephemeral?: boolean;
  /**
   * Usable by anyone who can see the message, whatever the command's default member permissions
   * (e.g. "Show all" on a digest posted in a channel). Default: gated like the command.
   */
  public?: boolean;
  run(interaction: ComponentInteraction, args: string[], ctx: BotContext): Outcome | Promise<Outcome>;
}

/** One slash command: its definition (`data`, built with discord.js builders), behaviour, and components. */
export interface Command {
  data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Whether a deferred reply (slow answers) should be ephemeral. */
  ephemeral?: boolean;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Outcome | Promise<Outcome>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Choice[] | Promise<Choice[]>;
  /** Component handlers by action, for customIds `<data.name>:<action>:…`. */
  components?: Record<string, ComponentHandler>;
}

type SubcommandHandler = (interaction: ChatInputCommandInteraction, ctx: BotContext) => Outcome | Promise<Outcome>;

/** `execute` for a command made of subcommands: runs the handler named by the subcommand. */
export function bySubcommand(command: string, handlers: Record<string, SubcommandHandler>): Command['execute'] {
  return (interaction, ctx) => {
    const handler = handlers[interaction.options.getSubcommand(true)];
    return handler ? handler(interaction, ctx) : ephemeral(`Unknown /${command} subcommand.`);
  };
}
