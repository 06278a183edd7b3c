import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import type { Library } from '../src/search/library.ts';
import { SNAPSHOT_SCHEMA_VERSION, hashDataDir, loadOrBuildLibrary, snapshotKey, type SnapshotLogger } from '../src/search/snapshot.ts';

const dataDir = new URL('../data/', import.meta.url).pathname;
const dirs: string[] = [];

/** A temporary copy of the shipped data directory (or of the files whose names match `only`). */
function copyOfData(only: RegExp = /\.txt$/): string {
  const dir = mkdtempSync(join(tmpdir(), 'papertalk-snapshot-'));
  dirs.push(dir);
  for (const f of readdirSync(dataDir).filter((n) => only.test(n) || n === 'sources.json')) copyFileSync(join(dataDir, f), join(dir, f));
  return dir;
}

function recorder() {
  const warnings: { obj: object; msg?: string | undefined }[] = [];
  const logger: SnapshotLogger = { warn: (obj, msg) => warnings.push({ obj, msg }), info: () => {} };
  return { logger, warnings };
}

const snapshots = (dir: string) => readdirSync(join(dir, '.cache')).filter((n) => n.endsWith('.snap'));

/**
 * A fingerprint of what the library answers, for comparing a built and a loaded one. Equal
 * scores may come in another order from a loaded index (MiniSearch visits its terms in another
 * order), so hits are compared ordered by score then id, and suggestions as sets.
 */
