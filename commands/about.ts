/** `/about` — corpus size, sources and the last reload time. */
import { SlashCommandBuilder } from 'discord.js';
import { renderAbout } from '../src/discord/render.ts';
import { reply, type Command } from '../src/discord/types.ts';

export const about = {
  data: new SlashCommandBuilder().setName('about').setDescription('Corpus size, sources and last reload time'),
  execute(_interaction, ctx) {
    return reply(renderAbout(ctx.corpus(), ctx.startedAt));
  },
} satisfies Command;

export default about;
