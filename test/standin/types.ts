/** Public option and record types of the Discord stand-in (see index.ts for the overview). */
import type { APIInteraction, APIMessage } from 'discord.js';
import type { WorldOptions } from './world.ts';

export interface StandinOptions {
  /** Port to listen on (default 0 = ephemeral). Always binds 127.0.0.1. */
  port?: number;
  /** HELLO heartbeat_interval in ms (default 41250, Discord's value). Use e.g. 1000 in tests. */
  heartbeatIntervalMs?: number;
  /**
   * If set, a connection that goes this many ms without a HEARTBEAT is closed with 4009
   * (session timed out; the session becomes non-resumable). Default: not enforced.
   */
  heartbeatTimeoutMs?: number;
  /** Fixture world options (number of guilds, bot name). */
  world?: WorldOptions;
  /** The bot token the stand-in hands out as `standin.token` (default: a realistic fake token). */
  token?: string;
  /** Reject other tokens: REST 401 `{code: 0}` and gateway close 4004 (default false: any non-empty token). */
  validateToken?: boolean;
  /** `GET /gateway/bot` → `shards` (recommended shard count; default 1). */
  recommendedShards?: number;
  /**
   * `session_start_limit.max_concurrency` (default 16). discord.js waits ~5 s between identifies of
   * shards in the same bucket (`shardId % max_concurrency`); 1 is Discord's value for small bots.
   */
  maxConcurrency?: number;
  /** `session_start_limit.total` (default 1000); `remaining` = total - identifies so far. */
  sessionStartTotal?: number;
  /** Initial-response window of an interaction, from its creation (default 3000 ms, as Discord). */
  interactionAckWindowMs?: number;
  /** Lifetime of an interaction token for edits/follow-ups (default 15 min, as Discord). */
  interactionTokenTtlMs?: number;
  /** Window in which `enforce_nonce` deduplicates messages (default 5 min). */
  nonceWindowMs?: number;
  /** Dispatches kept per session for RESUME replay (default 1000). */
  replayBufferSize?: number;
  /** How long a disconnected session stays resumable (default 120000 ms). */
  resumeWindowMs?: number;
  /**
   * Echo messages the bot creates (channel messages, non-ephemeral interaction responses) back as
   * MESSAGE_CREATE/MESSAGE_UPDATE/MESSAGE_DELETE over the gateway, as Discord does (default true).
   */
  echoBotMessages?: boolean;
  /** Intent bits that the application is NOT allowed to request (IDENTIFY → close 4014). Default 0. */
  disallowedIntents?: number;
  /** Debug log sink (default: none). */
  log?: (line: string) => void;
}

/** A file part of a multipart request. */
export interface RecordedFile {
  /** Form field name, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  size: number;
  data: Buffer;
}

/** One HTTP request that reached the stand-in's REST API (every request is recorded). */
export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  method: string;
  /** Path below `/api/v10`, without query, e.g. `/channels/123/messages`. */
  path: string;
  /** Full request URL path including `/api/v10` and the query string. */
  url: string;
  /** Matched route key, e.g. `POST /channels/:channel/messages`, or null for 404s. */
  route: string | null;
  query: Record<string, string>;
  /** Parsed JSON body (or multipart `payload_json`); raw string if not JSON; undefined if empty. */
  body: unknown;
  files: RecordedFile[];
  /** Request headers (lower-case names) minus `authorization`. */
  headers: Record<string, string>;
  /** Whether an Authorization header was present (discord.js omits it for interaction/webhook routes). */
  authorized: boolean;
  /** Arrival time (Date.now()). */
  at: number;
  /** Response status (filled when the response is sent; 0 until then). */
  status: number;
  /** Response JSON body (undefined for 204). */
  response: unknown;
  /** Description of the injected fault, if one was applied to this request. */
  fault?: string;
}