function answers(lib: Library) {
  const queries = ['mixture of experts', 'machine translation', 'GPipe', 'Noam Shazeer', 'speach recogniton', 'diffusion music', 'LaMDA'];
  const bySet = (ids: string[]) => [...ids].sort();
  return {
    search: queries.map((q) => {
      const page = lib.search(q, {}, { limit: 1000 });
      return { total: page.total, hits: page.hits.map((h) => [h.kind, h.id, h.score.toFixed(9)] as const).sort((x, y) => Number(y[2]) - Number(x[2]) || x[1].localeCompare(y[1])) };
    }),
    titles: ['Ga', 'Mass', 'Lang', 'sparse'].map((p) => bySet(lib.suggestTitles(p, 1000).map((s) => s.id))),
    authors: ['Zh', 'Yanq', 'Noam'].map((p) => bySet(lib.suggestAuthors(p, 1000).map((a) => a.id))),
    find: ['GPipe', 'LaMDA: Language Models for Dialog Applications'].map((q) => lib.findPaper(q)?.paper.id ?? null),
  };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('loadOrBuildLibrary', () => {
  it('builds and writes a snapshot on a cold start, loads it on a warm start with identical answers', async () => {
    const dir = copyOfData();
    const { logger, warnings } = recorder();
    const cold = await loadOrBuildLibrary({ dataDir: dir, logger });
    expect(cold.from).toBe('built');
    expect(cold.corpusFrom).toBe('parsed');
    expect(cold.path).not.toBeNull();
    expect(snapshots(dir)).toHaveLength(1);
    expect(cold.corpus.papers.length).toBeGreaterThan(50);

    const warm = await loadOrBuildLibrary({ dataDir: dir, logger });
    expect(warm.from).toBe('snapshot');
    expect(warm.corpusFrom).toBe('snapshot');
    expect(warm.key).toBe(cold.key);
    expect(warm.corpus).toEqual(cold.corpus);
    expect(warm.issues).toEqual(cold.issues);
    expect(warm.files).toEqual(cold.files);
    expect(answers(warm.library)).toEqual(answers(cold.library));
    expect(warnings).toEqual([]);
  });

  it('takes the indexes from the snapshot for a corpus the caller parsed', async () => {
    const dir = copyOfData();
    const loaded = await loadCorpusDir(dir);
    const first = await loadOrBuildLibrary({ dataDir: dir, corpus: loaded.corpus, fileHashes: loaded.files, issues: loaded.issues });
    expect(first.from).toBe('built');
    expect(first.corpusFrom).toBe('argument');
    const again = await loadOrBuildLibrary({ dataDir: dir, corpus: loaded.corpus, fileHashes: loaded.files });
    expect(again.from).toBe('snapshot');
    expect(again.corpusFrom).toBe('argument');
    expect(again.library.corpus).toBe(loaded.corpus);
    expect(answers(again.library)).toEqual(answers(first.library));
    // The caller's hashes and the directory's own hashes give the same key: a later start without a corpus hits it.
    const plain = await loadOrBuildLibrary({ dataDir: dir });
    expect(plain.from).toBe('snapshot');
    expect(plain.key).toBe(first.key);
  });

  it('rebuilds when a data file changes, and when the manifest changes', async () => {
    const dir = copyOfData();
    const cold = await loadOrBuildLibrary({ dataDir: dir });
    const file = readdirSync(dir).find((n) => n.startsWith('002_'))!;
    appendFileSync(
      join(dir, file),
      '\nCLMar 3, 2024\nZygomorphic Sparse Routing for Snapshot Tests\n\nTest Author, Other Person\n\nWe study zygomorphic routing in sparse models for cache invalidation tests.\n',
    );
    const changed = await loadOrBuildLibrary({ dataDir: dir });
    expect(changed.from).toBe('built');
    expect(changed.key).not.toBe(cold.key);
    expect(changed.library.search('zygomorphic').hits.length).toBeGreaterThan(0);
    expect(snapshots(dir)).toHaveLength(1); // the stale one was pruned

    const manifest = JSON.parse(readFileSync(join(dir, 'sources.json'), 'utf8')) as { sources: { file?: string; pageOwner?: string }[] };
    manifest.sources[0]!.pageOwner = 'Someone Else';
    writeFileSync(join(dir, 'sources.json'), JSON.stringify(manifest));
    const owner = await loadOrBuildLibrary({ dataDir: dir });
    expect(owner.from).toBe('built');
    expect(owner.key).not.toBe(changed.key);
    expect((await loadOrBuildLibrary({ dataDir: dir })).from).toBe('snapshot');
  });

  it('keys by content: the same files give the same key; a renamed file a different one', async () => {
    const a = copyOfData();
    const b = copyOfData();
    expect(await snapshotKey(await hashDataDir(a))).toBe(await snapshotKey(await hashDataDir(b)));
    const file = readdirSync(b).find((n) => n.startsWith('003_'))!;
    copyFileSync(join(b, file), join(b, `z${file}`));
    rmSync(join(b, file));
    expect(await snapshotKey(await hashDataDir(b))).not.toBe(await snapshotKey(await hashDataDir(a)));
  });

  it('warns and rebuilds when the snapshot is truncated, of another version, or not JSON', async () => {
    const dir = copyOfData(/^00[02]_/);
    const cold = await loadOrBuildLibrary({ dataDir: dir });
    const path = cold.path!;
    const good = readFileSync(path);
    const expected = answers(cold.library);

    // Same size, broken JSON inside the main index section.
    const badJson = Buffer.from(good);
    badJson[good.indexOf('"documentCount"')] = 0x23;
    const corruptions: [string, Buffer, RegExp][] = [
      ['truncated', good.subarray(0, Math.floor(good.length * 0.6)), /truncated/],
      ['other version', Buffer.from(good.toString('latin1').replace(`{"schema":${SNAPSHOT_SCHEMA_VERSION},`, '{"schema":7,'), 'latin1'), /schema 7/],
      ['garbage', Buffer.from('this is not a snapshot\n{}\n'), /not a papertalk snapshot/],
      ['bad JSON in a section', badJson, /JSON|Unexpected|position/i],
    ];
    for (const [label, data, reason] of corruptions) {
      writeFileSync(path, data);
      const { logger, warnings } = recorder();
      const r = await loadOrBuildLibrary({ dataDir: dir, logger });
      expect(r.from, label).toBe('built');
      expect(warnings.length, label).toBe(1);
      expect(warnings[0]!.msg, label).toMatch(/snapshot unusable/);
      expect((warnings[0]!.obj as { err?: string }).err, label).toMatch(reason);
      expect(answers(r.library), label).toEqual(expected);
      // The rebuilt snapshot is good again.
      expect((await loadOrBuildLibrary({ dataDir: dir, logger })).from, label).toBe('snapshot');
      expect(warnings.length, label).toBe(1);
    }
  });

  it('works without a writable cache directory (warning, no snapshot)', async () => {
    const dir = copyOfData(/^002_/);
    const blocker = join(mkdtempSync(join(tmpdir(), 'papertalk-blocker-')), 'not-a-dir');
    dirs.push(join(blocker, '..'));
    writeFileSync(blocker, 'x');
    const { logger, warnings } = recorder();
    const r = await loadOrBuildLibrary({ dataDir: dir, cacheDir: join(blocker, 'cache'), logger });
    expect(r.from).toBe('built');
    expect(r.path).toBeNull();
    expect(warnings.some((w) => /cannot write the index snapshot/.test(w.msg ?? ''))).toBe(true);
    expect(r.library.search('machine translation').hits.length).toBeGreaterThan(0);
  });
});
