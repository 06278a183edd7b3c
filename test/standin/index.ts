/**
 * # Discord stand-in — a local fake of Discord's gateway + REST API for end-to-end tests
 *
 * One HTTP server on `127.0.0.1:<ephemeral port>` serves the REST API under `/api/v10/...` and the
 * gateway as a WebSocket upgrade at `/gateway` (and `/gateway-resume`, the `resume_gateway_url`).
 * The REAL discord.js v14 `Client` connects to it unmodified; nothing in discord.js is mocked.
 *
 * ## Quick start (vitest)
 * ```ts
 * import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
 * import { DiscordStandin } from '../standin/index.ts';
 *
 * const standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
 * const client = new Client({
 *   intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
 *   partials: [Partials.Channel],
 *   rest: { api: standin.restUrl },          // http://127.0.0.1:PORT/api (discord.js appends /v10/...)
 *   allowedMentions: { parse: [] },
 *   // Optional: discord.js sleeps ~5 s before re-IDENTIFYing the same shard; tests that force
 *   // re-identifies (invalidateSession(false), closeSession(4009)) can disable that throttle:
 *   ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
 * });
 * const ready = new Promise((r) => client.once(Events.ClientReady, r));
 * await client.login(standin.token);         // any non-empty token works unless validateToken
 * await ready;                               // READY + one GUILD_CREATE per guild of the shard
 *
 * const cmd = standin.sendCommand('ping', {}, { user: 'bob' });      // INTERACTION_CREATE
 * const [reply] = await standin.waitForResponses(cmd.id);          // callback recorded
 * expect(reply.body).toMatchObject({ type: 4, data: { content: 'pong' } });
 *
 * await client.destroy();
 * await standin.stop();                      // always, in afterAll
 * ```
 *
 * ## Fixture world (`standin.world`, deterministic snowflake strings, mutable)
 * - `world.applicationId` (= bot user id), `world.botUser` (`bot: true`, username `papertalk`).
 * - `world.users.{alice,bob,carol,dave,erin}`:
 *   alice = owner of every guild + Admin role; bob = Moderator role (Manage Guild, Manage Messages,
 *   Kick Members); carol, dave = plain members; erin = in no guild (DM only).
 * - `world.guilds` (2 by default, option `world.guildCount`); `world.guild` = the first.
 *   Guild *i* is on shard `i % n` for every shard count n ≤ 16 (so with `shardCount: 2`,
 *   guilds[0] → shard 0, guilds[1] → shard 1). Each guild has roles (`everyoneRoleId` = guild id,
 *   `adminRoleId`, `moderatorRoleId`, `botRoleId` — the bot's managed role), text channels
 *   `general` (`textChannelId`) and `papers` (`otherTextChannelId`), members (incl. the bot).
 * - `world.dmChannel(userId)` — the DM channel with a user (one per user).
 * - `world.permissions(guildId, userId, channelId?)` — Discord's permission algorithm (owner,
 *   Administrator, role OR, channel overwrites). Push `permission_overwrites` onto
 *   `world.guild.channels[k]` to e.g. deny the bot SendMessages (REST then answers 403 50013).
 * - `world.addUser({username})`, `world.addMember(guildId, userId, roleIds)`.
 *
 * ## DiscordStandin API
 * Lifecycle / addresses
 * - `static start(opts?: StandinOptions): Promise<DiscordStandin>` — listen on 127.0.0.1 (see StandinOptions in types.ts).
 * - `stop(): Promise<void>` — terminate sockets, clear timers, reject pending waiters. Idempotent.
 * - `restUrl` (`http://127.0.0.1:PORT/api`), `gatewayUrl` (`ws://…/gateway`), `baseUrl`, `port`, `token`,
 *   `applicationId`, `botUser`, `world`.
 * - `configure({interactionAckWindowMs?, interactionTokenTtlMs?, nonceWindowMs?, echoBotMessages?})` — change at runtime.
 *
 * Sending events to the bot (each returns what it sent; interactions get a unique id + token and
 * `createdAt`, which starts the 3 s ack window). Interactions go to every live session whose shard
 * covers the guild (DMs → shard 0), or only to `ctx.sessionId`; they throw if no session exists.
 * Context (`InteractionContext`): `user` (fixture name | id | {id}; default `'carol'`), `guildId`
 * (default first guild; `null` = DM), `channelId` (default `general` / the user's DM), `locale`, `sessionId`.
 * - `sendCommand(name, options?: Record<string, OptionValue>, ctx?: CommandContext): SentInteraction`
 *   — type 2. `ctx.subcommand: 'sub' | 'group sub'`. If the bot registered the command (PUT/POST
 *   …/commands), `data.id`, option types and subcommand nesting come from the registration, and
 *   unknown/missing-required options throw. Otherwise types are inferred (string/integer/number/
 *   boolean); force one with `{ type: 7, value: channelId }`. USER/CHANNEL/ROLE/MENTIONABLE/
 *   ATTACHMENT options get `data.resolved`. Context menus: `ctx.commandType: 2|3, ctx.targetId`.
 * - `sendAutocomplete(name, options, ctx: AutocompleteContext & { focused: string }): SentInteraction` — type 4.
 * - `clickButton(customId, message: APIMessage | id, ctx?: ComponentContext): SentInteraction` — type 3,
 *   component_type 2; guild/channel come from the message; throws if the message has no such
 *   (enabled) component unless `ctx.unchecked`.
 * - `selectMenu(customId, values: string[], message, ctx?): SentInteraction` — type 3; component type
 *   taken from the message (string/user/role/mentionable/channel select; non-string → `resolved`).
 * - `submitModal(customId, fields: Record<customId, string | string[]>, ctx?: ModalContext): SentInteraction`
 *   — type 5; mirrors the modal the bot showed (action rows vs. labels); default user/place/message
 *   = those of the interaction that showed it.
 * - `sendMessage({content, author?, mentionsBot?, referencedMessage?, pingReplied?, guildId?, channelId?,
 *   dm?, attachments?, sessionId?}): APIMessage` — MESSAGE_CREATE (stored too). Delivery honours the
 *   session's intents: guild messages need GUILD_MESSAGES, DMs DIRECT_MESSAGES; without
 *   MESSAGE_CONTENT, content/embeds/attachments/components are blanked unless it's a DM or the bot is
 *   mentioned (as on Discord).
 * - `dispatch(t, d, {guildId | null, sessionId?}): number` — any raw dispatch event.
 *
 * Inspecting what the bot did
 * - `requests: readonly RecordedRequest[]` — every REST request (method, path, route, query, JSON body or
 *   multipart `payload_json`, files, headers minus authorization, `authorized`, time, status,
 *   response, injected fault). `findRequests(matcher)`, `requestMark()`, `clearLogs()`.
 * - `interactionResponses(interactionId): InteractionResponseRecord[]` — callback, editOriginal,
 *   followup, editMessage, deleteOriginal, deleteMessage attempts in order (failed ones too, with
 *   status), each with `at` and `sinceArrivalMs`.
 * - `ackLatency(interactionId): number | undefined` — ms from creation to the first successful callback.
 * - `interactionState(id)` (acked, ackType, originalMessageId, followupIds, shown modal, autocomplete
 *   choices), `originalMessage(id): APIMessage | undefined`, `sentInteractions`.
 * - `channelMessages(channelId, {includeEphemeral?, includeDeleted?}): APIMessage[]` (bot + user
 *   messages in order; ephemeral included unless `includeEphemeral: false`), `message(id)`.
 * - `registeredCommands(guildId?): APIApplicationCommand[]`.
 * - Gateway: `identifyCount`, `resumeCount` (RESUMEs received), `successfulResumeCount`,
 *   `identifies`, `resumes`, `gatewayFrames` (both directions, last 5000), `sessions(): SessionInfo[]`,
 *   `connectionCount`.
 *
 * Waiting (event-driven + 20 ms polling; all timers cleared on resolve/timeout/stop)
 * - `waitFor(predicate, timeoutMs = 5000, description?): Promise<T>` — first truthy predicate value.
 * - `waitForResponses(interactionId, count = 1, timeoutMs?)` — ≥ count successful responses.
 * - `waitForRequest(matcher, timeoutMs?, since = 0)` — first answered matching request with seq > since.
 * - `waitForSessions(n = 1, {shardId?, timeoutMs?})` — n connected sessions.
 *
 * Fault injection
 * - `failNext(matcher: RouteMatcher, fault: RestFault, times = 1)` — the next matching REST request(s) get:
 *   `{status: 429, retryAfter: seconds, global?, scope?}` (429 body `{message, retry_after, global}`,
 *   `retry-after` header as given, `x-ratelimit-*` headers, `x-ratelimit-global` when global),
 *   `{status: 500 | 502 | … , code?, message?, body?}`, `{delayMs}` (then handled normally — combine
 *   with a short `interactionAckWindowMs` to provoke 10062), or `{drop: true}` (socket destroyed).
 *   Matchers: `'POST /interactions/:interaction/:token/callback'` (route keys as in
 *   `RecordedRequest.route`), `'/channels/:channel/messages'` (any method), an exact
 *   `'POST /channels/123/messages'`, a RegExp on `'METHOD /path'`, or `(req) => boolean`.
 *   `clearFaults()`, `pendingFaults`.
 * - `closeSession(code = 4000, target?: {shardId?, sessionId?}, {resumable?, reason?}): number` — close
 *   the socket(s). 1006 = abrupt TCP termination (no close frame). Sessions stay resumable except for
 *   1000/1001/4004/4007/4009–4014 (then the client's RESUME gets op 9 false → it re-IDENTIFYs).
 * - `invalidateSession(resumable: boolean, target?): number` — op 9. true → client RESUMEs on the same
 *   connection; false → session ends, client reconnects and IDENTIFYs.
 * - `requestReconnect(target?)` — op 7 (client reconnects + RESUMEs); `requestHeartbeat(target?)` — op 1.
 * - `blockDms(userId, blocked = true)` — POST to that user's DM channel → 403 50007.
 *
 * ## Gateway behaviour
 * HELLO (`heartbeat_interval` option, default 41250) → IDENTIFY → READY (v 10, user, session_id,
 * resume_gateway_url, shard, application {id, flags}, guilds of the shard as unavailable) and one
 * GUILD_CREATE per guild of the shard (`(guild_id >> 22) % shard_count`) with roles, channels,
 * members (incl. the bot). HEARTBEAT → HEARTBEAT_ACK. Sequence numbers per session; every dispatch
 * is buffered (default 1000) and RESUME replays `s > seq` then sends RESUMED. Events for a
 * disconnected-but-resumable session are buffered (resume window default 120 s). Client close with
 * 1000/1001 ends the session. Query `?v=10&encoding=json` (other v → 4012, other encoding → 4002);
 * `compress=zlib-stream` and IDENTIFY `compress: true` are supported (discord.js uses neither unless
 * zlib-sync is installed — it isn't here). Errors: 4001 unknown op, 4002 bad JSON, 4003 op before
 * IDENTIFY, 4004 bad token (validateToken), 4005 double IDENTIFY, 4007 RESUME seq ahead, 4010 bad
 * shard, 4013 bad intents, 4014 `disallowedIntents`; optional `heartbeatTimeoutMs` → 4009.
 * REQUEST_GUILD_MEMBERS (op 8) → one GUILD_MEMBERS_CHUNK. Presence/voice updates are accepted, ignored.
 *
 * ## REST behaviour (all under /api/v10; every request recorded; rate-limit headers on every answer)
 * - `GET /gateway`, `GET /gateway/bot` (url, shards = `recommendedShards`, session_start_limit {total,
 *   remaining = total − identifies, reset_after, max_concurrency = `maxConcurrency`, default 16}).
 * - `GET /users/@me`, `GET /users/:id`, `POST /users/@me/channels` (DM; bots/unknown → 50033), `GET /applications/@me`.
 * - `GET|PUT|POST /applications/:app/commands` and `/applications/:app/guilds/:guild/commands`,
 *   `GET|PATCH|DELETE …/commands/:id` — validated (names, descriptions, option order/limits) → 50035;
 *   ids kept stable across re-registration by (type, name).
 * - `POST /interactions/:id/:token/callback` — types 4 (reply; creates the original message), 5 (defer;
 *   "loading" original, flags 128|64?), 6 (deferred update), 7 (update the component's message), 8
 *   (autocomplete choices, ≤ 25), 9 (modal, validated); 10/12 accepted. Type must fit the interaction
 *   (e.g. 8 only for autocomplete, 6/7 only for components) → 50035. Second callback → 400 40060;
 *   after the ack window (default 3000 ms from creation) or bad id/token → 404 10062. 204, or 200
 *   `{interaction, resource}` with `?with_response=true`.
 * - `GET|PATCH|DELETE /webhooks/:app/:token/messages/@original|:id` and `POST /webhooks/:app/:token`
 *   (follow-ups; the first follow-up after a type-5 defer fills in the deferred message, like Discord).
 *   Before any ack → 10015 / 10008; token older than 15 min → 401 50027.
 * - `GET /channels/:id`, `GET|POST /channels/:id/messages`, `GET|PATCH|DELETE /channels/:id/messages/:id`,
 *   `POST /channels/:id/typing`, `PUT|DELETE …/reactions/:emoji/@me`. POST checks the bot's
 *   permissions (50001/50013), `blockDms` (50007), content ≤ 2000, embeds, components, empty message
 *   (50006), `message_reference` (type 19 reply + `referenced_message`; unknown → 50035 unless
 *   `fail_if_not_exists: false`), `allowed_mentions` → `mentions`/`mention_roles`; `nonce` +
 *   `enforce_nonce: true`: same nonce in the same channel within `nonceWindowMs` (5 min) returns the
 *   existing message instead of creating one.
 * - `GET /guilds/:id`, `/guilds/:id/channels`, `/guilds/:id/roles`, `/guilds/:id/members`, `/guilds/:id/members/:id` (10007).
 * - JSON and multipart/form-data bodies (`payload_json` + `files[n]`, recorded with their bytes).
 * - Anything else → 404 `{message: '404: Not Found', code: 0}` (405 for a known path with another
 *   method); missing `Authorization: Bot …` on authenticated routes → 401.
 * - Bot-created messages are echoed over the gateway as MESSAGE_CREATE/UPDATE/DELETE (not ephemeral
 *   ones), as Discord does — so `messageCreate` handlers see the bot's own messages
 *   (`echoBotMessages: false` turns this off).
 *
 * ## Not supported
 * Voice, threads/forums, stage/scheduled events, presences, reactions from users, audit logs, real
 * rate-limit bucket accounting (only injected 429s), ETF encoding, zstd compression, attachments
 * download (URLs are fake), guild/role/channel mutation routes, entitlements, polls beyond echoing,
 * GUILD_MEMBER_ADD & other non-message/interaction dispatches (send them with `dispatch()`).
 */
export { DiscordStandin } from './standin.ts';
export type {
  AutocompleteContext,
  CommandContext,
  ComponentContext,
  InteractionContext,
  ModalContext,
  OptionValue,
  SendMessageOptions,
  UserRef,
} from './standin.ts';
export type * from './types.ts';
export { World, ALL_PERMISSIONS, EVERYONE_PERMISSIONS, MODERATOR_PERMISSIONS, BOT_ROLE_PERMISSIONS } from './world.ts';
export type { FixtureGuild, FixtureUserName, WorldOptions, ChannelLookup } from './world.ts';
export type { SessionTarget } from './gateway.ts';
export { shardOf, snowflakeAt, snowflakeTime, SnowflakeGenerator } from './snowflake.ts';
