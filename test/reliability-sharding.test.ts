/**
 * `npm run start:sharded` (src/discord/shard.ts) with two shards against the stand-in: one
 * process per shard; each guild's interactions are delivered to, and answered by, the process
 * of its own shard (guild i → shard i; DMs → shard 0): the stand-in sends INTERACTION_CREATE only
 * on that shard's connection, and the log line "interaction answered" for it comes from the
 * process whose `shards` is [i]. Each interaction is acknowledged once within 3 s; mentions
 * are answered by the right shard too; only shard 0 runs digests; SIGTERM → both shut down, exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logLines, NODE_TSX, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type SentInteraction } from './standin/index.ts';


describe('start:sharded with two shards: each guild answered by its own shard', () => {
  let standin: DiscordStandin | undefined;
  let child: ChildProcess | undefined;
  let dir = '';

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes every guild to its shard process, answers once within 3 s, exits 0 on SIGTERM', async () => {
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, recommendedShards: 2 });
    dir = tempWorkspace('papertalk-shards-').dir;
    let out = '';
    child = spawn(NODE_TSX[0], [...NODE_TSX[1], 'src/discord/shard.ts'], {
      env: { ...process.env, DISCORD_TOKEN: standin.token, DISCORD_API_URL: standin.restUrl, DISCORD_APP_ID: standin.applicationId, DISCORD_GUILD_ID: '', PAPERTALK_DATA_DIR: join(dir, 'data'), PAPERTALK_DB: join(dir, 'papertalk.sqlite'), LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child!.on('exit', (code) => resolve({ code, at: Date.now() })));
    await standin.waitForSessions(2, { timeoutMs: 45_000 });
    await standin.waitFor(() => logLines(out).filter((l) => l.msg === 'papertalk is online').length === 2, 15_000, 'both shards online');
    expect(standin.sessions().map((s) => s.shard).sort()).toEqual([[0, 2], [1, 2]]);

    const shardOfConnection = new Map(standin.identifies.filter((x) => x.sessionId).map((x) => [x.connectionId, x.shard[0]]));
    const deliveredTo = (sent: SentInteraction): number[] =>
      standin!.gatewayFrames.filter((f) => f.dir === 'out' && f.t === 'INTERACTION_CREATE' && (f.d as { id: string }).id === sent.id).map((f) => shardOfConnection.get(f.connectionId)!);
    const answeredBy = (id: string): unknown[] => logLines(out).filter((l) => l.msg === 'interaction answered' && l.interactionId === id).map((l) => l.shards);

    const cases: { sent: SentInteraction; shard: number }[] = [];
    standin.world.guilds.forEach((g, i) => {
      cases.push({ sent: standin!.sendCommand('paper', { title: 'GLaM' }, { guildId: g.id, user: 'alice' }), shard: i });
      cases.push({ sent: standin!.sendCommand('ask', { question: 'who wrote GPipe?' }, { guildId: g.id, user: 'bob' }), shard: i });
    });
    cases.push({ sent: standin.sendCommand('paper', { title: 'GPipe' }, { guildId: null, user: 'erin' }), shard: 0 });
    for (const { sent, shard } of cases) {
      const rs = await standin.waitForResponses(sent.id, 1, 8000);
      expect(rs[0]!.callbackType).toBe(4);
      expect(standin.interactionResponses(sent.id).filter((r) => r.kind === 'callback')).toHaveLength(1);
      expect(standin.ackLatency(sent.id)).toBeLessThan(3000);
      expect(deliveredTo(sent)).toEqual([shard]);
      await standin.waitFor(() => answeredBy(sent.id).length > 0, 5000, 'answer logged');
      expect(answeredBy(sent.id)).toEqual([[shard]]);
    }

    // A mention in the second guild is answered by shard 1's process.
    const g1 = standin.world.guilds[1]!;
    const m = standin.sendMessage({ content: 'who wrote GLaM?', author: 'dave', mentionsBot: true, guildId: g1.id, channelId: g1.textChannelId });
    const reply = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === m.id, 8000);
    expect(String((reply.body as { content: string }).content)).toMatch(/was written by Nan Du/);
    const created = standin.gatewayFrames.filter((f) => f.dir === 'out' && f.t === 'MESSAGE_CREATE' && (f.d as { id: string }).id === m.id);
    expect(created.map((f) => shardOfConnection.get(f.connectionId))).toEqual([1]);

    expect(logLines(out).filter((l) => l.msg === 'papertalk: digest scheduler started')).toHaveLength(1);
    const online = logLines(out).filter((l) => l.msg === 'papertalk is online');
    expect(online.map((l) => l.shards).sort()).toEqual([[0], [1]]);

    const t0 = Date.now();
    child.kill('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(10_000);
    expect(logLines(out).filter((l) => l.msg === 'shut down')).toHaveLength(2);
    expect(logLines(out).filter((l) => l.level >= 50)).toEqual([]);
    expect(out).not.toContain(standin.token);
  }, 90_000);
});
