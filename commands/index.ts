/** Every slash command, in the order /help lists them. */
import type { Command } from '../src/discord/types.ts';
import about from './about.ts';
import ask from './ask.ts';
import author from './author.ts';
import digest from './digest.ts';
import follow from './follow.ts';
import help from './help.ts';
import mydigest from './mydigest.ts';
import paper from './paper.ts';
import search from './search.ts';
import topic from './topic.ts';

export const commands: readonly Command[] = [search, paper, author, topic, ask, digest, mydigest, follow, help, about];

/** The JSON bodies registered with Discord. */
export function commandBodies() {
  return commands.map((c) => c.data.toJSON());
}
