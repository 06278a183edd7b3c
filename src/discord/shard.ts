/**
 * `npm run start:sharded`: a ShardingManager that runs `src/main.ts` (the bot) once per shard
 * group in child processes. The shard count comes from the REST base's `/gateway/bot`
 * (DISCORD_API_URL aware). Only the process holding shard 0 runs the digest scheduler (run.ts).
 * SIGTERM/SIGINT are passed on to the children, which shut down gracefully.
 */
import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager, type RESTGetAPIGatewayBotResult } from 'discord.js';
import { loadConfig } from '../config.ts';
import { createLogger, scrubSecrets } from '../logger.ts';

async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, secrets: config.discordToken ? [config.discordToken] : [] });
  if (!config.discordToken) {
    logger.fatal('DISCORD_TOKEN is not set');
    return 2;
  }
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  const totalShards = Math.max(1, Number(process.env.PAPERTALK_SHARDS) || gateway.shards);
  const file = fileURLToPath(new URL('../main.ts', import.meta.url));
  const manager = new ShardingManager(file, {
    token: config.discordToken,
    totalShards,
    mode: 'process',
    execArgv: ['--import', 'tsx'],
    respawn: true,
  });
  manager.on('shardCreate', (shard) => {
    logger.info({ shard: shard.id, totalShards }, 'shard launched');
    shard.on('death', () => logger.warn({ shard: shard.id }, 'shard process exited'));
  });
  await manager.spawn({ amount: totalShards, delay: 5_500, timeout: 60_000 });
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'stopping shards');
      manager.respawn = false;
      const exits = [...manager.shards.values()].map(
        (s) =>
          new Promise<void>((done) => {
            if (!s.process) return done();
            s.process.once('exit', () => done());
            s.process.kill(signal);
          }),
      );
      const hard = setTimeout(() => resolve(0), 9_500);
      hard.unref();
      void Promise.all(exits).then(() => {
        clearTimeout(hard);
        resolve(0);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(scrubSecrets(`papertalk: ${(err as Error).stack ?? String(err)}\n`, [process.env.DISCORD_TOKEN]));
    process.exitCode = 1;
  },
);
