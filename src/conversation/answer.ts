/**
 * Frame → Answer: runs the structured query against the library and writes the text the
 * user reads. Pure: the same library and frame give the same answer.
 */
import type { Author, Paper, Post } from '../corpus/schema.ts';
import { byDateDesc, type Library } from '../search/library.ts';
import type { Snippet } from '../search/snippet.ts';
import type { Answer, Frame, PaperRef, PostRef } from './types.ts';
import { attributeAnswer, breakdownAnswer, countAnswer, listPapers, postsCitingCorpus, topAuthorsAnswer, verifyAnswer } from './answer-more.ts';

export interface AnswerOptions {
  /** Results listed per answer. */
  pageSize?: number;
}

export function paperRef(p: Paper): PaperRef {
  return { id: p.id, title: p.title ?? '[untitled paper]', authors: p.authors, date: p.date ?? '' };
}

export function postRef(p: Post): PostRef {
  return { id: p.id, title: p.title };
}

/** `A, B, C et al.` */
export function shortAuthors(p: Paper, max = 3): string {
  if (!p.authors.length) return 'authors unknown';
  const shown = p.authors.slice(0, max).join(', ');
  return p.authors.length > max || p.authorsTruncated ? `${shown} et al.` : shown;
}

function when(p: Paper): string {
  return p.date ?? 'date unknown';
}

function line(p: Paper, i: number): string {
  const cat = p.category ? `, ${p.category}` : '';
  return `${i + 1}. ${p.title ?? '[untitled paper]'} — ${shortAuthors(p)} (${when(p)}${cat})`;
}

/** Key sentences of an abstract: the first two, which state the problem and contribution. */
export function keySentences(abstract: string | null, max = 2): string {
  if (!abstract) return '';
  const sentences = abstract.match(/[^.!?]+(?:[.!?]+(?=\s|$)|$)/g)?.map((s) => s.trim()).filter((s) => s.length > 20) ?? [];
  const picked = sentences.slice(0, max).join(' ');
  return picked || abstract.slice(0, 300);
}

