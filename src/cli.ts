/**
 * The command line: the contract's JSON interface and the local console, over the same engine.
 *
 *   npm run --silent cli -- corpus [--json]
 *   npm run --silent cli -- ask "<question>" [--json]
 *   npm run --silent cli -- chat [--json]        one turn per stdin line, one conversation
 *   npm run --silent cli -- console              the interactive console (what `npm start` opens without a token)
 *
 * Answers go to stdout; logs go to stderr.
 */
import { createInterface } from 'node:readline';
import { loadConfig, ConfigError } from './config.ts';
import { CorpusService } from './corpusService.ts';
import { Engine } from './conversation/engine.ts';
import { toContractAnswer, type Answer } from './conversation/types.ts';
import { createLogger, wantsColor } from './logger.ts';
import { createProgress } from './progress.ts';
import { renderSnippet } from './search/snippet.ts';
import { perYear, sparkline, type YearSeries } from './search/charts.ts';
import type { Library } from './search/library.ts';
import type { Paper } from './corpus/schema.ts';
import { selectPapers } from './conversation/execute.ts';

const USAGE = `usage: cli <command> [--json]
  corpus [--json]           the merged corpus (papers, posts, authors)
  ask "<question>" [--json] answer one question
  chat [--json]             one question per stdin line, as one conversation
  console                   interactive console`;

/**
 * An answer for people: the text, each result's snippet right under its numbered line, the
 * choices; with colour only when asked (a terminal without NO_COLOR).
 */
export function formatAnswer(a: Answer, color = false, lib?: Library): string {
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const lines: string[] = [];
  if (a.rewritten) lines.push(dim(`Interpreted as: ${a.rephrased}`));
  const cited = [...a.papers.map((p) => ({ id: p.id, title: p.title })), ...a.posts.map((p) => ({ id: p.id, title: p.title }))];
  for (const line of a.text.split('\n')) {
    lines.push(line);
    // "3. Title — …": the snippet of the result that line shows, indented under it.
    if (!/^\d+\.\s/.test(line)) continue;
    const item = cited.find((c) => c.title && line.includes(c.title));
    const snippet = item ? a.snippets[item.id] : undefined;
    if (snippet) lines.push(`    ${dim(renderSnippet(snippet, (x) => x, bold))}`);
  }
  // The per-year numbers the Discord charts draw, as a text sparkline.
  const series = lib ? chartSeries(a, lib) : null;
  if (series) lines.push(dim(`Papers per year: ${series.from} ${sparkline(series.counts)} ${series.to}`));
  if (a.choices.length) lines.push(dim(`Pick one: ${a.choices.map((c) => c.label).join(' | ')}`));
  return lines.join('\n');
}

/** Papers per year for an author answer (their papers) or a listing (what it matched), when there are several years. */
function chartSeries(a: Answer, lib: Library): YearSeries | null {
  let papers: Paper[] = [];
  if (a.intent === 'author' && a.authorIds.length) papers = [...new Set(a.authorIds.flatMap((id) => lib.authors.get(id)?.paperIds ?? []))].map((id) => lib.papers.get(id)!).filter(Boolean);
  else if ((a.intent === 'search' || a.intent === 'papers_by' || a.intent === 'latest') && a.total > a.papers.length) {
    papers = selectPapers({ ...a.frame, sort: undefined as never, limit: undefined as never }, lib, Infinity).papers;
  }
  const s = perYear(papers);
  return s && s.counts.length > 1 ? s : null;
}

function corpusJson(engine: Engine): string {
  const c = engine.lib.corpus;
  return JSON.stringify({
    papers: c.papers.map((p) => ({
      id: p.id, title: p.title, aliases: p.aliases, authors: p.authors, date: p.date, category: p.category, venue: p.venue, orgs: p.orgs,
      hasCode: p.hasCode, abstract: p.abstract, sources: p.sources,
      categoryName: p.categoryName, authorsTruncated: p.authorsTruncated, authorIds: p.authorIds,
    })),
    posts: c.posts.map((p) => ({ id: p.id, title: p.title, body: p.body, mentions: p.mentions, citedTitles: p.citedTitles, acknowledged: p.acknowledged, sources: p.sources })),
    authors: c.authors.map((a) => ({ name: a.name, paperIds: a.paperIds, id: a.id, variants: a.variants, disambiguation: a.disambiguation, profile: a.profile })),
  });
}

