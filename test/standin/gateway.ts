/**
 * Gateway half of the Discord stand-in: HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats,
 * RESUME with replay, sharding, zlib-stream / identify compression, and fault injection.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { APIUnavailableGuild, GatewayReadyDispatchData } from 'discord.js';
import { shardOf } from './snowflake.ts';
import type { GatewayFrame, IdentifyRecord, ResumeRecord, SessionInfo } from './types.ts';
import type { World } from './world.ts';

/** Gateway opcodes (numeric, to avoid depending on enum objects at runtime). */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

const MAX_FRAMES = 5000;

/** Close codes after which Discord does not allow resuming (new session required). */
const NON_RESUMABLE_CLOSE_CODES = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);

export interface GatewayContext {
  world: World;
  token: () => string;
  validateToken: boolean;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number | undefined;
  replayBufferSize: number;
  resumeWindowMs: number;
  disallowedIntents: number;
  resumeUrl: () => string;
  changed: () => void;
  log: (line: string) => void;
}

interface DispatchPayload {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

class Connection {
  session: Session | null = null;
  /** Set after op 9 d=true: a RESUME on this authenticated connection is allowed. */
  awaitingResume = false;
  identifyCompress = false;
  deflate: zlib.Deflate | null = null;
  sendChain: Promise<void> = Promise.resolve();
  heartbeatTimer: NodeJS.Timeout | null = null;
  lastHeartbeatAt = 0;
  heartbeats = 0;
  closed = false;
  /** True once the stand-in itself decided to close (so the close handler doesn't re-interpret). */
  serverClosing = false;
  readonly openedAt = Date.now();
  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly path: string,
  ) {}
}

class Session {
  seq = 0;
  buffer: DispatchPayload[] = [];
  conn: Connection | null = null;
  status: SessionInfo['status'] = 'connected';
  resumes = 0;
  expiryTimer: NodeJS.Timeout | null = null;
  readonly identifiedAt = Date.now();
  constructor(
    readonly id: string,
    readonly token: string,
    readonly shard: [number, number],
    readonly intents: number,
  ) {}
}

/** Selects sessions for dispatches and fault injection. Empty = every live session. */
export interface SessionTarget {
  shardId?: number;
  sessionId?: string;
}

export class Gateway {
  readonly wss: WebSocketServer;
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: ResumeRecord[] = [];
  readonly frames: GatewayFrame[] = [];
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<Connection>();
  readonly #closeTimers = new Set<NodeJS.Timeout>();
  #nextConnId = 1;
  #stopped = false;

