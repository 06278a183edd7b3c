/**
 * The bot token never leaks: not in logs, not in anything the bot sends, not in the repository.
 *
 * 1. Process level (`tsx src/main.ts`, LOG_LEVEL=trace) with a distinctive token the stand-in
 *    insists on (validateToken): a session with commands, buttons, a mention, a DM, a digest
 *    subscription, REST 500s (on every attempt, so errors with request details are logged),
 *    a 429, a gateway drop and a forced re-IDENTIFY, then SIGTERM. The token appears in none of
 *    the captured output, in no REST request (bodies, URLs, headers other than Authorization),
 *    in no gateway frame the stand-in recorded (IDENTIFY/RESUME tokens are blanked by the
 *    stand-in itself, so this covers every other frame), and in no message.
 * 2. Starting with a wrong token: a clear error, exit code 1, the token not printed.
 * 3. In process: an unexpected error whose message and stack carry the token is shown to the
 *    user as the generic message (no token) and logged scrubbed.
 * 4. The logger: redaction of secret-bearing fields and scrubbing of the secret anywhere.
 * 5. The repository: no token-shaped string in any tracked file, `.env` ignored and untracked.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { logLines, NODE_TSX, tempWorkspace } from './helpers/bot.ts';
import { callbackData, startHarness } from './reliability-harness.ts';
import { DiscordStandin } from './standin/index.ts';


/** A token shaped like Discord's, with a distinctive middle part. */
function canaryToken(appId: string): string {
  return `${Buffer.from(appId).toString('base64url')}.CANARY.${randomBytes(27).toString('base64url')}`;
}

