/**
 * The discord.js client: only the non-privileged intents we need (Guilds, GuildMessages,
 * DirectMessages; Channel partials for DMs), no mentions parsed in anything we send, and the
 * REST base from DISCORD_API_URL when set (the gateway URL then comes from its /gateway/bot).
 * discord.js's own resilience (REST retries, rate-limit waits, resume / re-identify) stays on.
 */
import { Client, GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';
import type { Config } from '../config.ts';

export const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages] as const;

export function clientOptions(config: Pick<Config, 'discordApiUrl'>, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    intents: [...INTENTS],
    partials: [Partials.Channel],
    allowedMentions: { parse: [] },
    ...(config.discordApiUrl ? { rest: { api: config.discordApiUrl } } : {}),
    ...extra,
  };
}

export function createClient(config: Pick<Config, 'discordApiUrl'>, extra: Partial<ClientOptions> = {}): Client {
  return new Client(clientOptions(config, extra));
}
