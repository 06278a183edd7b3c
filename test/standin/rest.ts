/**
 * REST half of the Discord stand-in: routes under /api/v10, request log, message/interaction/
 * command stores, Discord-shaped errors, rate-limit headers, and fault injection.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIApplicationCommand, APIAttachment, APIMessage, APIUser } from 'discord.js';
import type { Gateway } from './gateway.ts';
import { SnowflakeGenerator } from './snowflake.ts';
import type {
  InteractionResponseKind,
  InteractionResponseRecord,
  RecordedFile,
  RecordedRequest,
  RestFault,
  RouteMatcher,
  SentInteraction,
} from './types.ts';
import type { World } from './world.ts';

// Numeric constants (mirrors of discord-api-types enums) used in route logic.
const PERM = {
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  AddReactions: 1n << 6n,
};
const MessageFlag = { Ephemeral: 64, Loading: 128, SuppressEmbeds: 4, SuppressNotifications: 4096, IsComponentsV2: 32768 };
const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 };
const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredMessageUpdate: 6,
  UpdateMessage: 7,
  ApplicationCommandAutocompleteResult: 8,
  Modal: 9,
  PremiumRequired: 10,
  LaunchActivity: 12,
};
/** Request log cap (oldest entries are dropped). */
const MAX_REQUESTS = 20_000;
const MessageTypeNum = { Default: 0, Reply: 19, ChatInputCommand: 20, ContextMenuCommand: 23 };

export interface RestContext {
  world: World;
  gateway: Gateway;
  token: () => string;
  validateToken: boolean;
  gatewayUrl: () => string;
  baseUrl: () => string;
  recommendedShards: number;
  maxConcurrency: number;
  sessionStartTotal: number;
  interactionAckWindowMs: number;
  interactionTokenTtlMs: number;
  nonceWindowMs: number;
  echoBotMessages: boolean;
  ids: SnowflakeGenerator;
  changed: () => void;
  log: (line: string) => void;
}

/** Internal per-interaction state. */
export interface InteractionState {
  sent: SentInteraction;
  guildId: string | null;
  channelId: string;
  userId: string;
  /** Command name (for interaction_metadata / message.interaction). */
  name: string;
  commandType?: number;
  /** For component / modal-from-component interactions: the message the component is on. */
  componentMessageId?: string;
  acked: boolean;
  ackType?: number;
  ackAt?: number;
  originalMessageId?: string;
  /** True between a type 5 defer and the first edit/follow-up. */
  originalLoading: boolean;
  deferEphemeral: boolean;
  followupIds: string[];
  responses: InteractionResponseRecord[];
  /** Last modal the bot showed in response to this interaction (type 9 `data`). */
  modal?: Record<string, unknown>;
  /** Last autocomplete choices (type 8 `data.choices`). */
  choices?: unknown[];
}

interface StoredMeta {
  deleted: boolean;
  ephemeral: boolean;
  createdAt: number;
  interactionId?: string;
}

interface PendingFault {
  matcher: RouteMatcher;
  fault: RestFault;
  remaining: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
  body(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors !== undefined ? { errors: this.errors } : {}) };
  }
}

/** `{a: {b: {_errors: [{code, message}]}}}` for a path like ['a', 'b']. */
function formErrors(path: (string | number)[], code: string, message: string): unknown {
  let node: unknown = { _errors: [{ code, message }] };
  for (let i = path.length - 1; i >= 0; i--) node = { [String(path[i])]: node };
  return node;
}

const invalidForm = (path: (string | number)[], code: string, message: string): ApiError =>
  new ApiError(400, 50035, 'Invalid Form Body', formErrors(path, code, message));

const E = {
  notFound: () => new ApiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new ApiError(405, 0, '405: Method Not Allowed'),
  unauthorized: () => new ApiError(401, 0, '401: Unauthorized'),
  unknownChannel: () => new ApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new ApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new ApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new ApiError(404, 10008, 'Unknown Message'),
  unknownUser: () => new ApiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new ApiError(404, 10015, 'Unknown Webhook'),
  unknownApplication: () => new ApiError(404, 10002, 'Unknown Application'),
  unknownCommand: () => new ApiError(404, 10063, 'Unknown application command'),
  unknownInteraction: () => new ApiError(404, 10062, 'Unknown interaction'),
  alreadyAcked: () => new ApiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new ApiError(403, 50001, 'Missing Access'),
  missingPermissions: () => new ApiError(403, 50013, 'Missing Permissions'),
  emptyMessage: () => new ApiError(400, 50006, 'Cannot send an empty message'),
  cannotDm: () => new ApiError(403, 50007, 'Cannot send messages to this user'),
  invalidWebhookToken: () => new ApiError(401, 50027, 'Invalid Webhook Token'),
  invalidRecipient: () => new ApiError(400, 50033, 'Invalid Recipient(s)'),
};

interface Reply {
  status: number;
  body?: unknown;
}

interface RouteCtx {
  req: RecordedRequest;
  params: Record<string, string>;
}

type Handler = (ctx: RouteCtx) => Reply | Promise<Reply>;

interface RouteDef {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  auth: boolean;
  handler: Handler;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nowIso = (): string => new Date().toISOString();

export class RestApi {
  readonly requests: RecordedRequest[] = [];
  readonly interactions = new Map<string, InteractionState>();
  readonly #byToken = new Map<string, string>();
  readonly #messages = new Map<string, APIMessage>();
  readonly #meta = new Map<string, StoredMeta>();
  readonly #channelOrder = new Map<string, string[]>();
  readonly #nonces = new Map<string, { messageId: string; at: number }>();
  /** Registered commands per scope: 'global' or a guild id. */
  readonly commands = new Map<string, APIApplicationCommand[]>();
  readonly blockedDms = new Set<string>();
  readonly #faults: PendingFault[] = [];
  readonly #routes: RouteDef[] = [];
  readonly #pendingTimers = new Set<NodeJS.Timeout>();
  #seq = 0;
  #stopped = false;

  constructor(private readonly ctx: RestContext) {
    this.#defineRoutes();
  }

  // ================================================================ public-ish API

  failNext(matcher: RouteMatcher, fault: RestFault, times = 1): void {
    this.#faults.push({ matcher, fault, remaining: Math.max(1, times) });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  pendingFaults(): number {
    return this.#faults.reduce((n, f) => n + f.remaining, 0);
  }

  registerInteraction(state: Omit<InteractionState, 'acked' | 'originalLoading' | 'deferEphemeral' | 'followupIds' | 'responses'>): InteractionState {
    const full: InteractionState = { ...state, acked: false, originalLoading: false, deferEphemeral: false, followupIds: [], responses: [] };
    this.interactions.set(state.sent.id, full);
    this.#byToken.set(state.sent.token, state.sent.id);
    return full;
  }

  message(id: string): APIMessage | undefined {
    const m = this.#messages.get(id);
    return m && !this.#meta.get(id)?.deleted ? structuredClone(m) : undefined;
  }

  messageMeta(id: string): StoredMeta | undefined {
    return this.#meta.get(id);
  }

