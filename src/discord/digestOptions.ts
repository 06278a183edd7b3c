/**
 * What `/digest` (channel digests) and `/mydigest` (personal digests in DMs) share: the schedule
 * and filter options of `subscribe`, reading them back, their autocomplete, the confirmation of a
 * new subscription, and the scheduler check.
 */
import { time, TimestampStyles, type AutocompleteInteraction, type ChatInputCommandInteraction, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { DigestScheduler } from '../digest/scheduler.ts';
import { MAX_PAPERS_MAX, MAX_PAPERS_MIN } from '../digest/subscriptionInput.ts';
import { UserError } from '../errors.ts';
import type { Paper } from '../corpus/schema.ts';
import type { Library } from '../search/library.ts';
import type { Subscription } from '../store/types.ts';
import { likeChoices, resolveLikes } from './feedback.ts';
import type { Choice } from './limits.ts';
import { authorChoices, categoryChoices, listChoices } from './lookup.ts';
import { describeSubscription } from './render.ts';
import type { BotContext } from './types.ts';

let zones: string[] | null = null;
/** `UTC`, `Etc/UTC`, then every IANA zone this runtime knows. */
export function timeZones(): string[] {
  if (!zones) {
    const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    zones = ['UTC', 'Etc/UTC', ...supported.filter((z) => z !== 'UTC')];
  }
  return zones;
}

/** Adds `time`, `timezone` (required) and the optional filters, in the order the contract lists them, then `like` (seed papers). */
export function addScheduleOptions(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .addStringOption((o) => o.setName('time').setDescription('Time of day, 24-hour HH:MM (e.g. 07:30)').setRequired(true).setMaxLength(10))
    .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin or UTC').setRequired(true).setAutocomplete(true).setMaxLength(64))
    .addStringOption((o) => o.setName('categories').setDescription('Comma-separated categories (codes or names), e.g. CL, LG').setAutocomplete(true).setMaxLength(500))
    .addStringOption((o) => o.setName('authors').setDescription('Comma-separated author names').setAutocomplete(true).setMaxLength(1000))
    .addStringOption((o) => o.setName('keywords').setDescription('Comma-separated keywords (any of them)').setMaxLength(1000))
    .addStringOption((o) => o.setName('exclude_keywords').setDescription('Comma-separated keywords to leave out').setMaxLength(1000))
    .addIntegerOption((o) => o.setName('max_papers').setDescription(`Papers per digest (${MAX_PAPERS_MIN}–${MAX_PAPERS_MAX}, default 10)`).setMinValue(MAX_PAPERS_MIN).setMaxValue(MAX_PAPERS_MAX))
    .addBooleanOption((o) => o.setName('post_empty').setDescription('Post a short note when nothing is new (default no)'))
    .addStringOption((o) => o.setName('like').setDescription('Papers you like (titles, ; between them): similar new papers are listed first').setAutocomplete(true).setMaxLength(1000));
}

/** The papers named by `like` (seed papers of the interest profile); a UserError naming unknown ones. */
export function readLikes(i: ChatInputCommandInteraction, lib: Library): Paper[] {
  return resolveLikes(lib, i.options.getString('like'));
}

/** The schedule and filter options as typed (validated later by `parseSubscriptionInput`). */
export function readScheduleOptions(i: ChatInputCommandInteraction) {
  const o = i.options;
  return {
    time: o.getString('time', true),
    timezone: o.getString('timezone', true),
    categories: o.getString('categories'),
    authors: o.getString('authors'),
    keywords: o.getString('keywords'),
    excludeKeywords: o.getString('exclude_keywords'),
    maxPapers: o.getInteger('max_papers'),
    postEmpty: o.getBoolean('post_empty'),
  };
}

/** Autocomplete of `timezone`, `categories` and `authors`; null for any other option. */
export function scheduleAutocomplete(interaction: AutocompleteInteraction, lib: Library): Choice[] | null {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value);
  switch (focused.name) {
    case 'timezone': {
      const q = typed.trim().toLowerCase().replace(/\s+/g, '_');
      return timeZones()
        .filter((z) => !q || z.toLowerCase().includes(q))
        .slice(0, 25)
        .map((z) => ({ name: z, value: z }));
    }
    case 'categories':
      return listChoices(typed, (last) => categoryChoices(lib, last));
    case 'authors':
      return listChoices(typed, (last) => authorChoices(lib, last, 'name'));
    case 'like':
      return likeChoices(lib, typed);
    default:
      return null;
  }
}

/** The scheduler, or a clear message when this process does not run digests (e.g. shard ≠ 0). */
export function requireScheduler(ctx: BotContext): DigestScheduler {
  if (!ctx.scheduler) throw new UserError('digest-unavailable', 'Digests are not running on this instance right now.');
  return ctx.scheduler;
}

/** Schedules a subscription just stored; the confirmation text, with the next digest's time. */
export function scheduleAndConfirm(ctx: BotContext, created: Subscription): string {
  ctx.scheduler?.addSubscription(created);
  const next = ctx.scheduler?.nextRunAt(created.id) ?? null;
  return [
    `Subscribed: ${describeSubscription(created)}.`,
    'The first digest lists the latest papers by date; after that, only papers new since the previous one.',
    next ? `Next digest: ${time(next, TimestampStyles.LongDateTime)} (${time(next, TimestampStyles.RelativeTime)}).` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Choices for an `id` option: the subscriptions whose number starts with what was typed. */
export function subscriptionIdChoices(subs: readonly Subscription[], typed: string, label: (s: Subscription) => string): Choice[] {
  const prefix = typed.trim();
  return subs.filter((s) => !prefix || String(s.id).startsWith(prefix)).map((s) => ({ name: label(s), value: s.id }));
}
