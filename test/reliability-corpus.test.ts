/**
 * A data file that becomes corrupt or half-written while the running bot reloads its corpus
 * (the data directory is watched, as in production): the bot keeps serving the old version of
 * that file — its papers are still found through /paper and /author — and logs a warning that
 * names the file. Interactions during the reloads are still acknowledged within 3 s. When the
 * file is complete again, the next reload serves it normally. Same through SIGHUP (`reload()`).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../src/search/library.ts';
import { callbackData, startHarness, type Harness } from './reliability-harness.ts';

describe('corrupt or half-written data files during a reload: the old corpus keeps serving, a warning names the file', () => {
  let h: Harness;
  const lib = (): Library => h.bot.ctx.engine.lib;

  beforeAll(async () => {
    h = await startHarness({ start: { watch: true } });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  /** A paper whose only source is `file`, and an author of it. */
  function paperOnlyIn(file: string): { title: string; id: string } {
    const p = [...lib().papers.values()].find((x) => x.sources.length === 1 && x.sources[0] === file && x.title && x.title.length > 20)!;
    expect(p, `a paper only in ${file}`).toBeDefined();
    return { title: p.title!, id: p.id };
  }

  async function stillServes(paper: { title: string; id: string }): Promise<void> {
    const sent = h.standin.sendCommand('paper', { title: paper.title }, { user: 'carol' });
    const r = await h.one(sent);
    expect(((callbackData(r).embeds as { title: string }[] | undefined) ?? [])[0]?.title).toBe(paper.title);
    expect(h.standin.ackLatency(sent.id)).toBeLessThan(3000);
  }

  async function reloadedAfter(before: Library, change: () => void): Promise<void> {
    change();
    await h.standin.waitFor(() => lib() !== before, 15_000, 'corpus reloaded');
  }

  function warnedAbout(file: string, since: number): boolean {
    return h.logs().slice(since).some((l) => l.level === 40 && l.file === file && /keeping its last good version/.test(l.msg));
  }

  const cases: [string, string, (text: string) => string | Buffer][] = [
    ['half-written (first 20% of its bytes)', '000_64853e7269fb9e95.txt', (t) => t.slice(0, Math.floor(t.length * 0.2))],
    ['binary garbage', '002_8e743b2a96363b7a.txt', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ['empty', '002_8e743b2a96363b7a.txt', () => ''],
    ['unrecognisable text', '000_64853e7269fb9e95.txt', () => '<<<<<<< HEAD\n\u0007\u0008 not a corpus file at all \uFFFD\uFFFD\n>>>>>>> theirs\n'],
  ];

  it.each(cases)('%s: %s keeps its last good version, with a warning naming it', async (_what, file, damage) => {
    const path = join(h.config.dataDir, file);
    const good = readFileSync(path, 'utf8');
    const paper = paperOnlyIn(file);
    const papersBefore = lib().papers.size;
    const mark = h.logs().length;
    // Written in place, as an interrupted copy would leave it; interactions keep flowing meanwhile.
    const during = h.standin.sendCommand('author', { name: 'Yanqi Zhou' }, { user: 'dave' });
    await reloadedAfter(lib(), () => writeFileSync(path, damage(good)));
    expect((await h.one(during)).callbackType).toBe(4);
    expect(h.standin.ackLatency(during.id)).toBeLessThan(3000);
    expect(warnedAbout(file, mark)).toBe(true);
    expect(lib().papers.size).toBe(papersBefore);
    await stillServes(paper);
    // The file complete again (moved in by rename): served normally, no new warning.
    const mark2 = h.logs().length;
    await reloadedAfter(lib(), () => {
      writeFileSync(`${path}.tmp`, good);
      renameSync(`${path}.tmp`, path);
    });
    expect(warnedAbout(file, mark2)).toBe(false);
    expect(lib().papers.size).toBe(papersBefore);
    await stillServes(paper);
  }, 40_000);

  it('SIGHUP reload with a half-written file: the same', async () => {
    const file = '002_8e743b2a96363b7a.txt';
    const path = join(h.config.dataDir, file);
    const good = readFileSync(path, 'utf8');
    const paper = paperOnlyIn(file);
    h.bot.corpus.close(); // no watcher: only the explicit reload
    const mark = h.logs().length;
    writeFileSync(path, good.slice(0, 200));
    await h.bot.reload();
    expect(warnedAbout(file, mark)).toBe(true);
    await stillServes(paper);
    writeFileSync(path, good);
  });

  it('no errors logged, no unhandled rejections', () => {
    expect(h.errors()).toEqual([]);
    expect(h.unhandled).toEqual([]);
  });
});
