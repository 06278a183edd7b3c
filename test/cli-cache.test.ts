/**
 * The CLI's JSON is the same byte for byte whether the corpus comes from the raw files or from
 * the index snapshot cache (shipped data, a temporary cache directory), and stdout stays pure JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const cacheRoot = mkdtempSync(join(tmpdir(), 'papertalk-cli-cache-'));
const cacheDir = join(cacheRoot, 'cache');

afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

function cli(args: string[], cache: string, input?: string) {
  const env = { ...process.env, DISCORD_TOKEN: '', LOG_LEVEL: 'info', NO_COLOR: '1', PAPERTALK_DATA_DIR: join(root, 'data'), PAPERTALK_CACHE_DIR: cache };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, encoding: 'utf8', env, timeout: 120_000, ...(input !== undefined ? { input } : {}) });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

const CHAT = 'papers about mixture of experts\nwho wrote the first one?\nwhat else did they publish?\npapers about speech recognition\nand the second one?\n';

describe('CLI with and without the index snapshot', () => {
  it('corpus, ask and chat --json print identical bytes from the files, from a fresh snapshot, and with the cache off', () => {
    const runs = (cache: string) => ({
      corpus: cli(['corpus', '--json'], cache),
      ask: cli(['ask', 'who wrote GPipe?', '--json'], cache),
      chat: cli(['chat', '--json'], cache, CHAT),
    });
    const off = runs('off');
    expect(existsSync(cacheDir)).toBe(false);
    // First run with the cache: built from the files, snapshot written after the answer.
    const built = cli(['corpus', '--json'], cacheDir);
    expect(built.stderr).not.toMatch(/from the index snapshot/);
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.snap'))).toHaveLength(1);
    const warm = runs(cacheDir);
    for (const r of Object.values(warm)) expect(r.stderr).toMatch(/corpus loaded from the index snapshot/);
    expect(built.stdout).toBe(off.corpus.stdout);
    expect(warm.corpus.stdout).toBe(off.corpus.stdout);
    expect(warm.ask.stdout).toBe(off.ask.stdout);
    expect(warm.chat.stdout).toBe(off.chat.stdout);
    // stdout is JSON only: one object for corpus and ask, one per input line for chat.
    expect(() => JSON.parse(warm.corpus.stdout)).not.toThrow();
    expect(warm.ask.stdout.trim().split('\n')).toHaveLength(1);
    const lines = warm.chat.stdout.trim().split('\n');
    expect(lines).toHaveLength(CHAT.trim().split('\n').length);
    for (const l of lines) expect(Object.keys(JSON.parse(l))).toEqual(['input', 'rephrased', 'intent', 'papers', 'authors', 'posts', 'text']);
    expect(JSON.parse(warm.corpus.stdout).papers.length).toBe(75);
  }, 300_000);
});
