/**
 * Digest feedback and ranking end to end: the real discord.js client (`startBot`) against the Discord
 * stand-in, a real SQLite file, a copy of the shipped data directory (data drops renamed into it), an
 * injected clock (`schedulerTimers: false`; `Bot.tick()` is one scheduler pass at the clock's time).
 *
 * Covered: every paper of a digest carries 👍/👎 (below "Show all"); a plain member's press is
 * acknowledged ephemerally and stored once when pressed twice; the other button changes the rating;
 * after a 👎, the next digest no longer lists papers similar to the rated one first (a preview before
 * the press did); `/digest feedback` lists and undoes; `like:` autocompletes titles and seeds a
 * personal digest; a personal digest's buttons work for its owner only.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { startBot, type Bot } from '../src/discord/run.ts';
import { createLogger } from '../src/logger.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

interface DropPaper {
  title: string;
  authors: string[];
  category: string;
  date: string;
  abstract: string;
}

function lineListing(owner: string, papers: readonly DropPaper[]): string {
  const entries = papers.map((p) => `${p.category}${p.date}\n${p.title}\n\n${p.authors.join(', ')}\n\n${p.abstract}\n`);
  return `${owner}\n\nCL\nh-index12\n${papers.length}papers\n100citations\n\n${papers.length} Papers\n\n${entries.join('\n')}`;
}

type Data = { content?: string; flags?: number; embeds?: { title?: string; description?: string }[]; choices?: { name: string; value: string }[] };

describe('digest feedback and ranking end to end (real client, stand-in, SQLite, injected clock)', () => {
  let standin: DiscordStandin;
  let dir: string;
  let dataDir: string;
  let bot: Bot;
  let t = new Date('2025-11-24T10:00:00Z');
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (_chunk, _enc, cb) => cb() }) });

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }
  const data = (r: InteractionResponseRecord): Data => ((r.body as { data?: Record<string, unknown> }).data ?? {}) as Data;
  const digestsIn = (channelId: string): APIMessage[] =>
    standin.channelMessages(channelId, { includeEphemeral: false }).filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata);
  const titlesOf = (content: string): string[] => content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));
  const customIds = (m: { components?: unknown[] }): string[] =>
    (m.components ?? []).flatMap((r) => (r as { components: { custom_id?: string }[] }).components.map((c) => c.custom_id ?? ''));

  async function drop(name: string, text: string): Promise<void> {
    const reloaded = new Promise<void>((resolve) => bot.corpus.once('reloaded', () => resolve()));
    writeFileSync(join(dataDir, `.${name}.part`), text);
    renameSync(join(dataDir, `.${name}.part`), join(dataDir, name));
    await Promise.race([reloaded, new Promise((_, reject) => setTimeout(() => reject(new Error('the watcher did not reload the corpus')), 10_000))]);
  }

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-feedback-');
    ({ dir, dataDir } = ws);
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

  let rated: Paper;
  let similar: string[];
  let unrelated: string[];

  it('a digest carries 👍/👎 for every paper; a press is acknowledged ephemerally and stored once when pressed twice', async () => {
    const channel = standin.world.guild.otherTextChannelId;
    const conf = await one(standin.sendCommand('digest', { channel: { type: 7, value: channel }, time: '09:00', timezone: 'UTC', max_papers: 3 } as never, { user: 'bob', subcommand: 'subscribe' }));
    expect(data(conf).content).toMatch(/^Subscribed: \*\*#1\*\*/);

    t = new Date('2025-11-25T09:00:00Z');
    await bot.tick();
    const [d1] = digestsIn(channel);
    expect(d1).toBeDefined();
    const shown = titlesOf(d1!.content);
    expect(shown).toHaveLength(3);
    const lib = bot.ctx.engine.lib;
    const papers = shown.map((title) => lib.corpus.papers.find((p) => p.title === title)!);
    const ids = customIds(d1!);
    expect(ids[0]).toBe('digest:all:1:2025-11-25'); // "Show all" stays first
    for (const p of papers) expect(ids).toEqual(expect.arrayContaining([`digest:fb:1:u:${p.id}`, `digest:fb:1:d:${p.id}`]));
    rated = papers[0]!;

    // carol (no Manage Server) presses 👎 twice: both answered (ephemeral), one row stored.
    const first = await one(standin.clickButton(`digest:fb:1:d:${rated.id}`, d1!, { user: 'carol' }));
    expect(data(first).flags).toBe(64);
    expect(data(first).content).toMatch(/^Noted 👎 for \*.+\* \(digest #1\): papers like it will rank lower from the next digest on\./);
    const second = await one(standin.clickButton(`digest:fb:1:d:${rated.id}`, d1!, { user: 'carol' }));
    expect(data(second).content).toMatch(/^You already rated \*.+\* 👎 for digest #1; nothing changed\.$/);
    const rows = bot.ctx.store.listDigestFeedback(1);
    expect(rows).toEqual([expect.objectContaining({ paperId: rated.id, userId: standin.world.users.carol.id, rating: -1, source: 'button' })]);
    expect(bot.ctx.store.db.prepare('SELECT COUNT(*) FROM digest_feedback').pluck().get()).toBe(1);

    // dave 👍 then 👎 on another paper: one row, changed.
    await one(standin.clickButton(`digest:fb:1:u:${papers[1]!.id}`, d1!, { user: 'dave' }));
    const changed = await one(standin.clickButton(`digest:fb:1:d:${papers[1]!.id}`, d1!, { user: 'dave' }));
    expect(data(changed).content).toMatch(/^Changed to 👎/);
    expect(bot.ctx.store.listDigestFeedback(1, standin.world.users.dave.id)).toEqual([expect.objectContaining({ paperId: papers[1]!.id, rating: -1 })]);
    // …and undoes it with /digest feedback (bob manages the server).
    const undone = await one(standin.sendCommand('digest', { undo: papers[1]!.id }, { user: 'bob', subcommand: 'feedback' }));
    expect(data(undone).content).toMatch(/^Removed the 👎 of \*.+\* from digest #1\./);
    expect(bot.ctx.store.listDigestFeedback(1).map((f) => f.paperId)).toEqual([rated.id]);
  });

  it('after a 👎, the next digest no longer lists papers similar to the rated one first', async () => {
    const channel = standin.world.guild.otherTextChannelId;
    // New papers: three close to the rated one (newest), three on another subject (older).
    // Distinct texts (the merger joins records with near-identical abstracts): each takes every third of the rated paper's longer words.
    const words = [...new Set(`${rated.title} ${rated.abstract ?? ''}`.toLowerCase().match(/[a-z]{6,}/g) ?? [])];
    const near: DropPaper[] = ['One', 'Two', 'Three'].map((part, i) => ({
      title: `${rated.title} Revisited, Part ${part}`,
      authors: ['Ada Example'],
      category: rated.category ?? 'LG',
      date: 'Nov 26, 2025',
      abstract: `Part ${part} of a follow-up study, on ${words.filter((_, k) => k % 3 === i).join(', ')}.`,
    }));
    const far: DropPaper[] = [
      ['Tokenizer Merges for Low-Resource Morphology', 'Merge rules for subword tokenizers of morphologically rich languages with little data.'],
      ['Byte-Level Vocabularies for Agglutinative Languages', 'Byte vocabularies for agglutinative languages compared with learned subword units.'],
      ['Subword Segmentation Without Dictionaries', 'Segmenting words into subwords without dictionaries, from raw text alone.'],
    ].map(([title, abstract]) => ({ title: title!, authors: ['Ben Sample'], category: 'CL', date: 'Nov 25, 2025', abstract: abstract! }));
    t = new Date('2025-11-25T12:00:00Z');
    await drop('005_feedback_drop.txt', lineListing('Ada Example', [...near, ...far]));
    similar = near.map((p) => p.title);
    unrelated = far.map((p) => p.title);

    // Without the rating (undone for a moment), the next digest would be latest first: the similar papers first.
    bot.ctx.store.removeDigestFeedback(1, rated.id);
    const before = await one(standin.sendCommand('digest', { id: 1 }, { user: 'bob', subcommand: 'preview' }));
    const beforeTitles = (data(before).embeds ?? []).map((e) => e.description ?? '').join('\n');
    expect(similar.some((s) => beforeTitles.indexOf(s) >= 0 && beforeTitles.indexOf(s) < Math.min(...unrelated.map((u) => beforeTitles.indexOf(u)).filter((x) => x >= 0)))).toBe(true);

    // carol's 👎 again (the message is still there), then the next digest.
    const [d1] = digestsIn(channel);
    await one(standin.clickButton(`digest:fb:1:d:${rated.id}`, d1!, { user: 'carol' }));
    t = new Date('2025-11-26T09:00:00Z');
    await bot.tick();
    const d2 = digestsIn(channel)[1]!;
    expect(d2).toBeDefined();
    const listed = titlesOf(d2.content);
    expect(listed).toHaveLength(3);
    expect(listed.every((title) => unrelated.includes(title))).toBe(true);
    expect(d2.content).toMatch(/…and 3 more matching papers/);
    // "Show all" lists the similar ones last, saying why.
    const all = await one(standin.clickButton('digest:all:1:2025-11-26', d2, { user: 'carol' }));
    const allText = data(all).content ?? '';
    const order = titlesOf(allText);
    expect(order.slice(3).sort()).toEqual([...similar].sort());
    expect((data(all).embeds ?? [])[0]?.description).toMatch(/ranked lower: like \*.+\*, which you rated down/);
  });

  it('/digest feedback lists the ratings; undo autocompletes the rated papers', async () => {
    const list = await one(standin.sendCommand('digest', { id: 1 }, { user: 'bob', subcommand: 'feedback' }));
    expect(data(list).flags).toBe(64);
    expect(data(list).embeds?.[0]?.title).toBe('Feedback of digest #1 (0 👍 · 1 👎)');
    expect(data(list).embeds?.[0]?.description).toContain(`👎 ${rated.title}`);
    const choices = await one(standin.sendAutocomplete('digest', { id: 1, undo: '' }, { focused: 'undo', subcommand: 'feedback', user: 'bob' }));
    expect(data(choices).choices).toEqual([{ name: `👎 ${rated.title}`.slice(0, 100), value: rated.id }]);
    // carol (no Manage Server) cannot manage a channel digest's feedback with the command.
    const denied = await one(standin.sendCommand('digest', { id: 1 }, { user: 'carol', subcommand: 'feedback' }));
    expect(data(denied).content).toMatch(/Manage Server/);
  });

  it('like: autocompletes titles and seeds a personal digest; its buttons are for its owner only', async () => {
    const lib = bot.ctx.engine.lib;
    const glam = lib.findPaper('GLaM')!.paper;
    const ac = await one(standin.sendAutocomplete('mydigest', { time: '08:00', timezone: 'UTC', like: 'GLaM' }, { focused: 'like', subcommand: 'subscribe', user: 'carol' }));
    expect(data(ac).choices?.[0]).toEqual({ name: glam.title, value: glam.id });

    const r = await one(standin.sendCommand('mydigest', { time: '08:00', timezone: 'UTC', like: glam.id }, { user: 'carol', subcommand: 'subscribe', guildId: null }));
    expect(data(r).content).toMatch(/\nSeeded with \*GLaM\*: from the second digest on, new papers like it are listed first\./);
    const sub = bot.ctx.store.listSubscriptions({ userId: standin.world.users.carol.id })[0]!;
    expect(bot.ctx.store.listDigestFeedback(sub.id)).toEqual([expect.objectContaining({ paperId: glam.id, rating: 1, source: 'seed', userId: standin.world.users.carol.id })]);
    const mine = await one(standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'feedback', guildId: null }));
    expect(data(mine).embeds?.[0]?.description).toContain(`🌱 seed ${glam.title}`);

    // Someone else pressing a button of carol's personal digest is refused; nothing stored.
    const [d1] = digestsIn(standin.world.guild.otherTextChannelId);
    const other = await one(standin.clickButton(`digest:fb:${sub.id}:d:${glam.id}`, d1!, { user: 'dave', unchecked: true }));
    expect(data(other)).toMatchObject({ flags: 64, content: 'Only the owner of this personal digest can rate its papers.' });
    expect(bot.ctx.store.listDigestFeedback(sub.id)).toHaveLength(1);

    const bad = await one(standin.sendCommand('mydigest', { time: '08:00', timezone: 'UTC', like: 'A Paper Nobody Wrote About Zebras' }, { user: 'dave', subcommand: 'subscribe', guildId: null }));
    expect(data(bad).content).toMatch(/^I don't know this paper named in `like`/);
    expect(bot.ctx.store.listSubscriptions({ userId: standin.world.users.dave.id })).toEqual([]);
  });
});
