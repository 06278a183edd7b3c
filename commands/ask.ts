/**
 * `/ask question [reset]` — a free-form question answered by the conversation engine (the same
 * text the CLI gives), in the conversation of this user in this channel (or this DM). Follow-ups
 * ("who wrote it?") resolve against that conversation only. `reset:True` or the text "reset"
 * forgets it. Also the "Ask a follow-up" modal and the "Which one did you mean?" menu.
 */
import { SlashCommandBuilder } from 'discord.js';
import { followUpModal, QUESTION_FIELD, RESET_TEXT, seedPaperTurn } from '../src/discord/followUp.ts';
import { authorById, interactionKey, paperById, selectedRef } from '../src/discord/lookup.ts';
import { renderAnswer, renderPaperCard } from '../src/discord/render.ts';
import { ephemeral, libraryOf, reply, type Command } from '../src/discord/types.ts';
import { authorCard } from './author.ts';

export const ask = {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask anything about the papers, authors and blog posts; follow-ups continue the conversation')
    .addStringOption((o) => o.setName('question').setDescription('e.g. who wrote GPipe? · papers by Yanqi Zhou in 2023 · the second one').setRequired(true).setMaxLength(6000))
    .addBooleanOption((o) => o.setName('reset').setDescription('Forget our conversation in this channel first')),

  execute(interaction, ctx) {
    const key = interactionKey(interaction);
    const question = interaction.options.getString('question', true);
    if (interaction.options.getBoolean('reset') === true) {
      ctx.engine.reset(key);
      if (/^\s*reset\s*$/i.test(question) || !question.trim()) return ephemeral(RESET_TEXT);
    }
    const answer = ctx.engine.ask(question, key);
    if (answer.intent === 'reset') return ephemeral(RESET_TEXT);
    return reply(renderAnswer(answer, libraryOf(ctx)));
  },

  components: {
    /** Button "Ask a follow-up" under an answer. */
    f: {
      ack: 'modal',
      run(_i, _args, ctx) {
        return { type: 'modal', modal: followUpModal(ctx.state) };
      },
    },
    /** The follow-up modal submitted (`ask:m[:<paper id>]`). */
    m: {
      ack: 'reply',
      run(i, [paperId], ctx) {
        if (!i.isModalSubmit()) return ephemeral('That is not a question.');
        const key = interactionKey(i);
        const lib = libraryOf(ctx);
        if (paperId) seedPaperTurn(ctx.engine, key, paperById(lib, paperId));
        const answer = ctx.engine.ask(i.fields.getTextInputValue(QUESTION_FIELD), key);
        if (answer.intent === 'reset') return ephemeral(RESET_TEXT);
        return reply(renderAnswer(answer, lib));
      },
    },
    /** "Which one did you mean?" (values `a:<author id>` / `p:<paper id>`). */
    c: {
      ack: 'reply',
      ephemeral: true,
      async run(i, _args, ctx) {
        const lib = libraryOf(ctx);
        const { kind, id } = selectedRef(i);
        const card = kind === 'a' ? await authorCard(authorById(lib, id), ctx) : renderPaperCard(paperById(lib, id), lib, ctx.state);
        return reply({ ...card, ephemeral: true });
      },
    },
  },
} satisfies Command;

export default ask;
