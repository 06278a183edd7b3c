/**
 * Proves the Discord stand-in against the REAL discord.js v14 Client (no mocking): login/READY,
 * guilds, slash commands, defer/edit, autocomplete, buttons, modals, messages, REST 429 retry,
 * gateway resume after 4000, re-identify after op 9, and two shards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Partials,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type Message,
} from 'discord.js';
import { DiscordStandin, shardOf } from './standin/index.ts';
import { noIdentifyThrottle } from './helpers/bot.ts';

function makeClient(standin: DiscordStandin, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    rest: { api: standin.restUrl },
    allowedMentions: { parse: [] },
    ws: noIdentifyThrottle,
    ...extra,
  });
}

async function login(client: Client, standin: DiscordStandin): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(standin.token);
  await ready;
}

describe('Discord stand-in with the real discord.js Client', () => {
  let standin: DiscordStandin;
  let client: Client;
  const handled: string[] = [];
  const received: Message[] = [];

  beforeAll(async () => {
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000 });
    client = makeClient(standin);
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      void handleInteraction(interaction).catch((err: unknown) => handled.push(`error: ${String(err)}`));
    });
    client.on(Events.MessageCreate, (message: Message) => {
      if (message.author.bot) return;
      received.push(message);
      if (!message.inGuild() || (client.user && message.mentions.has(client.user))) {
        void message.reply({ content: `you said: ${message.content}` }).catch((err: unknown) => handled.push(`error: ${String(err)}`));
      }
    });
    await login(client, standin);
  });

  afterAll(async () => {
    await client?.destroy();
    await standin?.stop();
  });

  async function handleInteraction(interaction: Interaction): Promise<void> {
    handled.push(interaction.id);
    if (interaction.isChatInputCommand()) {
      switch (interaction.commandName) {
        case 'ping':
          await interaction.reply({ content: 'pong' });
          return;
        case 'slow':
          await interaction.deferReply();
          await new Promise((r) => setTimeout(r, 50));
          await interaction.editReply({ content: `searched for ${interaction.options.getString('query', true)}` });
          return;
        case 'buttons':
          await interaction.reply({
            content: 'pick one',
            components: [
              new ActionRowBuilder<ButtonBuilder>().addComponents(
                new ButtonBuilder().setCustomId('more').setLabel('More').setStyle(ButtonStyle.Primary),
              ),
            ],
          });
          return;
        case 'feedback':
          await interaction.showModal(
            new ModalBuilder()
              .setCustomId('feedback-modal')
              .setTitle('Feedback')
              .addComponents(
                new ActionRowBuilder<TextInputBuilder>().addComponents(
                  new TextInputBuilder().setCustomId('text').setLabel('Your feedback').setStyle(TextInputStyle.Paragraph),
                ),
              ),
          );
          return;
        case 'followup':
          await interaction.deferReply({ flags: MessageFlags.Ephemeral });
          await interaction.followUp({ content: 'first' });
          await interaction.followUp({ content: 'second' });
          return;
        case 'withresponse': {
          const response = await interaction.reply({ content: 'with response', withResponse: true });
          handled.push(`resource:${response.resource?.message?.id ?? 'none'}`);
          return;
        }
        case 'post': {
          const channel = interaction.channel;
          if (!channel?.isSendable()) throw new Error('not sendable');
          await interaction.deferReply();
          const a = await channel.send({ content: 'digest', nonce: 'digest-1', enforceNonce: true });
          const b = await channel.send({ content: 'digest', nonce: 'digest-1', enforceNonce: true });
          await channel.send({ content: 'file', files: [{ attachment: Buffer.from('hello file'), name: 'a.txt' }] });
          await interaction.editReply({ content: `${a.id === b.id ? 'same' : 'different'}` });
          return;
        }
        case 'lookup': {
          const who = interaction.options.getUser('who', true);
          const limit = interaction.options.getInteger('limit') ?? 0;
          const member = interaction.memberPermissions?.has('ManageGuild') ?? false;
          await interaction.reply({ content: `${who.username} ${limit} manage=${member} sub=${interaction.options.getSubcommand()}` });
          return;
        }
        case 'where': {
          const ch = interaction.options.getChannel('channel', true);
          await interaction.reply({ content: `channel ${ch.id} (${ch.type === ChannelType.GuildText ? 'text' : 'other'})`, flags: MessageFlags.Ephemeral });
          return;
        }
        default:
          await interaction.reply({ content: `unknown ${interaction.commandName}` });
      }
    } else if (interaction.isAutocomplete()) {
      const typed = interaction.options.getFocused();
      await interaction.respond([
        { name: `${typed} transformers`, value: 'transformers' },
        { name: `${typed} diffusion`, value: 'diffusion' },
      ]);
    } else if (interaction.isButton()) {
      await interaction.update({ content: `clicked ${interaction.customId}`, components: [] });
    } else if (interaction.isModalSubmit()) {
      await interaction.reply({ content: `thanks: ${interaction.fields.getTextInputValue('text')}` });
    }
  }

  it('logs in: GET /gateway/bot, IDENTIFY, READY, GUILD_CREATE', () => {
    expect(client.user?.id).toBe(standin.botUser.id);
    expect(client.application?.id).toBe(standin.applicationId);
    const guild = client.guilds.cache.get(standin.world.guild.id);
    expect(guild?.name).toBe('Papertalk Lab');
    expect(guild?.channels.cache.get(standin.world.guild.textChannelId)?.name).toBe('general');
    expect(guild?.members.me?.id).toBe(standin.botUser.id);
    expect(standin.identifyCount).toBe(1);
    expect(standin.identifies[0]?.shard).toEqual([0, 1]);
    expect(standin.findRequests('GET /gateway/bot').length).toBeGreaterThanOrEqual(1);
    // No compression requested (zlib-sync is not installed) and JSON encoding.
    expect(standin.gatewayFrames.some((f) => f.dir === 'in' && f.op === 2)).toBe(true);
  });

  it('slash command → interaction.reply is recorded with allowed_mentions', async () => {
    const sent = standin.sendCommand('ping', {}, { user: 'bob' });
    const [callback] = await standin.waitForResponses(sent.id, 1);
    expect(callback?.kind).toBe('callback');
    expect(callback?.callbackType).toBe(4);
    expect(callback?.body).toMatchObject({ type: 4, data: { content: 'pong', allowed_mentions: { parse: [] } } });
    expect(callback?.request.query.with_response).toBe('false');
    expect(callback?.request.authorized).toBe(false);
    expect(standin.ackLatency(sent.id)).toBeLessThan(3000);
    expect(standin.originalMessage(sent.id)?.content).toBe('pong');
    expect(standin.channelMessages(standin.world.guild.textChannelId).some((m) => m.id === callback?.messageId)).toBe(true);
  });

  it('defer + editReply', async () => {
    const sent = standin.sendCommand('slow', { query: 'attention' }, { user: 'carol' });
    const responses = await standin.waitForResponses(sent.id, 2);
    expect(responses.map((r) => r.kind)).toEqual(['callback', 'editOriginal']);
    expect(responses[0]?.callbackType).toBe(5);
    expect(responses[1]?.body).toMatchObject({ content: 'searched for attention' });
    expect(responses[1]!.sinceArrivalMs).toBeGreaterThanOrEqual(responses[0]!.sinceArrivalMs);
    const original = standin.originalMessage(sent.id);
    expect(original?.content).toBe('searched for attention');
    expect((original?.flags ?? 0) & 128).toBe(0); // no longer loading
  });

  it('autocomplete → respond', async () => {
    const sent = standin.sendAutocomplete('search', { query: 'tra', limit: 5 }, { focused: 'query' });
    const [r] = await standin.waitForResponses(sent.id, 1);
    expect(r?.callbackType).toBe(8);
    expect(r?.body).toMatchObject({ type: 8, data: { choices: [{ name: 'tra transformers', value: 'transformers' }, { name: 'tra diffusion', value: 'diffusion' }] } });
  });

  it('button click → interaction.update edits the message', async () => {
    const cmd = standin.sendCommand('buttons');
    await standin.waitForResponses(cmd.id, 1);
    const message = standin.originalMessage(cmd.id)!;
    const click = standin.clickButton('more', message, { user: 'dave' });
    const [r] = await standin.waitForResponses(click.id, 1);
    expect(r?.callbackType).toBe(7);
    expect(standin.message(message.id)?.content).toBe('clicked more');
    expect(standin.message(message.id)?.components).toEqual([]);
    expect(() => standin.clickButton('nope', message)).toThrow(/no component/);
  });

  it('modal show + submit', async () => {
    const cmd = standin.sendCommand('feedback');
    const [shown] = await standin.waitForResponses(cmd.id, 1);
    expect(shown?.callbackType).toBe(9);
    expect(standin.interactionState(cmd.id)?.modal).toMatchObject({ custom_id: 'feedback-modal', title: 'Feedback' });
    const submit = standin.submitModal('feedback-modal', { text: 'great bot' });
    const [r] = await standin.waitForResponses(submit.id, 1);
    expect(r?.body).toMatchObject({ type: 4, data: { content: 'thanks: great bot' } });
  });

  it('channel option arrives with resolved data', async () => {
    const channelId = standin.world.guild.otherTextChannelId;
    const sent = standin.sendCommand('where', { channel: { type: 7, value: channelId } });
    const [r] = await standin.waitForResponses(sent.id, 1);
    expect(r?.body).toMatchObject({ data: { content: `channel ${channelId} (text)`, flags: 64 } });
  });

  it('MESSAGE_CREATE mentioning the bot → message.reply posts to the channel', async () => {
    const channelId = standin.world.guild.textChannelId;
    const msg = standin.sendMessage({ content: 'hello there', author: 'alice', mentionsBot: true });
    const req = await standin.waitForRequest((r) => r.route === 'POST /channels/:channel/messages' && r.path.includes(channelId));
    expect(req.status).toBe(200);
    expect(req.body).toMatchObject({
      content: `you said: <@${standin.botUser.id}> hello there`,
      message_reference: { message_id: msg.id },
      allowed_mentions: { parse: [] },
    });
    const reply = standin.channelMessages(channelId).at(-1);
    expect(reply?.type).toBe(19);
    expect(reply?.referenced_message?.id).toBe(msg.id);
  });

  it('defer (ephemeral) + followUp: the first follow-up fills the deferred reply', async () => {
    const sent = standin.sendCommand('followup');
    const responses = await standin.waitForResponses(sent.id, 3);
    expect(responses.map((r) => r.kind)).toEqual(['callback', 'followup', 'followup']);
    const state = standin.interactionState(sent.id)!;
    expect(responses[1]?.messageId).toBe(state.originalMessageId);
    expect(state.followupIds).toHaveLength(1);
    expect(standin.originalMessage(sent.id)).toMatchObject({ content: 'first', flags: 64 });
  });

  it('reply withResponse gets the callback resource', async () => {
    const sent = standin.sendCommand('withresponse');
    await standin.waitForResponses(sent.id, 1);
    await standin.waitFor(() => handled.some((h) => h.startsWith('resource:')));
    expect(handled).toContain(`resource:${standin.originalMessage(sent.id)!.id}`);
  });

  it('channel.send: enforce_nonce deduplicates, multipart files are parsed, 500 is retried', async () => {
    standin.failNext('POST /channels/:channel/messages', { status: 500 });
    const channelId = standin.world.guild.textChannelId;
    const before = standin.channelMessages(channelId).length;
    const sent = standin.sendCommand('post');
    const responses = await standin.waitForResponses(sent.id, 2);
    expect(responses[1]?.body).toMatchObject({ content: 'same' });
    const posts = standin.findRequests('POST /channels/:channel/messages').slice(-4);
    expect(posts.map((p) => p.status)).toEqual([500, 200, 200, 200]);
    const upload = posts.at(-1)!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(upload.body).toMatchObject({ content: 'file' });
    expect(upload.files[0]).toMatchObject({ filename: 'a.txt', size: 10 });
    expect(upload.files[0]?.data.toString()).toBe('hello file');
    const added = standin.channelMessages(channelId).slice(before).filter((m) => m.author.id === standin.botUser.id && !m.interaction_metadata);
    expect(added.map((m) => m.content)).toEqual(['digest', 'file']);
    expect(added[1]?.attachments[0]?.filename).toBe('a.txt');
  });

  it('registered commands drive option types, subcommands and resolved users', async () => {
    await client.application!.commands.set([
      {
        name: 'lookup',
        description: 'Look someone up',
        options: [
          {
            type: 1,
            name: 'user',
            description: 'by user',
            options: [
              { type: 6, name: 'who', description: 'who', required: true },
              { type: 4, name: 'limit', description: 'max results' },
            ],
          },
        ],
      },
    ]);
    const registered = standin.registeredCommands();
    expect(registered.map((c) => c.name)).toEqual(['lookup']);
    const sent = standin.sendCommand('lookup', { who: standin.world.users.dave.id, limit: 3 }, { user: 'bob', subcommand: 'user' });
    expect(sent.payload).toMatchObject({ data: { id: registered[0]!.id, options: [{ type: 1, name: 'user', options: [{ name: 'who', type: 6 }, { name: 'limit', type: 4, value: 3 }] }] } });
    const [r] = await standin.waitForResponses(sent.id, 1);
    expect(r?.body).toMatchObject({ data: { content: 'dave 3 manage=true sub=user' } });
    const carol = standin.sendCommand('lookup', { who: standin.world.users.dave.id }, { user: 'carol', subcommand: 'user' });
    const [r2] = await standin.waitForResponses(carol.id, 1);
    expect(r2?.body).toMatchObject({ data: { content: 'dave 0 manage=false sub=user' } });
    expect(() => standin.sendCommand('lookup', {}, { subcommand: 'user' })).toThrow(/required option "who"/);
  });

  it('DMs: MESSAGE_CREATE in a DM reaches messageCreate; the reply goes to the DM channel', async () => {
    const dm = standin.world.dmChannel(standin.world.users.erin.id);
    const msg = standin.sendMessage({ content: 'hi bot', author: 'erin', dm: true });
    const req = await standin.waitForRequest(`POST /channels/${dm.id}/messages`);
    expect(req.body).toMatchObject({ content: 'you said: hi bot', message_reference: { message_id: msg.id } });
    const dmCmd = standin.sendCommand('ping', {}, { user: 'erin', guildId: null });
    expect(dmCmd.payload).toMatchObject({ user: { id: standin.world.users.erin.id }, context: 1, channel: { id: dm.id, type: 1 } });
    await standin.waitForResponses(dmCmd.id, 1);
  });

  it('without the MESSAGE_CONTENT intent, guild messages not mentioning the bot arrive without content', async () => {
    const msg = standin.sendMessage({ content: 'just chatting', author: 'dave' });
    const got = await standin.waitFor(() => received.find((m) => m.id === msg.id));
    expect(got.content).toBe('');
    expect(standin.message(msg.id)?.content).toBe('just chatting');
  });

  it('invalid bodies get Discord errors (empty message 50006, content > 2000 → 50035)', async () => {
    const channelId = standin.world.guild.textChannelId;
    const post = (body: unknown): Promise<Response> =>
      fetch(`${standin.restUrl}/v10/channels/${channelId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bot ${standin.token}` },
        body: JSON.stringify(body),
      });
    const empty = await post({ content: '' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: 50006 });
    const long = await post({ content: 'x'.repeat(2001) });
    expect(await long.json()).toMatchObject({ code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    const unknown = await fetch(`${standin.restUrl}/v10/nope`, { headers: { authorization: `Bot ${standin.token}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: '404: Not Found', code: 0 });
    expect(standin.findRequests('GET /nope')).toHaveLength(1);
  });

  it('a callback after the ack window → 10062 Unknown interaction', async () => {
    standin.configure({ interactionAckWindowMs: 100 });
    standin.failNext('POST /interactions/:interaction/:token/callback', { delayMs: 200 });
    try {
      const sent = standin.sendCommand('ping');
      await standin.waitFor(() => handled.some((h) => h.startsWith('error') && h.includes('Unknown interaction')));
      const [attempt] = standin.interactionResponses(sent.id);
      expect(attempt).toMatchObject({ status: 404, ok: false, response: { code: 10062 } });
      expect(standin.ackLatency(sent.id)).toBeUndefined();
      handled.splice(0, handled.length, ...handled.filter((h) => !h.startsWith('error')));
    } finally {
      standin.configure({ interactionAckWindowMs: 3000 });
    }
  });

  it('a global 429 on a REST route and a 502 on editReply are retried', async () => {
    const mark = standin.requestMark();
    standin.failNext('GET /users/:user', { status: 429, retryAfter: 0.1, global: true });
    const user = await client.users.fetch(standin.world.users.carol.id, { force: true });
    expect(user.username).toBe('carol');
    const fetches = standin.findRequests('GET /users/:user').filter((r) => r.seq > mark);
    expect(fetches.map((r) => r.status)).toEqual([429, 200]);
    expect(fetches[0]?.response).toEqual({ message: 'You are being rate limited.', retry_after: 0.1, global: true });

    standin.failNext('PATCH /webhooks/:app/:token/messages/:message', { status: 502 });
    const sent = standin.sendCommand('slow', { query: 'retry' });
    await standin.waitFor(() => standin.interactionResponses(sent.id).filter((r) => r.ok).length === 2);
    expect(standin.interactionResponses(sent.id).map((r) => `${r.kind}:${r.status}`)).toEqual(['callback:204', 'editOriginal:502', 'editOriginal:200']);
  });

  it('a 429 on the interaction callback is retried by discord.js', async () => {
    standin.failNext('POST /interactions/:interaction/:token/callback', { status: 429, retryAfter: 0.2 });
    const sent = standin.sendCommand('ping');
    await standin.waitForResponses(sent.id, 1);
    const attempts = standin.interactionResponses(sent.id);
    expect(attempts.map((a) => a.status)).toEqual([429, 204]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(200);
    expect(standin.pendingFaults).toBe(0);
  });

  it('a second callback for the same interaction → 400 40060', async () => {
    const sent = standin.sendCommand('ping');
    await standin.waitForResponses(sent.id, 1);
    const res = await fetch(`${standin.restUrl}/v10/interactions/${sent.id}/${sent.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'again' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 40060, message: 'Interaction has already been acknowledged.' });
  });

  it('gateway closed with 4000 → client RESUMEs, gets RESUMED, answers the next interaction', async () => {
    const resumesBefore = standin.successfulResumeCount;
    const identifiesBefore = standin.identifyCount;
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    expect(standin.closeSession(4000)).toBe(1);
    // An interaction sent while disconnected is buffered and replayed on resume.
    const sent = standin.sendCommand('ping');
    await resumed;
    await standin.waitForResponses(sent.id, 1);
    expect(standin.successfulResumeCount).toBe(resumesBefore + 1);
    expect(standin.identifyCount).toBe(identifiesBefore);
    expect(standin.resumes.at(-1)).toMatchObject({ ok: true, replayed: 1 });
    const after = standin.sendCommand('ping');
    await standin.waitForResponses(after.id, 1);
  });

  it('op 9 INVALID_SESSION (not resumable) → client re-IDENTIFYs', async () => {
    const identifiesBefore = standin.identifyCount;
    expect(standin.invalidateSession(false)).toBe(1);
    await standin.waitFor(() => standin.identifyCount === identifiesBefore + 1 && standin.sessions().some((s) => s.status === 'connected'), 5000, 're-identify');
    const sent = standin.sendCommand('ping');
    await standin.waitForResponses(sent.id, 1);
  });

  it('abrupt close (1006) → resume; 4009 → resume refused (op 9) → re-identify', async () => {
    const okBefore = standin.successfulResumeCount;
    expect(standin.closeSession(1006)).toBe(1);
    await standin.waitFor(() => standin.successfulResumeCount === okBefore + 1, 5000, 'resume after 1006');
    const identifiesBefore = standin.identifyCount;
    expect(standin.closeSession(4009)).toBe(1);
    await standin.waitFor(() => standin.identifyCount === identifiesBefore + 1 && standin.sessions().some((s) => s.status === 'connected'), 5000, 're-identify after 4009');
    expect(standin.resumes.at(-1)).toMatchObject({ ok: false, reason: 'session invalidated' });
    const sent = standin.sendCommand('ping');
    await standin.waitForResponses(sent.id, 1);
  });

  it('op 9 (resumable) → RESUME on the same connection; op 7 → reconnect + RESUME', async () => {
    const okBefore = standin.successfulResumeCount;
    const identifiesBefore = standin.identifyCount;
    expect(standin.invalidateSession(true)).toBe(1);
    await standin.waitFor(() => standin.successfulResumeCount === okBefore + 1, 5000, 'resume after op 9 true');
    expect(standin.requestReconnect()).toBe(1);
    await standin.waitFor(() => standin.successfulResumeCount === okBefore + 2 && standin.sessions().some((s) => s.status === 'connected'), 5000, 'resume after op 7');
    expect(standin.identifyCount).toBe(identifiesBefore);
    const sent = standin.sendCommand('ping');
    await standin.waitForResponses(sent.id, 1);
  });

  it('heartbeats are acknowledged', () => {
    const beats = standin.gatewayFrames.filter((f) => f.dir === 'in' && f.op === 1);
    const acks = standin.gatewayFrames.filter((f) => f.dir === 'out' && f.op === 11);
    expect(beats.length).toBeGreaterThan(0);
    expect(acks.length).toBe(beats.length);
  });

  it('two shards via shards: [0, 1], shardCount: 2 each get their own guild', async () => {
    const [g0, g1] = standin.world.guilds;
    expect(shardOf(g0!.id, 2)).toBe(0);
    expect(shardOf(g1!.id, 2)).toBe(1);
    const sharded = makeClient(standin, { shards: [0, 1], shardCount: 2 });
    try {
      await login(sharded, standin);
      expect(sharded.guilds.cache.get(g0!.id)?.shardId).toBe(0);
      expect(sharded.guilds.cache.get(g1!.id)?.shardId).toBe(1);
      const shardIdentifies = standin.identifies.filter((i) => i.shard[1] === 2);
      expect(shardIdentifies.map((i) => i.shard[0]).sort()).toEqual([0, 1]);
      const seen = new Promise<number>((resolve) => sharded.once(Events.InteractionCreate, (i) => resolve(i.guild?.shardId ?? -1)));
      // The 1-shard client also covers guild 1; deliver only to the sharded client's session.
      const session1 = standin.sessions().find((s) => s.shard[0] === 1 && s.shard[1] === 2 && s.status === 'connected')!;
      sharded.on(Events.InteractionCreate, (i) => {
        if (i.isChatInputCommand()) void i.reply({ content: `shard ${i.guild?.shardId}` });
      });
      const sent = standin.sendCommand('ping', {}, { guildId: g1!.id, sessionId: session1.id });
      expect(await seen).toBe(1);
      const [r] = await standin.waitForResponses(sent.id, 1);
      expect(r?.body).toMatchObject({ data: { content: 'shard 1' } });
    } finally {
      await sharded.destroy();
    }
  });

  it('handlers raised no errors', () => {
    expect(handled.filter((h) => h.startsWith('error'))).toEqual([]);
  });
});

describe('Discord stand-in gateway protocol details (raw WebSocket)', () => {
  let standin: DiscordStandin;

  beforeAll(async () => {
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 45_000 });
  });

  afterAll(async () => {
    await standin?.stop();
  });

  it('supports ?compress=zlib-stream (one zlib context, Z_SYNC_FLUSH per payload)', async () => {
    const { WebSocket } = await import('ws');
    const zlib = await import('node:zlib');
    const ws = new WebSocket(`${standin.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = zlib.createInflate();
    const payloads: { op: number; t: string | null; s: number | null; d: unknown }[] = [];
    let buffered = '';
    inflate.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      // Each flushed payload is a complete JSON document.
      try {
        payloads.push(JSON.parse(buffered) as (typeof payloads)[number]);
        buffered = '';
      } catch {
        /* partial */
      }
    });
    ws.on('message', (data: Buffer) => inflate.write(data));
    try {
      await standin.waitFor(() => payloads.find((p) => p.op === 10));
      ws.send(JSON.stringify({ op: 2, d: { token: standin.token, intents: 1, properties: { os: 'linux', browser: 'raw', device: 'raw' }, shard: [0, 1] } }));
      const guildCreates = await standin.waitFor(() => {
        const g = payloads.filter((p) => p.t === 'GUILD_CREATE');
        return g.length === standin.world.guilds.length ? g : undefined;
      });
      const ready = payloads.find((p) => p.t === 'READY');
      expect(ready).toMatchObject({ op: 0, s: 1, d: { v: 10, user: { id: standin.botUser.id }, application: { id: standin.applicationId }, shard: [0, 1] } });
      expect((ready!.d as { resume_gateway_url: string }).resume_gateway_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway-resume$/);
      expect(guildCreates.map((g) => g.s)).toEqual([2, 3]);
      ws.send(JSON.stringify({ op: 1, d: 3 }));
      await standin.waitFor(() => payloads.find((p) => p.op === 11));
      // Unknown opcode → 4001.
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send(JSON.stringify({ op: 99, d: null }));
      expect(await closed).toBe(4001);
    } finally {
      ws.terminate();
      inflate.close();
    }
  });

  it('rejects a bad shard with 4010 and a wrong API version with 4012', async () => {
    const { WebSocket } = await import('ws');
    const closeCode = (url: string, send?: unknown): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.on('message', () => {
          if (send) ws.send(JSON.stringify(send));
        });
        ws.once('close', (code) => resolve(code));
      });
    expect(await closeCode(`${standin.gatewayUrl}?v=10&encoding=json`, { op: 2, d: { token: 't', intents: 0, properties: {}, shard: [2, 2] } })).toBe(4010);
    expect(await closeCode(`${standin.gatewayUrl}?v=6&encoding=json`)).toBe(4012);
  });
});