  channelMessages(channelId: string, opts: { includeEphemeral?: boolean; includeDeleted?: boolean } = {}): APIMessage[] {
    const ids = this.#channelOrder.get(channelId) ?? [];
    const out: APIMessage[] = [];
    for (const id of ids) {
      const meta = this.#meta.get(id);
      const msg = this.#messages.get(id);
      if (!meta || !msg) continue;
      if (meta.deleted && !opts.includeDeleted) continue;
      if (meta.ephemeral && opts.includeEphemeral === false) continue;
      out.push(structuredClone(msg));
    }
    return out;
  }

  /** Stores a message authored by someone else (user messages the stand-in dispatches). */
  storeExternalMessage(msg: APIMessage): void {
    this.#store(msg, { deleted: false, ephemeral: false, createdAt: Date.now() });
  }

  // ================================================================ HTTP plumbing

  async handle(httpReq: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(httpReq.url ?? '/', 'http://127.0.0.1');
    const method = (httpReq.method ?? 'GET').toUpperCase();
    let raw: Buffer;
    try {
      raw = await readBody(httpReq);
    } catch {
      res.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(httpReq.headers)) {
      if (k === 'authorization' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const authHeader = httpReq.headers.authorization;
    const apiPrefix = '/api/v10';
    const path = url.pathname.startsWith(`${apiPrefix}/`) ? url.pathname.slice(apiPrefix.length) : url.pathname;
    const record: RecordedRequest = {
      seq: ++this.#seq,
      method,
      path,
      url: `${url.pathname}${url.search}`,
      route: null,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      files: [],
      headers,
      authorized: authHeader !== undefined,
      at: Date.now(),
      status: 0,
      response: undefined,
    };
    try {
      const parsed = await parseBody(raw, headers['content-type'] ?? '');
      record.body = parsed.body;
      record.files = parsed.files;
    } catch {
      record.body = raw.toString('utf8');
    }
    const match = url.pathname.startsWith(`${apiPrefix}/`) ? this.#match(method, path) : null;
    if (match && 'route' in match) record.route = `${match.route.method} ${match.route.pattern}`;
    this.requests.push(record);
    if (this.requests.length > MAX_REQUESTS) this.requests.splice(0, this.requests.length - MAX_REQUESTS);
    this.ctx.changed();

    // ---- fault injection
    const fault = this.#takeFault(record);
    if (fault) {
      record.fault = describeFault(fault);
      if ('drop' in fault) {
        record.status = -1;
        this.#afterResponse(record, match && 'route' in match ? match.params : {});
        res.socket?.destroy();
        return;
      }
      if ('delayMs' in fault) {
        await this.#sleep(fault.delayMs);
        if (this.#stopped) {
          res.socket?.destroy();
          return;
        }
      } else {
        this.#sendFault(res, record, fault);
        this.#afterResponse(record, match && 'route' in match ? match.params : {});
        return;
      }
    }

    let reply: Reply;
    try {
      if (!match) throw E.notFound();
      if ('methodNotAllowed' in match) throw E.methodNotAllowed();
      if (match.route.auth) this.#checkAuth(authHeader);
      reply = await match.route.handler({ req: record, params: match.params });
    } catch (err) {
      if (err instanceof ApiError) reply = { status: err.status, body: err.body() };
      else {
        this.ctx.log(`rest: handler error ${String((err as Error)?.stack ?? err)}`);
        reply = { status: 500, body: { message: '500: Internal Server Error', code: 0 } };
      }
    }
    this.#send(res, record, reply.status, reply.body);
    this.#afterResponse(record, match && 'route' in match ? match.params : {});
  }

  #checkAuth(header: string | undefined): void {
    if (!header) throw E.unauthorized();
    const m = /^Bot\s+(.+)$/i.exec(header);
    if (!m) throw E.unauthorized();
    if (this.ctx.validateToken && m[1] !== this.ctx.token()) throw E.unauthorized();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#pendingTimers.delete(t);
        resolve();
      }, ms);
      this.#pendingTimers.add(t);
    });
  }

  #takeFault(req: RecordedRequest): RestFault | undefined {
    const idx = this.#faults.findIndex((f) => matchRoute(f.matcher, req));
    if (idx < 0) return undefined;
    const f = this.#faults[idx]!;
    f.remaining--;
    if (f.remaining <= 0) this.#faults.splice(idx, 1);
    return f.fault;
  }

  #rateLimitHeaders(record: RecordedRequest): Record<string, string> {
    const bucket = createHash('sha1').update(record.route ?? record.path).digest('hex').slice(0, 32);
    return {
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      'x-ratelimit-reset': ((Date.now() + 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': '1.000',
      'x-ratelimit-bucket': bucket,
    };
  }

  #send(res: ServerResponse, record: RecordedRequest, status: number, body?: unknown, extra: Record<string, string> = {}): void {
    record.status = status;
    record.response = body;
    if (res.writableEnded || res.destroyed) return;
    const headers: Record<string, string> = { ...this.#rateLimitHeaders(record), via: '1.1 discord-standin', ...extra };
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const json = JSON.stringify(body);
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(json));
    res.writeHead(status, headers);
    res.end(json);
  }

  #sendFault(res: ServerResponse, record: RecordedRequest, fault: Exclude<RestFault, { drop: true } | { delayMs: number }>): void {
    if (fault.status === 429 && 'retryAfter' in fault) {
      const global = fault.global ?? false;
      const scope = fault.scope ?? (global ? 'global' : 'user');
      const headers: Record<string, string> = {
        'retry-after': String(fault.retryAfter),
        'x-ratelimit-scope': scope,
      };
      if (global) headers['x-ratelimit-global'] = 'true';
      else {
        headers['x-ratelimit-limit'] = '1';
        headers['x-ratelimit-remaining'] = '0';
        headers['x-ratelimit-reset'] = ((Date.now() + fault.retryAfter * 1000) / 1000).toFixed(3);
        headers['x-ratelimit-reset-after'] = fault.retryAfter.toFixed(3);
      }
      this.#send(res, record, 429, { message: 'You are being rate limited.', retry_after: fault.retryAfter, global }, headers);
      return;
    }
    const f = fault as { status: number; code?: number; message?: string; body?: unknown };
    const body =
      f.body !== undefined ? f.body : { message: f.message ?? (f.status >= 500 ? `${f.status}: ${httpText(f.status)}` : httpText(f.status)), code: f.code ?? 0 };
    this.#send(res, record, f.status, body);
  }

  /** Links interaction-related requests (incl. faulted ones) into the interaction's response list. */
  #afterResponse(record: RecordedRequest, params: Record<string, string>): void {
    const route = record.route;
    let kind: InteractionResponseKind | undefined;
    let state: InteractionState | undefined;
    if (route === 'POST /interactions/:interaction/:token/callback') {
      kind = 'callback';
      state = this.interactions.get(params.interaction ?? '');
    } else if (route?.startsWith('PATCH /webhooks/') || route?.startsWith('DELETE /webhooks/') || route === 'POST /webhooks/:app/:token') {
      const id = this.#byToken.get(params.token ?? '');
      state = id ? this.interactions.get(id) : undefined;
      const isOriginal = params.message === '@original';
      if (record.method === 'POST') kind = 'followup';
      else if (record.method === 'PATCH') kind = isOriginal ? 'editOriginal' : 'editMessage';
      else kind = isOriginal ? 'deleteOriginal' : 'deleteMessage';
    }
    if (kind && state) {
      const body = record.body;
      const ok = record.status >= 200 && record.status < 300;
      const entry: InteractionResponseRecord = {
        kind,
        interactionId: state.sent.id,
        body,
        status: record.status,
        ok,
        response: record.response,
        at: record.at,
        sinceArrivalMs: record.at - state.sent.createdAt,
        request: record,
      };
      if (kind === 'callback' && isObj(body) && typeof body.type === 'number') entry.callbackType = body.type;
      const resp = record.response;
      if (ok && isObj(resp) && typeof resp.id === 'string') entry.messageId = resp.id;
      else if (ok && kind === 'callback') {
        if (state.originalMessageId) entry.messageId = state.originalMessageId;
      } else if (ok && params.message && params.message !== '@original') entry.messageId = params.message;
      else if (ok && params.message === '@original' && state.originalMessageId) entry.messageId = state.originalMessageId;
      state.responses.push(entry);
    }
    this.ctx.changed();
  }

  // ================================================================ routing

  #route(method: string, pattern: string, handler: Handler, auth = true): void {
    const keys: string[] = [];
    const src = pattern
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
      })
      .join('/');
    this.#routes.push({ method, pattern, regex: new RegExp(`^${src}/?$`), keys, auth, handler });
  }

  #match(method: string, path: string): { route: RouteDef; params: Record<string, string> } | { methodNotAllowed: true } | null {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        pathMatched = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }

  #defineRoutes(): void {
    const w = this.ctx.world;
    const r = this.#route.bind(this);

    // ---- gateway / identity
    r('GET', '/gateway', () => ({ status: 200, body: { url: this.ctx.gatewayUrl() } }), false);
    r('GET', '/gateway/bot', () => {
      const identifies = this.ctx.gateway.identifies.filter((i) => i.sessionId !== undefined).length;
      return {
        status: 200,
        body: {
          url: this.ctx.gatewayUrl(),
          shards: this.ctx.recommendedShards,
          session_start_limit: {
            total: this.ctx.sessionStartTotal,
            remaining: Math.max(0, this.ctx.sessionStartTotal - identifies),
            reset_after: 86_400_000,
            max_concurrency: this.ctx.maxConcurrency,
          },
        },
      };
    });
    r('GET', '/users/@me', () => ({ status: 200, body: { ...w.botUser, verified: true, mfa_enabled: false, email: null, locale: 'en-US' } }));
    r('GET', '/users/:user', ({ params }) => {
      const u = w.userById(params.user ?? '');
      if (!u) throw E.unknownUser();
      return { status: 200, body: u };
    });
    r('POST', '/users/@me/channels', ({ req }) => {
      const body = isObj(req.body) ? req.body : {};
      const recipient = typeof body.recipient_id === 'string' ? body.recipient_id : '';
      const user = w.userById(recipient);
      if (!user || user.bot) throw E.invalidRecipient();
      return { status: 200, body: w.dmChannel(user.id) };
    });
    r('GET', '/applications/@me', () => ({ status: 200, body: this.#application() }));

    // ---- commands
    for (const scoped of [false, true]) {
      const base = scoped ? '/applications/:app/guilds/:guild/commands' : '/applications/:app/commands';
      const scopeOf = (params: Record<string, string>): string => {
        if (params.app !== w.applicationId) throw E.unknownApplication();
        if (!scoped) return 'global';
        if (!w.guildById(params.guild ?? '')) throw E.unknownGuild();
        return params.guild!;
      };
      r('GET', base, ({ params }) => ({ status: 200, body: structuredClone(this.commands.get(scopeOf(params)) ?? []) }));
      r('PUT', base, ({ req, params }) => {
        const scope = scopeOf(params);
        if (!Array.isArray(req.body)) throw invalidForm([], 'ARRAY_TYPE_CONVERT', 'Only iterables may be used in a ListType');
        const previous = this.commands.get(scope) ?? [];
        const seen = new Set<string>();
        const next = req.body.map((c: unknown, i: number) => {
          const cmd = validateCommand(c, [i]);
          const key = `${cmd.type}:${cmd.name}`;
          if (seen.has(key)) throw invalidForm([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
          seen.add(key);
          const old = previous.find((p) => `${p.type}:${p.name}` === key);
          return this.#materializeCommand(cmd, scope, old?.id);
        });
        this.commands.set(scope, next);
        return { status: 200, body: structuredClone(next) };
      });
      r('POST', base, ({ req, params }) => {
        const scope = scopeOf(params);
        const cmd = validateCommand(req.body, []);
        const list = this.commands.get(scope) ?? [];
        const idx = list.findIndex((p) => p.type === cmd.type && p.name === cmd.name);
        const stored = this.#materializeCommand(cmd, scope, idx >= 0 ? list[idx]!.id : undefined);
        if (idx >= 0) list[idx] = stored;
        else list.push(stored);
        this.commands.set(scope, list);
        return { status: idx >= 0 ? 200 : 201, body: structuredClone(stored) };
      });
      r('GET', `${base}/:command`, ({ params }) => {
        const c = (this.commands.get(scopeOf(params)) ?? []).find((x) => x.id === params.command);
        if (!c) throw E.unknownCommand();
        return { status: 200, body: structuredClone(c) };
      });
      r('PATCH', `${base}/:command`, ({ req, params }) => {
        const scope = scopeOf(params);
        const list = this.commands.get(scope) ?? [];
        const idx = list.findIndex((x) => x.id === params.command);
        if (idx < 0) throw E.unknownCommand();
        const merged = validateCommand({ ...list[idx], ...(isObj(req.body) ? req.body : {}) }, []);
        const stored = this.#materializeCommand(merged, scope, list[idx]!.id);
        list[idx] = stored;
        return { status: 200, body: structuredClone(stored) };
      });
      r('DELETE', `${base}/:command`, ({ params }) => {
        const scope = scopeOf(params);
        const list = this.commands.get(scope) ?? [];
        const idx = list.findIndex((x) => x.id === params.command);
        if (idx < 0) throw E.unknownCommand();
        list.splice(idx, 1);
        return { status: 204 };
      });
    }

    // ---- interactions
    r('POST', '/interactions/:interaction/:token/callback', (c) => this.#callback(c), false);
    r('POST', '/webhooks/:app/:token', (c) => this.#followup(c), false);
    r('GET', '/webhooks/:app/:token/messages/:message', (c) => this.#webhookMessage(c), false);
    r('PATCH', '/webhooks/:app/:token/messages/:message', (c) => this.#webhookMessage(c), false);
    r('DELETE', '/webhooks/:app/:token/messages/:message', (c) => this.#webhookMessage(c), false);

    // ---- channels & messages
    r('GET', '/channels/:channel', ({ params }) => {
      const ch = w.channel(params.channel ?? '');
      if (!ch) throw E.unknownChannel();
      if (ch.kind === 'guild' && (w.permissions(ch.guild.id, w.botUser.id, ch.channel.id) & PERM.ViewChannel) === 0n) throw E.missingAccess();
      return { status: 200, body: { ...structuredClone(ch.channel), last_message_id: this.#lastMessageId(ch.channel.id) } };
    });
    r('GET', '/channels/:channel/messages', ({ req, params }) => {
      const ch = w.channel(params.channel ?? '');
      if (!ch) throw E.unknownChannel();
      this.#requireChannelPerm(params.channel!, PERM.ViewChannel | PERM.ReadMessageHistory);
      const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 50) || 50));
      let list = this.channelMessages(ch.channel.id, { includeEphemeral: false }).reverse(); // newest first
      const before = req.query.before;
      const after = req.query.after;
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
      return { status: 200, body: list.slice(0, limit) };
    });
    r('POST', '/channels/:channel/messages', ({ req, params }) => {
      const ch = w.channel(params.channel ?? '');
      if (!ch) throw E.unknownChannel();
      if (ch.kind === 'guild') {
        const perms = w.permissions(ch.guild.id, w.botUser.id, ch.channel.id);
        if ((perms & PERM.ViewChannel) === 0n) throw E.missingAccess();
        if ((perms & PERM.SendMessages) === 0n) throw E.missingPermissions();
        if (req.files.length > 0 && (perms & PERM.AttachFiles) === 0n) throw E.missingPermissions();
      } else if (this.blockedDms.has(ch.user.id)) {
        throw E.cannotDm();
      }
      const body = isObj(req.body) ? req.body : {};
      // nonce + enforce_nonce
      const nonce = body.nonce;
      if (nonce !== undefined && nonce !== null) {
        if (!(typeof nonce === 'string' && nonce.length <= 25) && !(typeof nonce === 'number' && Number.isInteger(nonce))) {
          throw invalidForm(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        }
        if (body.enforce_nonce === true) {
          const key = `${ch.channel.id}:${String(nonce)}`;
          const prior = this.#nonces.get(key);
          if (prior && Date.now() - prior.at <= this.ctx.nonceWindowMs) {
            const existing = this.#messages.get(prior.messageId);
            if (existing) return { status: 200, body: structuredClone(existing) };
          }
        }
      }
      const msg = this.#createMessage(ch.channel.id, body, req.files, { author: w.botUser });
      if (nonce !== undefined && nonce !== null && body.enforce_nonce === true) {
        this.#nonces.set(`${ch.channel.id}:${String(nonce)}`, { messageId: msg.id, at: Date.now() });
      }
      return { status: 200, body: msg };
    });
    r('GET', '/channels/:channel/messages/:message', ({ params }) => {
      if (!w.channel(params.channel ?? '')) throw E.unknownChannel();
      this.#requireChannelPerm(params.channel!, PERM.ViewChannel | PERM.ReadMessageHistory);
      const m = this.#messages.get(params.message ?? '');
      const meta = this.#meta.get(params.message ?? '');
      if (!m || !meta || meta.deleted || meta.ephemeral || m.channel_id !== params.channel) throw E.unknownMessage();
      return { status: 200, body: structuredClone(m) };
    });
    r('PATCH', '/channels/:channel/messages/:message', ({ req, params }) => {
      const m = this.#liveMessage(params.channel ?? '', params.message ?? '');
      if (m.author.id !== w.botUser.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
      return { status: 200, body: this.#editMessage(m.id, isObj(req.body) ? req.body : {}, req.files) };
    });
    r('DELETE', '/channels/:channel/messages/:message', ({ params }) => {
      const m = this.#liveMessage(params.channel ?? '', params.message ?? '');
      this.#deleteMessage(m.id);
      return { status: 204 };
    });
    r('POST', '/channels/:channel/typing', ({ params }) => {
      if (!w.channel(params.channel ?? '')) throw E.unknownChannel();
      return { status: 204 };
    });
    r('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', ({ params }) => {
      const m = this.#liveMessage(params.channel ?? '', params.message ?? '');
      this.#requireChannelPerm(m.channel_id, PERM.AddReactions | PERM.ReadMessageHistory);
      const emoji = params.emoji ?? '';
      const reactions = (m.reactions ??= []);
      const existing = reactions.find((x) => (x.emoji.id ?? x.emoji.name) === emoji.split(':').pop() || x.emoji.name === emoji);
      if (existing) {
        if (!existing.me) {
          existing.me = true;
          existing.count++;
        }
      } else {
        reactions.push({
          emoji: { id: null, name: emoji },
          count: 1,
          count_details: { burst: 0, normal: 1 },
          me: true,
          me_burst: false,
          burst_colors: [],
        });
      }
      return { status: 204 };
    });
    r('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', ({ params }) => {
      const m = this.#liveMessage(params.channel ?? '', params.message ?? '');
      m.reactions = (m.reactions ?? []).filter((x) => x.emoji.name !== params.emoji);
      return { status: 204 };
    });

    // ---- guilds
    r('GET', '/guilds/:guild', ({ params }) => {
      const g = w.guildById(params.guild ?? '');
      if (!g) throw E.unknownGuild();
      const { joined_at: _j, large: _l, unavailable: _u, member_count: _m, voice_states: _v, members: _mm, channels: _c, threads: _t, presences: _p, stage_instances: _s, guild_scheduled_events: _g, soundboard_sounds: _ss, ...guild } =
        w.guildCreatePayload(g.id);
      return { status: 200, body: guild };
    });
    r('GET', '/guilds/:guild/channels', ({ params }) => {
      const g = w.guildById(params.guild ?? '');
      if (!g) throw E.unknownGuild();
      return { status: 200, body: structuredClone(g.channels) };
    });
    r('GET', '/guilds/:guild/roles', ({ params }) => {
      const g = w.guildById(params.guild ?? '');
      if (!g) throw E.unknownGuild();
      return { status: 200, body: structuredClone(g.roles) };
    });
    r('GET', '/guilds/:guild/members', ({ req, params }) => {
      const g = w.guildById(params.guild ?? '');
      if (!g) throw E.unknownGuild();
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 1) || 1));
      return { status: 200, body: structuredClone(g.members.slice(0, limit)) };
    });
    r('GET', '/guilds/:guild/members/:user', ({ params }) => {
      const g = w.guildById(params.guild ?? '');
      if (!g) throw E.unknownGuild();
      const m = g.members.find((x) => x.user.id === params.user);
      if (!m) throw E.unknownMember();
      return { status: 200, body: structuredClone(m) };
    });
  }

  #application(): Json {
    const w = this.ctx.world;
    return {
      id: w.applicationId,
      name: w.botUser.username,
      icon: null,
      description: 'Discord stand-in application',
      summary: '',
      type: null,
      bot: w.botUser,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: createHash('sha256').update(w.applicationId).digest('hex'),
      flags: (1 << 19) | (1 << 23),
      flags_new: String((1 << 19) | (1 << 23)),
      hook: true,
      is_monetized: false,
      is_verified: false,
      is_discoverable: false,
      team: null,
      owner: w.users.alice,
      redirect_uris: [],
      interactions_endpoint_url: null,
      install_params: { scopes: ['bot', 'applications.commands'], permissions: '0' },
      integration_types_config: { '0': {} },
      approximate_guild_count: w.guilds.length,
      tags: [],
    };
  }

  #materializeCommand(cmd: ValidCommand, scope: string, id: string | undefined): APIApplicationCommand {
    const out: Json = {
      id: id ?? this.ctx.ids.next(),
      application_id: this.ctx.world.applicationId,
      version: this.ctx.ids.next(),
      default_member_permissions: cmd.default_member_permissions ?? null,
      type: cmd.type,
      name: cmd.name,
      name_localizations: cmd.name_localizations ?? null,
      description: cmd.description ?? '',
      description_localizations: cmd.description_localizations ?? null,
      dm_permission: cmd.dm_permission ?? true,
      contexts: cmd.contexts ?? null,
      integration_types: cmd.integration_types ?? [0],
      nsfw: cmd.nsfw ?? false,
    };
    if (cmd.options !== undefined) out.options = cmd.options;
    if (scope !== 'global') {
      out.guild_id = scope;
      delete out.dm_permission;
    }
    return out as unknown as APIApplicationCommand;
  }

  // ================================================================ messages

  #lastMessageId(channelId: string): string | null {
    const ids = this.#channelOrder.get(channelId) ?? [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const meta = this.#meta.get(ids[i]!);
      if (meta && !meta.deleted && !meta.ephemeral) return ids[i]!;
    }
    return null;
  }

  #requireChannelPerm(channelId: string, bits: bigint): void {
    const ch = this.ctx.world.channel(channelId);
    if (!ch || ch.kind !== 'guild') return;
    const perms = this.ctx.world.permissions(ch.guild.id, this.ctx.world.botUser.id, channelId);
    if ((perms & PERM.ViewChannel) === 0n) throw E.missingAccess();
    if ((perms & bits) !== bits) throw E.missingPermissions();
  }

  #liveMessage(channelId: string, messageId: string): APIMessage {
    if (!this.ctx.world.channel(channelId)) throw E.unknownChannel();
    const m = this.#messages.get(messageId);
    const meta = this.#meta.get(messageId);
    if (!m || !meta || meta.deleted || m.channel_id !== channelId) throw E.unknownMessage();
    return m;
  }

  #store(msg: APIMessage, meta: StoredMeta): void {
    this.#messages.set(msg.id, msg);
    this.#meta.set(msg.id, meta);
    const order = this.#channelOrder.get(msg.channel_id) ?? [];
    order.push(msg.id);
    this.#channelOrder.set(msg.channel_id, order);
  }

  #guildIdOf(channelId: string): string | null {
    const ch = this.ctx.world.channel(channelId);
    return ch?.kind === 'guild' ? ch.guild.id : null;
  }

  /** Gateway echo of a bot-authored message event. */
  #echo(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE' | 'MESSAGE_DELETE', msg: APIMessage): void {
    if (!this.ctx.echoBotMessages) return;
    const meta = this.#meta.get(msg.id);
    if (meta?.ephemeral) return;
    const guildId = this.#guildIdOf(msg.channel_id);
    const GUILD_MESSAGES = 1 << 9;
    const DIRECT_MESSAGES = 1 << 12;
    const needed = guildId ? GUILD_MESSAGES : DIRECT_MESSAGES;
    let d: Json;
    if (t === 'MESSAGE_DELETE') {
      d = { id: msg.id, channel_id: msg.channel_id, ...(guildId ? { guild_id: guildId } : {}) };
    } else {
      d = { ...structuredClone(msg), channel_type: this.ctx.world.channel(msg.channel_id)?.channel.type ?? 1 } as unknown as Json;
      if (guildId) {
        d.guild_id = guildId;
        const member = this.ctx.world.member(guildId, msg.author.id);
        if (member) {
          const { user: _u, ...rest } = member;
          d.member = structuredClone(rest);
        }
      }
    }
    this.ctx.gateway.dispatch(t, d, { guildId }, (payload, intents) => ((intents & needed) !== 0 ? payload : undefined));
  }

  #buildAttachments(body: Json, files: RecordedFile[], existing: APIAttachment[] = []): APIAttachment[] {
    const out: APIAttachment[] = [];
    const declared = Array.isArray(body.attachments) ? (body.attachments as unknown[]) : undefined;
    if (declared) {
      for (const a of declared) {
        if (!isObj(a)) continue;
        const keep = existing.find((e) => e.id === String(a.id));
        if (keep) out.push(keep);
      }
    } else {
      out.push(...existing);
    }
    files.forEach((f, index) => {
      const meta = declared?.find((a) => isObj(a) && String(a.id) === String(index)) as Json | undefined;
      const id = this.ctx.ids.next();
      const filename = typeof meta?.filename === 'string' ? meta.filename : f.filename;
      const url = `${this.ctx.baseUrl()}/attachments/${id}/${encodeURIComponent(filename)}`;
      const att: APIAttachment = { id, filename, size: f.size, url, proxy_url: url, content_type: f.contentType };
      if (typeof meta?.description === 'string') att.description = meta.description;
      out.push(att);
    });
    return out;
  }

  #mentions(body: Json, content: string, referenced: APIMessage | undefined): { mentions: APIUser[]; roles: string[]; everyone: boolean } {
    const w = this.ctx.world;
    const am = isObj(body.allowed_mentions) ? body.allowed_mentions : undefined;
    const parse = am ? (Array.isArray(am.parse) ? am.parse.map(String) : []) : ['users', 'roles', 'everyone'];
    const allowedUsers = am && Array.isArray(am.users) ? am.users.map(String) : [];
    const allowedRoles = am && Array.isArray(am.roles) ? am.roles.map(String) : [];
    const users: APIUser[] = [];
    for (const m of content.matchAll(/<@!?(\d{15,21})>/g)) {
      const id = m[1]!;
      if (!(parse.includes('users') || allowedUsers.includes(id))) continue;
      const u = w.userById(id);
      if (u && !users.some((x) => x.id === id)) users.push(u);
    }
    const roles: string[] = [];
    for (const m of content.matchAll(/<@&(\d{15,21})>/g)) {
      const id = m[1]!;
      if ((parse.includes('roles') || allowedRoles.includes(id)) && !roles.includes(id)) roles.push(id);
    }
    const repliedUser = am ? am.replied_user === true : true;
    if (referenced && repliedUser && !users.some((x) => x.id === referenced.author.id)) users.push(referenced.author);
    const everyone = parse.includes('everyone') && /@(everyone|here)/.test(content);
    return { mentions: users, roles, everyone };
  }

  #createMessage(
    channelId: string,
    body: Json,
    files: RecordedFile[],
    opts: {
      author: APIUser;
      type?: number;
      flags?: number;
      interaction?: InteractionState;
      allowEmpty?: boolean;
      isFollowup?: boolean;
    },
  ): APIMessage {
    validateMessageBody(body, files, opts.allowEmpty ?? false);
    const w = this.ctx.world;
    const content = typeof body.content === 'string' ? body.content : '';
    let reference: APIMessage | undefined;
    let messageReference: Json | undefined;
    if (isObj(body.message_reference) && !opts.interaction) {
      const ref = body.message_reference;
      const refId = String(ref.message_id ?? '');
      const candidate = this.#messages.get(refId);
      const meta = this.#meta.get(refId);
      const refChannel = typeof ref.channel_id === 'string' ? ref.channel_id : channelId;
      if (!candidate || !meta || meta.deleted || candidate.channel_id !== refChannel) {
        if (ref.fail_if_not_exists !== false) {
          throw invalidForm(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
        }
      } else {
        reference = candidate;
        const guildId = this.#guildIdOf(candidate.channel_id);
        messageReference = { type: 0, message_id: candidate.id, channel_id: candidate.channel_id, ...(guildId ? { guild_id: guildId } : {}) };
      }
    }
    const flags = (typeof body.flags === 'number' ? body.flags : 0) | (opts.flags ?? 0);
    const { mentions, roles, everyone } = this.#mentions(body, content, reference);
    const id = this.ctx.ids.next();
    const msg: APIMessage = {
      id,
      channel_id: channelId,
      author: structuredClone(opts.author),
      content,
      timestamp: nowIso(),
      edited_timestamp: null,
      tts: body.tts === true,
      mention_everyone: everyone,
      mentions: structuredClone(mentions),
      mention_roles: roles,
      attachments: this.#buildAttachments(body, files),
      embeds: Array.isArray(body.embeds) ? (structuredClone(body.embeds) as APIMessage['embeds']).map(normalizeEmbed) : [],
      pinned: false,
      type: opts.type ?? (reference ? MessageTypeNum.Reply : MessageTypeNum.Default),
      flags,
      components: Array.isArray(body.components) ? (structuredClone(body.components) as NonNullable<APIMessage['components']>) : [],
    };
    if (body.nonce !== undefined && body.nonce !== null) msg.nonce = body.nonce as string | number;
    if (isObj(body.poll)) (msg as unknown as Json).poll = structuredClone(body.poll);
    if (reference && messageReference) {
      msg.message_reference = messageReference as unknown as NonNullable<APIMessage['message_reference']>;
      msg.referenced_message = structuredClone(reference);
    }
    const it = opts.interaction;
    if (it) {
      msg.webhook_id = w.applicationId;
      msg.application_id = w.applicationId;
      const user = w.requireUser(it.userId);
      const metadata: Json = {
        id: it.sent.id,
        type: it.sent.type,
        user: structuredClone(user),
        authorizing_integration_owners: it.guildId ? { '0': it.guildId } : { '1': user.id },
      };
      if (it.sent.type === InteractionType.ApplicationCommand) {
        metadata.name = it.name;
        metadata.command_type = it.commandType ?? 1;
      }
      if (it.componentMessageId && it.sent.type === InteractionType.MessageComponent) metadata.interacted_message_id = it.componentMessageId;
      if (opts.isFollowup && it.originalMessageId) metadata.original_response_message_id = it.originalMessageId;
      msg.interaction_metadata = metadata as unknown as NonNullable<APIMessage['interaction_metadata']>;
      msg.interaction = { id: it.sent.id, type: it.sent.type, name: it.name, user: structuredClone(user) } as NonNullable<APIMessage['interaction']>;
    }
    this.#store(msg, { deleted: false, ephemeral: (flags & MessageFlag.Ephemeral) !== 0, createdAt: Date.now(), ...(it ? { interactionId: it.sent.id } : {}) });
    this.#echo('MESSAGE_CREATE', msg);
    return structuredClone(msg);
  }

  #editMessage(messageId: string, body: Json, files: RecordedFile[], opts: { clearLoading?: boolean } = {}): APIMessage {
    const msg = this.#messages.get(messageId);
    if (!msg) throw E.unknownMessage();
    const next: Json = { ...body };
    if (opts.clearLoading) {
      // Editing a deferred "thinking" message must produce a non-empty message.
      validateMessageBody(body, files, false);
    } else {
      validateMessageBody(body, files, true);
    }
    if (typeof next.content === 'string' || next.content === null) msg.content = (next.content as string | null) ?? '';
    if (Array.isArray(next.embeds)) msg.embeds = (structuredClone(next.embeds) as APIMessage['embeds']).map(normalizeEmbed);
    if (Array.isArray(next.components)) msg.components = structuredClone(next.components) as NonNullable<APIMessage['components']>;
    if (Array.isArray(next.attachments) || files.length > 0) msg.attachments = this.#buildAttachments(body, files, msg.attachments);
    if (typeof next.flags === 'number') msg.flags = ((msg.flags ?? 0) & (MessageFlag.Ephemeral | MessageFlag.Loading)) | next.flags;
    if (opts.clearLoading) msg.flags = (msg.flags ?? 0) & ~MessageFlag.Loading;
    if (typeof next.content === 'string') {
      const { mentions, roles, everyone } = this.#mentions(body, msg.content, undefined);
      msg.mentions = mentions;
      msg.mention_roles = roles;
      msg.mention_everyone = everyone;
    }
    msg.edited_timestamp = opts.clearLoading ? null : nowIso();
    this.#echo('MESSAGE_UPDATE', msg);
    return structuredClone(msg);
  }

  #deleteMessage(messageId: string): void {
    const meta = this.#meta.get(messageId);
    const msg = this.#messages.get(messageId);
    if (!meta || !msg || meta.deleted) throw E.unknownMessage();
    meta.deleted = true;
    this.#echo('MESSAGE_DELETE', msg);
  }

  // ================================================================ interaction responses

  #callback({ req, params }: RouteCtx): Reply {
    const it = this.interactions.get(params.interaction ?? '');
    if (!it || it.sent.token !== params.token) throw E.unknownInteraction();
    if (it.acked) throw E.alreadyAcked();
    if (Date.now() - it.sent.createdAt > this.ctx.interactionAckWindowMs) throw E.unknownInteraction();
    const body = isObj(req.body) ? req.body : {};
    const type = body.type;
    const data = isObj(body.data) ? body.data : undefined;
    const fromComponent = it.componentMessageId !== undefined;
    const allowed: Record<number, number[]> = {
      [InteractionType.ApplicationCommand]: [4, 5, 9, 10, 12],
      [InteractionType.MessageComponent]: [4, 5, 6, 7, 9, 10, 12],
      [InteractionType.Autocomplete]: [8],
      [InteractionType.ModalSubmit]: fromComponent ? [4, 5, 6, 7, 10] : [4, 5, 10],
    };
    if (typeof type !== 'number' || !(allowed[it.sent.type] ?? []).includes(type)) {
      throw invalidForm(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type ${String(type)} is not valid for interaction type ${it.sent.type}`);
    }
    const w = this.ctx.world;
    let resourceMessage: APIMessage | undefined;
    switch (type) {
      case CallbackType.ChannelMessageWithSource: {
        if (!data) throw invalidForm(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
        const msgType = it.sent.type === InteractionType.ApplicationCommand ? (it.commandType === 1 || it.commandType === undefined ? MessageTypeNum.ChatInputCommand : MessageTypeNum.ContextMenuCommand) : MessageTypeNum.Default;
        resourceMessage = this.#createMessage(it.channelId, data, req.files, { author: w.botUser, type: msgType, interaction: it });
        it.originalMessageId = resourceMessage.id;
        break;
      }
      case CallbackType.DeferredChannelMessageWithSource: {
        const flags = data && typeof data.flags === 'number' ? data.flags : 0;
        const msgType = it.sent.type === InteractionType.ApplicationCommand ? MessageTypeNum.ChatInputCommand : MessageTypeNum.Default;
        resourceMessage = this.#createMessage(it.channelId, {}, [], {
          author: w.botUser,
          type: msgType,
          flags: (flags & MessageFlag.Ephemeral) | MessageFlag.Loading,
          interaction: it,
          allowEmpty: true,
        });
        it.originalMessageId = resourceMessage.id;
        it.originalLoading = true;
        it.deferEphemeral = (flags & MessageFlag.Ephemeral) !== 0;
        break;
      }
      case CallbackType.DeferredMessageUpdate:
        if (it.componentMessageId) it.originalMessageId = it.componentMessageId;
        break;
      case CallbackType.UpdateMessage: {
        if (!data) throw invalidForm(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
        const target = it.componentMessageId;
        if (!target || !this.#messages.get(target)) throw E.unknownMessage();
        resourceMessage = this.#editMessage(target, data, req.files);
        it.originalMessageId = target;
        break;
      }
      case CallbackType.ApplicationCommandAutocompleteResult: {
        const choices = data?.choices;
        if (!Array.isArray(choices)) throw invalidForm(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
        if (choices.length > 25) throw invalidForm(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        choices.forEach((c, i) => {
          if (!isObj(c) || typeof c.name !== 'string' || c.name.length < 1 || c.name.length > 100) {
            throw invalidForm(['data', 'choices', i, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
          }
          if (typeof c.value === 'string' && c.value.length > 100) {
            throw invalidForm(['data', 'choices', i, 'value'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
          }
        });
        it.choices = structuredClone(choices);
        break;
      }
      case CallbackType.Modal: {
        if (!data) throw invalidForm(['data'], 'BASE_TYPE_REQUIRED', 'This field is required');
        validateModal(data);
        it.modal = structuredClone(data);
        break;
      }
      default:
        break;
    }
    it.acked = true;
    it.ackType = type;
    it.ackAt = Date.now();
    if (req.query.with_response === 'true') {
      const interaction: Json = { id: it.sent.id, type: it.sent.type };
      if (resourceMessage) {
        interaction.response_message_id = resourceMessage.id;
        interaction.response_message_loading = ((resourceMessage.flags ?? 0) & MessageFlag.Loading) !== 0;
        interaction.response_message_ephemeral = ((resourceMessage.flags ?? 0) & MessageFlag.Ephemeral) !== 0;
      }
      const resource: Json = { type };
      if (resourceMessage) resource.message = resourceMessage;
      return { status: 200, body: { interaction, resource } };
    }
    return { status: 204 };
  }

  #webhookInteraction(params: Record<string, string>): InteractionState {
    if (params.app !== this.ctx.world.applicationId) throw E.unknownWebhook();
    const id = this.#byToken.get(params.token ?? '');
    const it = id ? this.interactions.get(id) : undefined;
    if (!it) throw E.invalidWebhookToken();
    if (Date.now() - it.sent.createdAt > this.ctx.interactionTokenTtlMs) throw E.invalidWebhookToken();
    return it;
  }

  #followup({ req, params }: RouteCtx): Reply {
    const it = this.#webhookInteraction(params);
    if (!it.acked) throw E.unknownWebhook();
    const body = isObj(req.body) ? req.body : {};
    let msg: APIMessage;
    if (it.originalLoading && it.originalMessageId) {
      // The first follow-up after a defer (type 5) fills in the "thinking" message.
      msg = this.#editMessage(it.originalMessageId, body, req.files, { clearLoading: true });
      it.originalLoading = false;
    } else {
      const flags = typeof body.flags === 'number' ? body.flags & MessageFlag.Ephemeral : 0;
      msg = this.#createMessage(it.channelId, body, req.files, { author: this.ctx.world.botUser, flags, interaction: it, isFollowup: true });
      it.followupIds.push(msg.id);
    }
    if (req.query.wait === 'false') return { status: 204 };
    return { status: 200, body: msg };
  }

  #webhookMessage({ req, params }: RouteCtx): Reply {
    const it = this.#webhookInteraction(params);
    const isOriginal = params.message === '@original';
    let messageId: string | undefined;
    if (isOriginal) {
      messageId = it.originalMessageId;
      if (!it.acked || !messageId) throw E.unknownMessage();
    } else {
      messageId = params.message;
      const owned = messageId === it.originalMessageId || it.followupIds.includes(messageId ?? '');
      if (!owned) throw E.unknownMessage();
    }
    const meta = this.#meta.get(messageId ?? '');
    if (!messageId || !meta || meta.deleted) throw E.unknownMessage();
    if (req.method === 'GET') return { status: 200, body: structuredClone(this.#messages.get(messageId)) };
    if (req.method === 'DELETE') {
      this.#deleteMessage(messageId);
      return { status: 204 };
    }
    const body = isObj(req.body) ? req.body : {};
    const clearLoading = messageId === it.originalMessageId && it.originalLoading;
    const msg = this.#editMessage(messageId, body, req.files, { clearLoading });
    if (clearLoading) it.originalLoading = false;
    return { status: 200, body: msg };
  }

  // ================================================================ lifecycle

  stop(): void {
    this.#stopped = true;
    for (const t of this.#pendingTimers) clearTimeout(t);
    this.#pendingTimers.clear();
  }
}

// ================================================================== helpers

function httpText(status: number): string {
  const t: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return t[status] ?? 'Error';
}

function describeFault(f: RestFault): string {
  if ('drop' in f) return 'drop';
  if ('delayMs' in f) return `delay ${f.delayMs}ms`;
  if ('retryAfter' in f) return `429 retry_after=${f.retryAfter}${f.global ? ' global' : ''}`;
  return `status ${f.status}`;
}

/** Whether a recorded request matches a RouteMatcher (see types.ts). */
export function matchRoute(matcher: RouteMatcher, req: RecordedRequest): boolean {
  if (typeof matcher === 'function') return matcher(req);
  const methodPath = `${req.method} ${req.path}`;
  if (matcher instanceof RegExp) return matcher.test(methodPath);
  const m = matcher.trim();
  if (m === req.route || m === methodPath) return true;
  if (m.startsWith('/')) return (req.route !== null && req.route.slice(req.route.indexOf(' ') + 1) === m) || req.path === m;
  return false;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 30 * 1024 * 1024) throw new Error('body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

async function parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://standin.local/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    let body: unknown;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
        continue;
      }
      const data = Buffer.from(await value.arrayBuffer());
      files.push({ field, filename: value.name, contentType: value.type || 'application/octet-stream', size: data.length, data });
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  if (contentType.startsWith('application/json')) return { body: JSON.parse(text), files: [] };
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [] };
  }
}

function normalizeEmbed(e: NonNullable<APIMessage['embeds']>[number]): NonNullable<APIMessage['embeds']>[number] {
  return { type: 'rich' as never, ...e };
}

function validateMessageBody(body: Json, files: RecordedFile[], allowEmpty: boolean): void {
  const content = body.content;
  if (content !== undefined && content !== null && typeof content !== 'string') {
    throw invalidForm(['content'], 'BASE_TYPE_STRING', 'Must be a string.');
  }
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  const v2 = (flags & MessageFlag.IsComponentsV2) !== 0;
  if (typeof content === 'string' && content.length > 2000) {
    throw invalidForm(['content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (embeds.length > 10) throw invalidForm(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let embedChars = 0;
  embeds.forEach((e: unknown, i: number) => {
    if (!isObj(e)) return;
    const limits: [string, number][] = [
      ['title', 256],
      ['description', 4096],
    ];
    for (const [k, max] of limits) {
      const v = e[k];
      if (typeof v === 'string') {
        embedChars += v.length;
        if (v.length > max) throw invalidForm(['embeds', i, k], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
      }
    }
    const fields = Array.isArray(e.fields) ? e.fields : [];
    if (fields.length > 25) throw invalidForm(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((f: unknown, j: number) => {
      if (!isObj(f)) return;
      if (typeof f.name !== 'string' || f.name.length === 0 || f.name.length > 256) throw invalidForm(['embeds', i, 'fields', j, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 256 in length.');
      if (typeof f.value !== 'string' || f.value.length === 0 || f.value.length > 1024) throw invalidForm(['embeds', i, 'fields', j, 'value'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1024 in length.');
      embedChars += f.name.length + f.value.length;
    });
  });
  if (embedChars > 6000) throw invalidForm(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const components = Array.isArray(body.components) ? body.components : [];
  if (!v2 && components.length > 5) throw invalidForm(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  if (v2 && ((typeof content === 'string' && content.length > 0) || embeds.length > 0)) {
    throw invalidForm(['content'], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', 'The \'content\' field cannot be used when using MessageFlags.IS_COMPONENTS_V2');
  }
  components.forEach((row: unknown, i: number) => {
    if (!isObj(row) || v2) return;
    if (row.type !== 1) throw invalidForm(['components', i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    const inner = Array.isArray(row.components) ? row.components : [];
    if (inner.length < 1 || inner.length > 5) throw invalidForm(['components', i, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
    inner.forEach((c: unknown, j: number) => {
      if (!isObj(c)) return;
      const customId = c.custom_id;
      if (c.type === 2 && c.style !== 5 && c.style !== 6 && (typeof customId !== 'string' || customId.length === 0)) {
        throw invalidForm(['components', i, 'components', j, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_REQUIRED', 'A custom id required');
      }
      if (typeof customId === 'string' && customId.length > 100) {
        throw invalidForm(['components', i, 'components', j, 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
    });
  });
  const hasContent = typeof content === 'string' && content.length > 0;
  const hasAttachments = files.length > 0 || (Array.isArray(body.attachments) && body.attachments.length > 0);
  const hasOther = embeds.length > 0 || components.length > 0 || hasAttachments || isObj(body.poll) || (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0);
  if (!allowEmpty && !hasContent && !hasOther) throw E.emptyMessage();
}

function validateModal(data: Json): void {
  if (typeof data.custom_id !== 'string' || data.custom_id.length < 1 || data.custom_id.length > 100) {
    throw invalidForm(['data', 'custom_id'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  if (typeof data.title !== 'string' || data.title.length < 1 || data.title.length > 45) {
    throw invalidForm(['data', 'title'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 45 in length.');
  }
  const comps = Array.isArray(data.components) ? data.components : [];
  if (comps.length < 1 || comps.length > 5) throw invalidForm(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
}

/** A command body that passed validation. */
interface ValidCommand {
  type: number;
  name: string;
  description?: string;
  options?: unknown[];
  default_member_permissions?: string | null;
  dm_permission?: boolean;
  contexts?: number[] | null;
  integration_types?: number[];
  nsfw?: boolean;
  name_localizations?: unknown;
  description_localizations?: unknown;
}

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function validateCommand(raw: unknown, path: (string | number)[]): ValidCommand {
  if (!isObj(raw)) throw invalidForm(path, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const type = typeof raw.type === 'number' ? raw.type : 1;
  const name = raw.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 32) throw invalidForm([...path, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
  if (type === 1 && (!NAME_RE.test(name) || name !== name.toLowerCase())) {
    throw invalidForm([...path, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
  const description = raw.description;
  if (type === 1) {
    if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
      throw invalidForm([...path, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
  }
  const options = raw.options;
  if (options !== undefined && options !== null) {
    if (!Array.isArray(options)) throw invalidForm([...path, 'options'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    validateOptions(options, [...path, 'options'], 0);
  }
  const out: ValidCommand = { type, name };
  if (typeof description === 'string') out.description = description;
  if (Array.isArray(options)) out.options = structuredClone(options);
  if (raw.default_member_permissions !== undefined) out.default_member_permissions = raw.default_member_permissions === null ? null : String(raw.default_member_permissions);
  if (typeof raw.dm_permission === 'boolean') out.dm_permission = raw.dm_permission;
  if (Array.isArray(raw.contexts)) out.contexts = raw.contexts.map(Number);
  if (Array.isArray(raw.integration_types)) out.integration_types = raw.integration_types.map(Number);
  if (typeof raw.nsfw === 'boolean') out.nsfw = raw.nsfw;
  if (raw.name_localizations !== undefined) out.name_localizations = raw.name_localizations;
  if (raw.description_localizations !== undefined) out.description_localizations = raw.description_localizations;
  return out;
}

function validateOptions(options: unknown[], path: (string | number)[], depth: number): void {
  if (options.length > 25) throw invalidForm(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((o, i) => {
    if (!isObj(o)) throw invalidForm([...path, i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    const p = [...path, i];
    if (typeof o.type !== 'number' || o.type < 1 || o.type > 11) throw invalidForm([...p, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1..11}.');
    if (typeof o.name !== 'string' || !NAME_RE.test(o.name) || o.name !== o.name.toLowerCase()) {
      throw invalidForm([...p, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    if (names.has(o.name)) throw invalidForm([...p, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique');
    names.add(o.name);
    if (typeof o.description !== 'string' || o.description.length < 1 || o.description.length > 100) {
      throw invalidForm([...p, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const isSub = o.type === 1 || o.type === 2;
    if (isSub) {
      if ((o.type === 2 && depth > 0) || (o.type === 1 && depth > 1)) {
        throw invalidForm([...p, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Subcommands nested too deeply');
      }
      if (Array.isArray(o.options)) validateOptions(o.options, [...p, 'options'], depth + 1);
      return;
    }
    if (o.required === true && sawOptional) {
      throw invalidForm([...p, 'required'], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    }
    if (o.required !== true) sawOptional = true;
    if (Array.isArray(o.choices)) {
      if (o.choices.length > 25) throw invalidForm([...p, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      if (o.autocomplete === true) throw invalidForm([...p, 'autocomplete'], 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES', 'Autocomplete cannot be set with choices');
    }
  });
}

/** A random interaction token (Discord's are long opaque strings). */
export function interactionToken(): string {
  return `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
}
