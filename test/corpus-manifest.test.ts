/** The sources manifest: matching a file by content hash, else name, else a text it contains. */
import { describe, expect, it } from 'vitest';
import { ManifestSchema, manifestEntryFor } from '../src/corpus/manifest.ts';
import { dataManifest } from './fixtures/corpus/data.ts';

describe('manifestEntryFor', () => {
  const manifest = ManifestSchema.parse({
    sources: [
      { file: 'a.txt', sha256: 'h1', pageOwner: 'By Hash' },
      { file: 'b.txt', pageOwner: 'By Name' },
      { contains: 'UNIQUE MARKER', pageOwner: 'By Content' },
      { contains: '', pageOwner: 'Never' },
    ],
  });

  it('hash first, then name, then contained text; nothing otherwise', () => {
    expect(manifestEntryFor(manifest, { name: 'renamed.txt', sha256: 'h1', text: '' })?.pageOwner).toBe('By Hash');
    expect(manifestEntryFor(manifest, { name: 'b.txt', sha256: 'zz', text: 'UNIQUE MARKER' })?.pageOwner).toBe('By Name');
    expect(manifestEntryFor(manifest, { name: 'c.txt', sha256: 'zz', text: 'xx UNIQUE MARKER xx' })?.pageOwner).toBe('By Content');
    expect(manifestEntryFor(manifest, { name: 'c.txt', sha256: 'zz', text: 'other' })).toBeUndefined();
  });

  it('the shipped sources.json is valid and names the owner of the headerless listing', () => {
    const m = dataManifest();
    expect(m.sources).toHaveLength(5);
    expect(m.sources.filter((s) => s.pageOwner).map((s) => [s.file, s.pageOwner])).toEqual([['000_64853e7269fb9e95.txt', 'Zhifeng Chen']]);
  });
});
