/**
 * The conversation engine: input + conversation key → Answer. Used by the CLI, the console
 * and Discord alike; needs no network and no token.
 */
import type { Logger } from 'pino';
import type { Library } from '../search/library.ts';
import { answerFrame, type AnswerOptions } from './answer.ts';
import { ConversationMemory, type MemoryOptions } from './memory.ts';
import { cleanInput, understandQuery } from './parse.ts';
import { prepare, SCORE_WEIGHTS, withClock } from './understand/understand.ts';
import { verbalize } from './verbalize.ts';
import { createRephraser } from './rephrase/index.ts';
import type { Rephraser } from './rephraser.ts';
import type { Answer } from './types.ts';

export interface EngineOptions extends AnswerOptions {
  /** The library to answer from; swap it with `setLibrary` after a reload. */
  library: Library;
  logger?: Logger;
  memory?: MemoryOptions;
  rephraser?: Rephraser;
  /** Longest input taken, in characters; the rest is cut. */
  maxInputLength?: number;
  /** The current time: relative periods ("this year") and conversation ages. Default: the system clock. */
  clock?: () => Date;
}

/** Score gap under which a second reading is offered as "Did you mean …?", in units of the intent model's log-probability (about 1.3× as likely). */
const CLOSE_READINGS = 0.25;

/** The second reading of a question when it scores close to the first and means something else. */
function closeReading(text: string, lib: Library): string | null {
  const u = understandQuery(text, lib);
  const [a, b] = u.candidates;
  if (!a || !b || a.score - b.score > CLOSE_READINGS * Math.max(1, SCORE_WEIGHTS.logProb) || a.intent === b.intent) return null;
  if (b.features['entityMissing'] || b.features['severalPeople']) return null;
  const said = verbalize(b.frame, lib);
  return said && said !== verbalize(a.frame, lib) ? said : null;
}

export class Engine {
  private library: Library;
  readonly memory: ConversationMemory;
  private readonly rephraser: Rephraser;
  private readonly logger: Logger | undefined;
  private readonly options: EngineOptions;

  constructor(options: EngineOptions) {
    this.options = options;
    this.library = options.library;
    prepare(this.library);
    this.memory = new ConversationMemory(options.memory);
    this.rephraser = options.rephraser ?? createRephraser();
    this.logger = options.logger;
  }

  get lib(): Library {
    return this.library;
  }

  /** Swaps in a freshly loaded library (conversations keep their ids: ids are stable). */
  setLibrary(library: Library): void {
    prepare(library);
    this.library = library;
  }

  /** Answers one turn of the conversation `key` and remembers it. Never throws for bad input. */
  ask(input: string, key = 'local'): Answer {
    const max = this.options.maxInputLength ?? 500;
    const raw = typeof input === 'string' ? input : '';
    const cleaned = cleanInput(raw).slice(0, max);
    const lib = this.library;
    if (!cleaned) {
      return {
        input: raw, rephrased: '', intent: 'help', papers: [], authors: [], posts: [], rewritten: false, authorIds: [], total: 0, snippets: {}, choices: [], suggestions: [],
        text: 'Ask me something about the papers, authors or blog posts I know — or type “help”.', frame: { intent: 'help' },
      };
    }
    const history = this.memory.turns(key);
    const clock = this.options.clock ?? (() => new Date());
    const r = withClock(clock, () => this.rephraser.rephrase(cleaned, history, lib));
    this.logger?.debug({ key, input: cleaned, rephrased: r.text, provenance: r.provenance, explanation: r.explanation }, 'rephrased');
    if (this.logger?.isLevelEnabled('debug')) {
      const u = withClock(clock, () => understandQuery(r.text, lib));
      this.logger.debug({ key, text: r.text, confidence: u.confidence, intents: u.intents, candidates: u.candidates.map((c) => ({ intent: c.intent, score: Math.round(c.score * 1000) / 1000, features: c.features })) }, 'understood');
    }
    const body = answerFrame(r.frame, lib, this.options);
    if (r.frame.fallback) body.text = `Interpreted as: ${verbalize(r.frame, lib)}\n${body.text}`;
    else if (!r.rewritten) {
      // "Did you mean" only when a second reading comes close to the one answered.
      const alt = withClock(clock, () => closeReading(cleaned, lib));
      if (alt) {
        body.suggestions = [alt, ...body.suggestions.filter((x) => x !== alt)];
        body.text += `\nDid you mean: “${alt}”?`;
      }
    }
    const answer: Answer = { input: raw, rephrased: r.rewritten ? r.text : raw, rewritten: r.rewritten, ...body };
    if (r.frame.intent === 'reset') {
      this.memory.forget(key);
      return answer;
    }
    this.memory.add(key, {
      input: cleaned,
      rephrased: answer.rephrased,
      frame: r.frame,
      papers: answer.papers.map((p) => p.id),
      authors: answer.authorIds,
      posts: answer.posts.map((p) => p.id),
      at: clock().getTime(),
    });
    return answer;
  }

  /** Forgets a conversation (`/ask reset`). */
  reset(key: string): void {
    this.memory.forget(key);
  }
}
