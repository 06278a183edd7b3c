/**
 * The fixture world of the Discord stand-in: one application + bot user, a few human users,
 * guilds with roles/text channels/members, and one DM channel per user. All ids are
 * deterministic snowflake strings, so they are stable across runs.
 */
import {
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildVerificationLevel,
  Locale,
  OverwriteType,
  PermissionFlagsBits,
  type APIDMChannel,
  type APIGuildMember,
  type APIRole,
  type APITextChannel,
  type APIUser,
  type GatewayGuildCreateDispatchData,
} from 'discord.js';
import { DISCORD_EPOCH, snowflakeAt } from './snowflake.ts';

/** Names of the built-in fixture users. */
export type FixtureUserName = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';

/** Every permission bit OR-ed together (what the owner / an Administrator has). */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);

/** Permissions of `@everyone` in fixture guilds. */
export const EVERYONE_PERMISSIONS: bigint =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.CreateInstantInvite |
  PermissionFlagsBits.ChangeNickname;

/** Permissions of the "Moderator" role (bob has it). */
export const MODERATOR_PERMISSIONS: bigint =
  PermissionFlagsBits.ManageGuild | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.KickMembers;

/** Permissions of the bot's managed role (what an invite with these scopes would grant). */
export const BOT_ROLE_PERMISSIONS: bigint =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis;

/** One fixture guild. Mutable: tests may push overwrites/members before the client connects. */
export interface FixtureGuild {
  id: string;
  name: string;
  ownerId: string;
  /** `@everyone` (id = guild id), Admin, Moderator, and the bot's managed role. */
  roles: APIRole[];
  everyoneRoleId: string;
  adminRoleId: string;
  moderatorRoleId: string;
  botRoleId: string;
  /** Text channels: `general` (default) and `papers`. */
  channels: APITextChannel[];
  /** The `general` text channel id. */
  textChannelId: string;
  /** The `papers` text channel id. */
  otherTextChannelId: string;
  /** Members, each with `user`; includes the bot member. */
  members: APIGuildMember[];
  joinedAt: string;
}

export interface WorldOptions {
  /** How many guilds (default 2). Guild i lands on shard `i % shardCount` for every count ≤ 16. */
  guildCount?: number;
  /** Bot username (default "papertalk"). */
  botName?: string;
}

// Fixed base time (2024-01-01) rounded to a multiple of lcm(1..16) ms, so that guild i's id
// has (id >> 22) % n === i % n for every n ≤ 16 (makes sharding tests predictable).
const LCM_1_16 = 720_720;
const BASE_OFFSET = Math.floor((1_704_067_200_000 - DISCORD_EPOCH) / LCM_1_16) * LCM_1_16;
const fixedId = (offsetMs: number, low = 0): string => snowflakeAt(DISCORD_EPOCH + BASE_OFFSET + offsetMs, low);

/** An empty bit-flag value (the API-types flag enums have no 0 member). */
const NO_FLAGS = 0 as never;

const perm = (bits: bigint): string => bits.toString();

function makeUser(id: string, username: string, globalName: string | null, bot = false): APIUser {
  const user: APIUser = {
    id,
    username,
    discriminator: '0',
    global_name: globalName,
    avatar: null,
    public_flags: NO_FLAGS,
    flags: NO_FLAGS,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
  if (bot) {
    user.bot = true;
    user.discriminator = '4021';
  }
  return user;
}

function makeRole(id: string, name: string, position: number, permissions: bigint, extra: Partial<APIRole> = {}): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: perm(permissions),
    managed: false,
    mentionable: false,
    flags: NO_FLAGS,
    ...extra,
  };
}

/** Result of resolving a channel id in the world. */
export type ChannelLookup =
  | { kind: 'guild'; guild: FixtureGuild; channel: APITextChannel }
  | { kind: 'dm'; channel: APIDMChannel; user: APIUser };

export class World {
  /** Application id (= bot user id, as for every modern Discord app). */
  readonly applicationId: string;
  readonly botUser: APIUser;
  /** Named human users. alice: guild owner + Admin role; bob: Moderator role (Manage Guild);
   * carol, dave: plain members; erin: not a member of any guild (DM only). */
  readonly users: Record<FixtureUserName, APIUser>;
  readonly guilds: FixtureGuild[];
  /** DM channel per user id (humans only). */
  readonly dmChannels = new Map<string, APIDMChannel>();
  readonly #extraUsers = new Map<string, APIUser>();
  #nextExtraUser = 0;

