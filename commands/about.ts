/** `/about` — corpus size, sources and the last reload time, with papers per category as the embed image. */
import { SlashCommandBuilder } from 'discord.js';
import { categoryChart, withChart } from '../src/discord/charts.ts';
import { renderAbout } from '../src/discord/render.ts';
import { reply, type Command } from '../src/discord/types.ts';

export const about = {
  data: new SlashCommandBuilder().setName('about').setDescription('Corpus size, sources and last reload time'),
  async execute(_interaction, ctx) {
    const loaded = ctx.corpus();
    return reply(await withChart(renderAbout(loaded, ctx.startedAt), () => categoryChart(loaded.library), ctx.logger));
  },
} satisfies Command;

export default about;