function run(script: string, env: NodeJS.ProcessEnv): { output: () => string; exited: Promise<number | null>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(NODE_TSX[0], [...NODE_TSX[1], script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output: () => out, exited, kill: (s) => child.kill(s) };
}

describe('the bot token never appears in logs, payloads, user-facing errors or the repository', () => {
  const cleanup: (() => Promise<void> | void)[] = [];

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('a whole session at trace level with faults: the token is nowhere in the output or in anything sent', async () => {
    const probe = await DiscordStandin.start();
    const token = canaryToken(probe.applicationId);
    await probe.stop();
    const standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, token, validateToken: true });
    cleanup.push(() => standin.stop());
    const { dir } = tempWorkspace('papertalk-token-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
    const env = { DISCORD_TOKEN: token, DISCORD_API_URL: standin.restUrl, DISCORD_APP_ID: standin.applicationId, DISCORD_GUILD_ID: standin.world.guild.id, PAPERTALK_DATA_DIR: join(dir, 'data'), PAPERTALK_DB: join(dir, 'papertalk.sqlite'), LOG_LEVEL: 'trace', RATE_LIMIT_BURST: '0' };

    const deploy = run('src/discord/deploy.ts', env);
    expect(await deploy.exited).toBe(0);
    const bot = run('src/main.ts', env);
    cleanup.push(() => bot.kill('SIGKILL'));
    await standin.waitFor(() => logLines(bot.output()).some((l) => l.msg === 'papertalk is online'), 30_000, 'online');

    const card = await standin.waitForResponses(standin.sendCommand('paper', { title: 'GPipe' }).id);
    const list = (await standin.waitForResponses(standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'bob' }).id))[0]!;
    const msg = standin.originalMessage(list.interactionId)!;
    await standin.waitForResponses(standin.clickButton((msg.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id, msg, { user: 'bob' }).id);
    await standin.waitForResponses(standin.sendAutocomplete('author', { name: 'Yan' }, { focused: 'name' }).id);
    await standin.waitForResponses(standin.sendCommand('digest', { channel: { type: 7, value: standin.world.guild.otherTextChannelId }, time: '00:00', timezone: 'Pacific/Kiritimati' }, { user: 'bob', subcommand: 'subscribe' }).id);
    const m = standin.sendMessage({ content: 'who wrote GPipe?', author: 'dave', mentionsBot: true });
    await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === m.id);
    const dm = standin.sendMessage({ content: 'papers by Nan Du', author: 'erin', dm: true });
    await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === dm.id);
    expect(card[0]!.callbackType).toBe(4);

    // Faults: errors with request details get logged.
    standin.failNext('POST /interactions/:interaction/:token/callback', { status: 500 }, 8);
    const failing = standin.sendCommand('paper', { title: 'GLaM' });
    await standin.waitFor(() => logLines(bot.output()).some((l) => l.msg === 'could not respond to the interaction' && l.interactionId === failing.id), 10_000, 'failure logged');
    standin.clearFaults();
    standin.failNext('POST /channels/:channel/messages', { status: 429, retryAfter: 0.3 });
    const m2 = standin.sendMessage({ content: 'who wrote GLaM?', author: 'dave', mentionsBot: true });
    await standin.waitForRequest((q) => q.status === 200 && (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === m2.id, 8000);
    const identifies = standin.identifyCount;
    standin.closeSession(4000);
    await standin.waitFor(() => standin.successfulResumeCount > 0, 10_000, 'resumed');
    standin.invalidateSession(false);
    await standin.waitFor(() => standin.identifyCount > identifies && standin.sessions().some((s) => s.status === 'connected'), 20_000, 're-identified');
    await standin.waitForResponses(standin.sendCommand('help').id, 1, 8000);

    bot.kill('SIGTERM');
    expect(await bot.exited).toBe(0);

    const output = deploy.output() + bot.output();
    expect(logLines(bot.output()).filter((l) => l.msg === 'discord.js debug').length).toBeGreaterThan(20); // trace level: plenty was logged
    expect(output).not.toContain(token);
    // Nor its secret part, nor its first two parts together (discord.js's debug line shows those; it is dropped).
    const [id, stamp, hmac] = token.split('.');
    expect(output).not.toContain(hmac);
    expect(output).not.toContain(`${id}.${stamp}`);
    // The token was used (REST authorised, gateway identified), but never sent anywhere else.
    expect(standin.requests.filter((q) => q.authorized).length).toBeGreaterThan(3);
    expect(standin.requests.filter((q) => q.status === 401)).toEqual([]);
    expect(JSON.stringify(standin.requests)).not.toContain(token);
    expect(JSON.stringify(standin.gatewayFrames)).not.toContain(token);
    for (const ch of [standin.world.guild.textChannelId, standin.world.guild.otherTextChannelId, standin.world.dmChannel(standin.world.users.erin.id).id]) {
      expect(JSON.stringify(standin.channelMessages(ch, { includeDeleted: true }))).not.toContain(token);
    }
  }, 120_000);

  it('a wrong token: a clear error, exit 1, the token not printed', async () => {
    const standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, validateToken: true });
    cleanup.push(() => standin.stop());
    const wrong = canaryToken(standin.applicationId);
    const { dir } = tempWorkspace('papertalk-token-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
    const bot = run('src/main.ts', { DISCORD_TOKEN: wrong, DISCORD_API_URL: standin.restUrl, PAPERTALK_DATA_DIR: join(dir, 'data'), PAPERTALK_DB: join(dir, 'papertalk.sqlite'), LOG_LEVEL: 'trace' });
    cleanup.push(() => bot.kill('SIGKILL'));
    expect(await bot.exited).toBe(1);
    expect(bot.output()).toMatch(/could not start the bot: .*token/i);
    expect(bot.output()).not.toContain(wrong);
  }, 60_000);

  it('an unexpected error carrying the token: the user sees the generic message, the log is scrubbed', async () => {
    let throwIt = false;
    const h = await startHarness({
      logLevel: 'trace',
      start: {
        router: {
          beforeAnswer: () => {
            if (throwIt) throw new Error(`boom with ${h.config.discordToken} inside`);
          },
        },
      },
    });
    cleanup.push(() => h.stop());
    throwIt = true;
    const r = await h.one(h.standin.sendCommand('paper', { title: 'GPipe' }));
    throwIt = false;
    const content = String(callbackData(r).content);
    expect(content).toMatch(/^Sorry, something went wrong on my side\. It has been logged \(ref \d+\)\.$/);
    const raw = h.raw.join('');
    expect(raw).toContain('boom with [redacted] inside');
    expect(raw).not.toContain(h.config.discordToken!);
    expect(JSON.stringify(h.standin.requests)).not.toContain(h.config.discordToken!);
  }, 60_000);

  it('the logger redacts secret-bearing fields and scrubs the secret wherever it appears', () => {
    const secret = 'MTIzNDU2Nzg5MDEy.Gabcde.sEcReTsEcReTsEcReTsEcReT_-x';
    const lines: string[] = [];
    const logger = createLogger({ level: 'trace', secrets: [secret], destination: new Writable({ write: (c, _e, cb) => void (lines.push(String(c)), cb()) }) });
    const err = new Error(`request failed for Bot ${secret}`);
    logger.info({ token: 'not-the-secret-but-a-token', config: { discordToken: 'another-token-value' }, headers: { authorization: 'Bot abcdefgh12345678' } }, 'fields');
    logger.error({ err, nested: { deep: { value: `x${secret}x` } }, options: { headers: { Authorization: 'Bot zyxwvuts98765432' } } }, `message with ${secret}`);
    logger.warn({ rest: { token: 'rest-token-value-1234' }, env: { DISCORD_TOKEN: 'env-token-value-1234' } }, 'more');
    const out = lines.join('');
    expect(out).not.toContain(secret);
    for (const v of ['not-the-secret-but-a-token', 'another-token-value', 'abcdefgh12345678', 'zyxwvuts98765432', 'rest-token-value-1234', 'env-token-value-1234']) expect(out).not.toContain(v);
    expect(out).toContain('[redacted]');
    expect(lines).toHaveLength(3);
  });

  it('the repository holds no token-shaped string; .env is ignored and untracked', () => {
    const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).not.toContain('.env');
    expect(execFileSync('git', ['check-ignore', '.env'], { encoding: 'utf8' }).trim()).toBe('.env');
    const shape = /[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}/;
    const hits: string[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      const m = shape.exec(text);
      if (m) hits.push(`${f}: ${m[0].slice(0, 12)}…`);
    }
    expect(hits).toEqual([]);
  });
});
