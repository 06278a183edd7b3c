/** `/help` — what the bot does and how to talk to it. */
import { SlashCommandBuilder } from 'discord.js';
import { renderHelp } from '../src/discord/render.ts';
import { reply, type Command } from '../src/discord/types.ts';

export const help = {
  data: new SlashCommandBuilder().setName('help').setDescription('How to use papertalk'),
  ephemeral: true,
  async execute() {
    // Imported lazily: index.ts imports this module.
    const { commands } = await import('./index.ts');
    return reply(renderHelp(commands.map((c) => ({ name: c.data.name, description: c.data.toJSON().description ?? '' }))));
  },
} satisfies Command;

export default help;