  constructor(opts: WorldOptions = {}) {
    const guildCount = Math.max(1, opts.guildCount ?? 2);
    this.applicationId = fixedId(-5_000_000, 1);
    this.botUser = makeUser(this.applicationId, opts.botName ?? 'papertalk', opts.botName ?? 'papertalk', true);
    this.users = {
      alice: makeUser(fixedId(-4_000_000, 11), 'alice', 'Alice'),
      bob: makeUser(fixedId(-4_000_000, 12), 'bob', 'Bob'),
      carol: makeUser(fixedId(-4_000_000, 13), 'carol', 'Carol'),
      dave: makeUser(fixedId(-4_000_000, 14), 'dave', 'Dave'),
      erin: makeUser(fixedId(-4_000_000, 15), 'erin', 'Erin'),
    };
    for (const user of Object.values(this.users)) this.#addDm(user);

    this.guilds = [];
    for (let i = 0; i < guildCount; i++) this.guilds.push(this.#makeGuild(i));
  }

  /** The first guild (shard 0 for any shard count). */
  get guild(): FixtureGuild {
    return this.guilds[0]!;
  }

  #addDm(user: APIUser): APIDMChannel {
    const existing = this.dmChannels.get(user.id);
    if (existing) return existing;
    const dm: APIDMChannel = {
      id: snowflakeAt(Number(BigInt(user.id) >> 22n) + DISCORD_EPOCH + 1, 0x3ff000 | (this.dmChannels.size & 0xfff)),
      type: ChannelType.DM,
      name: null,
      last_message_id: null,
      flags: NO_FLAGS,
      recipients: [user],
    };
    this.dmChannels.set(user.id, dm);
    return dm;
  }

