/**
 * `/author name` — an author's papers by year, top co-authors, categories and a
 * publications-per-year sparkline, with a chart of papers per year and top co-authors as the
 * embed image. When a name is shared by different people (two "Zhifeng Chen"s), says so and
 * offers a menu to pick one.
 */
import { SlashCommandBuilder } from 'discord.js';
import type { Author } from '../src/corpus/schema.ts';
import { authorChart, withChart } from '../src/discord/charts.ts';
import { authorById, authorChoices, requireAuthors, selectedValue } from '../src/discord/lookup.ts';
import { renderAuthorCard, renderAuthorChoice } from '../src/discord/render.ts';
import { libraryOf, reply, update, type BotContext, type Command, type Reply } from '../src/discord/types.ts';

/** The author card with its chart (the card alone when the chart cannot be drawn). */
export function authorCard(a: Author, ctx: BotContext): Promise<Reply> {
  const lib = libraryOf(ctx);
  return withChart(renderAuthorCard(a, lib), () => authorChart(a, lib), ctx.logger);
}

export const author = {
  data: new SlashCommandBuilder()
    .setName('author')
    .setDescription("An author's papers by year, co-authors, categories and activity")
    .addStringOption((o) => o.setName('name').setDescription('Author name as the corpus lists it, e.g. Yanqi Zhou').setRequired(true).setAutocomplete(true).setMaxLength(200)),

  async execute(interaction, ctx) {
    const lib = libraryOf(ctx);
    const name = interaction.options.getString('name', true);
    const people = requireAuthors(lib, name);
    if (people.length > 1) return reply(renderAuthorChoice(name, people, lib));
    return reply(await authorCard(people[0]!, ctx));
  },

  autocomplete(interaction, ctx) {
    return authorChoices(libraryOf(ctx), interaction.options.getFocused());
  },

  components: {
    /** The ambiguity menu: replaces the question with the chosen person's card. */
    pick: {
      ack: 'update',
      async run(i, _args, ctx) {
        return update(await authorCard(authorById(libraryOf(ctx), selectedValue(i)), ctx));
      },
    },
    /** "Open an author…" menus (values: author ids): the card, privately. */
    o: {
      ack: 'reply',
      ephemeral: true,
      async run(i, _args, ctx) {
        return reply({ ...(await authorCard(authorById(libraryOf(ctx), selectedValue(i)), ctx)), ephemeral: true });
      },
    },
  },
} satisfies Command;

export default author;
