/**
 * Platform-free values of the conversation layer: the structured query (`Frame`) and the
 * `Answer` every front end (CLI, console, Discord) renders.
 */
import type { Snippet } from '../search/snippet.ts';

export type Intent =
  | 'search'
  | 'paper'
  | 'authors_of'
  | 'date_of'
  | 'venue_of'
  | 'about'
  | 'author'
  | 'papers_by'
  | 'coauthors'
  | 'count'
  | 'latest'
  | 'posts_about'
  | 'post_citations'
  | 'similar'
  | 'first_author'
  | 'last_author'
  | 'author_count'
  | 'category_of'
  | 'code_of'
  | 'verify'
  | 'breakdown'
  | 'top_authors'
  | 'post'
  | 'help'
  | 'reset'
  | 'unknown';

export type GroupBy = 'year' | 'category' | 'venue' | 'org' | 'author';

/** A stand-alone query, structured. Entity fields hold ids once resolved. */
export interface Frame {
  intent: Intent;
  /** Free-text topic ("speech recognition"). */
  topic?: string;
  /** Paper ids the question is about (several for "the first two"). */
  papers?: string[];
  /** Author ids the question is about (several when a name is shared by different people). */
  authors?: string[];
  /** The name as the user gave it, when authors are involved. */
  authorName?: string;
  post?: string;
  year?: number;
  /** Category code. */
  category?: string;
  kind?: 'papers' | 'posts' | 'all';
  /** Restrict to these ids (follow-ups over the previous results: "which of these…"). */
  within?: string[];
  /** Text that named an entity the corpus does not have ("who wrote FooNet?"). */
  unresolved?: string;
  /** How several authors combine: written together (`all`) or by either (`any`, the default). */
  authorMode?: 'all' | 'any';
  /** Papers by these author ids are left out ("by A without B"). */
  excludeAuthors?: string[];
  /** Papers matching this are left out ("…that aren't about synthesis"). */
  excludeTopic?: string;
  /** Inclusive period, ISO dates (a `year` is the same as its whole year). */
  from?: string;
  to?: string;
  /** Venue keyword ("ICLR") and organisation ("deepmind"). */
  venue?: string;
  org?: string;
  hasCode?: boolean;
  /** Order of a listing (default: relevance with a topic, else newest first). */
  sort?: 'newest' | 'oldest';
  /** How many results were asked for ("the newest paper" → 1). */
  limit?: number;
  /** `count`: what is counted; `breakdown`: what papers are grouped by. */
  countOf?: 'papers' | 'authors' | 'posts' | 'categories' | 'venues' | 'orgs';
  groupBy?: GroupBy;
  /** Several categories, any of them ("image and video processing or sound papers"). */
  categories?: string[];
  /** `top_authors`: only people with at least this many papers ("authors with at least 4 papers"). */
  minCount?: number;
  /** Papers in this category / period are left out ("…that aren't computer vision", "not from 2020"). */
  excludeCategory?: string;
  excludePeriod?: { from?: string; to?: string };
  /** `verify` over two papers: is the first older / newer than the second? */
  compare?: 'older' | 'newer';
  /** A yes/no comparison of a profile fact ("is her h-index above 100?"). */
  profileCheck?: { field: 'hIndex' | 'citations' | 'paperCount'; op: '>' | '>=' | '<' | '<='; value: number };
  /** `count` of posts: only posts that cite papers in the corpus. */
  citing?: boolean;
  /** The question was a yes/no question: the answer starts with Yes or No. */
  yesno?: boolean;
  /** How a paper named by description was found ("the paper about flip angles"). */
  described?: string;
  /** Further attributes asked of the same paper(s) ("what year and what category is X?"), answered after the first. */
  also?: Intent[];
  /** A listing's words single out this paper (they read as its description): it is listed first. */
  lead?: string;
  /** The reading was a low-confidence fallback (shown as "Interpreted as …"). */
  fallback?: boolean;
}

export interface PaperRef {
  id: string;
  title: string;
  authors: string[];
  date: string;
}

export interface PostRef {
  id: string;
  title: string;
}

/** What the bot answers. The first eight fields are the contract's answer object. */
export interface Answer {
  input: string;
  /** The stand-alone query actually answered (equal to `input` when nothing was rewritten). */
  rephrased: string;
  intent: Intent;
  papers: PaperRef[];
  /** Author names, as the corpus lists them. */
  authors: string[];
  posts: PostRef[];
  /** What the user reads. */
  text: string;
  /** Extensions (not in the contract's minimum; front ends may use them). */
  rewritten: boolean;
  authorIds: string[];
  /** Total matches when `papers`/`posts` show one page of them. */
  total: number;
  /** Per-result snippets (paper or post id → snippet). */
  snippets: Record<string, Snippet>;
  /** When the question named something ambiguous: the options to pick from. */
  choices: { id: string; label: string; kind: 'paper' | 'author' }[];
  /** "Did you mean" suggestions when nothing matched. */
  suggestions: string[];
  frame: Frame;
}

/** The contract's answer object (exactly its fields, in its order). */
export function toContractAnswer(a: Answer): Pick<Answer, 'input' | 'rephrased' | 'intent' | 'papers' | 'authors' | 'posts' | 'text'> {
  return { input: a.input, rephrased: a.rephrased, intent: a.intent, papers: a.papers, authors: a.authors, posts: a.posts, text: a.text };
}
