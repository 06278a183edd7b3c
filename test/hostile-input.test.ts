/**
 * Hostile and odd input, table-driven, through the real bot and the stand-in.
 *
 * Inputs: empty, whitespace, 6,000 characters, control characters, zero-width and RTL marks,
 * emoji, other scripts, regex and SQL metacharacters, markdown with code fences / heading /
 * masked link / spoiler / quote / subtext, @everyone, @here, <@user>, <@!user>, <@&role>,
 * <#channel>, links, and Discord's other `<…>` syntaxes.
 *
 * Targets: EVERY string option of EVERY registered command (read from the registration, so a new
 * option is covered automatically; other required options get sane values), every autocomplete
 * option, the "Ask a follow-up" modal field, and follow-up messages (an @mention, a reply to
 * the bot, a DM); plus /digest list and preview, which echo stored filters.
 *
 * For each: acknowledged exactly once within 3 s (messages: answered once), a clear answer or
 * message (never the generic "something went wrong", nothing logged at error level, no
 * unhandled rejection), and for EVERY message payload the bot sent: allowed_mentions
 * {parse: []}, no mention resolved by the stand-in (users, roles, everyone), no raw mention of
 * the injected user / role / channel, Discord's size limits kept, and formatting intact — user
 * text can't open or close a code block or inline code span, or inject a heading, masked link,
 * bold, spoiler or subtext line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIApplicationCommandOption } from 'discord.js';
import { escapeEchoes, safe } from '../src/discord/text.ts';
import { callbackData, isMessagePayload, messagePayload, startHarness, textsOf, type Harness, type Json } from './reliability-harness.ts';
import type { OptionValue, RecordedRequest, SentInteraction } from './standin/index.ts';

const STRING = 3;
const SUB = 1;

interface Target {
  /** e.g. `/search query` or `/digest subscribe keywords`. */
  label: string;
  command: string;
  subcommand?: string;
  option: string;
  autocomplete: boolean;
}

/** Unescaped occurrences of `token` (not preceded by an odd number of backslashes). */
function unescaped(text: string, token: string): number {
  let n = 0;
  for (let i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + token.length)) {
    let slashes = 0;
    for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) n++;
  }
  return n;
}

