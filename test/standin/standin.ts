/**
 * DiscordStandin: one 127.0.0.1 HTTP server serving Discord's REST API under /api/v10 and the
 * gateway (WebSocket upgrade at /gateway and /gateway-resume), driven by a fixture world.
 * See index.ts for the overview of the public API.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIApplicationCommand, APIInteraction, APIMessage, APIUser } from 'discord.js';
import { Gateway, type SessionTarget } from './gateway.ts';
import { interactionToken, matchRoute, RestApi, type InteractionState, type RestContext } from './rest.ts';
import { SnowflakeGenerator } from './snowflake.ts';
import type {
  GatewayFrame,
  IdentifyRecord,
  InteractionResponseRecord,
  RecordedRequest,
  RestFault,
  ResumeRecord,
  RouteMatcher,
  SentInteraction,
  SessionInfo,
  StandinOptions,
} from './types.ts';
import { World, type FixtureUserName } from './world.ts';

/** A user: fixture name (`'alice'`), user id, or user object. */
export type UserRef = FixtureUserName | string | Pick<APIUser, 'id'>;

/** A command/autocomplete option value. Plain values are typed from the registered command
 * (if any), else inferred (string → STRING, integer → INTEGER, other number → NUMBER, boolean →
 * BOOLEAN). Use `{type, value}` to force a type, e.g. `{ type: 7, value: channelId }` for CHANNEL. */
export type OptionValue = string | number | boolean | { type: number; value: string | number | boolean };

/** Where/by whom an interaction happens. */
export interface InteractionContext {
  /** Invoking user (default `'carol'`, a plain member). */
  user?: UserRef;
  /** Guild id (default: the first fixture guild); `null` = in the bot's DM with the user. */
  guildId?: string | null;
  /** Channel id (default: the guild's `general` channel, or the user's DM channel). */
  channelId?: string;
  /** User locale (default `en-US`). */
  locale?: string;
  /** Deliver only to this gateway session (default: every live session responsible for the guild). */
  sessionId?: string;
}

export interface CommandContext extends InteractionContext {
  /** `'sub'` or `'group sub'`. */
  subcommand?: string;
  /** Command type (default 1 CHAT_INPUT; 2 USER / 3 MESSAGE context menus need `targetId`). */
  commandType?: number;
  /** Target user/message id for context-menu commands. */
  targetId?: string;
}

export interface AutocompleteContext extends CommandContext {
  /** Name of the focused option (its value is sent as the partial string the user typed). */
  focused: string;
}

export interface ComponentContext extends Omit<InteractionContext, 'guildId' | 'channelId'> {
  /** Skip the check that the message really carries a component with this custom_id. */
  unchecked?: boolean;
}

export interface ModalContext extends InteractionContext {
  /** The message the modal was opened from (automatically taken from the interaction that showed the modal). */
  message?: APIMessage | string;
}

export interface SendMessageOptions {
  content: string;
  /** Author (default `'carol'`). */
  author?: UserRef;
  /** Prefix `<@bot>` to the content (unless already present) and list the bot in `mentions`. */
  mentionsBot?: boolean;
  /** Reply to this message (object or id): sets message_reference/referenced_message, type 19. */
  referencedMessage?: APIMessage | string;
  /** When replying: does the reply ping the replied-to author (default true, Discord's default). */
  pingReplied?: boolean;
  /** Guild (default: first fixture guild). Ignored when `dm` is true. */
  guildId?: string;
  /** Channel (default: guild `general`, or the author's DM channel when `dm`). */
  channelId?: string;
  /** Send as a DM to the bot. */
  dm?: boolean;
  /** Attachments (metadata only). */
  attachments?: { filename: string; size?: number; contentType?: string }[];
  /** Deliver only to this gateway session. */
  sessionId?: string;
}

const INTENT = { GuildMessages: 1 << 9, DirectMessages: 1 << 12, MessageContent: 1 << 15 };
const OptType = { Subcommand: 1, SubcommandGroup: 2, String: 3, Integer: 4, Boolean: 5, User: 6, Channel: 7, Role: 8, Mentionable: 9, Number: 10, Attachment: 11 };
const ComponentTypeNum = { ActionRow: 1, Button: 2, StringSelect: 3, TextInput: 4, UserSelect: 5, RoleSelect: 6, MentionableSelect: 7, ChannelSelect: 8, TextDisplay: 10, Label: 18 };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Waiter {
  check: () => boolean;
  reject: (err: Error) => void;
}

export class DiscordStandin {
  /** The fixture world (users, guilds, channels, permissions). Mutable. */
  readonly world: World;
  /** The bot token to log in with (any non-empty token is accepted unless `validateToken`). */
  readonly token: string;
  readonly #opts: StandinOptions;
  readonly #server: Server;
  readonly #gateway: Gateway;
  readonly #rest: RestApi;
  readonly #restCtx: RestContext;
  readonly #ids = new SnowflakeGenerator(7);
  readonly #events = new EventEmitter();
  readonly #waiters = new Set<Waiter>();
  readonly #sentInteractions: SentInteraction[] = [];
  readonly #commandIds = new Map<string, string>();
  #port = 0;
  #stopped = false;

