/**
 * `/topic name` — papers and blog posts for a category (code or name, autocompleted) or a free
 * topic, newest papers first, paged like `/search`.
 */
import { SlashCommandBuilder } from 'discord.js';
import type { ListQuery } from '../src/discord/lists.ts';
import { categoryChoices } from '../src/discord/lookup.ts';
import { libraryOf, type Command } from '../src/discord/types.ts';
import { startList } from './search.ts';

export const topic = {
  data: new SlashCommandBuilder()
    .setName('topic')
    .setDescription('Papers and blog posts on a category or a free topic, newest first')
    .addStringOption((o) => o.setName('name').setDescription('A category (e.g. CL, Machine Learning) or any topic (e.g. speech recognition)').setRequired(true).setAutocomplete(true).setMaxLength(200))
    .addIntegerOption((o) => o.setName('year').setDescription('Only papers from this year').setMinValue(1900).setMaxValue(2100))
    .addStringOption((o) =>
      o.setName('kind').setDescription('Papers, blog posts or both (default both)').addChoices({ name: 'papers', value: 'papers' }, { name: 'blog posts', value: 'posts' }, { name: 'all', value: 'all' }),
    ),

  execute(interaction, ctx) {
    const o = interaction.options;
    const kind = (o.getString('kind') ?? 'all') as ListQuery['kind'];
    const q: ListQuery = { mode: 'topic', q: o.getString('name', true), kind: ['papers', 'posts', 'all'].includes(kind) ? kind : 'all' };
    const year = o.getInteger('year');
    if (year !== null) q.year = year;
    return startList(q, ctx);
  },

  autocomplete(interaction, ctx) {
    const typed = interaction.options.getFocused();
    const lib = libraryOf(ctx);
    const cats = categoryChoices(lib, typed);
    // Offer the typed text itself as a free topic too.
    const free = typed.trim() && !cats.some((c) => String(c.value).toLowerCase() === typed.trim().toLowerCase()) ? [{ name: `Topic: ${typed.trim()}`, value: typed.trim() }] : [];
    return [...free, ...cats];
  },
} satisfies Command;

export default topic;
