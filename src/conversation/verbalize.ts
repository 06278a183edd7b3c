/**
 * Frame → the canonical stand-alone question it stands for. This is the `rephrased` text
 * shown to the user ("Interpreted as: …"), and it parses back to the same frame.
 */
import type { Library } from '../search/library.ts';
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
  let s = '';
  if (f.category) s += ` in ${lib.suggestCategories(f.category, 1)[0]?.name ?? f.category}`;
  if (f.year !== undefined) s += ` in ${f.year}`;
  return s;
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
    case 'papers_by':
      return `papers by ${person(lib, f)}${topic}${filters(lib, f)}${within}`;
    case 'coauthors':
      return `who are the co-authors of ${person(lib, f)}${filters(lib, f)}?`;
    case 'count':
      return `how many papers did ${person(lib, f)} publish${filters(lib, f)}?`;
    case 'latest':
      return `latest papers${topic}${filters(lib, f)}`;
    case 'posts_about':
      return `blog posts about ${f.papers ? titles(lib, f.papers) : f.topic ?? ''}`.trim();
    case 'post_citations':
      return `which papers does the post ${f.post ? paperTitle(lib, f.post) : f.unresolved ?? ''} cite?`;
    case 'similar':
      return `papers similar to ${f.papers ? titles(lib, f.papers) : f.topic ?? ''}`;
    case 'search': {
      const kind = f.kind === 'posts' ? 'blog posts' : 'papers';
      return `${kind}${topic}${filters(lib, f)}${within}`;
    }
    case 'help':
      return 'help';
    case 'reset':
      return 'reset';
    default:
      return f.topic ?? f.unresolved ?? '';
  }
}