export type InteractionResponseKind =
  | 'callback'
  | 'editOriginal'
  | 'deleteOriginal'
  | 'followup'
  | 'editMessage'
  | 'deleteMessage';

/** One attempt by the bot to respond to an interaction (including failed/faulted attempts). */
export interface InteractionResponseRecord {
  kind: InteractionResponseKind;
  interactionId: string;
  /** For `callback`: the InteractionResponseType (4 reply, 5 defer, 6 deferred update, 7 update, 8 autocomplete, 9 modal). */
  callbackType?: number;
  /** The JSON body (or payload_json) the bot sent. */
  body: unknown;
  status: number;
  ok: boolean;
  /** Response JSON (error body for failures). */
  response: unknown;
  at: number;
  /** ms since the interaction was created by the stand-in. */
  sinceArrivalMs: number;
  /** Message created/edited/deleted, when applicable. */
  messageId?: string;
  request: RecordedRequest;
}

/** An interaction the stand-in dispatched (returned by sendCommand & co). */
export interface SentInteraction {
  id: string;
  token: string;
  /** InteractionType: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type: number;
  /** The exact INTERACTION_CREATE `d` payload. */
  payload: APIInteraction;
  /** When the stand-in created it (Date.now()); the 3 s ack window starts here. */
  createdAt: number;
}

/** A gateway IDENTIFY the stand-in accepted (or rejected). */
export interface IdentifyRecord {
  at: number;
  connectionId: number;
  /** Session created (undefined if rejected). */
  sessionId?: string;
  shard: [number, number];
  intents: number;
  properties: unknown;
  compress: boolean;
  /** Close code if the identify was rejected. */
  rejectedWith?: number;
}

/** A gateway RESUME the stand-in received. */
export interface ResumeRecord {
  at: number;
  connectionId: number;
  sessionId: string;
  seq: number | null;
  ok: boolean;
  /** Number of dispatches replayed (when ok). */
  replayed: number;
  /** Why it was refused (when not ok). */
  reason?: string;
}

/** One gateway frame, in either direction. */
export interface GatewayFrame {
  at: number;
  dir: 'in' | 'out';
  connectionId: number;
  op: number;
  t?: string | null;
  s?: number | null;
  d?: unknown;
}

export interface SessionInfo {
  id: string;
  shard: [number, number];
  intents: number;
  /** `connected`: a live connection; `disconnected`: resumable, buffering; `invalid`: ended. */
  status: 'connected' | 'disconnected' | 'invalid';
  seq: number;
  connectionId: number | null;
  identifiedAt: number;
  resumes: number;
}

/** A REST fault to inject (see `failNext`). */
export type RestFault =
  | {
      status: 429;
      /** Seconds; sent as the `retry-after` header (as-is, may be fractional) and `retry_after` body. */
      retryAfter: number;
      global?: boolean;
      /** `x-ratelimit-scope` (default `user`, or `global` when global). */
      scope?: 'user' | 'global' | 'shared';
    }
  | {
      /** Any other error status (500, 502, 503, 400, 403, 404, ...). */
      status: number;
      /** Discord error code for the JSON body (default 0). */
      code?: number;
      message?: string;
      /** Full JSON body override. */
      body?: unknown;
    }
  | {
      /** Wait this long, then handle the request normally. */
      delayMs: number;
    }
  | {
      /** Destroy the TCP socket without a response (client sees ECONNRESET / socket hang up). */
      drop: true;
    };

/** Which requests a fault applies to. A string is `"METHOD /route/:pattern"` (as in `RecordedRequest.route`),
 * `"/route/:pattern"` (any method), or an exact `"METHOD /path"`; a RegExp is tested against
 * `"METHOD /path"` (path below /api/v10, no query); a function gets the recorded request. */
export type RouteMatcher = string | RegExp | ((req: RecordedRequest) => boolean);

/** A stored message (as the REST API returns it), plus whether it's deleted. */
export type StoredMessage = APIMessage;
