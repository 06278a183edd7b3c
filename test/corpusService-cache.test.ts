/**
 * The index snapshot cache as the running product uses it (CorpusService over real files in
 * temporary directories): a warm start serves the same corpus from the snapshot; a stale, corrupt
 * or unwritable cache never stops a load; extra papers bypass it; the watcher ignores it.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.ts';
import type { RawPaper } from '../src/corpus/schema.ts';
import { CorpusService, type LoadedCorpus } from '../src/corpusService.ts';
import { createLogger } from '../src/logger.ts';

const dataDir = new URL('../data/', import.meta.url).pathname;
const dirs: string[] = [];
const services: CorpusService[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function copyOfData(): string {
  const dir = tempDir('papertalk-cache-data-');
  for (const f of readdirSync(dataDir).filter((n) => n.endsWith('.txt') || n === 'sources.json')) copyFileSync(join(dataDir, f), join(dir, f));
  return dir;
}

function capture() {
  const lines: { level: number; msg: string; err?: unknown }[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => lines.push(JSON.parse(l)) } as unknown as NodeJS.WritableStream });
  return { logger, lines };
}

function service(dir: string, cacheDir: string | null | undefined, logger = capture().logger) {
  const s = new CorpusService({ dataDir: dir, logger, debounceMs: 50, ...(cacheDir !== undefined ? { cacheDir } : {}) });
  services.push(s);
  return s;
}

const snaps = (cacheDir: string) => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.endsWith('.snap')) : []);
const corpusOf = (l: LoadedCorpus) => JSON.stringify(l.library.corpus);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const s of services.splice(0)) {
    s.close();
    await s.idle();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
});

describe('CorpusService with the index snapshot cache', () => {
  it('writes a snapshot after a cold load, and a new process-like service starts from it with the same corpus, files, issues and answers', async () => {
    const dir = copyOfData();
    writeFileSync(join(dir, 'notes.txt'), 'just some notes\nnothing to see');
    const cacheDir = join(tempDir('papertalk-cache-'), 'snapshots');
    const cold = await service(dir, cacheDir).load();
    expect(cold.from).toBe('files');
    const coldService = services[0]!;
    await coldService.idle();
    expect(snaps(cacheDir)).toHaveLength(1);

    const { logger, lines } = capture();
    const warm = await service(dir, cacheDir, logger).load();
    expect(warm.from).toBe('snapshot');
    expect(corpusOf(warm)).toBe(corpusOf(cold));
    expect(warm.files).toEqual(cold.files);
    expect(warm.issues).toEqual(cold.issues);
    expect(warm.issues.some((i) => i.file === 'notes.txt' && /not recognised/.test(i.message))).toBe(true);
    // Issues are reported at a warm start too.
    expect(lines.some((l) => /notes\.txt/.test(l.msg) && /not recognised/.test(l.msg))).toBe(true);
    expect(lines.some((l) => l.msg === 'corpus loaded from the index snapshot')).toBe(true);
    for (const q of ['mixture of experts', 'speech recognition', 'GPipe']) {
      expect(warm.library.search(q, {}, { cache: false })).toEqual(cold.library.search(q, {}, { cache: false }));
    }
  });

  it('a corrupt snapshot is a warning and a rebuild, then a good snapshot again', async () => {
    const dir = copyOfData();
    const cacheDir = join(dir, '.cache');
    const first = service(dir, undefined); // default: <dataDir>/.cache
    const cold = await first.load();
    await first.idle();
    const [snap] = snaps(cacheDir);
    expect(snap).toBeDefined();
    const path = join(cacheDir, snap!);
    writeFileSync(path, readFileSync(path).subarray(0, 5000)); // truncated
    const { logger, lines } = capture();
    const second = service(dir, undefined, logger);
    const rebuilt = await second.load();
    expect(rebuilt.from).toBe('files');
    expect(corpusOf(rebuilt)).toBe(corpusOf(cold));
    expect(lines.some((l) => l.level === 40 && /index snapshot unusable/.test(l.msg))).toBe(true);
    await second.idle();
    const again = await service(dir, undefined).load();
    expect(again.from).toBe('snapshot');

    writeFileSync(path, 'not a snapshot at all');
    const garbage = await service(dir, undefined).load();
    expect(garbage.from).toBe('files');
    expect(corpusOf(garbage)).toBe(corpusOf(cold));
  });

  it('a changed data file makes the snapshot stale: rebuilt from the files, and the new snapshot replaces the old', async () => {
    const dir = copyOfData();
    const cacheDir = join(tempDir('papertalk-cache-'), 'c');
    const first = service(dir, cacheDir);
    const cold = await first.load();
    await first.idle();
    const [oldSnap] = snaps(cacheDir);
    rmSync(join(dir, '002_8e743b2a96363b7a.txt'));
    const second = service(dir, cacheDir);
    const stale = await second.load();
    expect(stale.from).toBe('files');
    expect(stale.files.map((f) => f.name)).not.toContain('002_8e743b2a96363b7a.txt');
    expect(corpusOf(stale)).not.toBe(corpusOf(cold));
    await second.idle();
    expect(snaps(cacheDir)).toHaveLength(1);
    expect(snaps(cacheDir)[0]).not.toBe(oldSnap);
    const warm = await service(dir, cacheDir).load();
    expect(warm.from).toBe('snapshot');
    expect(corpusOf(warm)).toBe(corpusOf(stale));
  });

  it('an unwritable cache directory still loads (a warning, no snapshot)', async () => {
    const dir = copyOfData();
    const blocker = join(tempDir('papertalk-cache-'), 'a-file');
    writeFileSync(blocker, 'not a directory');
    const cacheDir = join(blocker, 'cache'); // mkdir fails with ENOTDIR, even for root
    const { logger, lines } = capture();
    const s = service(dir, cacheDir, logger);
    const loaded = await s.load();
    expect(loaded.library.corpus.papers.length).toBe(75);
    await s.idle();
    expect(lines.some((l) => l.level === 40 && /cannot write the index snapshot/.test(l.msg))).toBe(true);
    const again = await s.load();
    expect(again.from).toBe('files');
    expect(again.library.corpus.papers.length).toBe(75);
  });

  it('cacheDir null turns the cache off', async () => {
    const dir = copyOfData();
    const s = service(dir, null);
    await s.load();
    await s.idle();
    expect(existsSync(join(dir, '.cache'))).toBe(false);
    expect((await s.load()).from).toBe('files');
  });

  it('extra records (the arXiv feed) are part of the snapshot key: merged, snapshotted, and served from the snapshot at the next start', async () => {
    const dir = copyOfData();
    const cacheDir = join(tempDir('papertalk-cache-'), 'c');
    const first = service(dir, cacheDir);
    const cold = await first.load();
    await first.idle();
    const [snap] = snaps(cacheDir);
    const extra: RawPaper = {
      title: 'A Completely New Paper About Sparse Routing', authors: ['Ada Example'], authorsTruncated: false, date: '2024-05-01', category: 'LG',
      venue: null, orgs: [], hasCode: false, abstract: 'We route tokens sparsely.', source: 'arxiv', line: 1, pageOwner: null,
    };
    const s = service(dir, cacheDir);
    s.setExtraPapers([extra]);
    const withExtra = await s.load();
    expect(withExtra.from).toBe('files');
    expect(withExtra.library.corpus.papers.length).toBe(cold.library.corpus.papers.length + 1);
    await s.idle();
    const [snapWithExtra] = snaps(cacheDir);
    expect(snapWithExtra).not.toBe(snap);
    // A new start with the same records kept: served from the snapshot, the record included.
    const again = service(dir, cacheDir);
    again.setExtraPapers([{ ...extra }]);
    const warm = await again.load();
    expect(warm.from).toBe('snapshot');
    expect(corpusOf(warm)).toBe(corpusOf(withExtra));
    expect(warm.library.findPaper('A Completely New Paper About Sparse Routing')?.paper.authors).toEqual(['Ada Example']);
    // Other records: another key, parsed again.
    again.setExtraPapers([{ ...extra, title: 'Another New Paper' }]);
    expect((await again.load()).from).toBe('files');
    // Back to the files alone: the same corpus as without any.
    s.setExtraPapers([]);
    const plain = await s.load();
    expect(corpusOf(plain)).toBe(corpusOf(cold));
  });

  it('a reload after a data change rebuilds and writes a new snapshot; the watcher does not react to cache writes', async () => {
    const dir = copyOfData();
    rmSync(join(dir, '004_96e9a1a6cd26aa5c.txt'));
    const s = service(dir, undefined);
    const first = await s.load();
    s.watch();
    await s.idle();
    let reloads = 0;
    s.on('reloaded', () => reloads++);
    await sleep(300); // several debounce periods after the snapshot write: no reload
    expect(reloads).toBe(0);
    const reloaded = new Promise<LoadedCorpus>((resolve) => s.once('reloaded', resolve));
    copyFileSync(join(dataDir, '004_96e9a1a6cd26aa5c.txt'), join(dir, '004_96e9a1a6cd26aa5c.txt'));
    const next = await reloaded;
    expect(next.from).toBe('files');
    expect(next.library.corpus.posts.length).toBeGreaterThan(first.library.corpus.posts.length);
    await s.idle();
    await sleep(300);
    expect(reloads).toBe(1);
    const warm = await service(dir, undefined).load();
    expect(warm.from).toBe('snapshot');
    expect(corpusOf(warm)).toBe(corpusOf(next));
  });

  it('after a start from a snapshot the incremental state is built in the background: the first reload is incremental, sent as a diff, and equals a fresh build', async () => {
    const dir = copyOfData();
    rmSync(join(dir, '004_96e9a1a6cd26aa5c.txt'));
    const cacheDir = join(tempDir('papertalk-cache-'), 'c');
    const cold = service(dir, cacheDir);
    await cold.load();
    await cold.idle();
    const { logger, lines } = capture();
    const s = service(dir, cacheDir, logger);
    const started = await s.load();
    expect(started.from).toBe('snapshot');
    s.watch();
    await s.idle(); // the worker's warm-up included
    expect(lines.some((l) => l.msg === 'incremental state built after a snapshot start')).toBe(true);
    const reloaded = new Promise<LoadedCorpus>((resolve) => s.once('reloaded', resolve));
    copyFileSync(join(dataDir, '004_96e9a1a6cd26aa5c.txt'), join(dir, '004_96e9a1a6cd26aa5c.txt'));
    const next = await reloaded;
    await s.idle();
    const reloads = () => lines.filter((l) => l.msg === 'corpus reloaded') as { incremental?: boolean; patched?: boolean }[];
    // The worker's own library is patched with the diff it sent (no second build of the indexes).
    expect(reloads()).toMatchObject([{ incremental: true, patched: true }]);
    const diff = lines.find((l) => l.msg === 'library diff sent') as { incremental?: boolean; records?: number } | undefined;
    expect(diff?.incremental).toBe(true);
    expect(diff?.records).toBeGreaterThan(0);
    const hits = (l: LoadedCorpus, q: string) => l.library.search(q, {}, { limit: 20 }).hits.map((h) => [h.id, h.score.toFixed(6)]);
    const fresh = await service(dir, null).load();
    expect(corpusOf(next)).toBe(corpusOf(fresh));
    expect(hits(next, 'speech')).toEqual(hits(fresh, 'speech'));
    // The snapshot written from the patched library is the directory's: a new start serves it, equal to a fresh build.
    const restarted = await service(dir, cacheDir).load();
    expect(restarted.from).toBe('snapshot');
    expect(corpusOf(restarted)).toBe(corpusOf(fresh));
    expect(hits(restarted, 'speech')).toEqual(hits(fresh, 'speech'));
    // A second change patches the patched library again.
    const again = new Promise<LoadedCorpus>((resolve) => s.once('reloaded', resolve));
    rmSync(join(dir, '004_96e9a1a6cd26aa5c.txt'));
    const second = await again;
    await s.idle();
    expect(reloads()).toMatchObject([{ patched: true }, { incremental: true, patched: true }]);
    const fresh2 = await service(dir, null).load();
    expect(corpusOf(second)).toBe(corpusOf(fresh2));
    for (const q of ['speech', 'mixture of experts', 'translation']) expect(hits(second, q)).toEqual(hits(fresh2, q));
    const restarted2 = await service(dir, cacheDir).load();
    expect(restarted2.from).toBe('snapshot');
    expect(corpusOf(restarted2)).toBe(corpusOf(fresh2));
  }, 90_000);

  it('a cache directory inside the data directory under a plain name is neither corpus nor a reason to reload', async () => {
    const dir = copyOfData();
    const cacheDir = join(dir, 'cache');
    const s = service(dir, cacheDir);
    s.watch();
    const first = await s.load();
    let reloads = 0;
    s.on('reloaded', () => reloads++);
    await s.idle();
    await sleep(300);
    expect(reloads).toBe(0);
    expect(snaps(cacheDir)).toHaveLength(1);
    const again = await service(dir, cacheDir).load();
    expect(again.from).toBe('snapshot');
    expect(again.files.map((f) => f.name)).toEqual(first.files.map((f) => f.name));
  });

  it('after a start from a snapshot, a file that turns half-written still falls back to its last good version', async () => {
    const dir = copyOfData();
    const first = service(dir, undefined);
    await first.load();
    await first.idle();
    const { logger, lines } = capture();
    const s = service(dir, undefined, logger);
    expect((await s.load()).from).toBe('snapshot');
    await s.idle();
    const full = readFileSync(join(dir, '002_8e743b2a96363b7a.txt'), 'utf8');
    writeFileSync(join(dir, '002_8e743b2a96363b7a.txt'), full.slice(0, 1500));
    const half = await s.load();
    expect(half.library.corpus.papers.length).toBe(75);
    expect(lines.some((l) => l.level === 40 && /002_8e743b2a96363b7a\.txt/.test(l.msg) && /last good version/.test(l.msg))).toBe(true);
    // That load kept an old version of a file: it is not written as the directory's snapshot.
    await s.idle();
    expect(snaps(join(dir, '.cache'))).toHaveLength(1);
    expect((await service(dir, undefined).load()).from).toBe('files');
  });
});

describe('PAPERTALK_CACHE_DIR', () => {
  it('defaults to <data dir>/.cache; empty counts as unset; off disables; a path is kept', () => {
    expect(loadConfig({}).cacheDir).toBe('data/.cache');
    expect(loadConfig({ PAPERTALK_DATA_DIR: '/srv/papers/' }).cacheDir).toBe('/srv/papers/.cache');
    expect(loadConfig({ PAPERTALK_CACHE_DIR: '' }).cacheDir).toBe('data/.cache');
    expect(loadConfig({ PAPERTALK_CACHE_DIR: '  ' }).cacheDir).toBe('data/.cache');
    expect(loadConfig({ PAPERTALK_CACHE_DIR: 'off' }).cacheDir).toBeNull();
    expect(loadConfig({ PAPERTALK_CACHE_DIR: 'OFF' }).cacheDir).toBeNull();
    expect(loadConfig({ PAPERTALK_CACHE_DIR: '/var/cache/papertalk' }).cacheDir).toBe('/var/cache/papertalk');
  });

  it('rejects the data directory itself (snapshots there would be read as corpus files)', () => {
    expect(() => loadConfig({ PAPERTALK_DATA_DIR: 'data', PAPERTALK_CACHE_DIR: './data/' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAPERTALK_DATA_DIR: 'data', PAPERTALK_CACHE_DIR: 'data' })).toThrow(/PAPERTALK_CACHE_DIR/);
  });
});
