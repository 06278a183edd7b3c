/**
 * Record schemas of the papertalk corpus (zod). Every parser produces these; the merger
 * turns many `RawPaper`s into deduplicated `Paper`s, `Author`s and `Post`s.
 */
import { z } from 'zod';

/** `YYYY-MM-DD`, or `YYYY` when only the year is known. */
export const DateString = z.string().regex(/^\d{4}(-\d{2}-\d{2})?$/, 'date must be YYYY or YYYY-MM-DD');

/** One paper as one source file lists it, before merging. */
export const RawPaperSchema = z.object({
  /** Title as printed, or null when the source entry has none. */
  title: z.string().min(1).nullable(),
  /** Authors as printed, in order. */
  authors: z.array(z.string().min(1)),
  /** True when the source shows only the first few authors ("et al."). */
  authorsTruncated: z.boolean(),
  date: DateString.nullable(),
  /** Aggregator category code, e.g. `CL`. */
  category: z.string().nullable(),
  venue: z.string().nullable(),
  orgs: z.array(z.string()),
  hasCode: z.boolean(),
  abstract: z.string().nullable(),
  /** File name the entry came from. */
  source: z.string(),
  /** 1-based line of the entry's first line in that file. */
  line: z.number().int().positive(),
  /** The page owner, when the page is one person's list (an author of every entry). */
  pageOwner: z.string().nullable(),
  /** DOI, normalised (`normaliseDoi`: no prefix, lower case), when the source gives one. */
  doi: z.string().min(1).optional(),
  /** arXiv id without version (`2101.03961`, `hep-th/9901001`), when the source gives one. */
  arxivId: z.string().min(1).optional(),
});
export type RawPaper = z.infer<typeof RawPaperSchema>;

export const RawPostSchema = z.object({
  title: z.string().min(1),
  /** Body paragraphs (headings and captions included, in order). */
  paragraphs: z.array(z.string()),
  /** People named in the acknowledgements. */
  acknowledged: z.array(z.string()),
  /** Titles the post cites in quotes. */
  citedTitles: z.array(z.string()),
  source: z.string(),
  line: z.number().int().positive(),
});
export type RawPost = z.infer<typeof RawPostSchema>;

/** Author metadata found on a profile page header (aggregator). */
export const AuthorProfileSchema = z.object({
  name: z.string(),
  field: z.string().nullable(),
  hIndex: z.number().int().nullable(),
  paperCount: z.number().int().nullable(),
  citations: z.number().int().nullable(),
  source: z.string(),
});
export type AuthorProfile = z.infer<typeof AuthorProfileSchema>;

/** A merged, deduplicated paper. Field order follows the contract's `corpus --json`. */
export const PaperSchema = z.object({
  id: z.string(),
  /** Null only for an entry no source gives a title for ("untitled"); never invented. */
  title: z.string().nullable(),
  /** Other titles the same paper appears under. */
  aliases: z.array(z.string()),
  authors: z.array(z.string()),
  date: DateString.nullable(),
  /** Category code (`CL`); the readable name is `categoryName`. */
  category: z.string().nullable(),
  venue: z.string().nullable(),
  orgs: z.array(z.string()),
  hasCode: z.boolean(),
  abstract: z.string().nullable(),
  sources: z.array(z.string()),
  categoryName: z.string().nullable(),
  /** True when no source lists all authors ("et al."). */
  authorsTruncated: z.boolean(),
  /** Ids of authors (see `Author.id`), parallel to `authors`. */
  authorIds: z.array(z.string()),
  year: z.number().int().nullable(),
  /** DOI (normalised) when a source gives one; absent otherwise. */
  doi: z.string().optional(),
  /** arXiv id (no version) when a source gives one; absent otherwise. */
  arxivId: z.string().optional(),
});
export type Paper = z.infer<typeof PaperSchema>;

export const PostSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  /** Ids of corpus papers the post cites. */
  mentions: z.array(z.string()),
  /** Every title the post cites, matched or not. */
  citedTitles: z.array(z.string()),
  acknowledged: z.array(z.string()),
  sources: z.array(z.string()),
});
export type Post = z.infer<typeof PostSchema>;

export const AuthorSchema = z.object({
  /** Stable id; two different people with the same name get two ids. */
  id: z.string(),
  /** Display name, as the corpus lists it. */
  name: z.string(),
  paperIds: z.array(z.string()),
  /** Every spelling seen in the sources. */
  variants: z.array(z.string()),
  /** Set when another author shares this name: what tells them apart. */
  disambiguation: z.string().nullable(),
  profile: AuthorProfileSchema.nullable(),
});
export type Author = z.infer<typeof AuthorSchema>;

export interface Corpus {
  papers: Paper[];
  posts: Post[];
  authors: Author[];
}

/** A problem found while loading: never fatal, always names where. */
export interface LoadIssue {
  level: 'warn' | 'error';
  file: string;
  line?: number;
  message: string;
}

/** What every parser returns. */
export interface ParseResult<T> {
  records: T[];
  issues: LoadIssue[];
}
