/**
 * End-to-end: the REAL discord.js client (through `startBot`, as `npm start` runs it) against the
 * Discord stand-in on 127.0.0.1 — nothing in discord.js is mocked. Every command, autocomplete,
 * button, select, modal, mention, reply and DM is driven through the stand-in, and the exact
 * payloads the bot sends back are asserted (content, embeds, components, flags, allowed_mentions).
 *
 * Expected payloads are computed with the pure renderers over the same library (so the whole
 * pipeline — routing, acknowledging, discord.js serialisation — must reproduce them exactly),
 * plus corpus facts checked literally (GPipe's authors, the two Zhifeng Chens, …).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { Engine } from '../src/conversation/engine.ts';
import { conversationKey } from '../src/conversation/memory.ts';
import { deployCommands } from '../src/discord/deploy.ts';
import { seedPaperTurn, RESET_TEXT } from '../src/discord/followUp.ts';
import { listPage, type ListQuery } from '../src/discord/lists.ts';
import { NO_CONTENT_MESSAGE } from '../src/discord/mentions.ts';
import { rateLimitMessage } from '../src/discord/rateLimit.ts';
import {
  renderAnswer,
  renderAuthorCard,
  renderAuthorChoice,
  renderListPage,
  renderPaperAuthors,
  renderPaperCard,
  renderSimilar,
  plainIds,
} from '../src/discord/render.ts';
import { RESTARTING_MESSAGE } from '../src/discord/router.ts';
import { authorChart, CHART_SIZES, topicChart, withChart } from '../src/discord/charts.ts';
import { startBot, type Bot } from '../src/discord/run.ts';
import type { Reply } from '../src/discord/types.ts';
import { createLogger } from '../src/logger.ts';
import type { Library } from '../src/search/library.ts';
import { noIdentifyThrottle, standinConfig, tempWorkspace } from './helpers/bot.ts';
import { colourCounts, decodePng } from './helpers/png.ts';
import { DiscordStandin, type InteractionResponseRecord, type SentInteraction } from './standin/index.ts';

/** discord.js waits ~5 s between identifies of the same shard; a restarted bot opts out. */
const GPIPE_ID = 'gpipe-efficient-training-of-giant-neural-b03f58';
const GPIPE_TITLE = 'GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism';
const NO_MENTIONS = { parse: [] };

type Json = Record<string, unknown>;

/** How discord.js declares attached files in `payload_json` (the bytes go in multipart parts `files[n]`). */
function apiAttachments(r: Reply): Json[] {
  return (r.files ?? []).map((f, i) => (f.description === undefined ? { id: String(i) } : { id: String(i), description: f.description }));
}

/** The API form of a `Reply` as discord.js sends it in an interaction callback (type 4) or a message. */
function apiReply(r: Reply): Json {
  const out: Json = {};
  if (r.content !== undefined) out.content = r.content;
  if (r.embeds) out.embeds = r.embeds;
  if (r.components) out.components = r.components;
  if (r.files?.length) out.attachments = apiAttachments(r);
  out.allowed_mentions = NO_MENTIONS;
  if (r.ephemeral) out.flags = 64;
  return out;
}

/** The API form of a whole-message replacement (update / edit): attachments are replaced too. */
function apiEdit(r: Reply): Json {
  return { content: r.content ?? '', embeds: r.embeds ?? [], components: r.components ?? [], attachments: apiAttachments(r), allowed_mentions: NO_MENTIONS };
}

/** `data` of a callback without discord.js's constant extras. */
function callbackData(r: InteractionResponseRecord | undefined): Json {
  const body = r?.body as { data?: Json } | undefined;
  const { tts: _t, enforce_nonce: _e, ...rest } = body?.data ?? {};
  return rest;
}

function messageBody(body: unknown): Json {
  const { tts: _t, enforce_nonce: _e, nonce: _n, message_reference: _m, ...rest } = (body ?? {}) as Json;
  return rest;
}

