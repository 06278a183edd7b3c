/**
 * Load through the stand-in (real discord.js client, real SQLite), with the per-user rate limiter
 * set high (it is tested separately in security-ratelimit.test.ts) and a small conversation
 * memory (maxConversations 100):
 *
 * 1. 1,000 interactions over 10 s (100/s) from 200 users in 42 channels — slash commands of
 *    every kind, autocompletes, and Prev/Next clicks — every one acknowledged exactly once within
 *    3 s of its creation; p50/p95/p99/max acknowledgement times printed. (After a short warm-up at
 *    a gentle pace: a bot that has been running is warm.)
 * 2. 50 concurrent conversations (25 users × 2 channels), each "papers by <author>" → "the second
 *    one" → "who wrote it?", turns alternating between /ask and @mentions (same conversation per
 *    user per channel): every answer equals what a fresh engine gives for that conversation alone
 *    (no cross-talk between users or channels), and is about that conversation's own paper.
 * 3. Memory stays bounded: the ~150 distinct /ask conversations of phase 1 plus the 50 of phase 2
 *    are held in at most 100 (LRU eviction), and the 50 live conversations are the ones kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/conversation/engine.ts';
import { conversationKey } from '../src/conversation/memory.ts';
import { renderAnswer } from '../src/discord/render.ts';
import type { Library } from '../src/search/library.ts';
import { percentile, sleep, startHarness, type Harness, type Json } from './reliability-harness.ts';
import type { RecordedRequest, SentInteraction } from './standin/index.ts';

const MAX_CONVERSATIONS = 100;

describe('load: 1,000 interactions in 10 s and 50 concurrent conversations', () => {
  let h: Harness;
  const users: string[] = [];
  /** Fresh users for the conversations (no history from phase 1). */
  const talkers: string[] = [];
  const lib = (): Library => h.bot.ctx.engine.lib;
  const channels = (): [string, string] => [h.channels[2]!, h.channels[3]!];
  const askKeys = new Set<string>();

  beforeAll(async () => {
    // 40 extra channels: the stand-in clones a channel's whole history into every interaction payload (see the harness).
    h = await startHarness({ extraChannels: 40, start: { memory: { maxConversations: MAX_CONVERSATIONS } } });
    for (let i = 0; i < 200; i++) {
      const u = h.standin.world.addUser({ username: `load${i}` });
      h.standin.world.addMember(h.standin.world.guild.id, u.id);
      users.push(u.id);
    }
    for (let i = 0; i < 25; i++) {
      const u = h.standin.world.addUser({ username: `talk${i}` });
      h.standin.world.addMember(h.standin.world.guild.id, u.id);
      talkers.push(u.id);
    }
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  function report(label: string, sent: readonly SentInteraction[]): { p50: number; p95: number; p99: number; max: number } {
    const lat = sent.map((s) => h.standin.ackLatency(s.id)!);
    const r = { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: Math.max(...lat) };
    console.log(`${label}: n=${sent.length} ack p50=${r.p50} ms p95=${r.p95} ms p99=${r.p99} ms max=${r.max} ms`);
    return r;
  }

  function ackedOnceWithin3s(sent: readonly SentInteraction[]): void {
    const problems: string[] = [];
    for (const s of sent) {
      const callbacks = h.standin.interactionResponses(s.id).filter((r) => r.kind === 'callback');
      const lat = h.standin.ackLatency(s.id);
      if (callbacks.length !== 1 || !callbacks[0]!.ok || lat === undefined || lat >= 3000) {
        problems.push(`${s.id} (type ${s.type}): ${callbacks.length} callbacks, ok=${callbacks.map((c) => c.status).join(',')}, latency ${lat}`);
      }
    }
    expect(problems).toEqual([]);
  }

  it('1,000 mixed interactions over 10 s from 200 users: each acknowledged exactly once within 3 s', async () => {
    const [general, papers] = [h.standin.world.guild.textChannelId, h.standin.world.guild.otherTextChannelId];
    const first = h.standin.sendCommand('search', { query: 'language models' }, { user: 'alice' });
    await h.one(first);
    const list = h.standin.originalMessage(first.id)!;
    const hash = (list.components![0] as { components: { custom_id: string }[] }).components[1]!.custom_id.split(':')[3]!;

    const titles = ['GPipe', 'GLaM', 'LaMDA', 'Brainformers', 'Apollo', 'N-Grammer', 'Noise2Music', 'MaMMUT'];
    const authors = ['Yanqi Zhou', 'Zhifeng Chen', 'Nan Du', 'Rohan Anil', 'Yanping Huang', 'Ankur Bapna'];
    const queries = ['mixture of experts', 'speech recognition', 'translation', 'sparse attention', 'pipeline parallelism', 'diffusion music'];
    const topics = ['CL', 'LG', 'machine translation', 'Computer Vision'];
    const questions = ['who wrote GPipe?', 'papers by Yanqi Zhou in 2023', 'what is GLaM about?', 'latest papers on mixture of experts', 'when was LaMDA published?', 'papers by Nan Du'];
    // Warm-up (a running bot is warm: JIT, connections, caches): each kind once per channel, at a gentle pace.
    const warm: SentInteraction[] = [];
    for (const [k, channelId] of h.channels.entries()) {
      const ctx = { user: users[k]!, channelId };
      warm.push(h.standin.sendCommand('paper', { title: titles[k % titles.length]! }, ctx), h.standin.sendCommand('search', { query: queries[k % queries.length]! }, ctx));
      warm.push(h.standin.sendCommand('author', { name: authors[k % authors.length]! }, ctx), h.standin.sendCommand('topic', { name: topics[k % topics.length]! }, ctx));
      warm.push(h.standin.sendCommand('ask', { question: questions[k % questions.length]! }, { user: users[199 - k]!, channelId }), h.standin.sendAutocomplete('paper', { title: 'GPi' }, { ...ctx, focused: 'title' }));
      await sleep(50);
    }
    await h.standin.waitFor(() => warm.every((s) => h.standin.ackLatency(s.id) !== undefined), 20_000, 'warm-up acknowledged');

    const sent: SentInteraction[] = [];
    let asks = 0;
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) {
      const target = t0 + i * 10;
      const wait = target - Date.now();
      if (wait > 0) await sleep(wait);
      const user = users[(i * 37) % users.length]!;
      const channelId = h.channels[i % h.channels.length]!;
      const ctx = { user, channelId };
      const k = i % 20;
      if (k < 4) {
        const which = i % 4;
        if (which === 0) sent.push(h.standin.sendAutocomplete('paper', { title: titles[i % titles.length]!.slice(0, 3) }, { ...ctx, focused: 'title' }));
        else if (which === 1) sent.push(h.standin.sendAutocomplete('author', { name: authors[i % authors.length]!.slice(0, 4) }, { ...ctx, focused: 'name' }));
        else if (which === 2) sent.push(h.standin.sendAutocomplete('search', { query: 'x', category: 'Comp' }, { ...ctx, focused: 'category' }));
        else sent.push(h.standin.sendAutocomplete('topic', { name: 'mach' }, { ...ctx, focused: 'name' }));
      } else if (k < 8) sent.push(h.standin.sendCommand('paper', { title: titles[i % titles.length]! }, ctx));
      else if (k < 11) sent.push(h.standin.sendCommand('search', { query: queries[i % queries.length]! }, ctx));
      else if (k < 13) sent.push(h.standin.sendCommand('author', { name: authors[i % authors.length]! }, ctx));
      else if (k < 15) sent.push(h.standin.sendCommand('topic', { name: topics[i % topics.length]! }, ctx));
      else if (k < 18) {
        // A distinct (user, channel) per question: ~150 conversations, more than the memory keeps.
        const asker = users[asks % users.length]!;
        const ch = asks % 2 ? papers : general;
        asks++;
        askKeys.add(conversationKey({ channelId: ch, userId: asker }));
        sent.push(h.standin.sendCommand('ask', { question: questions[i % questions.length]! }, { user: asker, channelId: ch }));
      } else if (k === 18) sent.push(h.standin.clickButton(`search:p:${1 + (i % 3)}:${hash}`, list, { user, unchecked: true }));
      else sent.push(h.standin.sendCommand(i % 2 ? 'about' : 'help', {}, ctx));
    }
    const sendMs = Date.now() - t0;
    expect(sendMs).toBeLessThan(12_000);
    await h.standin.waitFor(() => sent.every((s) => h.standin.ackLatency(s.id) !== undefined), 20_000, 'all acknowledged').catch(() => undefined);
    // Per second of the run: how many were acknowledged within 3 s, and the slowest (diagnosis when it fails).
    const buckets = Array.from({ length: 10 }, (_, b) => sent.slice(b * 100, b * 100 + 100).map((s) => h.standin.ackLatency(s.id) ?? Infinity));
    console.log(`phase 1 per second: ${buckets.map((b) => `${b.filter((x) => x < 3000).length}/${b.length} ≤${Math.max(...b.filter((x) => x < Infinity), 0)}ms`).join(' · ')}`);
    ackedOnceWithin3s(sent);
    const r = report(`phase 1 (1,000 interactions sent in ${sendMs} ms)`, sent);
    expect(r.p99).toBeLessThan(3000);
    const autocompletes = sent.filter((s) => s.type === 4);
    report('phase 1 autocompletes', autocompletes);
    report('phase 1 commands + components', sent.filter((s) => s.type !== 4));
    // Autocompletes carried choices (not the "too slow" empty answer).
    const empty = autocompletes.filter((s) => ((h.standin.interactionResponses(s.id)[0]!.body as { data: { choices: unknown[] } }).data.choices.length === 0));
    expect(empty).toEqual([]);
    expect(askKeys.size).toBeGreaterThan(MAX_CONVERSATIONS);
  }, 60_000);

  it('50 concurrent conversations with follow-ups: each resolved against its own context (no cross-talk)', async () => {
    const ref = new Engine({ library: lib() });
    // Authors with at least 2 papers and a name of their own, whose three turns resolve in a conversation alone
    // (this test is about isolation, not about the rephraser).
    const picked = [...lib().authors.values()].filter((a) => {
      if (a.paperIds.length < 2 || lib().findAuthors(a.name).length !== 1) return false;
      const alone = new Engine({ library: lib() });
      const [list, second, who] = [`papers by ${a.name}`, 'the second one', 'who wrote it?'].map((q) => alone.ask(q, 'probe'));
      return list!.papers.length >= 2 && second!.papers[0]?.id === list!.papers[1]!.id && who!.papers[0]?.id === second!.papers[0]!.id;
    });
    expect(picked.length).toBeGreaterThanOrEqual(25);
    const convs: { user: string; channelId: string; author: string; key: string; viaMention: boolean }[] = [];
    const [general, papers] = channels();
    for (let i = 0; i < 50; i++) {
      const user = talkers[i % 25]!;
      const channelId = i < 25 ? general : papers;
      // The same user talks about a different author in each channel.
      const author = picked[(i < 25 ? i : i + 7) % picked.length]!.name;
      convs.push({ user, channelId, author, key: conversationKey({ channelId, userId: user }), viaMention: i % 2 === 1 });
    }
    expect(convs.length).toBe(50);
    expect(new Set(convs.map((c) => c.key)).size).toBe(50);

    const turns = (c: (typeof convs)[number]): string[] => [`papers by ${c.author}`, 'the second one', 'who wrote it?'];
    const answers = new Map<string, string[]>(convs.map((c) => [c.key, []]));
    const expected = new Map<string, string[]>(convs.map((c) => [c.key, []]));
    const interactions: SentInteraction[] = [];
    const mentionReply = (id: string): RecordedRequest | undefined =>
      h.standin.requests.find((q) => q.status === 200 && (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === id);

    for (let t = 0; t < 3; t++) {
      // Turn t of all 50 conversations at once; surfaces alternate (mention ↔ /ask) within a conversation.
      const pending: { key: string; get: () => string | undefined }[] = [];
      for (const c of convs) {
        const text = turns(c)[t]!;
        expected.get(c.key)!.push(String(renderAnswer(ref.ask(text, c.key), lib()).content));
        const mention = (t % 2 === 0) === c.viaMention;
        if (mention) {
          const m = h.standin.sendMessage({ content: text, author: c.user, mentionsBot: true, channelId: c.channelId });
          pending.push({ key: c.key, get: () => (mentionReply(m.id)?.body as Json | undefined)?.content as string | undefined });
        } else {
          const s = h.standin.sendCommand('ask', { question: text }, { user: c.user, channelId: c.channelId });
          interactions.push(s);
          pending.push({ key: c.key, get: () => {
            const r = h.standin.interactionResponses(s.id).find((x) => x.kind === 'callback' && x.ok);
            return r ? ((r.body as { data: Json }).data.content as string) : undefined;
          } });
        }
      }
      await h.standin.waitFor(() => pending.every((p) => p.get() !== undefined), 20_000, `turn ${t + 1} answered`);
      for (const p of pending) answers.get(p.key)!.push(p.get()!);
    }

    const crossTalk: string[] = [];
    for (const c of convs) {
      const got = answers.get(c.key)!;
      const want = expected.get(c.key)!;
      if (JSON.stringify(got) !== JSON.stringify(want)) crossTalk.push(`${c.key} (${c.author}): got ${JSON.stringify(got.map((x) => x.slice(0, 80)))} want ${JSON.stringify(want.map((x) => x.slice(0, 80)))}`);
    }
    expect(crossTalk).toEqual([]);
    // Each conversation's "the second one" is that author's paper, and "who wrote it?" names the author.
    for (const c of convs) {
      const [, second, who] = answers.get(c.key)!;
      const memory = h.bot.ctx.engine.memory.turns(c.key);
      expect(memory.map((m) => m.input)).toEqual(turns(c));
      const paperId = memory[1]!.papers[0]!;
      expect(lib().papers.get(paperId)!.authorIds.some((id) => lib().authors.get(id)!.name === c.author)).toBe(true);
      expect(second).toContain(lib().papers.get(paperId)!.title!);
      expect(memory[2]!.papers[0]).toBe(paperId);
      expect(who).toContain(lib().papers.get(paperId)!.title!);
    }
    ackedOnceWithin3s(interactions);
    report('phase 2 (/ask turns of 50 concurrent conversations)', interactions);
  }, 60_000);

  it('memory stays bounded: at most maxConversations kept, the live conversations among them', () => {
    const memory = h.bot.ctx.engine.memory;
    expect(askKeys.size + 50).toBeGreaterThan(MAX_CONVERSATIONS);
    expect(memory.size).toBeLessThanOrEqual(MAX_CONVERSATIONS);
    const kept = [...askKeys].filter((k) => memory.turns(k).length > 0).length;
    expect(kept).toBeLessThanOrEqual(MAX_CONVERSATIONS - 50);
    const heapMb = Math.round(process.memoryUsage().heapUsed / 1e6);
    console.log(`after the run: ${memory.size} conversations in memory (bound ${MAX_CONVERSATIONS}), rate-limiter buckets ${h.bot.ctx.rateLimiter.size}, heap ${heapMb} MB`);
  });

  it('no 10062 / 40060, no errors, no unhandled rejections', () => {
    const codes = h.standin.requests.map((q) => (q.response as { code?: number } | undefined)?.code);
    expect(codes.filter((c) => c === 10062 || c === 40060)).toEqual([]);
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
