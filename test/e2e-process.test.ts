/**
 * End-to-end at the process level, as other tooling runs papertalk: `npm run deploy-commands`
 * (src/discord/deploy.ts) registers the commands and exits 0; `npm start` (tsx src/main.ts) with a
 * token connects to the stand-in (gateway URL from its /gateway/bot), answers, and on SIGTERM
 * finishes and exits 0 within 10 s; `npm run start:sharded` runs one process per shard group and
 * only shard 0 runs the digest scheduler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, NODE_TSX, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin } from './standin/index.ts';

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function run(script: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(NODE_TSX[0], [...NODE_TSX[1], script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return { child, output: () => out, exited };
}

describe('papertalk processes against the stand-in', () => {
  const dirs: string[] = [];
  const standins: DiscordStandin[] = [];
  const procs: Proc[] = [];

  function workspace(): { dataDir: string; db: string } {
    const ws = tempWorkspace('papertalk-proc-');
    dirs.push(ws.dir);
    return { dataDir: ws.dataDir, db: ws.dbPath };
  }

  function envFor(standin: DiscordStandin, ws: { dataDir: string; db: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DISCORD_TOKEN: standin.token,
      DISCORD_API_URL: standin.restUrl,
      DISCORD_APP_ID: standin.applicationId,
      DISCORD_GUILD_ID: standin.world.guild.id,
      PAPERTALK_DATA_DIR: ws.dataDir,
      PAPERTALK_DB: ws.db,
      LOG_LEVEL: 'info',
      ...extra,
    };
  }

  beforeAll(async () => {
    standins.push(await DiscordStandin.start({ heartbeatIntervalMs: 1000 }));
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const s of standins) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
  });

  it('deploy-commands registers the commands in DISCORD_GUILD_ID and exits 0', async () => {
    const standin = standins[0]!;
    const p = run('src/discord/deploy.ts', envFor(standin, workspace()));
    procs.push(p);
    const { code } = await p.exited;
    expect(code).toBe(0);
    expect(standin.registeredCommands(standin.world.guild.id).map((c) => c.name).sort()).toEqual(['about', 'ask', 'author', 'digest', 'follow', 'help', 'mydigest', 'paper', 'search', 'topic']);
    expect(standin.registeredCommands()).toEqual([]);
    expect(p.output()).toContain('registered 10 commands');
    expect(p.output()).not.toContain(standin.token);
  }, 30_000);

  it('npm start: connects, answers, and exits 0 within 10 s of SIGTERM after finishing its work', async () => {
    const standin = standins[0]!;
    const ws = workspace();
    const cacheDir = join(ws.dataDir, '..', 'snapshots');
    const p = run('src/main.ts', envFor(standin, ws, { PAPERTALK_CACHE_DIR: cacheDir }));
    procs.push(p);
    await standin.waitFor(() => logLines(p.output()).some((l) => l.msg === 'papertalk is online'), 25_000, 'bot online');
    // The index snapshot goes where PAPERTALK_CACHE_DIR says (written in the background), not under the data dir.
    await standin.waitFor(() => existsSync(cacheDir) && readdirSync(cacheDir).some((f) => /^library-.*\.snap$/.test(f)), 15_000, 'snapshot written');
    expect(existsSync(join(ws.dataDir, '.cache'))).toBe(false);
    expect(standin.findRequests('GET /gateway/bot').length).toBeGreaterThanOrEqual(1);
    const sent = standin.sendCommand('paper', { title: 'GPipe' });
    const [r] = await standin.waitForResponses(sent.id, 1);
    expect(r!.body).toMatchObject({ type: 4, data: { embeds: [{ title: 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism' }], allowed_mentions: { parse: [] } } });
    expect(standin.ackLatency(sent.id)).toBeLessThan(3000);

    const mention = standin.sendMessage({ content: 'who wrote GPipe?', author: 'bob', mentionsBot: true });
    const reply = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === mention.id);
    expect(String((reply.body as { content: string }).content)).toMatch(/was written by Yanping Huang/);

    // SIGTERM while an interaction is in flight: it is still answered, then the process exits 0.
    const inFlight = standin.sendCommand('author', { name: 'Yanqi Zhou' });
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const { code, at } = await p.exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(10_000);
    expect(standin.interactionResponses(inFlight.id).filter((x) => x.ok)).toHaveLength(1);
    const logs = logLines(p.output());
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'papertalk: digest scheduler stopped', 'shut down']));
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(existsSync(ws.db)).toBe(true);
    expect(p.output()).not.toContain(standin.token);
  }, 40_000);

  it('start:sharded: one process per shard, both guilds answered, only shard 0 runs digests, SIGTERM → exit 0', async () => {
    const standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, recommendedShards: 2 });
    standins.push(standin);
    const p = run('src/discord/shard.ts', envFor(standin, workspace(), { DISCORD_GUILD_ID: '' }));
    procs.push(p);
    await standin.waitForSessions(2, { timeoutMs: 40_000 });
    await standin.waitFor(() => logLines(p.output()).filter((l) => l.msg === 'papertalk is online').length === 2, 10_000, 'both shards online');
    expect(standin.sessions().map((s) => s.shard).sort()).toEqual([[0, 2], [1, 2]]);
    for (const g of standin.world.guilds) {
      const sent = standin.sendCommand('paper', { title: 'GLaM' }, { guildId: g.id });
      const [r] = await standin.waitForResponses(sent.id, 1);
      expect(r!.callbackType).toBe(4);
    }
    expect(logLines(p.output()).filter((l) => l.msg === 'papertalk: digest scheduler started')).toHaveLength(1);
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const { code, at } = await p.exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(10_000);
    expect(logLines(p.output()).filter((l) => l.msg === 'shut down')).toHaveLength(2);
  }, 60_000);
});
