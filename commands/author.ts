/**
 * `/author name` — an author's papers by year, top co-authors, categories and a
 * publications-per-year sparkline. When a name is shared by different people (two
 * "Zhifeng Chen"s), says so and offers a menu to pick one.
 */
import { SlashCommandBuilder } from 'discord.js';
import { authorById, authorChoices, requireAuthors, selectedValue } from '../src/discord/lookup.ts';
import { renderAuthorCard, renderAuthorChoice } from '../src/discord/render.ts';
import { libraryOf, reply, update, type Command } from '../src/discord/types.ts';

export const author = {
  data: new SlashCommandBuilder()
    .setName('author')
    .setDescription("An author's papers by year, co-authors, categories and activity")
    .addStringOption((o) => o.setName('name').setDescription('Author name as the corpus lists it, e.g. Yanqi Zhou').setRequired(true).setAutocomplete(true).setMaxLength(200)),

  execute(interaction, ctx) {
    const lib = libraryOf(ctx);
    const name = interaction.options.getString('name', true);
    const people = requireAuthors(lib, name);
    if (people.length > 1) return reply(renderAuthorChoice(name, people, lib));
    return reply(renderAuthorCard(people[0]!, lib));
  },

  autocomplete(interaction, ctx) {
    return authorChoices(libraryOf(ctx), interaction.options.getFocused());
  },

  components: {
    /** The ambiguity menu: replaces the question with the chosen person's card. */
    pick: {
      ack: 'update',
      run(i, _args, ctx) {
        const lib = libraryOf(ctx);
        const id = selectedValue(i);
        return update(renderAuthorCard(authorById(lib, id), lib));
      },
    },
    /** "Open an author…" menus (values: author ids): the card, privately. */
    o: {
      ack: 'reply',
      ephemeral: true,
      run(i, _args, ctx) {
        const lib = libraryOf(ctx);
        const id = selectedValue(i);
        return reply({ ...renderAuthorCard(authorById(lib, id), lib), ephemeral: true });
      },
    },
  },
} satisfies Command;

export default author;
