import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorpusService, type LoadedCorpus } from '../src/corpusService.ts';
import { createLogger } from '../src/logger.ts';

const dataDir = new URL('../data/', import.meta.url).pathname;
const dirs: string[] = [];
const services: CorpusService[] = [];

function copyOfData(files = readdirSync(dataDir).filter((f) => f.endsWith('.txt') || f === 'sources.json')): string {
  const dir = mkdtempSync(join(tmpdir(), 'papertalk-corpus-'));
  dirs.push(dir);
  for (const f of files) copyFileSync(join(dataDir, f), join(dir, f));
  return dir;
}

function capture() {
  const lines: { level: number; msg: string; file?: string }[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l)) } as unknown as NodeJS.WritableStream });
  return { logger, lines };
}

function service(dir: string, logger = capture().logger) {
  const s = new CorpusService({ dataDir: dir, logger, debounceMs: 50 });
  services.push(s);
  return s;
}

afterEach(async () => {
  for (const s of services.splice(0)) {
    s.close();
    // A snapshot write already under way finishes before its directory is removed.
    await s.idle();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
});

const nextReload = (s: CorpusService) => new Promise<LoadedCorpus>((resolve) => s.once('reloaded', resolve));

describe('CorpusService', () => {
  it('loads the data directory and reports counts and timings', async () => {
    const { logger, lines } = capture();
    const loaded = await service(copyOfData(), logger).load();
    expect(loaded.library.corpus.papers.length).toBe(75);
    expect(loaded.timings.parseMs).toBeGreaterThan(0);
    expect(lines.some((l) => l.msg === 'corpus loaded')).toBe(true);
  });

  it('picks up a file moved into the directory without a restart, and keeps ids stable', async () => {
    const dir = copyOfData(['001_c4a744514d2ab286.txt', '003_95ab6b4c6175ff8d.txt', 'sources.json']);
    const s = service(dir);
    const first = await s.load();
    const before = first.library.corpus.papers.map((p) => p.id);
    s.watch();
    const reloaded = nextReload(s);
    // Written elsewhere, then renamed in: the usual way files arrive.
    const tmp = join(dir, '..', `incoming-${Date.now()}`);
    copyFileSync(join(dataDir, '002_8e743b2a96363b7a.txt'), tmp);
    renameSync(tmp, join(dir, 'yanqi-zhou-page.txt'));
    const next = await reloaded;
    expect(next.library.corpus.papers.length).toBeGreaterThan(first.library.corpus.papers.length);
    // Ids survive: a paper whose winning title changed still answers to its old id.
    for (const id of before) expect(next.library.resolvePaperId(id), id).not.toBeNull();
  });

  it('keeps serving the last good version of a file that turns corrupt or half-written', async () => {
    const dir = copyOfData();
    const { logger, lines } = capture();
    const s = service(dir, logger);
    await s.load();
    const full = readFileSync(join(dir, '002_8e743b2a96363b7a.txt'), 'utf8');
    writeFileSync(join(dir, '002_8e743b2a96363b7a.txt'), full.slice(0, 1500));
    const half = await s.load();
    expect(half.library.corpus.papers.length).toBe(75);
    expect(lines.some((l) => l.level === 40 && /002_8e743b2a96363b7a\.txt/.test(l.msg) && /last good version/.test(l.msg))).toBe(true);
    writeFileSync(join(dir, '002_8e743b2a96363b7a.txt'), Buffer.from([0, 1, 2, 3, 0, 255]));
    expect((await s.load()).library.corpus.papers.length).toBe(75);
  });

  it('warns about files it cannot use and loads the rest', async () => {
    const dir = copyOfData();
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'notes.txt'), 'just some notes\nnothing to see');
    const { logger, lines } = capture();
    const loaded = await service(dir, logger).load();
    expect(loaded.library.corpus.papers.length).toBe(75);
    expect(lines.some((l) => /empty\.txt/.test(l.msg) && /empty/.test(l.msg))).toBe(true);
    expect(lines.some((l) => /notes\.txt/.test(l.msg) && /not recognised/.test(l.msg))).toBe(true);
  });
});
