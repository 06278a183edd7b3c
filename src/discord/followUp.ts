/**
 * Conversation turns from Discord: `/ask`, the "Ask a follow-up" modal, mentions, replies and
 * DMs all end here, with the conversation key of (channel, user) or the DM user.
 */
import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord.js';
import type { Engine } from '../conversation/engine.ts';
import type { Paper } from '../corpus/schema.ts';
import { LIMITS, truncate } from './limits.ts';
import type { IdMaker } from './render.ts';

export const QUESTION_FIELD = 'question';
/** Longest question taken from the modal. */
export const MAX_QUESTION = 500;

/** The "Ask a follow-up" modal (customId `ask:m[:<paper id>]`). */
export function followUpModal(ids: IdMaker, paper?: Paper): APIModalInteractionResponseCallbackData {
  const about = paper?.title ? `About: ${paper.title}` : 'Continues your conversation in this channel.';
  return new ModalBuilder()
    .setCustomId(paper ? ids.customId('ask', 'm', paper.id) : ids.customId('ask', 'm'))
    .setTitle('Ask a follow-up')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Your question')
        .setDescription(truncate(about, 100))
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(QUESTION_FIELD)
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMinLength(1)
            .setMaxLength(MAX_QUESTION)
            .setPlaceholder(truncate(paper ? 'e.g. who wrote it? when was it published? more like this' : 'e.g. who wrote it? the second one', LIMITS.textInputPlaceholder)),
        ),
    )
    .toJSON();
}

/**
 * Makes `paper` the subject of the conversation (so "it" refers to it), unless the last turn
 * already is about it. Used by the follow-up button of a paper card.
 */
export function seedPaperTurn(engine: Engine, key: string, paper: Paper, now: number = Date.now()): void {
  const last = engine.memory.turns(key).at(-1);
  if (last && last.papers[0] === paper.id) return;
  const title = paper.title ?? paper.id;
  engine.memory.add(key, { input: title, rephrased: title, frame: { intent: 'paper', papers: [paper.id] }, papers: [paper.id], authors: [...paper.authorIds], posts: [], at: now });
}

export const RESET_TEXT = 'Done: I forgot our conversation here. Ask me anything.';