  constructor(private readonly ctx: GatewayContext) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#stopped) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req));
  }

  // ---------------------------------------------------------------- connections

  #onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const conn = new Connection(this.#nextConnId++, ws, url.pathname);
    this.#connections.add(conn);
    this.ctx.log(`gateway: connection ${conn.id} opened ${req.url ?? ''}`);
    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.#onClose(conn, code));
    ws.on('error', () => {
      /* socket errors surface as close */
    });

    const v = url.searchParams.get('v');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    const compress = url.searchParams.get('compress');
    if (v !== null && v !== '10') {
      this.#close(conn, 4012, 'Invalid API version');
      return;
    }
    if (encoding !== 'json') {
      this.#close(conn, 4002, `Unsupported encoding ${encoding} (stand-in speaks json only)`);
      return;
    }
    if (compress === 'zlib-stream') {
      conn.deflate = zlib.createDeflate({ chunkSize: 65535 });
    } else if (compress !== null) {
      this.#close(conn, 4002, `Unsupported compress ${compress}`);
      return;
    }
    this.#send(conn, { op: Op.Hello, d: { heartbeat_interval: this.ctx.heartbeatIntervalMs, _trace: ['["standin-gateway",{}]'] } });
    this.#armHeartbeatTimeout(conn);
  }

  #armHeartbeatTimeout(conn: Connection): void {
    const timeout = this.ctx.heartbeatTimeoutMs;
    if (timeout === undefined || conn.closed) return;
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.heartbeatTimer = setTimeout(() => {
      conn.heartbeatTimer = null;
      this.ctx.log(`gateway: connection ${conn.id} missed heartbeats, closing 4009`);
      if (conn.session) this.#invalidate(conn.session);
      this.#close(conn, 4009, 'Session timed out');
    }, timeout);
    conn.heartbeatTimer.unref();
  }

  #onClose(conn: Connection, code: number): void {
    conn.closed = true;
    this.#connections.delete(conn);
    if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
    conn.heartbeatTimer = null;
    conn.deflate?.close();
    conn.deflate = null;
    this.ctx.log(`gateway: connection ${conn.id} closed ${code}`);
    const session = conn.session;
    if (session && session.conn === conn) {
      session.conn = null;
      if (!conn.serverClosing && (code === 1000 || code === 1001)) {
        // A client closing with 1000/1001 ends its session (Discord invalidates it).
        this.#invalidate(session);
      } else if (session.status !== 'invalid') {
        session.status = 'disconnected';
        this.#armSessionExpiry(session);
      }
    }
    this.ctx.changed();
  }

  #armSessionExpiry(session: Session): void {
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = setTimeout(() => {
      session.expiryTimer = null;
      if (session.status === 'disconnected') this.#invalidate(session);
    }, this.ctx.resumeWindowMs);
    session.expiryTimer.unref();
  }

  #invalidate(session: Session): void {
    session.status = 'invalid';
    session.buffer = [];
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    this.ctx.changed();
  }

  #close(conn: Connection, code: number, reason = ''): void {
    if (conn.closed) return;
    conn.serverClosing = true;
    if (code === 1005 || code === 1006 || code === 1015 || code < 1000 || code >= 5000) {
      conn.ws.terminate();
      return;
    }
    conn.ws.close(code, reason.slice(0, 120));
    // Don't wait forever for the client's close frame.
    const t = setTimeout(() => {
      this.#closeTimers.delete(t);
      if (!conn.closed) conn.ws.terminate();
    }, 2000);
    t.unref();
    this.#closeTimers.add(t);
  }

  // ---------------------------------------------------------------- frames

  #record(frame: GatewayFrame): void {
    this.frames.push(frame);
    if (this.frames.length > MAX_FRAMES) this.frames.splice(0, this.frames.length - MAX_FRAMES);
  }

  #send(conn: Connection, payload: { op: number; d: unknown; t?: string | null; s?: number | null }): void {
    if (conn.closed || conn.ws.readyState !== conn.ws.OPEN) return;
    const full = { t: null, s: null, ...payload };
    this.#record({ at: Date.now(), dir: 'out', connectionId: conn.id, op: full.op, t: full.t, s: full.s, d: full.d });
    const json = JSON.stringify(full);
    if (conn.deflate) {
      const deflate = conn.deflate;
      conn.sendChain = conn.sendChain.then(
        () =>
          new Promise<void>((resolve) => {
            deflate.write(json);
            deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
              const chunks: Buffer[] = [];
              let chunk: Buffer | null;
              while ((chunk = deflate.read() as Buffer | null) !== null) chunks.push(chunk);
              if (!conn.closed && conn.ws.readyState === conn.ws.OPEN) conn.ws.send(Buffer.concat(chunks));
              resolve();
            });
          }),
      );
      return;
    }
    if (conn.identifyCompress) {
      conn.ws.send(zlib.deflateSync(json));
      return;
    }
    conn.ws.send(json);
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // Frames arriving after the stand-in started closing the connection are ignored.
    if (conn.closed || conn.serverClosing) return;
    let payload: { op?: unknown; d?: unknown };
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      if (isBinary && text.charCodeAt(0) !== 123) throw new Error('binary');
      payload = JSON.parse(text) as { op?: unknown; d?: unknown };
    } catch {
      this.#close(conn, 4002, 'Error while decoding payload.');
      return;
    }
    const op = typeof payload.op === 'number' ? payload.op : -1;
    this.#record({ at: Date.now(), dir: 'in', connectionId: conn.id, op, d: op === Op.Identify || op === Op.Resume ? redactToken(payload.d) : payload.d });
    switch (op) {
      case Op.Heartbeat:
        conn.lastHeartbeatAt = Date.now();
        conn.heartbeats++;
        this.#armHeartbeatTimeout(conn);
        this.#send(conn, { op: Op.HeartbeatAck, d: null });
        break;
      case Op.Identify:
        this.#onIdentify(conn, payload.d);
        break;
      case Op.Resume:
        this.#onResume(conn, payload.d);
        break;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestSoundboardSounds:
        if (!conn.session) this.#close(conn, 4003, 'Not authenticated.');
        break;
      case Op.RequestGuildMembers:
        if (!conn.session) this.#close(conn, 4003, 'Not authenticated.');
        else this.#onRequestMembers(conn.session, payload.d);
        break;
      default:
        this.#close(conn, 4001, 'Unknown opcode.');
    }
    this.ctx.changed();
  }

  #tokenOk(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0) return false;
    return !this.ctx.validateToken || token.replace(/^Bot\s+/i, '') === this.ctx.token();
  }

  #onIdentify(conn: Connection, raw: unknown): void {
    const d = (raw ?? {}) as { token?: unknown; intents?: unknown; shard?: unknown; properties?: unknown; compress?: unknown };
    const shardRaw = Array.isArray(d.shard) ? d.shard : [0, 1];
    const shard: [number, number] = [Number(shardRaw[0] ?? 0), Number(shardRaw[1] ?? 1)];
    const intents = typeof d.intents === 'number' ? d.intents : Number.NaN;
    const record: IdentifyRecord = {
      at: Date.now(),
      connectionId: conn.id,
      shard,
      intents,
      properties: d.properties,
      compress: d.compress === true,
    };
    this.identifies.push(record);
    const reject = (code: number, reason: string): void => {
      record.rejectedWith = code;
      this.#close(conn, code, reason);
    };
    if (conn.session) return reject(4005, 'Already authenticated.');
    if (!this.#tokenOk(d.token)) return reject(4004, 'Authentication failed.');
    if (!Number.isInteger(intents) || intents < 0) return reject(4013, 'Invalid intent(s).');
    if ((intents & this.ctx.disallowedIntents) !== 0) return reject(4014, 'Disallowed intent(s).');
    if (!Number.isInteger(shard[0]) || !Number.isInteger(shard[1]) || shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
      return reject(4010, 'Invalid shard.');
    }
    if (d.compress === true && !conn.deflate) conn.identifyCompress = true;

    const session = new Session(randomBytes(16).toString('hex'), String(d.token), shard, intents);
    record.sessionId = session.id;
    this.#sessions.set(session.id, session);
    session.conn = conn;
    conn.session = session;
    this.ctx.log(`gateway: IDENTIFY shard [${shard.join(',')}] → session ${session.id}`);

    const world = this.ctx.world;
    const guilds = world.guilds.filter((g) => shardOf(g.id, shard[1]) === shard[0]);
    const ready: GatewayReadyDispatchData & Record<string, unknown> = {
      v: 10,
      user: { ...world.botUser, verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g): APIUnavailableGuild => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.ctx.resumeUrl(),
      shard,
      application: { id: world.applicationId, flags: (1 << 19) | (1 << 23), flags_new: String((1 << 19) | (1 << 23)) },
      session_type: 'normal',
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['standin'],
      user_settings: {},
      auth: {},
      _trace: ['["standin-gateway-prd",{"micros":0}]'],
    };
    this.#dispatchTo(session, 'READY', ready);
    for (const g of guilds) this.#dispatchTo(session, 'GUILD_CREATE', world.guildCreatePayload(g.id));
  }

  #onResume(conn: Connection, raw: unknown): void {
    const d = (raw ?? {}) as { token?: unknown; session_id?: unknown; seq?: unknown };
    const sessionId = String(d.session_id ?? '');
    const seq = typeof d.seq === 'number' ? d.seq : null;
    const record: ResumeRecord = { at: Date.now(), connectionId: conn.id, sessionId, seq, ok: false, replayed: 0 };
    this.resumes.push(record);
    if (conn.session && !(conn.awaitingResume && conn.session.id === sessionId)) {
      record.reason = 'already authenticated';
      this.#close(conn, 4005, 'Already authenticated.');
      return;
    }
    conn.awaitingResume = false;
    const session = this.#sessions.get(sessionId);
    const refuse = (reason: string): void => {
      record.reason = reason;
      this.ctx.log(`gateway: RESUME of ${sessionId} refused (${reason})`);
      // Discord answers an unresumable RESUME with op 9 d=false (after a short delay).
      this.#send(conn, { op: Op.InvalidSession, d: false });
    };
    if (!this.#tokenOk(d.token) || (session && session.token !== d.token)) {
      record.reason = 'authentication failed';
      this.#close(conn, 4004, 'Authentication failed.');
      return;
    }
    if (!session) return refuse('unknown session');
    if (session.status === 'invalid') return refuse('session invalidated');
    const resumeSeq = seq ?? 0;
    if (resumeSeq > session.seq) {
      record.reason = 'invalid seq';
      this.#invalidate(session);
      this.#close(conn, 4007, 'Invalid seq.');
      return;
    }
    const oldest = session.buffer[0]?.s ?? session.seq + 1;
    if (resumeSeq < oldest - 1) {
      this.#invalidate(session);
      return refuse('replay buffer exhausted');
    }
    // Take over the session (an old live connection is dropped, as Discord does).
    const old = session.conn;
    if (old && old !== conn) {
      old.session = null;
      this.#close(old, 1006);
    }
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    session.conn = conn;
    session.status = 'connected';
    session.resumes++;
    conn.session = session;
    const missed = session.buffer.filter((p) => p.s > resumeSeq);
    for (const p of missed) this.#send(conn, p);
    record.ok = true;
    record.replayed = missed.length;
    this.ctx.log(`gateway: RESUME of ${sessionId} from ${resumeSeq}: replayed ${missed.length}`);
    // RESUMED takes a sequence number but is not itself replayable.
    session.seq++;
    this.#send(conn, { op: Op.Dispatch, t: 'RESUMED', s: session.seq, d: { _trace: ['["standin-gateway-prd",{}]'] } });
  }

  #onRequestMembers(session: Session, raw: unknown): void {
    const d = (raw ?? {}) as { guild_id?: unknown; query?: unknown; limit?: unknown; user_ids?: unknown; nonce?: unknown };
    const guildIds = Array.isArray(d.guild_id) ? d.guild_id.map(String) : [String(d.guild_id ?? '')];
    for (const guildId of guildIds) {
      const guild = this.ctx.world.guildById(guildId);
      if (!guild) continue;
      let members = guild.members;
      if (Array.isArray(d.user_ids) || typeof d.user_ids === 'string') {
        const ids = new Set((Array.isArray(d.user_ids) ? d.user_ids : [d.user_ids]).map(String));
        members = members.filter((m) => ids.has(m.user.id));
      } else if (typeof d.query === 'string' && d.query !== '') {
        const q = d.query.toLowerCase();
        members = members.filter((m) => m.user.username.toLowerCase().startsWith(q));
      }
      const limit = typeof d.limit === 'number' && d.limit > 0 ? d.limit : members.length;
      this.#dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: guild.id,
        members: structuredClone(members.slice(0, limit)),
        chunk_index: 0,
        chunk_count: 1,
        not_found: [],
        ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
      });
    }
  }

  // ---------------------------------------------------------------- dispatch

  #dispatchTo(session: Session, t: string, d: unknown): DispatchPayload {
    session.seq++;
    const payload: DispatchPayload = { op: 0, t, s: session.seq, d };
    session.buffer.push(payload);
    if (session.buffer.length > this.ctx.replayBufferSize) session.buffer.splice(0, session.buffer.length - this.ctx.replayBufferSize);
    const conn = session.conn;
    if (conn && session.status === 'connected') this.#send(conn, payload);
    this.ctx.changed();
    return payload;
  }

  /** Sessions that are live (connected or resumable) and match the target. */
  liveSessions(target: SessionTarget = {}): Session[] {
    return [...this.#sessions.values()].filter(
      (s) =>
        s.status !== 'invalid' &&
        (target.sessionId === undefined || s.id === target.sessionId) &&
        (target.shardId === undefined || s.shard[0] === target.shardId),
    );
  }

  /**
   * Dispatches an event to every live session responsible for `guildId` (`null` = DM → shard 0).
   * `transform` may adapt/skip the payload per session (e.g. intent filtering). Returns the number
   * of sessions that got it (delivered or buffered for resume).
   */
  dispatch(
    t: string,
    d: unknown,
    route: { guildId: string | null; sessionId?: string },
    transform?: (d: unknown, intents: number) => unknown,
  ): number {
    let n = 0;
    for (const session of this.liveSessions(route.sessionId !== undefined ? { sessionId: route.sessionId } : {})) {
      const [shardId, count] = session.shard;
      const responsible = route.guildId === null ? shardId === 0 : shardOf(route.guildId, count) === shardId;
      if (!responsible) continue;
      const payload = transform ? transform(d, session.intents) : d;
      if (payload === undefined) continue;
      this.#dispatchTo(session, t, payload);
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- fault injection

  #connectedSessions(target: SessionTarget): Session[] {
    return this.liveSessions(target).filter((s) => s.conn !== null && s.status === 'connected');
  }

  /** Closes the connections of the targeted connected sessions. */
  closeConnections(code: number, target: SessionTarget = {}, opts: { resumable?: boolean; reason?: string } = {}): number {
    const sessions = this.#connectedSessions(target);
    const resumable = opts.resumable ?? !NON_RESUMABLE_CLOSE_CODES.has(code);
    for (const s of sessions) {
      const conn = s.conn!;
      s.conn = null;
      if (resumable) {
        s.status = 'disconnected';
        this.#armSessionExpiry(s);
      } else {
        this.#invalidate(s);
      }
      // keep conn.session so late frames are attributed, but the close handler won't touch the session
      this.#close(conn, code, opts.reason ?? 'stand-in fault injection');
    }
    this.ctx.changed();
    return sessions.length;
  }

  /** Sends op 9 INVALID_SESSION to the targeted connected sessions. */
  invalidateSessions(resumable: boolean, target: SessionTarget = {}): number {
    const sessions = this.#connectedSessions(target);
    for (const s of sessions) {
      const conn = s.conn!;
      if (resumable) {
        conn.awaitingResume = true;
      } else {
        this.#invalidate(s);
      }
      this.#send(conn, { op: Op.InvalidSession, d: resumable });
    }
    this.ctx.changed();
    return sessions.length;
  }

  /** Sends op 7 RECONNECT (the client should resume on a new connection). */
  requestReconnect(target: SessionTarget = {}): number {
    const sessions = this.#connectedSessions(target);
    for (const s of sessions) this.#send(s.conn!, { op: Op.Reconnect, d: null });
    return sessions.length;
  }

  /** Sends op 1 HEARTBEAT (server-requested heartbeat). */
  requestHeartbeat(target: SessionTarget = {}): number {
    const sessions = this.#connectedSessions(target);
    for (const s of sessions) this.#send(s.conn!, { op: Op.Heartbeat, d: s.seq });
    return sessions.length;
  }

  sessionInfos(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => ({
      id: s.id,
      shard: [s.shard[0], s.shard[1]],
      intents: s.intents,
      status: s.status,
      seq: s.seq,
      connectionId: s.conn?.id ?? null,
      identifiedAt: s.identifiedAt,
      resumes: s.resumes,
    }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#closeTimers) clearTimeout(t);
    this.#closeTimers.clear();
    for (const s of this.#sessions.values()) {
      if (s.expiryTimer) clearTimeout(s.expiryTimer);
      s.expiryTimer = null;
    }
    for (const conn of [...this.#connections]) {
      if (conn.heartbeatTimer) clearTimeout(conn.heartbeatTimer);
      conn.heartbeatTimer = null;
      conn.serverClosing = true;
      conn.ws.terminate();
      conn.deflate?.close();
    }
    this.#connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function redactToken(d: unknown): unknown {
  if (d && typeof d === 'object' && 'token' in d) return { ...(d as Record<string, unknown>), token: '[redacted]' };
  return d;
}