function corpusSummary(engine: Engine, loaded: { files: { name: string; format: string | null; papers: number; posts: number }[] }): string {
  const c = engine.lib.corpus;
  const lines = [`${c.papers.length} papers, ${c.posts.length} blog posts, ${c.authors.length} authors`, ''];
  for (const f of loaded.files) lines.push(`  ${f.name}  ${f.format ?? 'not recognised'}  ${f.papers} papers  ${f.posts} posts`);
  lines.push('', 'Newest papers:');
  for (const p of engine.lib.latest(5)) lines.push(`  ${p.date ?? '????'}  ${p.title ?? '[untitled]'}`);
  return lines.join('\n');
}

/** Runs turns from a line stream, printing each answer as soon as it is ready. */
export async function runChat(engine: Engine, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, options: { json: boolean; prompt?: boolean; key?: string }): Promise<void> {
  const rl = createInterface({ input, terminal: false });
  const key = options.key ?? 'cli';
  if (options.prompt) output.write('papertalk> ');
  for await (const line of rl) {
    if (!options.json && /^\s*(exit|quit|:q)\s*$/i.test(line)) break;
    if (!options.json && !line.trim()) {
      if (options.prompt) output.write('papertalk> ');
      continue;
    }
    const answer = engine.ask(line, key);
    output.write(options.json ? `${JSON.stringify(toContractAnswer(answer))}\n` : `${formatAnswer(answer, options.prompt === true && wantsColor(), engine.lib)}\n\n`);
    if (options.prompt) output.write('papertalk> ');
  }
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return err instanceof ConfigError ? 2 : 1;
  }
  const logger = createLogger({ level: config.logLevel, secrets: config.discordToken ? [config.discordToken] : [] });
  // A progress bar on stderr for long loads (only on a terminal; never on stdout).
  const progress = createProgress({ label: 'loading corpus' });
  // One-shot commands load in this thread (nothing else to keep answering); the console, which
  // keeps running and reloads on data changes, loads in the corpus worker.
  const service = new CorpusService({ dataDir: config.dataDir, ...(config.cacheDir !== undefined ? { cacheDir: config.cacheDir } : {}), logger, worker: command === 'console', onProgress: (done, total) => progress.update(done, total) });
  let loaded;
  try {
    loaded = await service.load();
    progress.done();
  } catch (err) {
    progress.done();
    logger.error({ err }, 'cannot load the corpus');
    process.stderr.write(`papertalk: cannot read the data directory ${config.dataDir}: ${(err as Error).message}\n`);
    return 1;
  }
  const engine = new Engine({ library: loaded.library, logger });
  switch (command) {
    case 'corpus':
      process.stdout.write(`${json ? corpusJson(engine) : corpusSummary(engine, loaded)}\n`);
      return 0;
    case 'ask': {
      const question = rest.join(' ');
      if (!question.trim()) {
        process.stderr.write('papertalk: ask needs a question, e.g. cli ask "who wrote GPipe?"\n');
        return 2;
      }
      const answer = engine.ask(question, 'cli');
      process.stdout.write(json ? `${JSON.stringify(toContractAnswer(answer))}\n` : `${formatAnswer(answer, false, engine.lib)}\n`);
      return 0;
    }
    case 'chat':
      await runChat(engine, process.stdin, process.stdout, { json });
      return 0;
    case 'console':
      return runConsole(engine, service);
    default:
      process.stderr.write(`papertalk: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

/** The interactive console: a prompt, answers, `exit` to leave. Reloads on data changes too. */
export async function runConsole(engine: Engine, service: CorpusService): Promise<number> {
  const c = engine.lib.corpus;
  process.stdout.write(`papertalk console — ${c.papers.length} papers, ${c.posts.length} posts, ${c.authors.length} authors. Type a question, "help", or "exit".\n`);
  service.on('reloaded', (l) => engine.setLibrary(l.library));
  service.watch();
  await runChat(engine, process.stdin, process.stdout, { json: false, prompt: process.stdin.isTTY === true, key: 'console' });
  service.close();
  return 0;
}

const isMain = process.argv[1] && /cli\.ts$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`papertalk: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
