import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const env = { ...process.env, DISCORD_TOKEN: '', LOG_LEVEL: 'warn', NO_COLOR: '1' };
const cli = (args: string[], input?: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, encoding: 'utf8', input, env, timeout: 60_000 });

describe('CLI contract', () => {
  it('corpus --json prints one JSON object with the contract fields', () => {
    const r = cli(['corpus', '--json']);
    expect(r.status).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.papers.length).toBeGreaterThan(50);
    const p = c.papers[0];
    expect(Object.keys(p)).toEqual(expect.arrayContaining(['id', 'title', 'aliases', 'authors', 'date', 'category', 'venue', 'orgs', 'hasCode', 'abstract', 'sources']));
    for (const paper of c.papers) expect(paper.date === null || /^\d{4}(-\d{2}-\d{2})?$/.test(paper.date)).toBe(true);
    expect(c.posts[0]).toEqual(expect.objectContaining({ id: expect.any(String), title: expect.any(String), body: expect.any(String), mentions: expect.any(Array) }));
    expect(c.authors[0]).toEqual(expect.objectContaining({ name: expect.any(String), paperIds: expect.any(Array) }));
    expect(c.papers.find((x: { title: string }) => x.title?.startsWith('GPipe')).sources).toEqual(['000_64853e7269fb9e95.txt', '001_c4a744514d2ab286.txt']);
  });
  it('ask --json prints exactly one answer object; logs stay off stdout', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ask', 'who wrote GPipe?', '--json'], { cwd: root, encoding: 'utf8', env: { ...env, LOG_LEVEL: 'debug' }, timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const a = JSON.parse(lines[0]!);
    expect(Object.keys(a)).toEqual(['input', 'rephrased', 'intent', 'papers', 'authors', 'posts', 'text']);
    expect(a.papers[0]).toEqual({ id: expect.any(String), title: expect.stringMatching(/^GPipe/), authors: expect.any(Array), date: '2018-11-16' });
    expect(r.stderr).toContain('corpus loaded');
  });
  it('chat --json answers each line as soon as it arrives', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'chat', '--json'], { cwd: root, env });
    const lines: string[] = [];
    let buf = '';
    const got = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for answer ${n}; got ${lines.length}`)), 30_000);
        const check = () => {
          if (lines.length >= n) {
            clearTimeout(t);
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split('\n');
          buf = parts.pop()!;
          lines.push(...parts.filter(Boolean));
          check();
        };
        child.stdout.on('data', onData);
        check();
      });
    child.stdin.write('papers about speech recognition\n');
    await got(1); // answered before the next line is even written: no buffering until EOF
    child.stdin.write('who wrote the first one?\n');
    await got(2);
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    const answers = lines.map((l) => JSON.parse(l));
    expect(answers).toHaveLength(2);
    expect(answers[0].intent).toBe('search');
    expect(answers[1].input).toBe('who wrote the first one?');
  });
  it('prints for people without --json, and explains bad usage', () => {
    const r = cli(['ask', 'who wrote GPipe?']);
    expect(r.stdout).toMatch(/GPipe: Efficient Training .* was written by/);
    expect(cli(['ask']).status).toBe(2);
    expect(cli(['nope']).status).toBe(2);
  });
  it('rejects an invalid environment with a clear message', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ask', 'x'], { cwd: root, encoding: 'utf8', env: { ...env, LOG_LEVEL: 'loud' }, timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/papertalk: invalid configuration: LOG_LEVEL/);
  });
});

describe('formatAnswer (the console)', () => {
  it('puts each snippet under its numbered result and uses no colour codes unless asked', async () => {
    const { formatAnswer } = await import('../src/cli.ts');
    const { Engine } = await import('../src/conversation/engine.ts');
    const { loadCorpusDir } = await import('../src/corpus/load.ts');
    const { Library } = await import('../src/search/library.ts');
    const lib = Library.build((await loadCorpusDir(`${root}data`)).corpus);
    const a = new Engine({ library: lib }).ask('papers about speech synthesis', 'fmt');
    const lines = formatAnswer(a, false).split('\n');
    const first = lines.findIndex((l) => l.startsWith('1. '));
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toMatch(/^ {4}\S/);
    expect(lines[first + 2]).toMatch(/^2\. /);
    expect(lines.join('\n')).not.toMatch(/\x1b\[/);
    expect(formatAnswer(a, true)).toMatch(/\x1b\[1m/);
  });
  it('prints the papers-per-year series of an author as a text sparkline (what the Discord chart draws)', async () => {
    const { formatAnswer } = await import('../src/cli.ts');
    const { Engine } = await import('../src/conversation/engine.ts');
    const { loadCorpusDir } = await import('../src/corpus/load.ts');
    const { Library } = await import('../src/search/library.ts');
    const { perYear } = await import('../src/search/charts.ts');
    const lib = Library.build((await loadCorpusDir(`${root}data`)).corpus);
    const a = new Engine({ library: lib }).ask('who is Yanqi Zhou?', 'spark');
    const yz = [...lib.authors.values()].find((x) => x.name === 'Yanqi Zhou')!;
    const s = perYear(yz.paperIds.map((id) => lib.papers.get(id)!))!;
    const line = formatAnswer(a, false, lib).split('\n').find((l) => l.startsWith('Papers per year:'))!;
    expect(line).toMatch(new RegExp(`^Papers per year: ${s.from} [▁▂▃▄▅▆▇█]{${s.counts.length}} ${s.to}$`));
  });
});