describe('papertalk on Discord: real discord.js client against the stand-in', () => {
  let standin: DiscordStandin;
  let bot: Bot;
  let dir: string;
  let config: Config;
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, cb) => void (logLines.push(String(chunk)), cb()) }) });
  const lib = (): Library => bot.ctx.engine.lib;
  const general = (): string => standin.world.guild.textChannelId;
  const papersChannel = (): string => standin.world.guild.otherTextChannelId;
  const userId = (name: 'alice' | 'bob' | 'carol' | 'dave' | 'erin'): string => standin.world.users[name].id;
  /** The author card as /author sends it: with its chart. */
  const authorCard = (id: string): Promise<Reply> => {
    const a = lib().authors.get(id)!;
    return withChart(renderAuthorCard(a, lib()), () => authorChart(a, lib()), logger);
  };

  async function one(sent: SentInteraction): Promise<InteractionResponseRecord> {
    const [r] = await standin.waitForResponses(sent.id, 1);
    return r!;
  }

  beforeAll(async () => {
    const ws = tempWorkspace('papertalk-e2e-');
    dir = ws.dir;
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    config = standinConfig(standin, ws);
    await deployCommands(config, logger);
    bot = await startBot(config, logger, { clientOptions: { ws: noIdentifyThrottle } });
  }, 30_000);

  afterAll(async () => {
    await bot?.stop();
    await standin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('deploy-commands registered every command in the guild, with the contract option shapes', () => {
    const cmds = standin.registeredCommands(standin.world.guild.id);
    expect(cmds.map((c) => c.name).sort()).toEqual(['about', 'ask', 'author', 'digest', 'follow', 'help', 'mydigest', 'paper', 'search', 'topic']);
    const byName = new Map(cmds.map((c) => [c.name, c]));
    for (const [name, option] of [['search', 'query'], ['paper', 'title'], ['ask', 'question']] as const) {
      const opts = (byName.get(name)!.options ?? []) as { name: string; type: number; required?: boolean }[];
      expect(opts[0]).toMatchObject({ name: option, type: 3, required: true });
      expect(opts.slice(1).every((o) => !o.required)).toBe(true);
    }
    expect((byName.get('paper')!.options![0] as { autocomplete?: boolean }).autocomplete).toBe(true);
    const digest = byName.get('digest')!;
    expect(digest.default_member_permissions).toBe('32');
    const subscribe = (digest.options as { name: string; options?: { name: string; type: number; required?: boolean; channel_types?: number[] }[] }[]).find((o) => o.name === 'subscribe')!;
    expect(subscribe.options!.filter((o) => o.required).map((o) => o.name)).toEqual(['channel', 'time', 'timezone']);
    expect(subscribe.options![0]).toMatchObject({ type: 7, channel_types: [0, 5] });
    expect(subscribe.options!.map((o) => o.name)).toEqual(['channel', 'time', 'timezone', 'categories', 'authors', 'keywords', 'exclude_keywords', 'max_papers', 'post_empty', 'like']);
    expect(standin.findRequests('PUT /applications/:app/guilds/:guild/commands')).toHaveLength(1);
  });

  it('/paper GPipe → the paper card with Authors / More like this / Ask a follow-up', async () => {
    const sent = standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' });
    const r = await one(sent);
    expect(r.callbackType).toBe(4);
    const data = callbackData(r);
    const gpipe = lib().papers.get(GPIPE_ID)!;
    expect(data).toEqual(apiReply(renderPaperCard(gpipe, lib(), plainIds)));
    const embed = (data.embeds as Json[])[0] as { title: string; description: string; fields: { name: string; value: string }[] };
    expect(embed.title).toBe(GPIPE_TITLE);
    expect(embed.fields.find((f) => f.name.startsWith('Authors'))!.value).toBe('Yanping Huang, Youlong Cheng, Ankur Bapna, Zhifeng Chen et al. (the sources list only the first authors)');
    expect(embed.fields.map((f) => f.name)).toEqual(['Authors (4+)', 'Date', 'Category', 'Venue', 'Organisations', 'Code', 'Sources', expect.stringMatching(/^Blog posts \(\d+\)$/)]);
    expect(embed.fields.find((f) => f.name === 'Date')!.value).toBe('2018-11-16');
    expect(embed.description).toMatch(/^Scaling up deep neural network capacity/);
    const buttons = ((data.components as Json[])[0] as { components: { label: string; custom_id: string }[] }).components;
    expect(buttons.map((b) => [b.label, b.custom_id])).toEqual([
      ['Authors', `paper:a:${GPIPE_ID}`],
      ['More like this', `paper:s:${GPIPE_ID}`],
      ['Ask a follow-up', `paper:q:${GPIPE_ID}`],
    ]);
    expect(data.allowed_mentions).toEqual({ parse: [] });
    expect(standin.ackLatency(sent.id)).toBeLessThan(3000);
    console.log(`/paper GPipe embed:\n${JSON.stringify(data.embeds, null, 2)}`);
  });

  it('/paper title autocompletes (≤ 25 choices, names and values ≤ 100)', async () => {
    const sent = standin.sendAutocomplete('paper', { title: 'GPi' }, { focused: 'title' });
    const r = await one(sent);
    expect(r.callbackType).toBe(8);
    const choices = (r.body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(choices[0]).toEqual({ name: GPIPE_TITLE, value: GPIPE_ID });
    const all = (await one(standin.sendAutocomplete('paper', { title: '' }, { focused: 'title' }))).body as { data: { choices: { name: string; value: string }[] } };
    expect(all.data.choices.length).toBeLessThanOrEqual(25);
    expect(all.data.choices.length).toBeGreaterThan(0);
    for (const c of all.data.choices) {
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(c.value.length).toBeLessThanOrEqual(100);
    }
    // Choosing the suggestion sends its value (the paper id).
    const byId = await one(standin.sendCommand('paper', { title: GPIPE_ID }));
    expect((callbackData(byId).embeds as { title: string }[])[0]!.title).toBe(GPIPE_TITLE);
  });

  it('paper card buttons: Authors, More like this, select-open, and an unknown paper', async () => {
    const card = standin.originalMessage((await one(standin.sendCommand('paper', { title: 'GPipe' }, { user: 'dave' }))).interactionId)!;
    const gpipe = lib().papers.get(GPIPE_ID)!;

    const authors = await one(standin.clickButton(`paper:a:${GPIPE_ID}`, card, { user: 'dave' }));
    expect(authors.callbackType).toBe(4);
    expect(callbackData(authors)).toEqual(apiReply(renderPaperAuthors(gpipe, lib())));
    expect(callbackData(authors).flags).toBe(64);

    const similar = await one(standin.clickButton(`paper:s:${GPIPE_ID}`, card, { user: 'dave' }));
    expect(callbackData(similar)).toEqual(apiReply(renderSimilar(gpipe, lib())));
    const similarMsg = standin.originalMessage(similar.interactionId)!;
    const firstSimilar = lib().similar(GPIPE_ID, 10)[0]!.id;
    const opened = await one(standin.selectMenu('paper:o', [firstSimilar], similarMsg, { user: 'dave' }));
    expect(callbackData(opened)).toEqual(apiReply({ ...renderPaperCard(lib().papers.get(firstSimilar)!, lib()), ephemeral: true }));

    // Open an author from the Authors list.
    const authorsMsg = standin.originalMessage(authors.interactionId)!;
    const author = await one(standin.selectMenu('author:o', ['a-ankur-bapna'], authorsMsg, { user: 'dave' }));
    expect(callbackData(author)).toEqual(apiReply({ ...(await authorCard('a-ankur-bapna')), ephemeral: true }));

    const missing = await one(standin.sendCommand('paper', { title: 'Quantum Basket Weaving' }));
    expect(callbackData(missing)).toMatchObject({ flags: 64, allowed_mentions: NO_MENTIONS });
    expect(String(callbackData(missing).content)).toMatch(/^I don't know a paper called “Quantum Basket Weaving”\./);
  });

  it('/author Yanqi Zhou → papers by year, co-authors, categories, sparkline, open-a-paper menu', async () => {
    const r = await one(standin.sendCommand('author', { name: 'Yanqi Zhou' }));
    const data = callbackData(r);
    const zhou = lib().authors.get('a-yanqi-zhou')!;
    expect(data).toEqual(apiReply(await authorCard(zhou.id)));
    const embed = (data.embeds as Json[])[0] as { title: string; description: string; fields: { name: string; value: string }[] };
    expect(embed.title).toBe('Yanqi Zhou');
    expect(embed.description).toMatch(/Publications per year: `\d{4} [▁▂▃▄▅▆▇█]+ \d{4}`/);
    expect(embed.fields.map((f) => f.name).slice(0, 3)).toEqual(['Top co-authors', 'Categories', `Papers (${zhou.paperIds.length})`]);
    expect(embed.fields.find((f) => f.name === 'Top co-authors')!.value).toMatch(/^Zhifeng Chen \(\d+\)/);
    const paperLines = embed.fields.filter((f) => f.name.startsWith('Papers')).flatMap((f) => f.value.split('\n'));
    expect(paperLines.filter((l) => l.startsWith('• '))).toHaveLength(zhou.paperIds.length);
    // Year headings newest first, each followed by its papers.
    const years = paperLines.filter((l) => /^\*\*\d{4}\*\*$/.test(l)).map((l) => Number(l.slice(2, 6)));
    expect(years).toEqual([...years].sort((a, b) => b - a));
    for (const f of embed.fields.filter((x) => x.name.startsWith('Papers'))) expect(f.value.split('\n').at(-1)).toMatch(/^• /);
    const menu = ((data.components as Json[])[0] as { components: { custom_id: string; options: unknown[] }[] }).components[0]!;
    expect(menu.custom_id).toBe('paper:o');
    expect(menu.options).toHaveLength(25);
    console.log(`/author Yanqi Zhou embed:\n${JSON.stringify(data.embeds, null, 2)}`);
  });

  it('/author Zhifeng Chen → says two people share the name, the menu picks one', async () => {
    const r = await one(standin.sendCommand('author', { name: 'Zhifeng Chen' }, { user: 'alice' }));
    const people = lib().findAuthors('Zhifeng Chen');
    expect(people.map((a) => a.id).sort()).toEqual(['a-zhifeng-chen', 'a-zhifeng-chen-2']);
    const data = callbackData(r);
    expect(data).toEqual(apiReply(renderAuthorChoice('Zhifeng Chen', people, lib())));
    expect(String(data.content)).toMatch(/^2 different people are named \*\*Zhifeng Chen\*\* in the corpus\. Which one do you mean\?/);
    const menu = ((data.components as Json[])[0] as { components: { custom_id: string; options: { value: string; description: string }[] }[] }).components[0]!;
    expect(menu.custom_id).toBe('author:pick');
    expect(menu.options.map((o) => o.description).sort()).toEqual(people.map((a) => a.disambiguation).sort());

    const message = standin.originalMessage(r.interactionId)!;
    const picked = await one(standin.selectMenu('author:pick', ['a-zhifeng-chen-2'], message, { user: 'alice' }));
    expect(picked.callbackType).toBe(7);
    expect(callbackData(picked)).toEqual(apiEdit(await authorCard('a-zhifeng-chen-2')));
    const after = standin.message(message.id)!;
    expect(after.content).toBe('');
    expect(after.embeds[0]!.title).toBe('Zhifeng Chen');
    expect(after.embeds[0]!.description).toMatch(/Image and Video Processing/);

    const auto = await one(standin.sendAutocomplete('author', { name: 'Zhifeng' }, { focused: 'name' }));
    const choices = (auto.body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(choices.map((c) => c.value)).toEqual(expect.arrayContaining(['a-zhifeng-chen', 'a-zhifeng-chen-2']));
    expect(choices.find((c) => c.value === 'a-zhifeng-chen-2')!.name).toMatch(/^Zhifeng Chen \(Image and Video Processing/);
  });

  let searchMessageId = '';
  let searchHash = '';

  it('/search mixture of experts → highlighted hits, Prev/Next paging, select-open', async () => {
    const r = await one(standin.sendCommand('search', { query: 'mixture of experts' }, { user: 'bob' }));
    const q: ListQuery = { mode: 'search', q: 'mixture of experts', kind: 'papers' };
    const data = callbackData(r);
    const rows = data.components as { components: { custom_id: string; disabled?: boolean }[] }[];
    searchHash = rows[0]!.components[1]!.custom_id.split(':')[3]!;
    expect(searchHash).toMatch(/^[\w-]{12}$/);
    const first = listPage(q, lib(), 0);
    expect(first.pages).toBeGreaterThanOrEqual(2);
    expect(data).toEqual(apiReply(renderListPage(q, first, lib(), searchHash)));
    const embed = (data.embeds as { title: string; description: string; footer: { text: string } }[])[0]!;
    expect(embed.title).toBe('Search: “mixture of experts”');
    expect(embed.description).toMatch(/^\*\*1\. Mixture-of-Experts with Expert Choice Routing\*\*/m);
    expect(embed.description).toMatch(/\*\*[Mm]ixture\*\*-of-\*\*[Ee]xperts\*\*/);
    expect(embed.footer.text).toMatch(new RegExp(`^Page 1 of ${first.pages} · ${first.total} results`));
    expect(rows[0]!.components.map((c) => [c.custom_id, c.disabled])).toEqual([
      [`search:p:-1:${searchHash}`, true],
      [`search:p:1:${searchHash}`, false],
    ]);
    // The query is in the kv table (survives restarts).
    expect(JSON.parse(bot.ctx.store.kvGet(`list:${searchHash}`)!)).toEqual(q);

    const message = standin.originalMessage(r.interactionId)!;
    searchMessageId = message.id;
    const next = await one(standin.clickButton(`search:p:1:${searchHash}`, message, { user: 'carol' }));
    expect(next.callbackType).toBe(7);
    expect(callbackData(next)).toEqual(apiEdit(renderListPage(q, listPage(q, lib(), 1), lib(), searchHash)));
    expect(standin.message(message.id)!.embeds[0]!.footer!.text).toMatch(/^Page 2 of/);
    const prev = await one(standin.clickButton(`search:p:0:${searchHash}`, standin.message(message.id)!, { user: 'carol' }));
    expect(callbackData(prev)).toEqual(apiEdit(renderListPage(q, first, lib(), searchHash)));

    const open = await one(standin.selectMenu(`search:o:${searchHash}:0`, [`p:${first.items[1]!.id}`], standin.message(message.id)!, { user: 'carol' }));
    expect(callbackData(open)).toEqual(apiReply({ ...renderPaperCard(lib().papers.get(first.items[1]!.id)!, lib()), ephemeral: true }));
  });

  it('/search filters (category, year, author, kind) and their autocompletes', async () => {
    const cat = await one(standin.sendAutocomplete('search', { query: 'x', category: 'Comput' }, { focused: 'category' }));
    const catChoices = (cat.body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(catChoices).toContainEqual({ name: expect.stringMatching(/^Computation and Language \(CL\) — \d+ papers$/), value: 'CL' });
    const au = await one(standin.sendAutocomplete('search', { query: 'x', author: 'yanqi' }, { focused: 'author' }));
    expect((au.body as { data: { choices: { value: string }[] } }).data.choices[0]!.value).toBe('a-yanqi-zhou');

    const r = await one(standin.sendCommand('search', { query: 'experts', category: 'CL', author: 'a-yanqi-zhou' }));
    const q: ListQuery = { mode: 'search', q: 'experts', kind: 'papers', category: 'CL', authorIds: ['a-yanqi-zhou'] };
    const data = callbackData(r);
    const hash = ((data.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id).split(':')[3]!;
    const page = listPage(q, lib(), 0);
    expect(data).toEqual(apiReply(renderListPage(q, page, lib(), hash)));
    for (const item of page.items) {
      const p = lib().papers.get(item.id)!;
      expect(p.category).toBe('CL');
      expect(p.authorIds).toContain('a-yanqi-zhou');
    }
    expect(((data.embeds as { description: string }[])[0]!).description).toMatch(/^\*Filters:\* category CL · Computation and Language · author Yanqi Zhou/);

    const posts = await one(standin.sendCommand('search', { query: 'translation', kind: 'posts', year: 2023 }));
    expect(((callbackData(posts).embeds as { description: string }[])[0]!).description).toMatch(/blog posts only/);

    const bad = await one(standin.sendCommand('search', { query: 'x', category: 'Underwater Robotics' }));
    expect(callbackData(bad)).toMatchObject({ flags: 64, content: expect.stringMatching(/^I don't know the category/) });
  });

  it('/topic: a category newest first, and a free topic', async () => {
    const r = await one(standin.sendCommand('topic', { name: 'CL' }));
    const q: ListQuery = { mode: 'topic', q: 'CL', kind: 'all' };
    const data = callbackData(r);
    const hash = ((data.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id).split(':')[3]!;
    const page = listPage(q, lib(), 0);
    expect(data).toEqual(apiReply(await withChart(renderListPage(q, page, lib(), hash), () => topicChart(q, lib()), logger)));
    expect(((data.embeds as { title: string }[])[0]!).title).toBe('Topic: CL · Computation and Language');
    const all = listPage(q, lib(), 0);
    const dates = Array.from({ length: all.pages }, (_, i) => listPage(q, lib(), i).items)
      .flat()
      .filter((it) => it.kind === 'paper')
      .map((it) => lib().papers.get(it.id)!.date ?? '');
    expect(dates.length).toBeGreaterThan(5);
    expect(dates).toEqual([...dates].sort().reverse());

    const free = await one(standin.sendCommand('topic', { name: 'speech recognition' }));
    expect(((callbackData(free).embeds as { title: string }[])[0]!).title).toBe('Topic: “speech recognition”');
    const auto = await one(standin.sendAutocomplete('topic', { name: 'machine' }, { focused: 'name' }));
    const choices = (auto.body as { data: { choices: { name: string; value: string }[] } }).data.choices;
    expect(choices[0]).toEqual({ name: 'Topic: machine', value: 'machine' });
    expect(choices.map((c) => c.value)).toContain('LG');
  });

  it('charts: /author, /topic and /about send a PNG as multipart; the embed shows it as attachment://…', async () => {
    /** The one PNG a response uploaded, decoded: its part, name, type and size. */
    const png = (r: InteractionResponseRecord, name: string, size: { width: number; height: number }): void => {
      expect(r.request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(r.request.files.map((f) => [f.field, f.filename, f.contentType])).toEqual([['files[0]', name, 'image/png']]);
      const img = decodePng(r.request.files[0]!.data);
      expect({ width: img.width, height: img.height }).toEqual(size);
      expect(colourCounts(img).size).toBeGreaterThan(20);
    };
    const embedOf = (r: InteractionResponseRecord): { image?: { url: string }; description?: string } => (callbackData(r).embeds as Json[])[0]!;

    const sent = standin.sendCommand('author', { name: 'Yanqi Zhou' }, { user: 'bob' });
    const r = await one(sent);
    expect(r.callbackType).toBe(4);
    png(r, 'author-chart.png', CHART_SIZES.author);
    expect(embedOf(r).image).toEqual({ url: 'attachment://author-chart.png' });
    expect(callbackData(r).attachments).toEqual([{ id: '0', description: 'Bar chart: papers per year (2017–2025) and top co-authors of Yanqi Zhou' }]);
    // The text answer is all there, the sparkline included.
    expect(embedOf(r).description).toMatch(/Publications per year: `2017 [▁▂▃▄▅▆▇█]+ 2025`/);
    const message = standin.originalMessage(sent.id)!;
    expect(message.attachments.map((a) => [a.filename, a.content_type])).toEqual([['author-chart.png', 'image/png']]);
    expect(message.embeds[0]!.image).toMatchObject({ url: 'attachment://author-chart.png' });

    // /topic: the first page and the next one (an update replaces the attachment, never adds one).
    const topic = standin.sendCommand('topic', { name: 'CL', year: 2023 }, { user: 'bob' });
    const t = await one(topic);
    png(t, 'topic-chart.png', CHART_SIZES.topic);
    expect(embedOf(t).image).toEqual({ url: 'attachment://topic-chart.png' });
    const list = standin.originalMessage(topic.id)!;
    const next = (list.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id;
    const page2 = await one(standin.clickButton(next, list, { user: 'bob' }));
    expect(page2.callbackType).toBe(7);
    png(page2, 'topic-chart.png', CHART_SIZES.topic);
    expect(standin.message(list.id)!.attachments.map((a) => a.filename)).toEqual(['topic-chart.png']);
    expect(standin.message(list.id)!.embeds[0]!.footer!.text).toMatch(/^Page 2 of/);

    // /about: papers per category.
    const about = await one(standin.sendCommand('about', {}, { user: 'bob' }));
    png(about, 'categories-chart.png', CHART_SIZES.categories);
    expect(embedOf(about).image).toEqual({ url: 'attachment://categories-chart.png' });

    // Replies without a chart stay plain JSON.
    const paper = await one(standin.sendCommand('paper', { title: 'GPipe' }, { user: 'bob' }));
    expect(paper.request.headers['content-type']).toMatch(/^application\/json/);
    expect(paper.request.files).toEqual([]);
    expect(logLines.filter((l) => /chart/.test(l))).toEqual([]); // every chart was drawn, none timed out
  });

  it('/ask: two turns with a follow-up, per user in the same channel (same text as the CLI)', async () => {
    const ref = new Engine({ library: lib() });
    const keyAlice = conversationKey({ channelId: general(), userId: userId('alice') });
    const keyDave = conversationKey({ channelId: general(), userId: userId('dave') });
    const turns: [('alice' | 'dave'), string][] = [
      ['alice', 'tell me about GPipe'],
      ['dave', 'tell me about GLaM'],
      ['alice', 'who wrote it?'],
      ['dave', 'who wrote it?'],
    ];
    const contents: string[] = [];
    for (const [user, question] of turns) {
      const r = await one(standin.sendCommand('ask', { question }, { user }));
      const expected = renderAnswer(ref.ask(question, user === 'alice' ? keyAlice : keyDave), lib());
      expect(callbackData(r)).toEqual(apiReply(expected));
      contents.push(String(callbackData(r).content));
    }
    expect(contents[0]).toMatch(/^GPipe: Efficient Training/);
    // Alice's "it" is GPipe, Dave's is GLaM: conversations are per user.
    expect(contents[2]).toMatch(/^Interpreted as: .*GPipe/);
    expect(contents[2]).toMatch(/GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism was written by Yanping Huang, Youlong Cheng, Ankur Bapna and Zhifeng Chen/);
    expect(contents[3]).toMatch(/GLaM: Efficient Scaling of Language Models with Mixture-of-Experts was written by Nan Du/);
    expect(contents[3]).not.toMatch(/GPipe/);
    expect(bot.ctx.engine.memory.turns(keyAlice).map((t) => t.input)).toEqual(['tell me about GPipe', 'who wrote it?']);
    expect(bot.ctx.engine.memory.turns(keyDave).map((t) => t.input)).toEqual(['tell me about GLaM', 'who wrote it?']);
  });

  it('/ask reset (option or text) forgets the conversation', async () => {
    const key = conversationKey({ channelId: general(), userId: userId('alice') });
    expect(bot.ctx.engine.memory.turns(key).length).toBeGreaterThan(0);
    const r = await one(standin.sendCommand('ask', { question: 'reset', reset: true }, { user: 'alice' }));
    expect(callbackData(r)).toEqual(apiReply({ content: RESET_TEXT, ephemeral: true }));
    expect(bot.ctx.engine.memory.turns(key)).toEqual([]);
    await one(standin.sendCommand('ask', { question: 'tell me about GPipe' }, { user: 'alice' }));
    const t = await one(standin.sendCommand('ask', { question: 'reset' }, { user: 'alice' }));
    expect(callbackData(t)).toEqual(apiReply({ content: RESET_TEXT, ephemeral: true }));
    expect(bot.ctx.engine.memory.turns(key)).toEqual([]);
  });

  it('"Ask a follow-up" on a paper card opens a modal; its answer is about that paper', async () => {
    const card = standin.originalMessage((await one(standin.sendCommand('paper', { title: 'GLaM' }, { user: 'carol' }))).interactionId)!;
    const glamId = lib().findPaper('GLaM')!.paper.id;
    const shown = await one(standin.clickButton(`paper:q:${glamId}`, card, { user: 'carol' }));
    expect(shown.callbackType).toBe(9);
    const modal = (shown.body as { data: Json }).data;
    expect(modal).toMatchObject({ custom_id: `ask:m:${glamId}`, title: 'Ask a follow-up' });
    expect(JSON.stringify(modal.components)).toContain('"custom_id":"question"');

    const ref = new Engine({ library: lib() });
    const key = conversationKey({ channelId: general(), userId: userId('carol') });
    for (const t of bot.ctx.engine.memory.turns(key)) ref.memory.add(key, t);
    seedPaperTurn(ref, key, lib().papers.get(glamId)!);
    const expected = renderAnswer(ref.ask('when was it published?', key), lib());
    const submit = await one(standin.submitModal(`ask:m:${glamId}`, { question: 'when was it published?' }, { user: 'carol' }));
    expect(submit.callbackType).toBe(4);
    expect(callbackData(submit)).toEqual(apiReply(expected));
    expect(String(callbackData(submit).content)).toMatch(/GLaM: Efficient Scaling of Language Models with Mixture-of-Experts was published on 2021-12-13/);

    // The follow-up button under an answer opens the same modal without a paper.
    const answerMsg = standin.originalMessage(submit.interactionId)!;
    const shown2 = await one(standin.clickButton('ask:f', answerMsg, { user: 'carol' }));
    expect((shown2.body as { data: Json }).data).toMatchObject({ custom_id: 'ask:m' });
    const submit2 = await one(standin.submitModal('ask:m', { question: 'who wrote it?' }, { user: 'carol' }));
    expect(String(callbackData(submit2).content)).toMatch(/GLaM: .* was written by Nan Du/);
  });

  it('@mention and reply-to-bot follow-ups are answered as replies in the channel, per user', async () => {
    const ref = new Engine({ library: lib() });
    const key = conversationKey({ channelId: general(), userId: userId('bob') });
    const mention = standin.sendMessage({ content: 'tell me about GPipe', author: 'bob', mentionsBot: true });
    const req = await standin.waitForRequest((q) => q.route === 'POST /channels/:channel/messages' && (q.body as Json)?.message_reference !== undefined && ((q.body as { message_reference: { message_id: string } }).message_reference.message_id === mention.id));
    expect(req.path).toBe(`/channels/${general()}/messages`);
    expect(messageBody(req.body)).toEqual(apiReply(renderAnswer(ref.ask('tell me about GPipe', key), lib())));
    expect((req.body as Json).allowed_mentions).toEqual({ parse: [] });
    const botReply = standin.message((req.response as { id: string }).id)!;
    expect(botReply.referenced_message?.id).toBe(mention.id);

    // A reply to the bot's answer (ping on: Discord delivers its text) continues Bob's conversation.
    const follow = standin.sendMessage({ content: 'who wrote it?', author: 'bob', referencedMessage: botReply });
    const req2 = await standin.waitForRequest((q) => q.route === 'POST /channels/:channel/messages' && (q.body as { message_reference?: { message_id: string } }).message_reference?.message_id === follow.id);
    expect(messageBody(req2.body)).toEqual(apiReply(renderAnswer(ref.ask('who wrote it?', key), lib())));
    expect(String((req2.body as Json).content)).toMatch(/GPipe: .* was written by Yanping Huang/);

    // Carol's "it" in the same channel is not Bob's.
    const carolKey = conversationKey({ channelId: general(), userId: userId('carol') });
    const carolRef = new Engine({ library: lib() });
    for (const t of bot.ctx.engine.memory.turns(carolKey)) carolRef.memory.add(carolKey, t);
    const other = standin.sendMessage({ content: 'who wrote it?', author: 'carol', mentionsBot: true });
    const req3 = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === other.id);
    expect(messageBody(req3.body)).toEqual(apiReply(renderAnswer(carolRef.ask('who wrote it?', carolKey), lib())));
    expect(String((req3.body as Json).content)).not.toMatch(/GPipe/);

    // A reply with the ping turned off arrives without text (no Message Content intent): say so.
    const silent = standin.sendMessage({ content: 'and when?', author: 'bob', referencedMessage: botReply, pingReplied: false });
    const req4 = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === silent.id);
    expect(messageBody(req4.body)).toEqual({ content: NO_CONTENT_MESSAGE, allowed_mentions: NO_MENTIONS });

    // Messages that don't address the bot are ignored.
    const before = standin.findRequests('POST /channels/:channel/messages').length;
    standin.sendMessage({ content: 'just chatting', author: 'dave' });
    await new Promise((r) => setTimeout(r, 150));
    expect(standin.findRequests('POST /channels/:channel/messages').length).toBe(before);
  });

  it('DMs: messages and /ask in a DM share the DM conversation', async () => {
    const key = conversationKey({ userId: userId('erin'), dm: true });
    const ref = new Engine({ library: lib() });
    const dm = standin.sendMessage({ content: 'papers by Yanqi Zhou in 2023', author: 'erin', dm: true });
    const req = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === dm.id);
    expect(req.path).toBe(`/channels/${standin.world.dmChannel(userId('erin')).id}/messages`);
    expect(messageBody(req.body)).toEqual(apiReply(renderAnswer(ref.ask('papers by Yanqi Zhou in 2023', key), lib())));
    expect(String((req.body as Json).content)).toMatch(/papers? by Yanqi Zhou in 2023/);
    const r = await one(standin.sendCommand('ask', { question: 'the first one' }, { user: 'erin', guildId: null }));
    expect(callbackData(r)).toEqual(apiReply(renderAnswer(ref.ask('the first one', key), lib())));
    expect(bot.ctx.engine.memory.turns(key).map((t) => t.input)).toEqual(['papers by Yanqi Zhou in 2023', 'the first one']);
  });

  it('hostile input: mentions neutralised, markdown escaped, limits kept', async () => {
    const hostile = '@everyone @here <@123456789012345678> <@&123456789012345678> ```js\nalert(1)\n``` **bold** ||spoiler|| # heading\n> quote ';
    const long = (hostile + 'x'.repeat(6000)).slice(0, 6000);
    const r = await one(standin.sendCommand('ask', { question: `papers about ${long}` }, { user: 'dave' }));
    const data = callbackData(r);
    expect(data.allowed_mentions).toEqual({ parse: [] });
    const content = String(data.content);
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(content).not.toMatch(/@everyone|@here|<@\d|<@&\d/);
    expect(content).not.toMatch(/(^|[^\\])```/);
    expect(content).not.toMatch(/(^|[^\\])\*\*bold/);
    expect(content).not.toMatch(/(^|[^\\])\|\|/);

    const s = await one(standin.sendCommand('search', { query: hostile }, { user: 'dave' }));
    const title = ((callbackData(s).embeds as { title: string }[])[0]!).title;
    expect(title).toContain('@\u200beveryone');
    expect(title).toContain('<\u200b@123456789012345678>');
    expect(title).toContain('\\`\\`\\`js');

    const m = standin.sendMessage({ content: long, author: 'dave', mentionsBot: true });
    const req = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === m.id);
    expect(req.status).toBe(200);
    const body = req.body as { content: string; allowed_mentions: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.content).not.toMatch(/@everyone|<@\d/);
    expect(standin.message((req.response as { id: string }).id)!.mentions).toEqual([]);
    expect(standin.message((req.response as { id: string }).id)!.mention_everyone).toBe(false);
  });

  it('/digest: permission denial, validation error, subscribe (digest posted with nonce), list, preview, unsubscribe', async () => {
    const channel = { type: 7, value: papersChannel() };
    // carol has no Manage Server (the stand-in does not enforce default_member_permissions: the bot checks).
    const denied = await one(standin.sendCommand('digest', { channel, time: '08:00', timezone: 'UTC' }, { user: 'carol', subcommand: 'subscribe' }));
    expect(callbackData(denied)).toEqual(apiReply({ content: 'Managing digests needs the **Manage Server** permission.', ephemeral: true }));

    const invalid = await one(standin.sendCommand('digest', { channel, time: '25:61', timezone: 'Mars/Olympus_Mons', categories: 'CL, Underwater Basket Weaving' }, { user: 'bob', subcommand: 'subscribe' }));
    const invalidData = callbackData(invalid);
    expect(invalidData.flags).toBe(64);
    expect(String(invalidData.content)).toMatch(/^Could not create the digest:\n• time "25:61": the hour must be 00 to 23/);
    expect(String(invalidData.content)).toMatch(/timezone "Mars\/Olympus_Mons" is not a known IANA time zone/);
    expect(String(invalidData.content)).toMatch(/unknown category "Underwater Basket Weaving"/);
    expect(bot.ctx.store.listSubscriptions()).toEqual([]);

    // Subscribe for the current minute: the first digest (latest papers) is due at once.
    if (new Date().getUTCSeconds() >= 55) await new Promise((r) => setTimeout(r, 6000));
    const now = new Date();
    const hhmm = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    const mark = standin.requests.at(-1)?.seq ?? 0;
    const ok = await one(standin.sendCommand('digest', { channel, time: hhmm, timezone: 'UTC', categories: 'CL', max_papers: 3 }, { user: 'bob', subcommand: 'subscribe' }));
    const okData = callbackData(ok);
    expect(okData.flags).toBeUndefined();
    expect(String(okData.content)).toMatch(new RegExp(`^Subscribed: \\*\\*#1\\*\\* — <#${papersChannel()}> daily at ${hhmm} \\(UTC\\), up to 3 papers; categories CL\\.`));
    const [sub] = bot.ctx.store.listSubscriptions();
    expect(sub).toMatchObject({ id: 1, guildId: standin.world.guild.id, channelId: papersChannel(), createdBy: userId('bob'), time: hhmm, timezone: 'UTC', categories: ['CL'], maxPapers: 3 });
    // The confirmation is the interaction reply; the digest itself goes to #papers, with nonce + enforce_nonce.
    const post = await standin.waitForRequest(`POST /channels/${papersChannel()}/messages`, 8000, mark);
    const body = post.body as { nonce: string; enforce_nonce: boolean; embeds: { title: string; description: string }[]; allowed_mentions: unknown };
    expect(body.enforce_nonce).toBe(true);
    expect(body.nonce).toMatch(/^d[0-9a-f]{24}$/);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0]!.title).toMatch(/^Papers for .* — 3 latest$/);
    const latestCl = lib().latest(3, (p) => p.category === 'CL');
    for (const p of latestCl) expect(body.embeds.map((e) => e.description).join('\n')).toContain(p.title!);
    await standin.waitFor(() => bot.ctx.store.listDigestRuns(1)[0]?.status === 'sent', 5000, 'digest run recorded');
    expect(bot.ctx.store.listDigestRuns(1)[0]!.nonce).toBe(body.nonce);

    const list = await one(standin.sendCommand('digest', {}, { user: 'bob', subcommand: 'list' }));
    expect(callbackData(list)).toMatchObject({ flags: 64, embeds: [{ title: 'Digest subscriptions (1)' }] });
    expect(((callbackData(list).embeds as { description: string }[])[0]!).description).toMatch(/^\*\*#1\*\* — <#\d+> daily at/);

    const preview = await one(standin.sendCommand('digest', { id: 1 }, { user: 'bob', subcommand: 'preview' }));
    expect(callbackData(preview)).toMatchObject({ flags: 64, content: 'Preview of digest #1 (not posted; nothing recorded):' });
    expect(standin.findRequests(`POST /channels/${papersChannel()}/messages`)).toHaveLength(1);

    const tz = await one(standin.sendAutocomplete('digest', { timezone: 'berl' }, { focused: 'timezone', subcommand: 'subscribe', user: 'bob' }));
    expect((tz.body as { data: { choices: { value: string }[] } }).data.choices.map((c) => c.value)).toContain('Europe/Berlin');
    const ids = await one(standin.sendAutocomplete('digest', { id: '' }, { focused: 'id', subcommand: 'unsubscribe', user: 'bob' }));
    expect((ids.body as { data: { choices: { value: number; name: string }[] } }).data.choices).toEqual([{ name: `#1 — #papers at ${hhmm} UTC`, value: 1 }]);

    const carolUnsub = await one(standin.sendCommand('digest', { id: 1 }, { user: 'carol', subcommand: 'unsubscribe' }));
    expect(callbackData(carolUnsub)).toMatchObject({ flags: 64, content: 'Managing digests needs the **Manage Server** permission.' });
    const unsub = await one(standin.sendCommand('digest', { id: 1 }, { user: 'bob', subcommand: 'unsubscribe' }));
    expect(callbackData(unsub)).toEqual(apiReply({ content: `Unsubscribed: digest #1 in <#${papersChannel()}> will no longer be posted.` }));
    expect(bot.ctx.store.listSubscriptions()).toEqual([]);
  });

  it('per-user rate limit → a friendly ephemeral message', async () => {
    bot.ctx.rateLimiter.configure({ burst: 2, perMinute: 1 });
    try {
      const rs = [];
      for (let i = 0; i < 3; i++) rs.push(await one(standin.sendCommand('about', {}, { user: 'dave' })));
      expect(rs[0]!.callbackType).toBe(4);
      expect(callbackData(rs[2])).toEqual(apiReply({ content: expect.stringMatching(/^You're asking faster than I can keep up — please try again in \d+ seconds?\.$/) as unknown as string, ephemeral: true }));
      expect(rateLimitMessage(60_000)).toMatch(/60 seconds/);
      // Another user is not affected.
      expect((await one(standin.sendCommand('about', {}, { user: 'alice' }))).callbackType).toBe(4);
    } finally {
      bot.ctx.rateLimiter.configure(config.rateLimit);
    }
  });

  it('button presses have their own bucket: paging does not use up questions, and is limited on its own', async () => {
    const card = standin.originalMessage((await one(standin.sendCommand('paper', { title: 'GPipe' }, { user: 'carol' }))).interactionId)!;
    bot.ctx.rateLimiter.configure({ burst: 1, perMinute: 1 });
    bot.ctx.componentRateLimiter.configure({ burst: 3, perMinute: 1 });
    try {
      // The command bucket is spent by one question…
      expect((await one(standin.sendCommand('about', {}, { user: 'carol' }))).callbackType).toBe(4);
      expect(callbackData(await one(standin.sendCommand('about', {}, { user: 'carol' })))).toMatchObject({ flags: 64, content: expect.stringMatching(/^You're asking faster/) });
      // …while presses still work, three of them, and the fourth is limited.
      for (let k = 0; k < 3; k++) {
        const r = await one(standin.clickButton(`paper:a:${GPIPE_ID}`, card, { user: 'carol' }));
        expect(JSON.stringify(callbackData(r))).not.toMatch(/asking faster/);
      }
      expect(callbackData(await one(standin.clickButton(`paper:a:${GPIPE_ID}`, card, { user: 'carol' })))).toMatchObject({ flags: 64, content: expect.stringMatching(/^You're asking faster/) });
    } finally {
      bot.ctx.rateLimiter.configure(config.rateLimit);
      bot.ctx.componentRateLimiter.configure(config.componentRateLimit);
    }
  });

  it('slow answers are deferred, then the original response is edited (errors stay ephemeral)', async () => {
    bot.router.deferAfterMs = 0; // "already late": defer first
    try {
      const sent = standin.sendCommand('paper', { title: 'GPipe' });
      const [defer, edit] = await standin.waitForResponses(sent.id, 2);
      expect(defer!.callbackType).toBe(5);
      expect(edit!.kind).toBe('editOriginal');
      const { tts: _t, enforce_nonce: _e, ...body } = edit!.body as Json;
      expect(body).toEqual(apiEdit(renderPaperCard(lib().papers.get(GPIPE_ID)!, lib())));
      expect(standin.originalMessage(sent.id)!.embeds[0]!.title).toBe(GPIPE_TITLE);

      // A slow component defers an update of its message, then edits it.
      const search = standin.sendCommand('search', { query: 'speech recognition' });
      await standin.waitForResponses(search.id, 2);
      const list = standin.originalMessage(search.id)!;
      const hash = (list.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id.split(':')[3]!;
      const click = standin.clickButton(`search:p:1:${hash}`, list);
      const [deferUpdate, edited] = await standin.waitForResponses(click.id, 2);
      expect(deferUpdate!.callbackType).toBe(6);
      expect(edited!.kind).toBe('editOriginal');
      expect(standin.message(list.id)!.embeds[0]!.footer!.text).toMatch(/^Page 2 of/);

      const bad = standin.sendCommand('paper', { title: 'Quantum Basket Weaving' });
      const rs = await standin.waitForResponses(bad.id, 3);
      expect(rs.map((x) => x.kind)).toEqual(['callback', 'deleteOriginal', 'followup']);
      expect(rs[2]!.body).toMatchObject({ flags: 64, content: expect.stringMatching(/^I don't know a paper called/) });
    } finally {
      bot.router.deferAfterMs = 2000;
    }
  });

  it('100 interactions per second from many users: each acknowledged exactly once within 3 s', async () => {
    const guild = standin.world.guild;
    const users = ['alice', 'bob', 'carol', 'dave'].map((n) => userId(n as 'alice'));
    for (let i = 0; i < 16; i++) {
      const u = standin.world.addUser({ username: `load${i}` });
      standin.world.addMember(guild.id, u.id);
      users.push(u.id);
    }
    const titles = ['GPipe', 'GLaM', 'LaMDA', 'Brainformers', 'Apollo'];
    const sent: SentInteraction[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      const user = users[i % users.length]!;
      if (i % 5 === 4) sent.push(standin.sendAutocomplete('paper', { title: titles[i % titles.length]!.slice(0, 3) }, { focused: 'title', user }));
      else if (i % 5 === 3) sent.push(standin.sendCommand('search', { query: 'language models' }, { user }));
      else if (i % 5 === 2) sent.push(standin.sendCommand('ask', { question: `who wrote ${titles[i % titles.length]}?` }, { user }));
      else sent.push(standin.sendCommand('paper', { title: titles[i % titles.length]! }, { user }));
      // Paced by the clock, not by the timer: one every 10 ms on average even when a timer fires late
      // on a busy machine (late sends go out back to back, which only adds load).
      const wait = t0 + (i + 1) * 10 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await standin.waitFor(() => sent.every((s) => standin.interactionResponses(s.id).some((r) => r.ok)), 10_000, 'all acknowledged');
    for (const s of sent) {
      const callbacks = standin.interactionResponses(s.id).filter((r) => r.kind === 'callback');
      expect(callbacks).toHaveLength(1);
      expect(callbacks[0]!.ok).toBe(true);
      expect(standin.ackLatency(s.id)).toBeLessThan(3000);
    }
  });

  it('the corpus reloads when the data directory changes; the engine serves the new library', async () => {
    const before = lib();
    const loadedBefore = bot.ctx.corpus().loadedAt;
    const src = join(config.dataDir, '000_64853e7269fb9e95.txt');
    writeFileSync(join(config.dataDir, 'copy-of-000.txt'), readFileSync(src));
    await standin.waitFor(() => lib() !== before, 10_000, 'library swapped');
    expect(bot.ctx.corpus().loadedAt.getTime()).toBeGreaterThanOrEqual(loadedBefore.getTime());
    const about = await one(standin.sendCommand('about'));
    const fields = ((callbackData(about).embeds as { fields: { name: string; value: string }[] }[])[0]!).fields;
    expect(fields.find((f) => f.name.startsWith('Sources'))!.name).toBe('Sources (6 files)');
    expect(fields.find((f) => f.name === 'Corpus')!.value).toMatch(/^\d+ papers · \d+ blog posts · \d+ authors/);
    expect(fields.find((f) => f.name === 'Last reload')!.value).toMatch(/^<t:\d+:F> \(<t:\d+:R>\)$/);
    // The chart is drawn for the new library.
    expect(about.request.files.map((f) => f.filename)).toEqual(['categories-chart.png']);
    expect(((callbackData(about).embeds as Json[])[0] as { image?: { url: string } }).image).toEqual({ url: 'attachment://categories-chart.png' });
    // SIGHUP path.
    const again = lib();
    await bot.reload();
    expect(lib()).not.toBe(again);
  });

  it('/help is ephemeral and lists every command', async () => {
    const r = await one(standin.sendCommand('help'));
    const data = callbackData(r);
    expect(data.flags).toBe(64);
    const description = ((data.embeds as { description: string }[])[0]!).description;
    for (const name of ['search', 'paper', 'author', 'topic', 'ask', 'digest', 'mydigest', 'help', 'about']) expect(description).toContain(`\`/${name}\``);
  });

  it('shutdown: new interactions get "restarting"; after a restart on the same database old buttons still work', async () => {
    bot.tracker.accepting = false;
    const during = await one(standin.sendCommand('paper', { title: 'GPipe' }));
    expect(callbackData(during)).toEqual(apiReply({ content: RESTARTING_MESSAGE, ephemeral: true }));
    const auto = await one(standin.sendAutocomplete('paper', { title: 'GP' }, { focused: 'title' }));
    expect((auto.body as { data: { choices: unknown[] } }).data.choices).toEqual([]);
    const mention = standin.sendMessage({ content: 'who wrote GPipe?', author: 'dave', mentionsBot: true });
    const req = await standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } })?.message_reference?.message_id === mention.id);
    expect(messageBody(req.body)).toEqual({ content: RESTARTING_MESSAGE, allowed_mentions: NO_MENTIONS });
    const t0 = Date.now();
    await bot.stop();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(bot.client.isReady()).toBe(false);
    expect(() => bot.ctx.store.listSubscriptions()).toThrow();

    bot = await startBot(config, logger, { clientOptions: { ws: noIdentifyThrottle } });
    const message = standin.message(searchMessageId) as APIMessage;
    const q: ListQuery = { mode: 'search', q: 'mixture of experts', kind: 'papers' };
    const next = await one(standin.clickButton(`search:p:1:${searchHash}`, message, { user: 'alice' }));
    expect(next.callbackType).toBe(7);
    expect(callbackData(next)).toEqual(apiEdit(renderListPage(q, listPage(q, lib(), 1), lib(), searchHash)));
    // Paper buttons carry their paper id: they work too.
    const cardMsg = standin.channelMessages(general()).find((m) => m.embeds[0]?.title === GPIPE_TITLE && m.components?.length)!;
    const authors = await one(standin.clickButton(`paper:a:${GPIPE_ID}`, cardMsg, { user: 'alice' }));
    expect(callbackData(authors)).toEqual(apiReply(renderPaperAuthors(lib().papers.get(GPIPE_ID)!, lib())));
    // A customId whose stored state is gone says so.
    const expired = await one(standin.clickButton('search:p:1:unknownhash0', message, { user: 'alice', unchecked: true }));
    expect(callbackData(expired)).toMatchObject({ flags: 64, content: 'This button has expired. Please run the command again.' });
  });

  it('logged no errors', () => {
    const errors = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
  });
});
