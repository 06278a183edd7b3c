/**
 * Query-side micro-benchmark for iterating on search speed: loads (or builds and caches) the
 * library of a generated corpus, then times search, autocomplete and conversation turns in this
 * process, and prints the slowest queries.
 *
 *   node --expose-gc --import tsx bench/query.ts --dir /tmp/papertalk-bench/v3-seed42-n10000 [--rounds 3] [--only search|suggest|turn]
 *
 * The library comes from its own snapshot cache (`<dir>-qcache`), so that it does not disturb
 * `npm run bench`'s cache. Nothing here asserts on time.
 */
import { loadOrBuildLibrary } from '../src/search/snapshot.ts';
import { buildQuerySet } from './queries.ts';
import { collectGarbage, memory, summarize } from './stats.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

async function main(): Promise<void> {
  const dir = arg('--dir');
  if (!dir) throw new Error('usage: bench/query.ts --dir DATA_DIR [--rounds N] [--only search|suggest|turn]');
  const rounds = Number(arg('--rounds') ?? '3');
  const only = arg('--only');
  let t = performance.now();
  const loaded = await loadOrBuildLibrary({ dataDir: dir, cacheDir: `${dir}-qcache`, codeVersion: 'qbench' });
  const lib = loaded.library;
  process.stdout.write(`library ${loaded.from} in ${fmt(performance.now() - t)} ms (${JSON.stringify(loaded.timings)}); papers ${lib.corpus.papers.length}\n`);
  collectGarbage();
  process.stdout.write(`rss ${memory().rssMB} MB\n`);
  const q = buildQuerySet(lib.corpus);

  const timed = <T>(label: string, inputs: T[], f: (x: T) => unknown, show: (x: T) => string) => {
    for (const x of inputs) f(x);
    const samples: number[] = [];
    const worst = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      for (const x of inputs) {
        const t0 = performance.now();
        f(x);
        const ms = performance.now() - t0;
        samples.push(ms);
        const k = show(x);
        worst.set(k, Math.max(worst.get(k) ?? 0, ms));
      }
    }
    const s = summarize(samples);
    const top = [...worst.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${fmt(v)} ${k}`);
    process.stdout.write(`${label.padEnd(14)} p50 ${fmt(s.p50)}  p90 ${fmt(s.p90)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  n=${s.n}\n    slowest: ${top.join(' | ')}\n`);
  };

  if (!only || only === 'search') timed('search', q.search, (x) => lib.search(x.text, {}, { cache: false }), (x) => `[${x.kind}] ${x.text}`);
  if (!only || only === 'suggest') {
    timed('suggestTitles', q.titlePrefixes, (p) => lib.suggestTitles(p), (p) => p);
    timed('suggestAuthors', q.authorPrefixes, (p) => lib.suggestAuthors(p), (p) => p);
  }
  if (!only || only === 'turn') {
    const { Engine } = await import('../src/conversation/engine.ts');
    let round = 0;
    const turns = q.conversations.flatMap((conv, c) => conv.map((text, i) => ({ text, c, i })));
    const engine = new Engine({ library: lib });
    timed(
      'turn',
      turns,
      (x) => {
        if (x.c === 0 && x.i === 0) round++;
        engine.ask(x.text, `r${round}-${x.c}`);
      },
      (x) => x.text,
    );
  }
  t = performance.now();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
