/**
 * The sources manifest (`sources.json` in the data directory): facts about raw files that their
 * text does not state, such as the page owner of a listing without a header.
 */
import { z } from 'zod';

export const ManifestSchema = z.object({
  sources: z.array(
    z.object({
      file: z.string().optional(),
      sha256: z.string().optional(),
      contains: z.string().optional(),
      description: z.string().optional(),
      pageOwner: z.string().optional(),
    }),
  ),
});
export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestEntry = Manifest['sources'][number];

export const MANIFEST_FILE = 'sources.json';

/** The entry for a file: by content hash, else by name, else by a text the file contains. */
export function manifestEntryFor(manifest: Manifest, file: { name: string; sha256: string; text: string }): ManifestEntry | undefined {
  return (
    manifest.sources.find((s) => s.sha256 === file.sha256) ??
    manifest.sources.find((s) => s.file === file.name) ??
    manifest.sources.find((s) => s.contains !== undefined && s.contains.length > 0 && file.text.includes(s.contains))
  );
}
