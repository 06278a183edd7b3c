/**
 * `npm run deploy-commands`: registers the slash commands with Discord via REST — to
 * DISCORD_GUILD_ID when set (instant), else globally — and exits. The REST base comes from
 * DISCORD_API_URL when set. The application id is DISCORD_APP_ID, or asked from the API.
 */
import { pathToFileURL } from 'node:url';
import { REST, Routes, type APIApplication, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import type { Logger } from 'pino';
import { commandBodies } from '../../commands/index.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, scrubSecrets } from '../logger.ts';

export interface DeployResult {
  scope: 'guild' | 'global';
  applicationId: string;
  guildId: string | null;
  names: string[];
}

export async function deployCommands(config: Config, logger: Logger): Promise<DeployResult> {
  if (!config.discordToken) throw new Error('papertalk: DISCORD_TOKEN is not set; it is needed to register commands');
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  const applicationId = config.discordAppId ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
  const body = commandBodies();
  const guildId = config.discordGuildId ?? null;
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body })) as RESTPutAPIApplicationCommandsResult;
  const result: DeployResult = { scope: guildId ? 'guild' : 'global', applicationId, guildId, names: registered.map((c) => c.name) };
  logger.info(result, `registered ${registered.length} commands ${guildId ? `in guild ${guildId}` : 'globally'}`);
  return result;
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, secrets: config.discordToken ? [config.discordToken] : [] });
  try {
    const r = await deployCommands(config, logger);
    process.stderr.write(`papertalk: registered ${r.names.length} commands (${r.names.map((n) => `/${n}`).join(', ')}) ${r.guildId ? `in guild ${r.guildId}` : 'globally (may take up to an hour to appear)'}\n`);
    return 0;
  } catch (err) {
    logger.error({ err }, 'could not register the commands');
    process.stderr.write(scrubSecrets(`papertalk: could not register the commands: ${(err as Error).message}\n`, [config.discordToken]));
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(scrubSecrets(`papertalk: ${(err as Error).stack ?? String(err)}\n`, [process.env.DISCORD_TOKEN]));
      process.exit(1);
    },
  );
}
