/**
 * Warms the answer paths up before the bot goes online: a cold process (code not yet optimised by
 * the JIT, empty caches) answers its first interactions several times slower, and at 100
 * interactions/s on a busy machine that is enough to fall behind the 3 s acknowledgement window
 * right after a (re)start. This runs each kind of answer a few times on the loaded corpus — paper
 * and author cards, search and topic pages, autocomplete lists, a conversation turn — without
 * touching the database or keeping anything (the conversation used is forgotten).
 */
import type { Logger } from 'pino';
import type { Engine } from '../conversation/engine.ts';
import { listPage } from './lists.ts';
import { authorChoices, categoryChoices, titleChoices } from './lookup.ts';
import { plainIds, renderAnswer, renderAuthorCard, renderListPage, renderPaperCard } from './render.ts';

const KEY = '__warmup__';

/** Runs the hot paths a few times (bounded by `budgetMs`); returns how long it took. */
export function warmUp(engine: Engine, logger: Logger, budgetMs = 1500): number {
  const t0 = Date.now();
  const lib = engine.lib;
  const papers = lib.latest(8);
  const rounds = 3;
  try {
    for (let r = 0; r < rounds && Date.now() - t0 < budgetMs; r++) {
      for (const p of papers) {
        if (Date.now() - t0 >= budgetMs) break;
        renderPaperCard(p, lib, plainIds);
        const author = p.authorIds[0] ? lib.authors.get(p.authorIds[0]) : undefined;
        if (author) renderAuthorCard(author, lib);
        const title = p.title ?? p.id;
        const words = title.split(/\s+/).slice(0, 3).join(' ');
        const q = { mode: 'search' as const, q: `${words} ${r}`, kind: 'papers' as const };
        renderListPage(q, listPage(q, lib, 0), lib, 'warmup');
        titleChoices(lib, title.slice(0, 3));
        if (author) authorChoices(lib, author.name.slice(0, 4));
        renderAnswer(engine.ask(`who wrote ${title}?`, KEY), lib);
        renderAnswer(engine.ask('the first one', KEY), lib);
      }
      categoryChoices(lib, 'comp');
      const topic = { mode: 'topic' as const, q: lib.categories[r % Math.max(1, lib.categories.length)] ?? 'learning', kind: 'all' as const };
      renderListPage(topic, listPage(topic, lib, 0), lib, 'warmup');
    }
  } catch (err) {
    logger.warn({ err }, 'warm-up failed (the bot starts anyway)');
  } finally {
    engine.reset(KEY);
  }
  const ms = Date.now() - t0;
  logger.debug({ ms }, 'answer paths warmed up');
  return ms;
}