/** Problems with the formatting of one text field of a bot message. */
function formattingProblems(text: string): string[] {
  const out: string[] = [];
  const fences = unescaped(text, '```');
  if (fences % 2) out.push('unbalanced ``` (a code block opened or closed by user text)');
  const ticks = unescaped(text.replaceAll('```', ''), '`');
  if (ticks % 2) out.push('unbalanced ` (an inline code span opened or closed by user text)');
  if (/^\s*#{1,3} ZQX/m.test(text)) out.push('heading injected');
  if (/^\s*-# ZQX/m.test(text)) out.push('subtext injected');
  if (/(?<!\\)\[ZQXLINK(?<!\\)\]\(/.test(text)) out.push('masked link injected');
  if (/(?<![\\*])\*\*ZQXBOLD/.test(text)) out.push('bold injected');
  if (/(?<!\\)\|\|ZQXSPOIL/.test(text)) out.push('spoiler injected');
  if (/^>\s*ZQXQUOTE/m.test(text)) out.push('quote injected');
  return out;
}

describe('hostile and odd input: a clear answer, no exception, no mention, formatting intact', () => {
  let h: Harness;
  let inputs: [string, string][] = [];
  let targets: Target[] = [];
  const sentPerInput = new Map<string, { label: string; sent?: SentInteraction; message?: string }[]>();

  beforeAll(async () => {
    h = await startHarness();
    const w = h.standin.world;
    const alice = w.users.alice.id;
    inputs = [
      ['empty', ''],
      ['whitespace', '   \t \n  \u00a0 '],
      ['6,000 characters', ('GPipe **ZQXBOLD** ```ZQX``` @everyone <@' + alice + '> ' + 'lorem ipsum dolor sit amet '.repeat(300)).slice(0, 6000)],
      ['control characters', 'GP\u0000ip\u0001e \u0007\b\u001b[31mred\u001b[0m\r\n\u007f\u0085\u2028end'],
      ['zero-width and RTL', 'G\u200bP\u200ci\u200dp\u2060e\ufeff \u202eesrever\u202c \u2066iso\u2069 \u200f\u200e'],
      ['emoji', '🧪📄🤖 👩‍🔬 GPipe 🏳️‍🌈 🇩🇪 ❤️'],
      ['other scripts', '深層学習 论文 Нейронные сети تعلم عميق गहरी सीख ディープラーニング'],
      ['regex metacharacters', '.*+?^${}()|[]\\ (a+)+$ [^x] \\d{3,} (?<n>x)\\1'],
      ['SQL metacharacters', "'; DROP TABLE subscriptions; -- \" OR 1=1 /* */ %_ \\' \u0027"],
      ['markdown and code fences', '```\n# ZQXHEAD\n[ZQXLINK](https://evil.example/zqx)\n**ZQXBOLD** __u__ ~~s~~ ||ZQXSPOIL||\n> ZQXQUOTE\n-# ZQXSUB\n```js\n`tick'],
      ['@everyone', '@everyone ZQX'],
      ['@here', '@here ZQX'],
      ['user mention', `<@${alice}> <@!${alice}> ZQX`],
      ['role mention', `<@&${w.guild.adminRoleId}> ZQX`],
      ['channel mention', `<#${w.guild.textChannelId}> ZQX`],
      ['links', 'https://evil.example/phish <https://evil.example/x> [ZQXLINK](https://evil.example) www.evil.example'],
      ['other <…> syntaxes', '</ask:123456789012345678> <t:0:R> <:zqx:123456789012345678> <a:zqx:123456789012345678> <id:customize>'],
    ];
    // Every string option of every registered command (subcommands included).
    for (const cmd of h.standin.registeredCommands(w.guild.id)) {
      const visit = (opts: readonly APIApplicationCommandOption[] | undefined, sub?: string): void => {
        for (const o of opts ?? []) {
          if (o.type === SUB) visit((o as { options?: APIApplicationCommandOption[] }).options, o.name);
          else if (o.type === STRING) {
            targets.push({ label: `/${cmd.name}${sub ? ` ${sub}` : ''} ${o.name}`, command: cmd.name, ...(sub ? { subcommand: sub } : {}), option: o.name, autocomplete: (o as { autocomplete?: boolean }).autocomplete === true });
          }
        }
      };
      visit(cmd.options);
    }
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  /** Other required options of a command, with sane values. */
  function requiredFor(t: Target): Record<string, OptionValue> {
    const w = h.standin.world;
    const defaults: Record<string, Record<string, OptionValue>> = {
      search: { query: 'GPipe' },
      paper: { title: 'GPipe' },
      author: { name: 'Yanqi Zhou' },
      topic: { name: 'CL' },
      ask: { question: 'who wrote GPipe?' },
      'digest subscribe': { channel: { type: 7, value: w.guild.otherTextChannelId }, time: '00:00', timezone: 'Pacific/Kiritimati' },
      'mydigest subscribe': { time: '00:00', timezone: 'Pacific/Kiritimati' },
    };
    return { ...(defaults[t.subcommand ? `${t.command} ${t.subcommand}` : t.command] ?? {}) };
  }

  /** Who runs the command (digest needs Manage Server). */
  const userFor = (t: Target): 'bob' | 'carol' => (t.command === 'digest' ? 'bob' : 'carol');

  it('covers every string option of every command', () => {
    expect(targets.map((t) => t.label)).toEqual(expect.arrayContaining(['/search query', '/paper title', '/author name', '/topic name', '/ask question', '/digest subscribe time', '/digest subscribe timezone', '/digest subscribe keywords', '/digest subscribe exclude_keywords', '/digest subscribe categories', '/digest subscribe authors', '/mydigest subscribe keywords', '/mydigest subscribe timezone']));
    expect(targets.filter((t) => t.autocomplete).length).toBeGreaterThanOrEqual(6);
    console.log(`${inputs.length} inputs × (${targets.length} string options + ${targets.filter((t) => t.autocomplete).length} autocompletes + modal + mention + reply + DM)`);
  });

  it('every input into every target gets one clear, well-formed answer within 3 s', async () => {
    const replyTo = (id: string): RecordedRequest[] => h.standin.requests.filter((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === id);
    // A bot message to reply to, and a message with the "Ask a follow-up" button.
    const seed = h.standin.sendMessage({ content: 'tell me about GPipe', author: 'dave', mentionsBot: true });
    const seedReq = await h.standin.waitForRequest((q) => (q.body as { message_reference?: { message_id: string } } | undefined)?.message_reference?.message_id === seed.id);
    const botMessage = h.standin.message((seedReq.response as { id: string }).id)!;

    for (const [name, value] of inputs) {
      const batch: { label: string; sent?: SentInteraction; message?: string }[] = [];
      for (const t of targets) {
        batch.push({ label: `${t.label} ← ${name}`, sent: h.standin.sendCommand(t.command, { ...requiredFor(t), [t.option]: value }, { user: userFor(t), ...(t.subcommand ? { subcommand: t.subcommand } : {}) }) });
        if (t.autocomplete) {
          batch.push({ label: `autocomplete ${t.label} ← ${name}`, sent: h.standin.sendAutocomplete(t.command, { ...requiredFor(t), [t.option]: value }, { user: userFor(t), focused: t.option, ...(t.subcommand ? { subcommand: t.subcommand } : {}) }) });
        }
      }
      batch.push({ label: `/digest list ← ${name}`, sent: h.standin.sendCommand('digest', {}, { user: 'bob', subcommand: 'list' }) });
      batch.push({ label: `/mydigest list ← ${name}`, sent: h.standin.sendCommand('mydigest', {}, { user: 'carol', subcommand: 'list' }) });
      // The follow-up modal: shown by the button under an answer, then submitted with the input.
      const answer = await h.one(h.standin.sendCommand('ask', { question: 'tell me about GLaM' }, { user: 'carol' }));
      // On a busy machine the answer may be deferred: its button exists once the edit is in.
      if (answer.callbackType === 5) await h.standin.waitForResponses(answer.interactionId, 2, 15_000);
      const shown = await h.one(h.standin.clickButton('ask:f', h.standin.originalMessage(answer.interactionId)!, { user: 'carol' }));
      expect(shown.callbackType).toBe(9);
      batch.push({ label: `modal question ← ${name}`, sent: h.standin.submitModal('ask:m', { question: value }, { user: 'carol' }) });
      // Follow-up messages.
      batch.push({ label: `@mention ← ${name}`, message: h.standin.sendMessage({ content: value, author: 'dave', mentionsBot: true }).id });
      batch.push({ label: `reply to the bot ← ${name}`, message: h.standin.sendMessage({ content: value, author: 'dave', referencedMessage: botMessage }).id });
      batch.push({ label: `DM ← ${name}`, message: h.standin.sendMessage({ content: value, author: 'erin', dm: true }).id });
      sentPerInput.set(name, batch);

      await h.standin.waitFor(
        () => batch.every((b) => (b.sent ? h.standin.ackLatency(b.sent.id) !== undefined : replyTo(b.message!).some((q) => q.status === 200))),
        20_000,
        `answers for ${name}`,
      );
      // The digest preview of the newest subscription (its stored filters may hold the input).
      const subs = h.bot.ctx.store.listSubscriptions({ guildId: h.standin.world.guild.id });
      if (subs.length) batch.push({ label: `/digest preview ← ${name}`, sent: h.standin.sendCommand('digest', { id: subs.at(-1)!.id }, { user: 'bob', subcommand: 'preview' }) });
      await h.standin.waitFor(() => batch.every((b) => !b.sent || h.standin.ackLatency(b.sent.id) !== undefined), 10_000, 'preview');

      const problems: string[] = [];
      for (const b of batch) {
        if (b.sent) {
          const callbacks = h.standin.interactionResponses(b.sent.id).filter((r) => r.kind === 'callback');
          const lat = h.standin.ackLatency(b.sent.id)!;
          if (callbacks.length !== 1 || !callbacks[0]!.ok || lat >= 3000) problems.push(`${b.label}: ${callbacks.length} callbacks, latency ${lat}`);
          const cb = callbacks[0]!;
          if (cb.callbackType === 8) {
            const choices = (cb.body as { data: { choices: { name: string; value: unknown }[] } }).data.choices;
            if (choices.length > 25 || choices.some((c) => !c.name || c.name.length > 100 || String(c.value).length > 100 || String(c.value).length === 0)) problems.push(`${b.label}: bad choices`);
            continue;
          }
          // A deferred reply (on a busy machine) carries its text in the edit that follows.
          let data = callbackData(cb);
          if (cb.callbackType === 5) {
            await h.standin.waitForResponses(b.sent.id, 2, 15_000);
            data = (h.standin.interactionResponses(b.sent.id).find((r) => r.kind === 'editOriginal' && r.ok)?.body ?? {}) as Json;
          }
          const texts = textsOf(data);
          if (!texts.join('').trim()) problems.push(`${b.label}: no text`);
          if (texts.some((x) => /something went wrong/.test(x))) problems.push(`${b.label}: generic error: ${texts.join(' | ').slice(0, 200)}`);
        } else {
          const ok = replyTo(b.message!).filter((q) => q.status === 200);
          if (ok.length !== 1) problems.push(`${b.label}: ${ok.length} replies`);
          else if (/something went wrong/.test(textsOf(ok[0]!.body as Json).join(' '))) problems.push(`${b.label}: generic error`);
        }
      }
      expect(problems, name).toEqual([]);
    }
  }, 240_000);

  it('every message the bot sent: allowed_mentions {parse: []}, nothing resolved, no raw injected mention, limits and formatting intact', () => {
    const w = h.standin.world;
    const raw = [`<@${w.users.alice.id}>`, `<@!${w.users.alice.id}>`, `<@&${w.guild.adminRoleId}>`, `<#${w.guild.textChannelId}>`];
    const problems: string[] = [];
    const payloads = h.standin.requests.filter(isMessagePayload);
    expect(payloads.length).toBeGreaterThan(300);
    for (const q of payloads) {
      const p = messagePayload(q);
      const where = `${q.method} ${q.route} #${q.seq}`;
      if (JSON.stringify(p.allowed_mentions) !== JSON.stringify({ parse: [] })) problems.push(`${where}: allowed_mentions ${JSON.stringify(p.allowed_mentions)}`);
      const texts = textsOf(p);
      const all = texts.join('\n');
      if (/@(everyone|here)/.test(all)) problems.push(`${where}: raw @everyone/@here`);
      for (const m of raw) if (all.includes(m)) problems.push(`${where}: raw mention ${m}`);
      if (typeof p.content === 'string' && p.content.length > 2000) problems.push(`${where}: content ${p.content.length} > 2000`);
      for (const e of (p.embeds as Json[] | undefined) ?? []) {
        const len = textsOf({ embeds: [e] }).join('').length;
        if (len > 6000 || String(e.title ?? '').length > 256 || String(e.description ?? '').length > 4096) problems.push(`${where}: embed over limits`);
      }
      for (const t of texts) for (const f of formattingProblems(t)) problems.push(`${where}: ${f}: ${JSON.stringify(t.slice(0, 160))}`);
      const id = (q.response as { id?: string } | undefined)?.id;
      const stored = id ? h.standin.message(id) : undefined;
      if (stored && (stored.mentions.length || stored.mention_roles.length || stored.mention_everyone)) problems.push(`${where}: the stand-in resolved mentions`);
    }
    // Interaction responses store their messages too (replies, edits).
    for (const s of h.standin.sentInteractions) {
      const m = h.standin.originalMessage(s.id);
      if (m && (m.mentions.length || m.mention_roles.length || m.mention_everyone)) problems.push(`interaction ${s.id}: mentions resolved`);
    }
    if (problems.length) console.log(problems.join('\n'));
    expect(problems.slice(0, 40)).toEqual([]);
  });

  it('no errors logged, no unhandled rejections', () => {
    expect(h.errors().map((l) => `${l.msg} ${JSON.stringify(l.err ?? '').slice(0, 300)}`)).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});

describe('escapeEchoes: user input quoted in a message is escaped, the message’s own formatting is kept', () => {
  const BT = '`';
  it('escapes the echo, whole or cut short, and nothing else', () => {
    const typed = `**x** ${BT}y${BT} [z](https://evil.example) # h`;
    const own = `Needs **Manage Server**; see ${BT}/digest list${BT}.`;
    const whole = escapeEchoes(`${own} You typed "${typed}".`, [typed]);
    expect(whole.startsWith(own)).toBe(true);
    expect(whole).toContain(String.raw`\*\*x\*\*`);
    expect(whole).toContain(String.raw`\[z\]`);
    expect(formattingProblems(whole.replace('ZQX', ''))).toEqual([]);
    expect(unescaped(whole, BT)).toBe(2); // only the message's own code span
    const cut = escapeEchoes(`keywords: "${typed.slice(0, 12)}…" is too long`, [typed]);
    expect(cut).toBe(String.raw`keywords: "\*\*x\*\* \`y\` \[z…" is too long`);
  });
  it('leaves text that was already escaped alone, and short or plain echoes', () => {
    const already = `I don't know “${safe('**x**')}”.`;
    expect(escapeEchoes(already, ['**x**'])).toBe(already);
    expect(escapeEchoes('Use **CL** or UTC.', ['CL', 'UTC'])).toBe('Use **CL** or UTC.');
    expect(escapeEchoes('nothing typed', [])).toBe('nothing typed');
  });
});