describe('Discord stand-in REST routes through discord.js managers', () => {
  let standin: DiscordStandin;
  let client: Client;

  beforeAll(async () => {
    standin = await DiscordStandin.start({ heartbeatIntervalMs: 1000, world: { guildCount: 1 } });
    client = makeClient(standin);
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isStringSelectMenu()) void interaction.reply({ content: `picked ${interaction.values.join(',')}` });
      else if (interaction.isUserContextMenuCommand()) void interaction.reply({ content: `target ${interaction.targetUser.username}` });
      else if (interaction.isModalSubmit()) void interaction.reply({ content: `topic ${interaction.fields.getStringSelectValues('topic').join(',')}` });
    });
    await login(client, standin);
  });

  afterAll(async () => {
    await client?.destroy();
    await standin?.stop();
  });

  it('channels, guild members, DMs, reactions, edits and deletes', async () => {
    const { guild, users } = standin.world;
    const channel = await client.channels.fetch(guild.textChannelId, { force: true });
    expect(channel?.isSendable()).toBe(true);
    if (!channel?.isSendable()) return;
    const member = await client.guilds.cache.get(guild.id)!.members.fetch({ user: users.bob.id, force: true });
    expect(member.roles.cache.has(guild.moderatorRoleId)).toBe(true);
    await expect(client.guilds.cache.get(guild.id)!.members.fetch({ user: users.erin.id, force: true })).rejects.toMatchObject({ code: 10007 });

    const sent = await channel.send({ content: `hi <@${users.alice.id}>`, allowedMentions: { users: [users.alice.id] } });
    expect(sent.mentions.users.has(users.alice.id)).toBe(true);
    await sent.react('👍');
    const edited = await sent.edit({ content: 'edited' });
    expect(edited.editedTimestamp).not.toBeNull();
    const fetched = await channel.messages.fetch({ message: sent.id, force: true });
    expect(fetched.content).toBe('edited');
    expect(fetched.reactions.cache.first()?.me).toBe(true);
    await sent.delete();
    expect(standin.message(sent.id)).toBeUndefined();

    const erin = await client.users.fetch(users.erin.id);
    const dm = await erin.send({ content: 'hello erin' });
    expect(dm.channelId).toBe(standin.world.dmChannel(users.erin.id).id);
    standin.blockDms(users.dave.id);
    await expect((await client.users.fetch(users.dave.id)).send('x')).rejects.toMatchObject({ code: 50007 });
  });

  it('channel overwrites denying SendMessages → 403 50013', async () => {
    const { guild } = standin.world;
    const papers = guild.channels.find((c) => c.id === guild.otherTextChannelId)!;
    papers.permission_overwrites = [{ id: guild.botRoleId, type: 0, allow: '0', deny: String(1n << 11n) }];
    try {
      const channel = await client.channels.fetch(papers.id);
      if (!channel?.isSendable()) throw new Error('not sendable');
      await expect(channel.send('nope')).rejects.toMatchObject({ status: 403, code: 50013 });
    } finally {
      papers.permission_overwrites = [];
    }
  });

  it('select menus, context-menu commands and label modals with selects', async () => {
    const channel = await client.channels.fetch(standin.world.guild.textChannelId);
    if (!channel?.isSendable()) throw new Error('not sendable');
    const msg = await channel.send({
      content: 'choose',
      components: [{ type: 1, components: [{ type: 3, custom_id: 'topic', options: [{ label: 'NLP', value: 'nlp' }, { label: 'CV', value: 'cv' }] }] }],
    });
    const pick = standin.selectMenu('topic', ['nlp', 'cv'], msg.id, { user: 'alice' });
    const [r] = await standin.waitForResponses(pick.id);
    expect(r?.body).toMatchObject({ data: { content: 'picked nlp,cv' } });

    const ctxCmd = standin.sendCommand('Inspect', {}, { commandType: 2, targetId: standin.world.users.dave.id });
    const [r2] = await standin.waitForResponses(ctxCmd.id);
    expect(r2?.body).toMatchObject({ data: { content: 'target dave' } });

    const modal = standin.submitModal('m', { topic: ['nlp'] });
    const [r3] = await standin.waitForResponses(modal.id);
    expect(r3?.body).toMatchObject({ data: { content: 'topic nlp' } });
  });
});
