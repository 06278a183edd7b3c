export { DiscordStandin } from './standin.ts';
export type * from './standin.ts';
export type * from './types.ts';
export { World, ALL_PERMISSIONS, EVERYONE_PERMISSIONS, MODERATOR_PERMISSIONS, BOT_ROLE_PERMISSIONS } from './world.ts';
export type { FixtureGuild, FixtureUserName, WorldOptions, ChannelLookup } from './world.ts';
export type { SessionTarget } from './gateway.ts';
export { shardOf, snowflakeAt, snowflakeTime, SnowflakeGenerator } from './snowflake.ts';