  private constructor(opts: StandinOptions) {
    this.#opts = opts;
    this.world = new World(opts.world ?? {});
    this.token = opts.token ?? `${Buffer.from(this.world.applicationId).toString('base64url')}.GstdIn.${randomBytes(27).toString('base64url')}`;
    this.#events.setMaxListeners(0);
    const log = opts.log ?? ((): void => {});
    const changed = (): void => this.#changed();
    this.#gateway = new Gateway({
      world: this.world,
      token: () => this.token,
      validateToken: opts.validateToken ?? false,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
      replayBufferSize: opts.replayBufferSize ?? 1000,
      resumeWindowMs: opts.resumeWindowMs ?? 120_000,
      disallowedIntents: opts.disallowedIntents ?? 0,
      resumeUrl: () => `ws://127.0.0.1:${this.#port}/gateway-resume`,
      changed,
      log,
    });
    this.#restCtx = {
      world: this.world,
      gateway: this.#gateway,
      token: () => this.token,
      validateToken: opts.validateToken ?? false,
      gatewayUrl: () => this.gatewayUrl,
      baseUrl: () => this.baseUrl,
      recommendedShards: opts.recommendedShards ?? 1,
      maxConcurrency: opts.maxConcurrency ?? 16,
      sessionStartTotal: opts.sessionStartTotal ?? 1000,
      interactionAckWindowMs: opts.interactionAckWindowMs ?? 3000,
      interactionTokenTtlMs: opts.interactionTokenTtlMs ?? 15 * 60_000,
      nonceWindowMs: opts.nonceWindowMs ?? 5 * 60_000,
      echoBotMessages: opts.echoBotMessages ?? true,
      ids: this.#ids,
      changed,
      log,
    };
    this.#rest = new RestApi(this.#restCtx);
    this.#server = createServer((req, res) => {
      void this.#rest.handle(req, res);
    });
    this.#server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/gateway' || path === '/gateway-resume' || path === '/gateway/') this.#gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    this.#server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Starts a stand-in on 127.0.0.1 (ephemeral port unless `opts.port`). */
  static async start(opts: StandinOptions = {}): Promise<DiscordStandin> {
    const s = new DiscordStandin(opts);
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      s.#server.listen(opts.port ?? 0, '127.0.0.1', () => {
        s.#server.off('error', reject);
        resolve();
      });
    });
    s.#port = (s.#server.address() as AddressInfo).port;
    return s;
  }

  /** Stops everything: terminates gateway connections, closes HTTP sockets, clears timers, rejects waiters. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const w of [...this.#waiters]) w.reject(new Error('standin stopped'));
    this.#waiters.clear();
    this.#events.removeAllListeners();
    this.#rest.stop();
    await this.#gateway.stop();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Changes REST timing/behaviour options at runtime (e.g. a short ack window for one test). */
  configure(patch: Pick<StandinOptions, 'interactionAckWindowMs' | 'interactionTokenTtlMs' | 'nonceWindowMs' | 'echoBotMessages'>): void {
    if (patch.interactionAckWindowMs !== undefined) this.#restCtx.interactionAckWindowMs = patch.interactionAckWindowMs;
    if (patch.interactionTokenTtlMs !== undefined) this.#restCtx.interactionTokenTtlMs = patch.interactionTokenTtlMs;
    if (patch.nonceWindowMs !== undefined) this.#restCtx.nonceWindowMs = patch.nonceWindowMs;
    if (patch.echoBotMessages !== undefined) this.#restCtx.echoBotMessages = patch.echoBotMessages;
  }

  // ================================================================ addresses

  get port(): number {
    return this.#port;
  }
  /** `http://127.0.0.1:PORT` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  /** `http://127.0.0.1:PORT/api` — pass as discord.js `rest: { api: restUrl }`. */
  get restUrl(): string {
    return `${this.baseUrl}/api`;
  }
  /** `ws://127.0.0.1:PORT/gateway` (what GET /gateway/bot returns). */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }
  get applicationId(): string {
    return this.world.applicationId;
  }
  get botUser(): APIUser {
    return this.world.botUser;
  }

  // ================================================================ change notification / waiting

  #changed(): void {
    for (const w of [...this.#waiters]) w.check();
    this.#events.emit('change');
  }

  /**
   * Resolves with the first truthy value of `predicate` (checked now, on every stand-in event, and
   * every 20 ms); rejects after `timeoutMs` (default 5000) with `description` in the message.
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000, description = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#stopped) {
        reject(new Error('standin stopped'));
        return;
      }
      let lastError: unknown;
      let timer: NodeJS.Timeout | undefined;
      let poll: NodeJS.Timeout | undefined;
      const finish = (): void => {
        this.#waiters.delete(waiter);
        if (timer) clearTimeout(timer);
        if (poll) clearInterval(poll);
      };
      const waiter: Waiter = {
        check: () => {
          try {
            const v = predicate();
            if (v) {
              finish();
              resolve(v);
              return true;
            }
          } catch (err) {
            lastError = err;
          }
          return false;
        },
        reject: (err) => {
          finish();
          reject(err);
        },
      };
      if (waiter.check()) return;
      this.#waiters.add(waiter);
      timer = setTimeout(() => {
        finish();
        reject(new Error(`standin.waitFor timed out after ${timeoutMs} ms waiting for ${description}${lastError ? ` (last error: ${String(lastError)})` : ''}`));
      }, timeoutMs);
      poll = setInterval(() => waiter.check(), 20);
    });
  }

  /**
   * Waits for (and returns) the first answered request matching `matcher` whose `seq` is greater than
   * `since` (default 0 = also requests already recorded). To wait only for new requests, capture
   * `standin.requestMark()` before triggering the bot and pass it as `since`.
   */
  waitForRequest(matcher: RouteMatcher, timeoutMs = 5000, since = 0): Promise<RecordedRequest> {
    return this.waitFor(() => this.findRequests(matcher).find((r) => r.seq > since && r.status !== 0), timeoutMs, `request ${String(matcher)}`);
  }

  /** Waits until an interaction has at least `count` successful responses (callback/edit/follow-up), returns them. */
  waitForResponses(interactionId: string, count = 1, timeoutMs = 5000): Promise<InteractionResponseRecord[]> {
    return this.waitFor(
      () => {
        const ok = this.interactionResponses(interactionId).filter((r) => r.ok);
        return ok.length >= count ? ok : undefined;
      },
      timeoutMs,
      `${count} response(s) to interaction ${interactionId}`,
    );
  }

  /** Waits until `n` sessions (optionally of one shard) are connected; returns their infos. */
  waitForSessions(n = 1, opts: { shardId?: number; timeoutMs?: number } = {}): Promise<SessionInfo[]> {
    return this.waitFor(
      () => {
        const s = this.sessions().filter((x) => x.status === 'connected' && (opts.shardId === undefined || x.shard[0] === opts.shardId));
        return s.length >= n ? s : undefined;
      },
      opts.timeoutMs ?? 5000,
      `${n} connected gateway session(s)`,
    );
  }

  // ================================================================ gateway inspection & faults

  /** Accepted IDENTIFYs so far. */
  get identifyCount(): number {
    return this.#gateway.identifies.filter((i) => i.sessionId !== undefined).length;
  }
  /** RESUMEs received so far (successful or not). */
  get resumeCount(): number {
    return this.#gateway.resumes.length;
  }
  /** Successful RESUMEs so far. */
  get successfulResumeCount(): number {
    return this.#gateway.resumes.filter((r) => r.ok).length;
  }
  get identifies(): readonly IdentifyRecord[] {
    return this.#gateway.identifies;
  }
  get resumes(): readonly ResumeRecord[] {
    return this.#gateway.resumes;
  }
  /** Gateway frames in both directions (last 5000). */
  get gatewayFrames(): readonly GatewayFrame[] {
    return this.#gateway.frames;
  }
  /** All sessions ever identified, with status. */
  sessions(): SessionInfo[] {
    return this.#gateway.sessionInfos();
  }
  /** Open WebSocket connections right now. */
  get connectionCount(): number {
    return this.#gateway.connectionCount;
  }

  /**
   * Closes the targeted connected sessions' sockets with `code` (default: all connected sessions).
   * 1006 (or any reserved code) = abrupt TCP termination without a close frame. The session stays
   * resumable unless the code is non-resumable per Discord (1000, 1001, 4004, 4007, 4009–4014) or
   * `opts.resumable` says otherwise. Returns how many connections were closed.
   */
  closeSession(code = 4000, target: SessionTarget = {}, opts: { resumable?: boolean; reason?: string } = {}): number {
    return this.#gateway.closeConnections(code, target, opts);
  }

  /** Sends op 9 INVALID_SESSION (d = resumable). With false the session ends, so the client must re-IDENTIFY. */
  invalidateSession(resumable: boolean, target: SessionTarget = {}): number {
    return this.#gateway.invalidateSessions(resumable, target);
  }

  /** Sends op 7 RECONNECT; the client should reconnect and RESUME. */
  requestReconnect(target: SessionTarget = {}): number {
    return this.#gateway.requestReconnect(target);
  }

  /** Sends op 1 HEARTBEAT; the client should heartbeat immediately. */
  requestHeartbeat(target: SessionTarget = {}): number {
    return this.#gateway.requestHeartbeat(target);
  }

  /** Raw dispatch of any event to the sessions responsible for `guildId` (`null` = DMs / shard 0). Returns sessions reached. */
  dispatch(t: string, d: unknown, route: { guildId: string | null; sessionId?: string }): number {
    return this.#gateway.dispatch(t, d, route);
  }

  // ================================================================ REST inspection & faults

  /** Every REST request so far, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.#rest.requests;
  }

  /** The `seq` of the latest recorded request (0 if none); use as `since` for waitForRequest. */
  requestMark(): number {
    return this.#rest.lastSeq;
  }

  /** Requests matching a route matcher (same syntax as `failNext`). */
  findRequests(matcher: RouteMatcher): RecordedRequest[] {
    return this.#rest.requests.filter((r) => matchRoute(matcher, r));
  }

  /** Queues a fault for the next `times` (default 1) requests matching `matcher`. */
  failNext(matcher: RouteMatcher, fault: RestFault, times = 1): void {
    this.#rest.failNext(matcher, fault, times);
  }

  /** Drops all queued, unconsumed faults. */
  clearFaults(): void {
    this.#rest.clearFaults();
  }

  /** Number of fault applications still queued. */
  get pendingFaults(): number {
    return this.#rest.pendingFaults();
  }

  /** Make DMs to this user fail with 403 50007 (user has DMs closed). */
  blockDms(userId: string, blocked = true): void {
    if (blocked) this.#rest.blockedDms.add(userId);
    else this.#rest.blockedDms.delete(userId);
  }

  /** Clears the request log and gateway frame log (state such as messages/commands is kept). */
  clearLogs(): void {
    this.#rest.requests.length = 0;
    this.#gateway.frames.length = 0;
  }

  /** Registered commands: global (default) or of one guild. */
  registeredCommands(guildId?: string): APIApplicationCommand[] {
    return structuredClone(this.#rest.commands.get(guildId ?? 'global') ?? []);
  }

  /** Stored messages of a channel in creation order (bot and user messages; ephemeral included unless excluded). */
  channelMessages(channelId: string, opts: { includeEphemeral?: boolean; includeDeleted?: boolean } = {}): APIMessage[] {
    return this.#rest.channelMessages(channelId, opts);
  }

  /** A stored (non-deleted) message by id. */
  message(id: string): APIMessage | undefined {
    return this.#rest.message(id);
  }

  /** Responses to an interaction (callback, edits, follow-ups, deletes; including failed attempts), in order. */
  interactionResponses(interactionId: string): InteractionResponseRecord[] {
    return [...(this.#rest.interactions.get(interactionId)?.responses ?? [])];
  }

  /** ms from the interaction's creation to its first successful callback, or undefined if not acknowledged. */
  ackLatency(interactionId: string): number | undefined {
    const first = this.interactionResponses(interactionId).find((r) => r.kind === 'callback' && r.ok);
    return first?.sinceArrivalMs;
  }

  /** The current state of an interaction: acked?, ack type, original message, follow-ups, shown modal, choices. */
  interactionState(interactionId: string):
    | {
        sent: SentInteraction;
        acked: boolean;
        ackType?: number;
        originalMessageId?: string;
        followupIds: string[];
        modal?: Record<string, unknown>;
        choices?: unknown[];
      }
    | undefined {
    const it = this.#rest.interactions.get(interactionId);
    if (!it) return undefined;
    return structuredClone({
      sent: it.sent,
      acked: it.acked,
      ...(it.ackType !== undefined ? { ackType: it.ackType } : {}),
      ...(it.originalMessageId !== undefined ? { originalMessageId: it.originalMessageId } : {}),
      followupIds: it.followupIds,
      ...(it.modal !== undefined ? { modal: it.modal } : {}),
      ...(it.choices !== undefined ? { choices: it.choices } : {}),
    });
  }

  /** The original response message of an interaction (reply / deferred / updated message). */
  originalMessage(interactionId: string): APIMessage | undefined {
    const id = this.#rest.interactions.get(interactionId)?.originalMessageId;
    return id ? this.#rest.message(id) : undefined;
  }

  /** Every interaction the stand-in sent. */
  get sentInteractions(): readonly SentInteraction[] {
    return this.#sentInteractions;
  }

  // ================================================================ building blocks

  #resolveUser(ref: UserRef | undefined): APIUser {
    if (ref === undefined) return this.world.users.carol;
    if (typeof ref === 'object') return this.world.requireUser(ref.id);
    const named = (this.world.users as Record<string, APIUser>)[ref];
    return named ?? this.world.requireUser(ref);
  }

  #resolveMessage(ref: APIMessage | string): APIMessage {
    const id = typeof ref === 'string' ? ref : ref.id;
    const stored = this.#rest.message(id);
    if (stored) return stored;
    if (typeof ref === 'object') return structuredClone(ref);
    throw new Error(`standin: unknown message ${id}`);
  }

  /** Resolves guild/channel for an interaction or message, validating membership. */
  #place(user: APIUser, guildId: string | null | undefined, channelId: string | undefined): { guildId: string | null; channelId: string } {
    if (channelId !== undefined) {
      const ch = this.world.channel(channelId);
      if (!ch) throw new Error(`standin: unknown channel ${channelId}`);
      if (ch.kind === 'dm') return { guildId: null, channelId };
      if (!this.world.member(ch.guild.id, user.id)) throw new Error(`standin: ${user.username} is not a member of guild ${ch.guild.id}`);
      return { guildId: ch.guild.id, channelId };
    }
    if (guildId === null) return { guildId: null, channelId: this.world.dmChannel(user.id).id };
    const guild = guildId === undefined ? this.world.guild : this.world.requireGuild(guildId);
    if (!this.world.member(guild.id, user.id)) throw new Error(`standin: ${user.username} is not a member of guild ${guild.id}`);
    return { guildId: guild.id, channelId: guild.textChannelId };
  }

  #channelPayload(channelId: string, user: APIUser): Json {
    const ch = this.world.channel(channelId);
    if (!ch) throw new Error(`standin: unknown channel ${channelId}`);
    const last = this.#rest.channelMessages(channelId, { includeEphemeral: false }).at(-1)?.id ?? null;
    if (ch.kind === 'guild') {
      return { ...structuredClone(ch.channel), last_message_id: last, permissions: this.world.permissions(ch.guild.id, user.id, channelId).toString() };
    }
    return { ...structuredClone(ch.channel), last_message_id: last, recipients: [structuredClone(user)] };
  }

  #basePayload(type: number, user: APIUser, place: { guildId: string | null; channelId: string }, locale: string | undefined): Json {
    const w = this.world;
    const payload: Json = {
      id: this.#ids.next(),
      application_id: w.applicationId,
      type,
      token: interactionToken(),
      version: 1,
      channel: this.#channelPayload(place.channelId, user),
      channel_id: place.channelId,
      locale: locale ?? 'en-US',
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
    };
    if (place.guildId) {
      const member = w.member(place.guildId, user.id)!;
      payload.guild_id = place.guildId;
      payload.guild = { id: place.guildId, locale: 'en-US', features: [] };
      payload.guild_locale = 'en-US';
      payload.member = { ...structuredClone(member), permissions: w.permissions(place.guildId, user.id, place.channelId).toString() };
      payload.app_permissions = w.permissions(place.guildId, w.botUser.id, place.channelId).toString();
      payload.authorizing_integration_owners = { '0': place.guildId };
      payload.context = 0;
    } else {
      payload.user = structuredClone(user);
      // Bot DMs: Discord grants a fixed DM permission set to the app.
      payload.app_permissions = ((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 6n) | (1n << 18n) | (1n << 31n)).toString();
      payload.authorizing_integration_owners = { '0': '0' };
      payload.context = 1;
    }
    return payload;
  }

  #deliver(payload: Json, state: Omit<InteractionState, 'sent' | 'acked' | 'originalLoading' | 'deferEphemeral' | 'followupIds' | 'responses'>, sessionId: string | undefined): SentInteraction {
    const sent: SentInteraction = {
      id: String(payload.id),
      token: String(payload.token),
      type: Number(payload.type),
      payload: payload as unknown as APIInteraction,
      createdAt: Date.now(),
    };
    const live = this.#gateway.liveSessions(sessionId !== undefined ? { sessionId } : {});
    if (live.length === 0) throw new Error('standin: no live gateway session to deliver the interaction to (has the client logged in?)');
    this.#rest.registerInteraction({ ...state, sent });
    this.#sentInteractions.push(sent);
    const n = this.#gateway.dispatch('INTERACTION_CREATE', payload, { guildId: state.guildId, ...(sessionId !== undefined ? { sessionId } : {}) });
    if (n === 0) throw new Error(`standin: no live gateway session covers ${state.guildId ? `guild ${state.guildId}` : 'DMs (shard 0)'}`);
    return sent;
  }

  #findCommand(name: string, guildId: string | null, type: number): APIApplicationCommand | undefined {
    const scopes = guildId ? [guildId, 'global'] : ['global'];
    for (const scope of scopes) {
      const c = (this.#rest.commands.get(scope) ?? []).find((x) => x.name === name && (x.type ?? 1) === type);
      if (c) return c;
    }
    return undefined;
  }

  /** Builds `data.options` (+ `resolved`) for a command/autocomplete interaction. */
  #buildOptions(
    command: APIApplicationCommand | undefined,
    options: Record<string, OptionValue>,
    subcommand: string | undefined,
    place: { guildId: string | null; channelId: string },
    focused: string | undefined,
    invokerId: string,
  ): { options: Json[]; resolved: Json | undefined } {
    const resolved: Record<string, Record<string, unknown>> = {};
    const add = (kind: string, id: string, value: unknown): void => {
      (resolved[kind] ??= {})[id] = value;
    };
    let schema: Json[] | undefined = command ? ((command.options ?? []) as unknown as Json[]) : undefined;
    const path = subcommand ? subcommand.trim().split(/\s+/) : [];
    const chain: { name: string; type: number }[] = [];
    path.forEach((segment, i) => {
      const def = schema?.find((o) => o.name === segment);
      if (command && !def) throw new Error(`standin: command /${command.name} has no subcommand (group) "${segment}"`);
      const type = typeof def?.type === 'number' ? def.type : i === path.length - 1 ? OptType.Subcommand : OptType.SubcommandGroup;
      chain.push({ name: segment, type });
      schema = def ? ((def.options as Json[] | undefined) ?? []) : undefined;
    });
    if (command && path.length === 0 && schema?.some((o) => o.type === OptType.Subcommand || o.type === OptType.SubcommandGroup)) {
      throw new Error(`standin: command /${command.name} requires a subcommand`);
    }

    const leaf: Json[] = [];
    for (const [name, raw] of Object.entries(options)) {
      const def = schema?.find((o) => o.name === name);
      if (schema && !def) throw new Error(`standin: option "${name}" is not defined for /${[command?.name, ...path].join(' ')}`);
      const explicit = typeof raw === 'object' ? raw : undefined;
      const value = explicit ? explicit.value : raw;
      const type =
        explicit?.type ??
        (typeof def?.type === 'number' ? def.type : typeof value === 'boolean' ? OptType.Boolean : typeof value === 'number' ? (Number.isInteger(value) ? OptType.Integer : OptType.Number) : OptType.String);
      const opt: Json = { name, type, value };
      if (focused === name) {
        opt.value = String(value);
        opt.focused = true;
        leaf.push(opt);
        continue;
      }
      const id = String(value);
      switch (type) {
        case OptType.User: {
          const u = this.world.requireUser(id);
          add('users', id, structuredClone(u));
          const m = place.guildId ? this.world.member(place.guildId, id) : undefined;
          if (m && place.guildId) {
            const { user: _u, ...rest } = m;
            add('members', id, { ...structuredClone(rest), permissions: this.world.permissions(place.guildId, id, place.channelId).toString() });
          }
          break;
        }
        case OptType.Channel: {
          const ch = this.world.channel(id);
          if (!ch) throw new Error(`standin: unknown channel ${id} for option "${name}"`);
          const base: Json = { id, type: ch.channel.type, name: ch.channel.name, flags: 0 };
          if (ch.kind === 'guild') {
            Object.assign(base, {
              guild_id: ch.guild.id,
              parent_id: ch.channel.parent_id ?? null,
              position: ch.channel.position,
              topic: ch.channel.topic ?? null,
              nsfw: false,
              rate_limit_per_user: 0,
              last_message_id: null,
              permissions: this.world.permissions(ch.guild.id, invokerId, id).toString(),
            });
          }
          add('channels', id, base);
          break;
        }
        case OptType.Role: {
          const role = this.world.guilds.flatMap((g) => g.roles).find((r) => r.id === id);
          if (!role) throw new Error(`standin: unknown role ${id} for option "${name}"`);
          add('roles', id, structuredClone(role));
          break;
        }
        case OptType.Mentionable: {
          const u = this.world.userById(id);
          if (u) add('users', id, structuredClone(u));
          else {
            const role = this.world.guilds.flatMap((g) => g.roles).find((r) => r.id === id);
            if (!role) throw new Error(`standin: unknown user/role ${id} for option "${name}"`);
            add('roles', id, structuredClone(role));
          }
          break;
        }
        case OptType.Attachment: {
          const attId = this.#ids.next();
          const filename = String(value);
          const url = `${this.baseUrl}/attachments/${attId}/${encodeURIComponent(filename)}`;
          add('attachments', attId, { id: attId, filename, size: 1024, url, proxy_url: url, content_type: 'application/octet-stream', ephemeral: true });
          opt.value = attId;
          break;
        }
        default:
          break;
      }
      leaf.push(opt);
    }
    if (schema && focused === undefined) {
      for (const def of schema) {
        if (def.required === true && !(String(def.name) in options)) {
          throw new Error(`standin: required option "${String(def.name)}" missing for /${[command?.name, ...path].join(' ')}`);
        }
      }
    }
    let top: Json[] = leaf;
    for (let i = chain.length - 1; i >= 0; i--) {
      const link = chain[i]!;
      top = [{ name: link.name, type: link.type, options: top }];
    }
    return { options: top, resolved: Object.keys(resolved).length > 0 ? resolved : undefined };
  }

  // ================================================================ interactions

  /**
   * Dispatches an APPLICATION_COMMAND (type 2) interaction. `options` are by name (see OptionValue);
   * if the bot registered the command, option types, subcommand structure and required options are
   * taken/checked from the registration, and `data.id` is the registered command id.
   */
  sendCommand(name: string, options: Record<string, OptionValue> = {}, ctx: CommandContext = {}): SentInteraction {
    const user = this.#resolveUser(ctx.user);
    const place = this.#place(user, ctx.guildId, ctx.channelId);
    const commandType = ctx.commandType ?? 1;
    const command = this.#findCommand(name, place.guildId, commandType);
    const built = this.#buildOptions(command, options, ctx.subcommand, place, undefined, user.id);
    const payload = this.#basePayload(2, user, place, ctx.locale);
    const data: Json = { id: command?.id ?? this.#commandId(name, commandType), name, type: commandType };
    if (built.options.length > 0) data.options = built.options;
    if (command?.guild_id) data.guild_id = command.guild_id;
    let resolved = built.resolved;
    if (commandType !== 1) {
      if (!ctx.targetId) throw new Error('standin: context-menu commands need ctx.targetId');
      data.target_id = ctx.targetId;
      resolved ??= {};
      if (commandType === 2) {
        const u = this.world.requireUser(ctx.targetId);
        resolved.users = { [u.id]: structuredClone(u) };
        const m = place.guildId ? this.world.member(place.guildId, u.id) : undefined;
        if (m && place.guildId) {
          const { user: _u, ...rest } = m;
          resolved.members = { [u.id]: { ...structuredClone(rest), permissions: this.world.permissions(place.guildId, u.id, place.channelId).toString() } };
        }
      } else {
        resolved.messages = { [ctx.targetId]: this.#resolveMessage(ctx.targetId) };
      }
    }
    if (resolved) data.resolved = resolved;
    payload.data = data;
    return this.#deliver(payload, { guildId: place.guildId, channelId: place.channelId, userId: user.id, name, commandType }, ctx.sessionId);
  }

  #commandId(name: string, type: number): string {
    const key = `${type}:${name}`;
    let id = this.#commandIds.get(key);
    if (!id) {
      id = this.#ids.next();
      this.#commandIds.set(key, id);
    }
    return id;
  }

  /** Dispatches an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction; `ctx.focused` names the focused option. */
  sendAutocomplete(name: string, options: Record<string, OptionValue>, ctx: AutocompleteContext): SentInteraction {
    const user = this.#resolveUser(ctx.user);
    const place = this.#place(user, ctx.guildId, ctx.channelId);
    const command = this.#findCommand(name, place.guildId, 1);
    if (!(ctx.focused in options)) throw new Error(`standin: focused option "${ctx.focused}" must be present in options`);
    const built = this.#buildOptions(command, options, ctx.subcommand, place, ctx.focused, user.id);
    const payload = this.#basePayload(4, user, place, ctx.locale);
    const data: Json = { id: command?.id ?? this.#commandId(name, 1), name, type: 1, options: built.options };
    if (command?.guild_id) data.guild_id = command.guild_id;
    payload.data = data;
    return this.#deliver(payload, { guildId: place.guildId, channelId: place.channelId, userId: user.id, name, commandType: 1 }, ctx.sessionId);
  }

  #findComponent(message: APIMessage, customId: string): Json | undefined {
    const walk = (nodes: unknown): Json | undefined => {
      if (!Array.isArray(nodes)) return undefined;
      for (const n of nodes) {
        if (!isObj(n)) continue;
        if (n.custom_id === customId) return n;
        const inner = walk(n.components) ?? (isObj(n.component) ? walk([n.component]) : undefined) ?? (isObj(n.accessory) ? walk([n.accessory]) : undefined);
        if (inner) return inner;
      }
      return undefined;
    };
    return walk(message.components);
  }

  #componentInteraction(customId: string, message: APIMessage | string, componentType: number | undefined, extra: Json, ctx: ComponentContext): SentInteraction {
    const msg = this.#resolveMessage(message);
    const component = this.#findComponent(msg, customId);
    if (!component && !ctx.unchecked) throw new Error(`standin: message ${msg.id} has no component with custom_id "${customId}"`);
    if (component && typeof component.disabled === 'boolean' && component.disabled && !ctx.unchecked) {
      throw new Error(`standin: component "${customId}" is disabled; users cannot click it`);
    }
    const user = this.#resolveUser(ctx.user);
    const ch = this.world.channel(msg.channel_id);
    if (!ch) throw new Error(`standin: message ${msg.id} is in unknown channel ${msg.channel_id}`);
    const place = this.#place(user, undefined, msg.channel_id);
    const payload = this.#basePayload(3, user, place, ctx.locale);
    const type = componentType ?? (typeof component?.type === 'number' ? component.type : ComponentTypeNum.Button);
    payload.data = { custom_id: customId, component_type: type, ...extra };
    payload.message = msg;
    const sourceInteraction = msg.interaction_metadata ? this.#rest.interactions.get(msg.interaction_metadata.id) : undefined;
    return this.#deliver(
      payload,
      { guildId: place.guildId, channelId: place.channelId, userId: user.id, name: sourceInteraction?.name ?? customId, componentMessageId: msg.id },
      ctx.sessionId,
    );
  }

  /** Dispatches a MESSAGE_COMPONENT (type 3) button click (component_type 2) on `message` (object or id). */
  clickButton(customId: string, message: APIMessage | string, ctx: ComponentContext = {}): SentInteraction {
    return this.#componentInteraction(customId, message, ComponentTypeNum.Button, {}, ctx);
  }

  /**
   * Dispatches a select-menu interaction with `values`. The component type is taken from the message
   * (string/user/role/mentionable/channel select); non-string selects get `data.resolved`.
   */
  selectMenu(customId: string, values: string[], message: APIMessage | string, ctx: ComponentContext = {}): SentInteraction {
    const msg = this.#resolveMessage(message);
    const component = this.#findComponent(msg, customId);
    const type = typeof component?.type === 'number' ? component.type : ComponentTypeNum.StringSelect;
    const extra: Json = { values };
    const resolved: Record<string, Record<string, unknown>> = {};
    const place = msg.channel_id;
    const ch = this.world.channel(place);
    const guildId = ch?.kind === 'guild' ? ch.guild.id : null;
    for (const v of values) {
      const u = type === ComponentTypeNum.UserSelect || type === ComponentTypeNum.MentionableSelect ? this.world.userById(v) : undefined;
      if (u) {
        (resolved.users ??= {})[v] = structuredClone(u);
        const m = guildId ? this.world.member(guildId, v) : undefined;
        if (m && guildId) {
          const { user: _u, ...rest } = m;
          (resolved.members ??= {})[v] = { ...structuredClone(rest), permissions: this.world.permissions(guildId, v).toString() };
        }
        continue;
      }
      if (type === ComponentTypeNum.RoleSelect || type === ComponentTypeNum.MentionableSelect) {
        const role = this.world.guilds.flatMap((g) => g.roles).find((r) => r.id === v);
        if (role) (resolved.roles ??= {})[v] = structuredClone(role);
      }
      if (type === ComponentTypeNum.ChannelSelect) {
        const c = this.world.channel(v);
        if (c) (resolved.channels ??= {})[v] = { id: v, name: c.channel.name, type: c.channel.type, permissions: '0' };
      }
    }
    if (Object.keys(resolved).length > 0) extra.resolved = resolved;
    return this.#componentInteraction(customId, msg, type, extra, ctx);
  }

  /**
   * Dispatches a MODAL_SUBMIT (type 5). `fields` maps component custom_id → value (string for text
   * inputs, string[] for selects). The shape mirrors the modal the bot last showed with this
   * custom_id (action rows vs. labels, component ids); if none was shown, action rows of text inputs.
   */
  submitModal(customId: string, fields: Record<string, string | string[]>, ctx: ModalContext = {}): SentInteraction {
    let shownBy: InteractionState | undefined;
    for (const it of [...this.#rest.interactions.values()].reverse()) {
      if (it.modal && it.modal.custom_id === customId) {
        shownBy = it;
        break;
      }
    }
    const user = this.#resolveUser(ctx.user ?? shownBy?.userId);
    const place = this.#place(
      user,
      ctx.guildId !== undefined ? ctx.guildId : ctx.channelId === undefined && shownBy ? shownBy.guildId : undefined,
      ctx.channelId ?? (ctx.guildId === undefined ? shownBy?.channelId : undefined),
    );
    const used = new Set<string>();
    const valueComponent = (c: Json): Json => {
      const cid = String(c.custom_id ?? '');
      const v = fields[cid];
      if (v === undefined && c.required === true) throw new Error(`standin: modal field "${cid}" is required`);
      used.add(cid);
      const out: Json = { type: c.type, custom_id: cid };
      if (typeof c.id === 'number') out.id = c.id;
      if (c.type === ComponentTypeNum.TextInput) out.value = typeof v === 'string' ? v : (v ?? []).join(', ');
      else out.values = Array.isArray(v) ? v : v === undefined ? [] : [v];
      return out;
    };
    let components: Json[];
    const shown = shownBy?.modal?.components;
    if (Array.isArray(shown)) {
      let nextId = 1;
      components = (shown as unknown[]).filter(isObj).map((top) => {
        const id = typeof top.id === 'number' ? top.id : nextId++;
        if (top.type === ComponentTypeNum.ActionRow) {
          return { type: 1, id, components: (Array.isArray(top.components) ? top.components : []).filter(isObj).map((c) => valueComponent({ id: nextId++, ...c })) };
        }
        if (top.type === ComponentTypeNum.Label && isObj(top.component)) {
          return { type: ComponentTypeNum.Label, id, component: valueComponent({ id: nextId++, ...top.component }) };
        }
        return { type: top.type, id };
      });
      const unknown = Object.keys(fields).filter((k) => !used.has(k));
      if (unknown.length > 0) throw new Error(`standin: modal "${customId}" has no field(s) ${unknown.join(', ')}`);
    } else {
      components = Object.entries(fields).map(([cid, v], i) =>
        typeof v === 'string'
          ? { type: 1, id: i * 2 + 1, components: [{ type: ComponentTypeNum.TextInput, id: i * 2 + 2, custom_id: cid, value: v }] }
          : { type: ComponentTypeNum.Label, id: i * 2 + 1, component: { type: ComponentTypeNum.StringSelect, id: i * 2 + 2, custom_id: cid, values: v } },
      );
    }
    const payload = this.#basePayload(5, user, place, ctx.locale);
    payload.data = { custom_id: customId, components };
    const fromMessage = ctx.message ?? (shownBy?.componentMessageId ? shownBy.componentMessageId : undefined);
    let componentMessageId: string | undefined;
    if (fromMessage !== undefined) {
      const msg = this.#resolveMessage(fromMessage);
      payload.message = msg;
      componentMessageId = msg.id;
    }
    return this.#deliver(
      payload,
      {
        guildId: place.guildId,
        channelId: place.channelId,
        userId: user.id,
        name: shownBy?.name ?? customId,
        ...(componentMessageId !== undefined ? { componentMessageId } : {}),
      },
      ctx.sessionId,
    );
  }

  // ================================================================ messages

  /**
   * Dispatches MESSAGE_CREATE for a user message (guild channel or DM) and stores it. Delivery
   * respects the session's intents (GUILD_MESSAGES / DIRECT_MESSAGES); without MESSAGE_CONTENT,
   * content/embeds/attachments/components are blanked unless it's a DM or mentions the bot.
   * Returns the full stored message.
   */
  sendMessage(opts: SendMessageOptions): APIMessage {
    const author = this.#resolveUser(opts.author);
    const w = this.world;
    const place = opts.dm ? { guildId: null, channelId: opts.channelId ?? w.dmChannel(author.id).id } : this.#place(author, opts.guildId, opts.channelId);
    const botMention = `<@${w.botUser.id}>`;
    let content = opts.content;
    if (opts.mentionsBot && !content.includes(botMention) && !content.includes(`<@!${w.botUser.id}>`)) content = `${botMention} ${content}`;
    const mentioned: APIUser[] = [];
    for (const m of content.matchAll(/<@!?(\d{15,21})>/g)) {
      const u = w.userById(m[1]!);
      if (u && !mentioned.some((x) => x.id === u.id)) mentioned.push(u);
    }
    let referenced: APIMessage | undefined;
    if (opts.referencedMessage !== undefined) {
      referenced = this.#resolveMessage(opts.referencedMessage);
      if ((opts.pingReplied ?? true) && !mentioned.some((x) => x.id === referenced!.author.id)) mentioned.push(referenced.author);
    }
    const withMember = (u: APIUser): Json => {
      const m = place.guildId ? w.member(place.guildId, u.id) : undefined;
      if (!m) return structuredClone(u) as unknown as Json;
      const { user: _u, ...rest } = m;
      return { ...structuredClone(u), member: structuredClone(rest) };
    };
    const id = this.#ids.next();
    const attachments = (opts.attachments ?? []).map((a) => {
      const attId = this.#ids.next();
      const url = `${this.baseUrl}/attachments/${attId}/${encodeURIComponent(a.filename)}`;
      return { id: attId, filename: a.filename, size: a.size ?? 1024, url, proxy_url: url, content_type: a.contentType ?? 'application/octet-stream' };
    });
    const message: Json = {
      id,
      channel_id: place.channelId,
      author: structuredClone(author),
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: mentioned.map((u) => structuredClone(u)),
      mention_roles: [],
      attachments,
      embeds: [],
      components: [],
      pinned: false,
      type: referenced ? 19 : 0,
      flags: 0,
      nonce: this.#ids.next(),
    };
    if (referenced) {
      const refGuild = w.channel(referenced.channel_id);
      message.message_reference = {
        type: 0,
        message_id: referenced.id,
        channel_id: referenced.channel_id,
        ...(refGuild?.kind === 'guild' ? { guild_id: refGuild.guild.id } : {}),
      };
      message.referenced_message = referenced;
    }
    this.#rest.storeExternalMessage(message as unknown as APIMessage);

    const gatewayPayload: Json = { ...structuredClone(message), mentions: mentioned.map(withMember), channel_type: w.channel(place.channelId)?.channel.type ?? 1 };
    if (place.guildId) {
      gatewayPayload.guild_id = place.guildId;
      const { user: _u, ...rest } = w.member(place.guildId, author.id)!;
      gatewayPayload.member = structuredClone(rest);
    }
    const mentionsBot = mentioned.some((u) => u.id === w.botUser.id);
    const isDm = place.guildId === null;
    const needed = isDm ? INTENT.DirectMessages : INTENT.GuildMessages;
    this.#gateway.dispatch('MESSAGE_CREATE', gatewayPayload, { guildId: place.guildId, ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId } : {}) }, (d, intents) => {
      if ((intents & needed) === 0) return undefined;
      if ((intents & INTENT.MessageContent) !== 0 || isDm || mentionsBot) return d;
      return { ...(d as Json), content: '', embeds: [], attachments: [], components: [], poll: undefined };
    });
    return message as unknown as APIMessage;
  }
}
