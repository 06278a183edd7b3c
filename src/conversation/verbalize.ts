/**
 * Frame → the canonical stand-alone question it stands for. This is the `rephrased` text
 * shown to the user ("Interpreted as: …"), and it parses back to the same frame.
 */
import type { Library } from '../search/library.ts';
import { describeFilters } from './answer-more.ts';
import type { Frame } from './types.ts';

function paperTitle(lib: Library, id: string): string {
  return lib.papers.get(id)?.title ?? lib.posts.get(id)?.title ?? id;
}

function titles(lib: Library, ids: string[] | undefined): string {
  // A title's own question mark would double the question's ("…Applications??").
  const list = (ids ?? []).map((id) => paperTitle(lib, id).replace(/\s*\?$/, ''));
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

function filters(lib: Library, f: Frame): string {
  return describeFilters({ ...f, within: undefined as never, authors: undefined as never, topic: undefined as never }, lib);
}

function person(lib: Library, f: Frame): string {
  if (f.authorName) return f.authorName;
  const a = f.authors?.[0] ? lib.authors.get(f.authors[0]) : undefined;
  return a?.name ?? f.unresolved ?? 'them';
}

export function verbalize(f: Frame, lib: Library): string {
  const topic = f.topic ? ` about ${f.topic}` : '';
  const within = f.within ? ` among the ${f.within.length} previous results` : '';
  switch (f.intent) {
    case 'authors_of':
      return `who are the authors of ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''}?`;
    case 'date_of':
      return `when was ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} published?`;
    case 'venue_of':
      return `where was ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} published?`;
    case 'about':
      return `what is ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} about?`;
    case 'paper':
      return f.papers ? titles(lib, f.papers) : f.unresolved ?? '';
    case 'author':
      return `who is ${person(lib, f)}?`;
    case 'papers_by': {
      const sort = f.sort ? `${f.sort} ` : '';
      const noun = f.limit === 1 ? 'paper' : 'papers';
      const who = describeFilters({ intent: 'search', ...(f.authors ? { authors: f.authors } : {}), ...(f.authorMode ? { authorMode: f.authorMode } : {}) }, lib).trim() || `by ${person(lib, f)}`;
      return `${sort}${noun} ${who}${topic}${filters(lib, f)}${within}`;
    }
    case 'first_author':
      return `who is the first author of ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''}?`;
    case 'last_author':
      return `who is the last author of ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''}?`;
    case 'author_count':
      return `how many authors does ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} have?`;
    case 'category_of':
      return `what category is ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} in?`;
    case 'code_of':
      return `does ${f.papers ? titles(lib, f.papers) : f.unresolved ?? ''} have code?`;
    case 'verify':
      return `is it true: ${f.papers ? titles(lib, f.papers) : 'papers'}${describeFilters(f, lib)}?`;
    case 'breakdown':
      return `papers${topic}${filters(lib, f)}${within} by ${f.groupBy ?? 'year'}`;
    case 'top_authors':
      return `who has the most papers${topic}${filters(lib, f)}?`;
    case 'post':
      return `the blog post ${f.post ? paperTitle(lib, f.post) : f.unresolved ?? ''}`;
    case 'coauthors':
      return `who are the co-authors of ${person(lib, f)}${filters(lib, f)}?`;
    case 'count':
      if (f.authors?.length) return `how many papers did ${person(lib, f)} publish${topic}${filters(lib, f)}?`;
      return `how many ${f.countOf && f.countOf !== 'papers' ? f.countOf : 'papers'}${topic}${filters(lib, f)}${within}?`;
    case 'latest':
      return `latest papers${topic}${filters(lib, f)}`;
    case 'posts_about':
      return `blog posts about ${f.papers ? titles(lib, f.papers) : f.topic ?? ''}`.trim();
    case 'post_citations':
      return `which papers does the post ${f.post ? paperTitle(lib, f.post) : f.unresolved ?? ''} cite?`;
    case 'similar':
      return `papers similar to ${f.papers ? titles(lib, f.papers) : f.topic ?? ''}`;
    case 'search': {
      const kind = f.kind === 'posts' ? 'blog posts' : f.limit === 1 ? 'paper' : 'papers';
      return `${f.sort ? `${f.sort} ` : ''}${kind}${topic}${filters(lib, f)}${within}`.replace(/^oldest paper /, 'the oldest paper ').replace(/^newest paper /, 'the newest paper ');
    }
    case 'help':
      return 'help';
    case 'reset':
      return 'reset';
    default:
      return f.topic ?? f.unresolved ?? '';
  }
}
