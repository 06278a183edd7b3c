/**
 * Personal digests (`/mydigest`) end to end: the real discord.js client (`startBot`) against the
 * Discord stand-in, a real SQLite file, the shipped data directory, an injected clock
 * (`schedulerTimers: false`; `Bot.tick()` is one scheduler pass at the clock's time).
 *
 * Covered: any member may subscribe (no Manage Server), from a server (a probe DM proves the
 * digest can arrive; closed DMs → a clear refusal, nothing stored) or in the bot's DMs (a user who
 * shares no server with the bot); validation before any DM; the digest goes to the user's DM
 * channel with nonce + enforce_nonce, once per local date; list/preview/unsubscribe see only the
 * caller's own personal digests; server digest lists never show them.
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot } from '../src/discord/run.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';


describe('/mydigest: personal digests in DMs (real client, stand-in, SQLite, injected clock)', () => {
  let standin: DiscordStandin;
  let dir: string;
  let bot: Bot;
  let t = new Date('2025-11-24T10:00:00Z');
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, cb) => void (logLines.push(String(chunk)), cb()) }) });

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }
  const data = (r: InteractionResponseRecord): { content?: string; flags?: number; embeds?: { title?: string; description?: string }[] } =>
    ((r.body as { data?: Record<string, unknown> }).data ?? {}) as never;
  /** What the bot posted in a channel on its own (not interaction responses), oldest first. */
  const botPosts = (channelId: string): APIMessage[] =>
    standin.channelMessages(channelId, { includeEphemeral: false }).filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata);
  const dmOf = (user: 'carol' | 'dave' | 'erin' | 'bob'): string => standin.world.dmChannel(standin.world.users[user].id).id;
  const mydigest = (user: 'carol' | 'dave' | 'erin' | 'bob', subcommand: string, options: Record<string, string | number | boolean> = {}, dm = false) =>
    one(standin.sendCommand('mydigest', options, { user, subcommand, ...(dm ? { guildId: null } : {}) }));

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-mydigest-');
    dir = ws.dir;
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    const config = standinConfig(standin, ws);
    await deployCommands(config, logger);
    bot = await startBot(config, logger, { now: () => t, schedulerTimers: false, clientOptions: { ws: noIdentifyThrottle } });
  }, 60_000);

  afterAll(async () => {
    await bot?.stop().catch(() => undefined);
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('is registered for servers and the bot DMs, without a default permission', () => {
    const cmd = standin.registeredCommands(standin.world.guild.id).find((c) => c.name === 'mydigest')!;
    expect(cmd).toBeDefined();
    expect(cmd.default_member_permissions ?? null).toBeNull();
    expect(cmd.contexts).toEqual([0, 1]);
    const subscribe = (cmd.options as { name: string; options?: { name: string; required?: boolean }[] }[]).find((o) => o.name === 'subscribe')!;
    expect(subscribe.options!.filter((o) => o.required).map((o) => o.name)).toEqual(['time', 'timezone']);
  });

  it('a plain member subscribes from the server: a probe DM, an ephemeral confirmation, stored as personal', async () => {
    const carolDm = dmOf('carol');
    const r = await mydigest('carol', 'subscribe', { time: '09:00', timezone: 'UTC', categories: 'CL', max_papers: 3 });
    const d = data(r);
    expect(d.flags).toBe(64);
    expect(d.content).toMatch(/^Subscribed: \*\*#1\*\* — your DMs daily at 09:00 \(UTC\), up to 3 papers; categories CL\./);
    expect(d.content).toContain(`Next digest: <t:${Date.parse('2025-11-25T09:00:00Z') / 1000}:F>`);
    const probe = botPosts(carolDm);
    expect(probe).toHaveLength(1);
    expect(probe[0]!.content).toBe('Your personal papertalk digest will arrive here, daily at 09:00 (UTC). Manage it with `/mydigest` (here or in a server).');
    const sub = bot.ctx.store.getSubscription(1)!;
    expect(sub).toMatchObject({ guildId: null, userId: standin.world.users.carol.id, createdBy: standin.world.users.carol.id, channelId: carolDm, categories: ['CL'], maxPapers: 3 });
    // Not a server digest: /digest list (server managers) does not show it.
    const serverList = await one(standin.sendCommand('digest', {}, { user: 'bob', subcommand: 'list' }));
    expect(data(serverList).content).toMatch(/^No digest subscriptions in this server yet/);
  });

  it('bad input is refused before any DM; closed DMs are refused with a way out; a duplicate is named', async () => {
    const daveDm = dmOf('dave');
    const bad = await mydigest('dave', 'subscribe', { time: '9 am', timezone: 'Mars/Olympus_Mons' });
    expect(data(bad).flags).toBe(64);
    expect(data(bad).content).toMatch(/^Could not create the digest:\n• time "9 am"/);
    expect(data(bad).content).toContain('Mars/Olympus_Mons');
    expect(botPosts(daveDm)).toHaveLength(0);

    standin.blockDms(standin.world.users.dave.id);
    const closed = await mydigest('dave', 'subscribe', { time: '07:30', timezone: 'Europe/Berlin' });
    expect(data(closed)).toMatchObject({ flags: 64 });
    expect(data(closed).content).toMatch(/^I can't send you direct messages, so a personal digest could never arrive\./);
    expect(bot.ctx.store.listSubscriptions({ userId: standin.world.users.dave.id })).toEqual([]);
    expect(logLines.some((l) => l.includes('personal digest refused: DMs closed'))).toBe(true);
    standin.blockDms(standin.world.users.dave.id, false);

    const dup = await mydigest('carol', 'subscribe', { time: '09:00', timezone: 'UTC', categories: 'cl', max_papers: 5 });
    expect(data(dup).content).toBe('You already have this personal digest. See `/mydigest list`.');
    expect(bot.ctx.store.listSubscriptions({ userId: standin.world.users.carol.id })).toHaveLength(1);
  });

  it('a user who shares no server with the bot subscribes in DMs (no probe needed)', async () => {
    const erinDm = dmOf('erin');
    const r = await mydigest('erin', 'subscribe', { time: '10:00', timezone: 'Europe/Berlin', keywords: 'speech' }, true);
    expect(data(r).content).toMatch(/^Subscribed: \*\*#2\*\* — your DMs daily at 10:00 \(Europe\/Berlin\)/);
    expect(botPosts(erinDm)).toHaveLength(0);
    expect(bot.ctx.store.getSubscription(2)).toMatchObject({ guildId: null, userId: standin.world.users.erin.id, channelId: erinDm, keywords: ['speech'] });
  });

  it('each user lists, previews and autocompletes only their own personal digests', async () => {
    const carolList = await mydigest('carol', 'list');
    expect(data(carolList).flags).toBe(64);
    expect(data(carolList).embeds?.[0]?.title).toBe('Your personal digests (1)');
    expect(data(carolList).embeds?.[0]?.description).toMatch(/^\*\*#1\*\* — your DMs daily at 09:00 \(UTC\)/);
    const bobList = await mydigest('bob', 'list');
    expect(data(bobList).content).toBe('You have no personal digest yet. Create one with `/mydigest subscribe`.');

    const ids = await one(standin.sendAutocomplete('mydigest', { id: '' }, { focused: 'id', subcommand: 'unsubscribe', user: 'erin', guildId: null }));
    expect((ids.body as { data: { choices: { name: string; value: number }[] } }).data.choices).toEqual([{ name: '#2 — daily at 10:00 Europe/Berlin', value: 2 }]);

    const preview = await mydigest('erin', 'preview', {}, true);
    expect(data(preview)).toMatchObject({ flags: 64, content: 'Preview of your digest #2 (not sent; nothing recorded):' });
    expect(data(preview).embeds?.[0]?.title).toMatch(/latest/);
    expect(bot.ctx.store.listDigestRuns(2)).toEqual([]);

    // Someone else's number is "not found", never "not yours".
    const steal = await mydigest('bob', 'unsubscribe', { id: 1 });
    expect(data(steal).content).toBe('You have no personal digest #1. See `/mydigest list`.');
    expect(bot.ctx.store.getSubscription(1)).toBeDefined();
  });

  it('delivers to each DM channel at the local time, once per local date, with nonce; unsubscribe stops it', async () => {
    const carolDm = dmOf('carol');
    const erinDm = dmOf('erin');
    const before = { carol: botPosts(carolDm).length, erin: botPosts(erinDm).length };

    t = new Date('2025-11-25T08:59:00Z'); // 09:59 Berlin, 08:59 UTC: nothing yet
    await bot.tick();
    expect(botPosts(carolDm)).toHaveLength(before.carol);
    expect(botPosts(erinDm)).toHaveLength(before.erin);

    t = new Date('2025-11-25T09:00:00Z'); // 09:00 UTC (carol) and 10:00 Berlin (erin)
    await bot.tick();
    await standin.waitFor(() => bot.ctx.store.getDigestRun(1, '2025-11-25')?.status === 'sent' && bot.ctx.store.getDigestRun(2, '2025-11-25')?.status === 'sent', 10_000, 'both personal digests sent');
    const carolDigest = botPosts(carolDm).slice(before.carol);
    const erinDigest = botPosts(erinDm).slice(before.erin);
    expect(carolDigest).toHaveLength(1);
    expect(erinDigest).toHaveLength(1);
    expect(carolDigest[0]!.content.split('\n')[0]).toBe('**Papers for Tue 25 Nov 2025 — 3 latest**');
    const cl = bot.ctx.engine.lib.corpus.papers.filter((p) => p.category === 'CL').sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || a.id.localeCompare(b.id));
    const listed = carolDigest[0]!.content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));
    expect(listed).toHaveLength(3);
    for (const title of listed) expect(cl.map((p) => p.title)).toContain(title);
    const posts = standin.findRequests(`POST /channels/${carolDm}/messages`);
    const last = posts.at(-1)!.body as { nonce?: string; enforce_nonce?: boolean; allowed_mentions?: unknown };
    expect(last.enforce_nonce).toBe(true);
    expect(last.nonce).toBe(bot.ctx.store.getDigestRun(1, '2025-11-25')!.nonce);
    expect(last.allowed_mentions).toEqual({ parse: [] });
    expect(erinDigest[0]!.content).toMatch(/speech/i);

    // Another pass the same day: nothing more.
    t = new Date('2025-11-25T09:30:00Z');
    await bot.tick();
    expect(botPosts(carolDm).slice(before.carol)).toHaveLength(1);
    expect(botPosts(erinDm).slice(before.erin)).toHaveLength(1);

    // Carol has one personal digest: unsubscribe needs no id. The next day only erin's runs.
    const unsub = await mydigest('carol', 'unsubscribe');
    expect(data(unsub)).toMatchObject({ flags: 64, content: 'Unsubscribed: your personal digest #1 will no longer be sent.' });
    expect(bot.ctx.store.getSubscription(1)).toBeUndefined();
    t = new Date('2025-11-26T09:00:00Z');
    await bot.tick();
    await standin.waitFor(() => bot.ctx.store.getDigestRun(2, '2025-11-26') !== undefined, 10_000, "erin's second run recorded");
    expect(botPosts(carolDm).slice(before.carol)).toHaveLength(1);
  });

  it('at most five personal digests per user; the sixth is refused and nothing is stored', async () => {
    const erin = standin.world.users.erin.id;
    const have = bot.ctx.store.listSubscriptions({ userId: erin }).length;
    for (let k = have; k < 5; k++) {
      const r = await mydigest('erin', 'subscribe', { time: `0${k}:15`, timezone: 'UTC' }, true);
      expect(data(r).content).toMatch(/^Subscribed: /);
    }
    const sixth = await mydigest('erin', 'subscribe', { time: '23:45', timezone: 'UTC' }, true);
    expect(data(sixth)).toMatchObject({ flags: 64 });
    expect(data(sixth).content).toBe('You already have 5 personal digests (the most one person can have). Remove one with `/mydigest unsubscribe` first.');
    expect(bot.ctx.store.listSubscriptions({ userId: erin })).toHaveLength(5);
    // The list says how each one's latest digest went.
    const listed = data(await mydigest('erin', 'list', {}, true)).embeds![0]!.description!.split('\n');
    expect(listed[0]).toMatch(/^\*\*#2\*\* — your DMs daily at 10:00 \(Europe\/Berlin\)/);
    expect(listed[1]).toBe('↳ last: Wed 26 Nov 2025 — nothing new, nothing posted');
    expect(listed.filter((l) => l === '↳ no digest yet')).toHaveLength(4);
    // With several, unsubscribe needs a number.
    const which = await mydigest('erin', 'unsubscribe', {}, true);
    expect(data(which).content).toMatch(/^Which one\? You have 5 personal digests: #2, #\d+/);
  });
});
