/**
 * Admin commands: /digest (which posts into a channel) is registered with default member
 * permissions Manage Server and guild-only contexts, AND checked again at run time — the
 * stand-in, like a modified client or a permission change Discord hasn't propagated, lets any
 * member send it. A member without Manage Server (carol, dave, a fresh member) is refused for
 * every subcommand with a clear ephemeral message and nothing changes; its autocomplete reveals
 * nothing (no subscription list); a manager (bob: Moderator role with Manage Server; alice: owner)
 * is allowed; in a DM it says digests are set up in a server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackData, startHarness, type Harness } from './reliability-harness.ts';

const DENIED = 'Managing digests needs the **Manage Server** permission.';

describe('admin commands: /digest gated by default member permissions and a run-time check', () => {
  let h: Harness;
  let stranger = '';

  beforeAll(async () => {
    h = await startHarness();
    const u = h.standin.world.addUser({ username: 'stranger' });
    h.standin.world.addMember(h.standin.world.guild.id, u.id);
    stranger = u.id;
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  const channel = (): { type: number; value: string } => ({ type: 7, value: h.standin.world.guild.otherTextChannelId });

  it('is registered with default_member_permissions = Manage Server, for guilds only', () => {
    const digest = h.standin.registeredCommands(h.standin.world.guild.id).find((c) => c.name === 'digest')!;
    expect(digest.default_member_permissions).toBe('32');
    expect(digest.contexts).toEqual([0]);
    // The stand-in's permission model agrees: carol lacks it, bob has it.
    const perms = (user: string): bigint => h.standin.world.permissions(h.standin.world.guild.id, user);
    expect(perms(h.standin.world.users.carol.id) & 32n).toBe(0n);
    expect(perms(h.standin.world.users.bob.id) & 32n).toBe(32n);
  });

  it('a manager can subscribe (setup)', async () => {
    const r = await h.one(h.standin.sendCommand('digest', { channel: channel(), time: '00:00', timezone: 'Pacific/Kiritimati', keywords: 'gated' }, { user: 'bob', subcommand: 'subscribe' }));
    expect(String(callbackData(r).content)).toMatch(/^Subscribed: \*\*#1\*\*/);
  });

  it.each(['carol', 'dave', 'stranger'] as const)('%s (no Manage Server) is refused for every subcommand; nothing changes', async (who) => {
    const user = who === 'stranger' ? stranger : who;
    const calls: [string, Record<string, unknown>][] = [
      ['subscribe', { channel: channel(), time: '01:00', timezone: 'UTC' }],
      ['unsubscribe', { id: 1 }],
      ['list', {}],
      ['preview', { id: 1 }],
    ];
    for (const [sub, options] of calls) {
      const sent = h.standin.sendCommand('digest', options as never, { user, subcommand: sub });
      const r = await h.one(sent);
      expect(callbackData(r), `${who} /digest ${sub}`).toEqual({ content: DENIED, flags: 64, allowed_mentions: { parse: [] } });
      expect(h.standin.ackLatency(sent.id)).toBeLessThan(3000);
    }
    expect(h.bot.ctx.store.listSubscriptions().map((s) => s.id)).toEqual([1]);
    expect(h.standin.findRequests(`POST /channels/${h.standin.world.guild.otherTextChannelId}/messages`)).toEqual([]);
  });

  it("autocomplete doesn't reveal the server's subscriptions (or anything) to a member without the permission", async () => {
    const forBob = await h.one(h.standin.sendAutocomplete('digest', { id: '' }, { focused: 'id', subcommand: 'unsubscribe', user: 'bob' }));
    expect((forBob.body as { data: { choices: { value: number }[] } }).data.choices.map((c) => c.value)).toEqual([1]);
    for (const [focused, sub, options] of [
      ['id', 'unsubscribe', { id: '' }],
      ['id', 'preview', { id: '' }],
      ['timezone', 'subscribe', { timezone: 'Eur' }],
      ['authors', 'subscribe', { authors: 'Yan' }],
    ] as const) {
      const r = await h.one(h.standin.sendAutocomplete('digest', options, { focused, subcommand: sub, user: 'carol' }));
      expect((r.body as { data: { choices: unknown[] } }).data.choices, `${sub} ${focused}`).toEqual([]);
    }
  });

  it('the owner (Administrator) is allowed', async () => {
    const r = await h.one(h.standin.sendCommand('digest', {}, { user: 'alice', subcommand: 'list' }));
    expect(((callbackData(r).embeds as { title: string }[])[0]!).title).toBe('Digest subscriptions (1)');
  });

  it('in a DM: digests are set up in a server', async () => {
    const r = await h.one(h.standin.sendCommand('digest', {}, { user: 'erin', guildId: null, subcommand: 'list' }));
    expect(callbackData(r)).toMatchObject({ flags: 64 });
    expect(String(callbackData(r).content)).toMatch(/server|Manage Server/);
  });

  it('no errors, no unhandled rejections', () => {
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
