/**
 * `/paper title` — one paper card (title and aliases, all known authors, date, category, venue,
 * organisations, code, key sentences, sources, blog posts) with "Authors", "More like this"
 * and "Ask a follow-up". The title option autocompletes.
 */
import { SlashCommandBuilder } from 'discord.js';
import { followUpModal } from '../src/discord/followUp.ts';
import { paperById, requirePaper, selectedValue, titleChoices } from '../src/discord/lookup.ts';
import { renderPaperAuthors, renderPaperCard, renderSimilar } from '../src/discord/render.ts';
import { libraryOf, reply, type Command } from '../src/discord/types.ts';

export const paper = {
  data: new SlashCommandBuilder()
    .setName('paper')
    .setDescription('One paper: authors, date, category, key sentences, sources and blog posts')
    .addStringOption((o) => o.setName('title').setDescription('Title, short name (e.g. GPipe) or paper id').setRequired(true).setAutocomplete(true).setMaxLength(500)),

  execute(interaction, ctx) {
    const lib = libraryOf(ctx);
    const p = requirePaper(lib, interaction.options.getString('title', true));
    return reply(renderPaperCard(p, lib, ctx.state));
  },

  autocomplete(interaction, ctx) {
    return titleChoices(libraryOf(ctx), interaction.options.getFocused());
  },

  components: {
    /** Select menu "Open a paper…" (values: paper ids). */
    o: {
      ack: 'reply',
      ephemeral: true,
      run(i, _args, ctx) {
        const lib = libraryOf(ctx);
        const id = selectedValue(i);
        return reply({ ...renderPaperCard(paperById(lib, id), lib, ctx.state), ephemeral: true });
      },
    },
    /** Button "Authors". */
    a: {
      ack: 'reply',
      ephemeral: true,
      run(_i, [id = ''], ctx) {
        const lib = libraryOf(ctx);
        return reply(renderPaperAuthors(paperById(lib, id), lib));
      },
    },
    /** Button "More like this". */
    s: {
      ack: 'reply',
      ephemeral: true,
      run(_i, [id = ''], ctx) {
        const lib = libraryOf(ctx);
        return reply(renderSimilar(paperById(lib, id), lib));
      },
    },
    /** Button "Ask a follow-up": a modal whose answer continues the conversation about this paper. */
    q: {
      ack: 'modal',
      run(_i, [id = ''], ctx) {
        const lib = libraryOf(ctx);
        return { type: 'modal', modal: followUpModal(ctx.state, paperById(lib, id)) };
      },
    },
  },
} satisfies Command;

export default paper;