function listAuthors(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

class AnswerBuilder {
  papers: Paper[] = [];
  posts: Post[] = [];
  authors: Author[] = [];
  authorNames: string[] = [];
  text = '';
  total = 0;
  snippets: Record<string, Snippet> = {};
  choices: Answer['choices'] = [];
  suggestions: string[] = [];
}

function describeAuthor(a: Author): string {
  return a.disambiguation ? `${a.name} (${a.disambiguation})` : a.name;
}

/** The papers a frame's author ids cover, with filters applied. */
function authorPapers(lib: Library, frame: Frame): Paper[] {
  const ids = new Set((frame.authors ?? []).flatMap((id) => lib.authors.get(id)?.paperIds ?? []));
  let papers = [...ids].map((id) => lib.papers.get(id)!).filter(Boolean);
  if (frame.year !== undefined) papers = papers.filter((p) => p.year === frame.year);
  if (frame.category) papers = papers.filter((p) => p.category === frame.category);
  if (frame.within) papers = papers.filter((p) => frame.within!.includes(p.id));
  if (frame.topic) {
    const hits = new Set(lib.search(frame.topic, { kinds: ['paper'], within: new Set(papers.map((p) => p.id)) }, { limit: 1000 }).hits.map((h) => h.id));
    papers = papers.filter((p) => hits.has(p.id));
  }
  return papers.sort(byDateDesc);
}

function filterText(lib: Library, frame: Frame): string {
  const parts: string[] = [];
  if (frame.topic) parts.push(`about “${frame.topic}”`);
  if (frame.category) parts.push(`in ${lib.suggestCategories(frame.category, 1)[0]?.name ?? frame.category}`);
  if (frame.year !== undefined) parts.push(`in ${frame.year}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function notFound(b: AnswerBuilder, lib: Library, what: string, kind: 'paper' | 'author' | 'any'): void {
  const titles = kind !== 'author' ? lib.closestTitles(what, 3).map((p) => p.title!).filter(Boolean) : [];
  const names = kind !== 'paper' ? lib.closestAuthors(what, 3).map((a) => a.name) : [];
  b.suggestions = [...new Set([...titles, ...names])];
  const label = kind === 'author' ? 'author' : kind === 'paper' ? 'paper' : 'paper or author';
  if (!what.trim()) {
    b.text = `Which ${label} do you mean? Name it by its title, short name or an author (for example “who wrote GPipe?”).`;
    return;
  }
  b.text = `I don't know ${label === 'author' ? 'an' : 'a'} ${label} called “${what}”.` + (b.suggestions.length ? ` Did you mean: ${b.suggestions.map((s) => `“${s}”`).join(', ')}?` : '');
}

/**
 * Papers like one: the text neighbours (its title and abstract as a query), re-ranked with what
 * a reader means by "related work" too — the same category, and shared authors weighted by how
 * rare they are (a page owner on every paper says little; a co-author on two says a lot).
 */
export function similarPapers(p: Paper, lib: Library, size: number): Paper[] {
  const hits = lib.similar(p.id, Math.max(20, size * 4));
  if (!hits.length) return [];
  const top = hits[0]!.score;
  const mine = new Set(p.authorIds);
  const scored = hits.map((h) => {
    const q = lib.papers.get(h.id)!;
    let s = h.score / top;
    if (p.category && q.category === p.category) s += 0.2;
    for (const id of q.authorIds) if (mine.has(id)) s += 0.4 / Math.sqrt(lib.authors.get(id)?.paperIds.length ?? 1);
    return { q, s };
  });
  return scored.sort((a, b) => b.s - a.s).slice(0, size).map((x) => x.q);
}

/** When a name is shared by different people, say so and offer the choice. */
/**
 * Posts that name one of the papers (its short name, the part of its title before a colon, or an
 * alias of four characters or more) in their title or text, as a phrase, in reading order. The
 * index finds the candidates (posts holding the name's words); the phrase is then checked in
 * their text, so a turn reads a few posts, not every post of a large corpus.
 */
function postsNaming(papers: readonly Paper[], lib: Library, size: number): Post[] {
  const names = [...new Set(papers.flatMap((p) => [p.title?.split(':')[0] ?? '', ...p.aliases]).filter((n) => n.trim().length >= 4).map((n) => n.toLowerCase()))];
  const found = new Set<string>();
  for (const name of names) {
    for (const h of lib.search(name, { kinds: ['post'] }, { limit: Math.max(50, size * 10), cache: true }).hits) {
      const post = lib.posts.get(h.id);
      if (post && `${post.title}\n${post.body}`.toLowerCase().includes(name)) found.add(post.id);
    }
  }
  if (!found.size) return [];
  const order = new Map([...lib.posts.keys()].map((id, i) => [id, i]));
  return [...found].sort((a, b) => order.get(a)! - order.get(b)!).slice(0, size).map((id) => lib.posts.get(id)!);
}

function ambiguity(b: AnswerBuilder, lib: Library, frame: Frame): boolean {
  const all = (frame.authors ?? []).map((id) => lib.authors.get(id)!).filter(Boolean);
  // Only namesakes are a choice; several different names ("papers by them") are all meant.
  const people = all.filter((a) => all.filter((x) => x.name === a.name).length > 1);
  if (people.length < 2) return false;
  b.choices = people.map((a) => ({ id: a.id, label: `${describeAuthor(a)} — ${a.paperIds.length} paper${a.paperIds.length === 1 ? '' : 's'}`, kind: 'author' }));
  return true;
}

export function answerFrame(frame: Frame, lib: Library, options: AnswerOptions = {}): Omit<Answer, 'input' | 'rephrased' | 'rewritten'> {
  const size = options.pageSize ?? 5;
  const b = new AnswerBuilder();
  const papersOf = (ids: string[] | undefined) => (ids ?? []).map((id) => lib.papers.get(id)!).filter(Boolean);

  switch (frame.intent) {
    case 'help':
      b.text = [
        'Ask me about the papers, authors and blog posts I know. For example:',
        '• papers about speech recognition • GPipe • who wrote it? • when was GLaM published?',
        '• papers by Yanqi Zhou in 2023 • who are the co-authors of Nan Du? • how many papers did Zhifeng Chen publish in 2021?',
        '• latest papers on mixture of experts • blog posts about machine translation • more like this • the second one',
      ].join('\n');
      break;
    case 'reset':
      b.text = 'Done: I forgot our conversation. Ask me anything.';
      break;
    case 'paper':
    case 'about':
    case 'authors_of':
    case 'date_of':
    case 'venue_of': {
      const ps = papersOf(frame.papers);
      if (!ps.length) {
        notFound(b, lib, frame.unresolved ?? '', 'paper');
        break;
      }
      b.papers = ps;
      const parts = ps.map((p) => {
        const title = p.title ?? '[untitled paper]';
        switch (frame.intent) {
          case 'authors_of': {
            b.authorNames.push(...p.authors.filter((a) => !b.authorNames.includes(a)));
            const note = p.authorsTruncated ? ' (the sources list only the first authors)' : '';
            return `${title} was written by ${listAuthors(p.authors)}${note}.`;
          }
          case 'date_of':
            return p.date
              ? `${title} was published ${p.date.length === 4 ? 'in ' : 'on '}${p.date}${p.venue ? ` (${p.venue})` : ''}${p.categoryName ? `; filed under ${p.categoryName} (${p.category})` : ''}.`
              : `I don't know when ${title} was published.`;
          case 'venue_of':
            return p.venue ? `${title} appeared in ${p.venue}${p.date ? ` (${p.date.slice(0, 4)})` : ''}.` : `The sources give no venue for ${title}${p.date ? `; it is dated ${p.date}` : ''}${p.categoryName ? ` and filed under ${p.categoryName}` : ''}.`;
          case 'about':
            return `${title}: ${keySentences(p.abstract) || 'the sources give no abstract.'}`;
          default: {
            const posts = lib.postsAbout(p.id);
            b.posts.push(...posts);
            return [
              `${title}`,
              `${shortAuthors(p, 6)} · ${when(p)}${p.categoryName ? ` · ${p.categoryName}` : ''}${p.venue ? ` · ${p.venue}` : ''}${p.hasCode ? ' · code available' : ''}`,
              keySentences(p.abstract),
              p.aliases.length ? `Also known as: ${p.aliases.join('; ')}` : '',
              posts.length ? `Discussed in: ${posts.map((x) => x.title).join('; ')}` : '',
            ].filter(Boolean).join('\n');
          }
        }
      });
      b.text = parts.join('\n');
      b.authors = ps.flatMap((p) => p.authorIds.map((id) => lib.authors.get(id)!)).filter(Boolean);
      if (frame.intent !== 'authors_of') b.authors = [];
      break;
    }
    case 'author': {
      const people = (frame.authors ?? []).map((id) => lib.authors.get(id)!).filter(Boolean);
      if (!people.length) {
        notFound(b, lib, frame.unresolved ?? frame.authorName ?? '', 'author');
        break;
      }
      b.authors = people;
      const check = frame.profileCheck;
      if (check) {
        const a = people.find((x) => x.profile) ?? people[0]!;
        const v = a.profile?.[check.field] ?? null;
        const label = { hIndex: 'h-index', citations: 'citations', paperCount: 'papers listed' }[check.field];
        if (v === null || v === undefined) {
          b.text = `I can't tell: the sources give no ${label} for ${a.name}.`;
        } else {
          const ok = check.op === '>' ? v > check.value : check.op === '>=' ? v >= check.value : check.op === '<' ? v < check.value : v <= check.value;
          const fact = check.field === 'hIndex' ? `${a.name}'s h-index is ${v}` : `${a.name} has ${v} ${label}`;
          b.text = `${ok ? 'Yes' : 'No'}: ${fact} (author profile).`;
        }
        break;
      }
      const lines = people.map((a) => {
        const papers = lib.papersOf(a.id);
        const years = papers.map((p) => p.year).filter((y): y is number => y !== null);
        const span = years.length ? ` (${Math.min(...years)}–${Math.max(...years)})` : '';
        const co = lib.coauthors(a.id).slice(0, 3).map((c) => c.author.name);
        const pr = a.profile;
        const profile = pr ? ` Profile: ${[pr.field ? `field ${pr.field}` : '', pr.hIndex !== null ? `h-index ${pr.hIndex}` : '', pr.citations !== null ? `${pr.citations} citations` : '', pr.paperCount !== null ? `${pr.paperCount} papers listed` : ''].filter(Boolean).join(', ')}.` : '';
        return `${describeAuthor(a)}: ${papers.length} paper${papers.length === 1 ? '' : 's'} here${span}. Frequent co-authors: ${co.join(', ') || 'none listed'}.${profile}`;
      });
      if (ambiguity(b, lib, frame)) lines.unshift(`${people.length} different people are named ${people[0]!.name}:`);
      b.papers = people.flatMap((a) => lib.papersOf(a.id)).sort(byDateDesc).slice(0, size);
      b.total = new Set(people.flatMap((a) => a.paperIds)).size;
      b.text = lines.join('\n');
      break;
    }
    case 'papers_by':
    case 'count': {
      if (frame.unresolved && !frame.authors?.length) {
        notFound(b, lib, frame.unresolved, 'author');
        break;
      }
      if (frame.intent === 'count') countAnswer(b, frame, lib, size);
      else listPapers(b, frame, lib, size);
      ambiguity(b, lib, frame);
      break;
    }
    case 'first_author':
    case 'last_author':
    case 'author_count':
    case 'category_of':
    case 'code_of': {
      if (!frame.papers?.length) {
        notFound(b, lib, frame.unresolved ?? '', 'paper');
        break;
      }
      attributeAnswer(b, frame, lib);
      break;
    }
    case 'verify':
      verifyAnswer(b, frame, lib, size);
      break;
    case 'breakdown':
      breakdownAnswer(b, frame, lib, size);
      break;
    case 'top_authors':
      topAuthorsAnswer(b, frame, lib, size);
      break;
    case 'post': {
      const post = frame.post ? lib.posts.get(frame.post) : undefined;
      if (!post) {
        notFound(b, lib, frame.unresolved ?? '', 'any');
        break;
      }
      b.posts = [post];
      b.papers = post.mentions.map((id) => lib.papers.get(id)!).filter(Boolean);
      const body = post.body.length > 400 ? `${post.body.slice(0, 400).replace(/\s+\S*$/, '')}…` : post.body;
      b.text = [`Blog post: ${post.title}`, body, b.papers.length ? `Cites: ${b.papers.map((p) => p.title).join('; ')}` : ''].filter(Boolean).join('\n');
      break;
    }
    case 'coauthors': {
      const people = (frame.authors ?? []).map((id) => lib.authors.get(id)!).filter(Boolean);
      if (!people.length) {
        notFound(b, lib, frame.unresolved ?? '', 'author');
        break;
      }
      b.authors = [];
      const counts = new Map<string, number>();
      for (const a of people) {
        for (const p of authorPapers(lib, { ...frame, intent: 'papers_by', authors: [a.id] })) {
          for (const co of p.authorIds) if (!frame.authors!.includes(co)) counts.set(co, (counts.get(co) ?? 0) + 1);
        }
      }
      const cos = [...counts.entries()].sort((x, y) => y[1] - x[1] || lib.authors.get(x[0])!.name.localeCompare(lib.authors.get(y[0])!.name));
      b.authors = cos.map(([id]) => lib.authors.get(id)!);
      b.total = cos.length;
      ambiguity(b, lib, frame);
      const names = [...new Set(people.map((a) => a.name))];
      const top = cos.slice(0, 10).map(([id, n]) => `${lib.authors.get(id)!.name} (${n})`);
      b.text = cos.length
        ? `${listAuthors(names)} ${names.length > 1 ? 'have' : 'has'} ${cos.length} co-author${cos.length === 1 ? '' : 's'}${filterText(lib, frame)} in the corpus. Most frequent: ${top.join(', ')}.`
        : `I have no co-authors of ${people[0]!.name}${filterText(lib, frame)}.`;
      break;
    }
    case 'latest':
      listPapers(b, { ...frame, sort: frame.sort ?? 'newest' }, lib, size);
      break;
    case 'posts_about': {
      if (frame.papers?.length) {
        const ps = papersOf(frame.papers);
        b.papers = ps;
        b.posts = ps.flatMap((p) => lib.postsAbout(p.id));
        if (!b.posts.length) b.posts = postsNaming(ps, lib, size);
        b.total = b.posts.length;
        b.text = b.posts.length
          ? `Blog posts about ${ps[0]!.title}:\n${b.posts.map((p, i) => `${i + 1}. ${p.title}`).join('\n')}`
          : `No blog post in the corpus discusses ${ps[0]?.title ?? 'that paper'}.`;
        break;
      }
      const topic = frame.topic ?? '';
      if (!topic) {
        b.posts = lib.corpus.posts.slice(0, size);
        b.total = lib.posts.size;
        b.text = `I know ${lib.posts.size} blog posts. Some of them:\n${b.posts.map((p, i) => `${i + 1}. ${p.title}`).join('\n')}`;
        break;
      }
      const res = lib.search(topic, { kinds: ['post'], ...(frame.within ? { within: new Set(frame.within) } : {}) }, { limit: size });
      b.posts = res.hits.map((h) => lib.posts.get(h.id)!);
      for (const h of res.hits) if (h.snippet) b.snippets[h.id] = h.snippet;
      b.total = res.total;
      b.text = b.posts.length ? `Blog posts about “${topic}”:\n${b.posts.map((p, i) => `${i + 1}. ${p.title}`).join('\n')}` : `No blog post about “${topic}”.`;
      break;
    }
    case 'post_citations': {
      const post = frame.post ? lib.posts.get(frame.post) : undefined;
      if (!post && !frame.unresolved) {
        const citing = postsCitingCorpus(lib);
        b.posts = citing;
        b.papers = [...new Set(citing.flatMap((x) => x.mentions))].map((id) => lib.papers.get(id)!).filter(Boolean).slice(0, size);
        b.total = citing.length;
        b.text = citing.length
          ? `${citing.length === 1 ? '1 blog post cites' : `${citing.length} blog posts cite`} papers in the corpus:\n${citing.map((x, i) => `${i + 1}. ${x.title} — cites ${x.mentions.map((id) => lib.papers.get(id)?.title ?? id).join('; ')}`).join('\n')}`
          : 'No blog post cites a paper in the corpus.';
        break;
      }
      if (!post) {
        notFound(b, lib, frame.unresolved ?? '', 'any');
        break;
      }
      b.posts = [post];
      b.papers = post.mentions.map((id) => lib.papers.get(id)!).filter(Boolean);
      const others = post.citedTitles.filter((t) => !b.papers.some((p) => p.title?.toLowerCase() === t.toLowerCase() || p.aliases.some((a) => a.toLowerCase() === t.toLowerCase())));
      b.text = [
        b.papers.length ? `“${post.title}” cites ${b.papers.length} paper${b.papers.length === 1 ? '' : 's'} in the corpus:\n${b.papers.map(line).join('\n')}` : `“${post.title}” cites no paper that is in the corpus.`,
        others.length ? `It also cites: ${others.map((t) => `“${t}”`).join(', ')}.` : '',
      ].filter(Boolean).join('\n');
      break;
    }
    case 'similar': {
      const ps = papersOf(frame.papers);
      if (!ps.length) {
        notFound(b, lib, frame.unresolved ?? '', 'paper');
        break;
      }
      b.papers = similarPapers(ps[0]!, lib, size);
      b.total = b.papers.length;
      b.text = b.papers.length ? `Papers similar to ${ps[0]!.title}:\n${b.papers.map(line).join('\n')}` : `I found nothing similar to ${ps[0]!.title}.`;
      break;
    }
    case 'search': {
      const topic = frame.topic ?? '';
      if (frame.kind !== 'posts' && frame.kind !== 'all') {
        listPapers(b, frame, lib, size);
        break;
      }
      const kinds: ('paper' | 'post')[] = frame.kind === 'posts' ? ['post'] : ['paper', 'post'];
      const filters = {
        kinds,
        ...(frame.category ? { category: frame.category } : {}),
        ...(frame.year !== undefined ? { year: frame.year } : {}),
        ...(frame.within ? { within: new Set(frame.within) } : {}),
        ...(frame.authors?.length === 1 ? { authorId: frame.authors[0]! } : {}),
      };
      const res = lib.search(topic, filters, { limit: size });
      for (const h of res.hits) {
        if (h.kind === 'paper') b.papers.push(lib.papers.get(h.id)!);
        else if (h.kind === 'post') b.posts.push(lib.posts.get(h.id)!);
        if (h.snippet) b.snippets[h.id] = h.snippet;
      }
      b.total = res.total;
      if (!res.hits.length) {
        b.text = `Nothing matches “${topic}”${filterText(lib, { ...frame, topic: undefined as never })}.`;
        break;
      }
      const rows = res.hits.map((h, i) => (h.kind === 'paper' ? line(lib.papers.get(h.id)!, i) : `${i + 1}. [blog] ${lib.posts.get(h.id)!.title}`));
      b.text = `${res.total} result${res.total === 1 ? '' : 's'} for “${topic}”${filterText(lib, { ...frame, topic: undefined as never })}${res.total > size ? ` (top ${size})` : ''}:\n${rows.join('\n')}`;
      break;
    }
    default:
      b.text = 'I did not understand that. Try “help”.';
  }
  if (frame.also?.length && b.papers.length) {
    // "who wrote X and when?": each further attribute of the same papers, in turn.
    const { also, described, ...base } = frame;
    void described;
    for (const intent of also) {
      const more = answerFrame({ ...base, intent }, lib, options);
      b.text += `\n${more.text}`;
      for (const n of more.authors) if (!b.authorNames.includes(n)) b.authorNames.push(n);
    }
  }
  if (frame.described && b.papers.length === 1) b.text = `(Reading “${frame.described}” as ${b.papers[0]!.title}.)\n${b.text}`;
  if (frame.intent !== 'authors_of' && !b.authorNames.length) b.authorNames = b.authors.map((a) => a.name);
  return {
    intent: frame.intent,
    papers: b.papers.map(paperRef),
    authors: [...new Set(b.authorNames)],
    posts: [...new Map(b.posts.map((p) => [p.id, postRef(p)])).values()],
    text: b.text,
    authorIds: b.authors.map((a) => a.id),
    total: b.total || b.papers.length + b.posts.length,
    snippets: b.snippets,
    choices: b.choices,
    suggestions: b.suggestions,
    frame,
  };
}
