/**
 * SIGTERM at the process level (`tsx src/main.ts`, as `npm start` runs it) with work in flight:
 * a command whose reply is held up 2.5 s on its way to Discord and a mention whose answer is
 * held up likewise. After the signal the bot
 * - stops taking new work: a new command gets "restarting" (ephemeral), autocomplete no choices;
 * - finishes the in-flight interaction and message (answered once, with the real answer);
 * - flushes its logs ("shut down" is the last line, nothing at error level, no token);
 * - closes the database (WAL checkpointed and removed; the file passes an integrity check and
 *   keeps the subscription made before);
 * - exits 0 within 10 s.
 * (test/e2e-process.test.ts covers the quiet case; this one adds new work during the drain,
 * an in-flight message, log flushing and the database close.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { deployCommands } from '../src/discord/deploy.ts';
import { RESTARTING_MESSAGE } from '../src/discord/router.ts';
import { createLogger } from '../src/logger.ts';
import { logLines, NODE_TSX, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { callbackData } from './reliability-harness.ts';
import { DiscordStandin, type RecordedRequest } from './standin/index.ts';


describe('SIGTERM with work in flight (process level)', () => {
  let standin: DiscordStandin | undefined;
  let child: ChildProcess | undefined;
  let dir = '';

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops taking new work, finishes in-flight work, flushes logs, closes the database, exits 0 within 10 s', async () => {
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    const ws = tempWorkspace('papertalk-sigterm-');
    dir = ws.dir;
    const db = ws.dbPath;
    const config = standinConfig(standin, ws, { rateLimit: { burst: 5, perMinute: 20 } });
    await deployCommands(config, createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }));

    let out = '';
    child = spawn(NODE_TSX[0], [...NODE_TSX[1], 'src/main.ts'], {
      env: { ...process.env, DISCORD_TOKEN: standin.token, DISCORD_API_URL: standin.restUrl, DISCORD_APP_ID: standin.applicationId, DISCORD_GUILD_ID: standin.world.guild.id, PAPERTALK_DATA_DIR: config.dataDir, PAPERTALK_DB: db, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child!.on('exit', (code) => resolve({ code, at: Date.now() })));
    await standin.waitFor(() => logLines(out).some((l) => l.msg === 'papertalk is online'), 30_000, 'bot online');

    // A subscription made before the shutdown must be on disk afterwards.
    const sub = standin.sendCommand('digest', { channel: { type: 7, value: standin.world.guild.otherTextChannelId }, time: '03:00', timezone: 'UTC', keywords: 'sigterm' }, { user: 'bob', subcommand: 'subscribe' });
    expect(String(callbackData((await standin.waitForResponses(sub.id, 1))[0]).content)).toMatch(/^Subscribed: \*\*#1\*\*/);

    // In flight: a command whose reply and a mention whose answer are held up on the way to Discord.
    standin.failNext('POST /interactions/:interaction/:token/callback', { delayMs: 2500 });
    const inFlight = standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
    await standin.waitFor(() => standin!.requests.some((q: RecordedRequest) => q.path.startsWith(`/interactions/${inFlight.id}/`)), 5000, 'reply on its way');
    standin.failNext('POST /channels/:channel/messages', { delayMs: 2500 });
    const mention = standin.sendMessage({ content: 'who wrote GLaM?', author: 'dave', mentionsBot: true });
    const replyTo = (id: string): RecordedRequest[] => standin!.requests.filter((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === id);
    await standin.waitFor(() => replyTo(mention.id).length > 0, 5000, 'message answer on its way');

    const t0 = Date.now();
    child.kill('SIGTERM');
    await standin.waitFor(() => logLines(out).some((l) => l.msg === 'shutting down: finishing in-flight work'), 5000, 'draining');

    // New work during the drain is turned away politely.
    const late = standin.sendCommand('paper', { title: 'GLaM' }, { user: 'alice' });
    const [lateReply] = await standin.waitForResponses(late.id, 1);
    expect(callbackData(lateReply)).toMatchObject({ content: RESTARTING_MESSAGE, flags: 64 });
    const auto = standin.sendAutocomplete('paper', { title: 'GP' }, { focused: 'title', user: 'alice' });
    const [autoReply] = await standin.waitForResponses(auto.id, 1);
    expect((autoReply!.body as { data: { choices: unknown[] } }).data.choices).toEqual([]);

    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(10_000);

    // In-flight work finished, once, with the real answers.
    const callbacks = standin.interactionResponses(inFlight.id).filter((r) => r.kind === 'callback');
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.ok).toBe(true);
    expect(((callbackData(callbacks[0]).embeds as { title: string }[])[0]!).title).toMatch(/^GPipe/);
    const answers = replyTo(mention.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.status).toBe(200);
    expect(String((answers[0]!.body as { content: string }).content)).toMatch(/was written by Nan Du/);

    // Logs flushed: the shutdown sequence is complete and last; no errors; no token.
    const logs = logLines(out);
    const msgs = logs.map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['shutting down', 'shutting down: finishing in-flight work', 'papertalk: digest scheduler stopped', 'shut down']));
    expect(msgs.at(-1)).toBe('shut down');
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(out).not.toContain(standin.token);

    // The database was closed cleanly: WAL checkpointed and removed, file intact, subscription kept.
    expect(existsSync(`${db}-wal`)).toBe(false);
    const check = new Database(db, { readonly: true, fileMustExist: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(check.prepare('SELECT id FROM subscriptions').pluck().all()).toEqual([1]);
    } finally {
      check.close();
    }
  }, 60_000);
});