  #makeGuild(i: number): FixtureGuild {
    const id = fixedId(i);
    const rid = (n: number): string => fixedId(i, 0x100 + n);
    const joinedAt = new Date(DISCORD_EPOCH + BASE_OFFSET + 86_400_000).toISOString();
    const everyone = makeRole(id, '@everyone', 0, EVERYONE_PERMISSIONS);
    const admin = makeRole(rid(1), 'Admin', 3, PermissionFlagsBits.Administrator, { hoist: true });
    const moderator = makeRole(rid(2), 'Moderator', 2, MODERATOR_PERMISSIONS, { mentionable: true });
    const botRole = makeRole(rid(3), this.botUser.username, 1, BOT_ROLE_PERMISSIONS, {
      managed: true,
      tags: { bot_id: this.botUser.id },
    });
    const channel = (n: number, name: string, position: number): APITextChannel => ({
      id: fixedId(i, 0x200 + n),
      type: ChannelType.GuildText,
      guild_id: id,
      name,
      position,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      topic: null,
      rate_limit_per_user: 0,
      last_message_id: null,
      last_pin_timestamp: null,
      flags: NO_FLAGS,
    });
    const general = channel(1, 'general', 0);
    const papers = channel(2, 'papers', 1);
    const member = (user: APIUser, roles: string[]): APIGuildMember => ({
      user,
      nick: null,
      avatar: null,
      banner: null,
      roles,
      joined_at: joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: NO_FLAGS,
      pending: false,
      communication_disabled_until: null,
    });
    return {
      id,
      name: i === 0 ? 'Papertalk Lab' : `Papertalk Lab ${i + 1}`,
      ownerId: this.users.alice.id,
      roles: [everyone, admin, moderator, botRole],
      everyoneRoleId: everyone.id,
      adminRoleId: admin.id,
      moderatorRoleId: moderator.id,
      botRoleId: botRole.id,
      channels: [general, papers],
      textChannelId: general.id,
      otherTextChannelId: papers.id,
      members: [
        member(this.botUser, [botRole.id]),
        member(this.users.alice, [admin.id]),
        member(this.users.bob, [moderator.id]),
        member(this.users.carol, []),
        member(this.users.dave, []),
      ],
      joinedAt,
    };
  }

  /** Adds a user (and their DM channel). Returns the user. */
  addUser(partial: { username: string; globalName?: string | null; bot?: boolean; id?: string }): APIUser {
    const id = partial.id ?? fixedId(-3_000_000, 0x1000 + this.#nextExtraUser++);
    const user = makeUser(id, partial.username, partial.globalName ?? partial.username, partial.bot ?? false);
    this.#extraUsers.set(id, user);
    if (!user.bot) this.#addDm(user);
    return user;
  }

  /** Adds a user to a guild with the given role ids (besides @everyone). */
  addMember(guildId: string, userId: string, roleIds: string[] = []): APIGuildMember {
    const guild = this.requireGuild(guildId);
    const user = this.requireUser(userId);
    const existing = guild.members.find((m) => m.user.id === userId);
    if (existing) {
      existing.roles = [...roleIds];
      return existing;
    }
    const m: APIGuildMember = {
      user,
      nick: null,
      avatar: null,
      banner: null,
      roles: [...roleIds],
      joined_at: new Date().toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: NO_FLAGS,
      pending: false,
      communication_disabled_until: null,
    };
    guild.members.push(m);
    return m;
  }

  allUsers(): APIUser[] {
    return [this.botUser, ...Object.values(this.users), ...this.#extraUsers.values()];
  }

  userById(id: string): APIUser | undefined {
    return this.allUsers().find((u) => u.id === id);
  }

  requireUser(id: string): APIUser {
    const u = this.userById(id);
    if (!u) throw new Error(`standin: unknown user ${id}`);
    return u;
  }

  guildById(id: string): FixtureGuild | undefined {
    return this.guilds.find((g) => g.id === id);
  }

  requireGuild(id: string): FixtureGuild {
    const g = this.guildById(id);
    if (!g) throw new Error(`standin: unknown guild ${id}`);
    return g;
  }

  member(guildId: string, userId: string): APIGuildMember | undefined {
    return this.guildById(guildId)?.members.find((m) => m.user.id === userId);
  }

  /** Finds a guild text channel or DM channel by id. */
  channel(id: string): ChannelLookup | undefined {
    for (const guild of this.guilds) {
      const channel = guild.channels.find((c) => c.id === id);
      if (channel) return { kind: 'guild', guild, channel };
    }
    for (const [userId, channel] of this.dmChannels) {
      if (channel.id === id) return { kind: 'dm', channel, user: this.requireUser(userId) };
    }
    return undefined;
  }

  /** The DM channel with a user (created on demand, like POST /users/@me/channels). */
  dmChannel(userId: string): APIDMChannel {
    return this.#addDm(this.requireUser(userId));
  }

  /**
   * Effective permissions of a member (Discord's algorithm: owner/Administrator → all; base = OR of
   * roles; then channel overwrites @everyone → roles → member when `channelId` is given).
   * Returns 0n for non-members.
   */
  permissions(guildId: string, userId: string, channelId?: string): bigint {
    const guild = this.guildById(guildId);
    const member = guild?.members.find((m) => m.user.id === userId);
    if (!guild || !member) return 0n;
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    let base = 0n;
    for (const role of guild.roles) {
      if (role.id === guild.everyoneRoleId || member.roles.includes(role.id)) base |= BigInt(role.permissions);
    }
    if ((base & PermissionFlagsBits.Administrator) !== 0n) return ALL_PERMISSIONS;
    const channel = channelId ? guild.channels.find((c) => c.id === channelId) : undefined;
    if (!channel) return base;
    const overwrites = channel.permission_overwrites ?? [];
    const apply = (allow: string, deny: string): void => {
      base &= ~BigInt(deny);
      base |= BigInt(allow);
    };
    const everyoneOw = overwrites.find((o) => o.id === guild.everyoneRoleId);
    if (everyoneOw) apply(everyoneOw.allow, everyoneOw.deny);
    let roleAllow = 0n;
    let roleDeny = 0n;
    for (const o of overwrites) {
      if (o.type === OverwriteType.Role && o.id !== guild.everyoneRoleId && member.roles.includes(o.id)) {
        roleAllow |= BigInt(o.allow);
        roleDeny |= BigInt(o.deny);
      }
    }
    apply(roleAllow.toString(), roleDeny.toString());
    const memberOw = overwrites.find((o) => o.type === OverwriteType.Member && o.id === userId);
    if (memberOw) apply(memberOw.allow, memberOw.deny);
    if ((base & PermissionFlagsBits.ViewChannel) === 0n) return 0n;
    return base;
  }

  /** The GUILD_CREATE payload for a guild (full, available guild). */
  guildCreatePayload(guildId: string): GatewayGuildCreateDispatchData {
    const g = this.requireGuild(guildId);
    return {
      id: g.id,
      name: g.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: g.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: GuildVerificationLevel.Low,
      default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
      explicit_content_filter: GuildExplicitContentFilter.AllMembers,
      roles: structuredClone(g.roles),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: GuildMFALevel.None,
      application_id: null,
      system_channel_id: g.textChannelId,
      system_channel_flags: NO_FLAGS,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500_000,
      vanity_url_code: null,
      premium_tier: GuildPremiumTier.None,
      premium_subscription_count: 0,
      preferred_locale: Locale.EnglishUS,
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: GuildNSFWLevel.Default,
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
      // GUILD_CREATE extras
      joined_at: g.joinedAt,
      large: false,
      unavailable: false,
      member_count: g.members.length,
      voice_states: [],
      members: structuredClone(g.members),
      channels: structuredClone(g.channels),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
