/**
 * `npm start`: the Discord bot when DISCORD_TOKEN is set, otherwise the local console.
 */
import { loadConfig } from './config.ts';
import { CorpusService } from './corpusService.ts';
import { Engine } from './conversation/engine.ts';
import { runConsole } from './cli.ts';
import { createLogger, wantsPretty } from './logger.ts';
import { createProgress } from './progress.ts';

async function start(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  // The console on a terminal keeps its screen for answers: warnings and errors only, unless LOG_LEVEL asks for more.
  const quietConsole = !config.discordToken && !process.env['LOG_LEVEL'] && wantsPretty();
  const logger = createLogger({ level: quietConsole ? 'warn' : config.logLevel, secrets: config.discordToken ? [config.discordToken] : [] });
  if (config.discordToken) {
    const { runBot } = await import('./discord/run.ts');
    return runBot(config, logger);
  }
  logger.info('no DISCORD_TOKEN set: opening the local console');
  const progress = createProgress({ label: 'loading corpus' });
  const service = new CorpusService({ dataDir: config.dataDir, ...(config.cacheDir !== undefined ? { cacheDir: config.cacheDir } : {}), logger, onProgress: (done, total) => progress.update(done, total) });
  const loaded = await service.load();
  progress.done();
  const engine = new Engine({ library: loaded.library, logger });
  return runConsole(engine, service);
}

start().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`papertalk: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
