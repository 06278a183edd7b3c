/**
 * Answers over the general frame: listings with any filter and order, counts, breakdowns, top
 * authors, attribute questions about one paper (first / last author, number of authors,
 * category, code) and yes/no checks. Writes plain English: "1 paper", "2 papers", "an author".
 */
import type { Author, Paper, Post } from '../corpus/schema.ts';
import type { Library } from '../search/library.ts';
import type { Snippet } from '../search/snippet.ts';
import { groupPapers, selectPapers, venueName } from './execute.ts';
import { inPeriod } from './understand/dates.ts';
import type { Frame } from './types.ts';

export interface Builder {
  papers: Paper[];
  posts: Post[];
  authors: Author[];
  authorNames: string[];
  text: string;
  total: number;
  snippets: Record<string, Snippet>;
  suggestions: string[];
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function andList(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? '';
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function orList(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? '';
  return `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

const paperLine = (p: Paper, i: number) => {
  const authors = p.authors.length ? `${p.authors.slice(0, 3).join(', ')}${p.authors.length > 3 || p.authorsTruncated ? ' et al.' : ''}` : 'authors unknown';
  return `${i + 1}. ${p.title ?? '[untitled paper]'} — ${authors} (${p.date ?? 'date unknown'}${p.category ? `, ${p.category}` : ''})`;
};

function names(ids: readonly string[] | undefined, lib: Library): string[] {
  return [...new Set((ids ?? []).map((id) => lib.authors.get(id)?.name ?? id))];
}

/** "about “speech” by Nan Du in Computer Vision since 2022 with code" */
export function describeFilters(f: Frame, lib: Library, options: { topic?: boolean } = {}): string {
  const parts: string[] = [];
  if (f.topic && options.topic !== false) parts.push(`about “${f.topic}”`);
  if (f.excludeTopic) parts.push(`not about “${f.excludeTopic}”`);
  const who = names(f.authors, lib);
  if (who.length) parts.push(`by ${f.authorMode === 'all' && who.length > 1 ? `${andList(who)} together` : f.authorMode === 'any' ? orList(who) : andList(who)}`);
  const without = names(f.excludeAuthors, lib);
  if (without.length) parts.push(`without ${orList(without)}`);
  if (f.category) parts.push(`in ${lib.suggestCategories(f.category, 1)[0]?.name ?? f.category}`);
  if (f.categories?.length) parts.push(`in ${orList(f.categories.map((c) => lib.suggestCategories(c, 1)[0]?.name ?? c))}`);
  if (f.excludeCategory) parts.push(`outside ${lib.suggestCategories(f.excludeCategory, 1)[0]?.name ?? f.excludeCategory}`);
  if (f.excludePeriod) parts.push(`not dated ${f.excludePeriod.from ?? '…'} to ${f.excludePeriod.to ?? '…'}`);
  if (f.venue) parts.push(`at ${f.venue}`);
  if (f.org) parts.push(`from ${f.org}`);
  if (f.year !== undefined) parts.push(`in ${f.year}`);
  else if (f.from && f.to) parts.push(f.from.endsWith('-01-01') && f.to.endsWith('-12-31') ? `from ${f.from.slice(0, 4)} to ${f.to.slice(0, 4)}` : `between ${f.from} and ${f.to}`);
  else if (f.from) parts.push(f.from.endsWith('-01-01') ? `since ${f.from.slice(0, 4)}` : `since ${f.from}`);
  else if (f.to) parts.push(f.to.endsWith('-12-31') ? `up to ${f.to.slice(0, 4)}` : `up to ${f.to}`);
  if (f.hasCode === true) parts.push('with code');
  if (f.hasCode === false) parts.push('without code');
  if (f.within) parts.push(`among the ${f.within.length} previous results`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function yesNo(f: Frame, yes: boolean): string {
  return f.yesno ? (yes ? 'Yes. ' : 'No. ') : '';
}

/** Blog posts that cite at least one paper of the corpus. */
export function postsCitingCorpus(lib: Library): Post[] {
  return lib.corpus.posts.filter((p) => p.mentions.length);
}

/** search / latest / papers_by with every filter. */
/** Blog posts that match every word of a plain topic search (shown after the papers). */
function matchingPosts(f: Frame, lib: Library, topic: string): Post[] {
  const plain = !f.authors?.length && !f.category && !f.categories && f.year === undefined && !f.from && !f.to && !f.venue && !f.org && f.hasCode === undefined && !f.within && !f.sort && !f.limit && !f.excludeTopic;
  if (!plain || !topic) return [];
  return lib.search(topic, { kinds: ['post'] }, { limit: 3 }).hits.filter((h) => h.coverage >= 1).map((h) => lib.posts.get(h.id)!).filter(Boolean);
}

export function listPapers(b: Builder, f: Frame, lib: Library, size: number): void {
  const limit = Math.min(f.limit ?? size, size);
  const sel = selectPapers(f, lib, limit);
  // Posts fill out a thin result (fewer papers than a page); a full page of papers is answer enough.
  const posts = sel.total < limit && (sel.total || !sel.partial?.length) ? matchingPosts(f, lib, sel.corrected ?? f.topic ?? '') : [];
  b.posts = posts;
  const postLines = posts.length ? `\nBlog posts:\n${posts.map((p, i) => `${i + 1}. ${p.title}`).join('\n')}` : '';
  b.papers = sel.papers;
  b.total = sel.total;
  for (const h of sel.hits) if (h.snippet) b.snippets[h.id] = h.snippet;
  if (f.authors?.length) b.authors = (f.authors ?? []).map((id) => lib.authors.get(id)!).filter(Boolean);
  const what = describeFilters(f, lib);
  if (!sel.total) {
    b.authors = [];
    const partial = (sel.partial ?? []).slice(0, 3).map((p) => p.title!).filter(Boolean);
    const loose = partial.length ? partial : f.topic && !f.within ? lib.closestTitles(f.topic, 3).map((p) => p.title!).filter(Boolean) : [];
    b.suggestions = loose;
    b.text = posts.length
      ? `${f.yesno ? 'Yes, in the blog. ' : ''}I have no papers${what}.${postLines}`
      : `${f.yesno ? 'No. ' : ''}Nothing matches: I have no papers${what}.` + (loose.length ? ` ${partial.length ? 'Papers that match only some of the words' : 'Closest titles'}: ${loose.map((t) => `“${t}”`).join(', ')}.` : '');
    return;
  }
  const order = f.sort === 'oldest' ? 'oldest first' : f.sort === 'newest' || !f.topic ? 'newest first' : 'best matches first';
  if (limit === 1 && f.sort) {
    const p = sel.papers[0]!;
    const by = `${p.authors.slice(0, 4).join(', ')}${p.authors.length > 4 || p.authorsTruncated ? ' et al' : ''}`;
    b.text = `${yesNo(f, true)}The ${f.sort === 'oldest' ? 'oldest' : 'newest'} paper${what} is ${p.title ?? '[untitled paper]'} (${p.date ?? 'date unknown'}), by ${by}.`;
    return;
  }
  const fixed = sel.corrected ? `(searched for “${sel.corrected}”)\n` : '';
  b.text = `${fixed}${yesNo(f, true)}${plural(sel.total, 'paper')}${what}${sel.total > sel.papers.length ? ` (${sel.papers.length} shown, ${order})` : ''}:\n${sel.papers.map(paperLine).join('\n')}`;
  if (sel.expansions.length) b.text += `\n(also searched: ${sel.expansions.join(', ')})`;
  b.text += postLines;
}

export function countAnswer(b: Builder, f: Frame, lib: Library, size: number): void {
  const what = describeFilters(f, lib);
  const of = f.countOf ?? 'papers';
  const filtered = !!(f.topic || f.authors || f.category || f.year !== undefined || f.from || f.to || f.venue || f.org || f.hasCode !== undefined || f.within || f.excludeTopic);
  if (of === 'posts') {
    if (f.citing) {
      const citing = postsCitingCorpus(lib);
      b.posts = citing.slice(0, size);
      b.total = citing.length;
      b.text = `${yesNo(f, citing.length > 0)}${citing.length === 1 ? '1 blog post cites' : `${citing.length} blog posts cite`} papers in the corpus${citing.length ? `: ${citing.map((p) => p.title).join('; ')}` : ''}.`;
      return;
    }
    const posts = f.topic ? lib.search(f.topic, { kinds: ['post'] }, { limit: lib.posts.size }).hits.map((h) => lib.posts.get(h.id)!) : [...lib.corpus.posts];
    b.posts = posts.slice(0, size);
    b.total = posts.length;
    b.text = `${yesNo(f, posts.length > 0)}I know ${plural(posts.length, 'blog post')}${f.topic ? ` about “${f.topic}”` : ''}.`;
    return;
  }
  if (of !== 'papers' && !filtered) {
    const n = of === 'authors' ? new Set([...lib.authors.values()].map((a) => a.name)).size : of === 'categories' ? lib.categoryList().filter((c) => c.count).length : of === 'venues' ? groupPapers(lib.corpus.papers, 'venue', lib).length : groupPapers(lib.corpus.papers, 'org', lib).length;
    const noun = { authors: ['author', 'authors'], categories: ['category', 'categories'], venues: ['venue', 'venues'], orgs: ['organisation', 'organisations'] }[of];
    b.total = n;
    b.text = `I know ${plural(n, noun[0]!, noun[1])}${of === 'authors' && n !== lib.authors.size ? ` (${lib.authors.size} author records: some names belong to different people)` : ''}.`;
    if (of === 'categories') b.text += ` ${lib.categoryList().filter((c) => c.count).map((c) => `${c.name} (${c.code}): ${c.count}`).join(', ')}.`;
    return;
  }
  const sel = selectPapers(f, lib, Infinity);
  b.total = sel.total;
  if (of === 'authors') {
    const people = new Set(sel.papers.flatMap((p) => p.authors));
    b.text = `${yesNo(f, people.size > 0)}${plural(people.size, 'author')} wrote the ${plural(sel.total, 'paper')}${what}.`;
    b.papers = sel.papers.slice(0, size);
    return;
  }
  b.papers = sel.papers.slice(0, size);
  if (f.authors?.length) b.authors = f.authors.map((id) => lib.authors.get(id)!).filter(Boolean);
  b.text = `${yesNo(f, sel.total > 0)}${sel.total === 0 ? 'No papers' : plural(sel.total, 'paper')}${what}${filtered ? '' : ' in all'}.`;
  if (sel.total) b.text += `\n${b.papers.map(paperLine).join('\n')}`;
}

export function breakdownAnswer(b: Builder, f: Frame, lib: Library, size: number): void {
  const sel = selectPapers(f, lib, Infinity);
  const by = f.groupBy ?? 'year';
  if (by === 'author') return topAuthorsAnswer(b, f, lib, size);
  const groups = groupPapers(sel.papers, by, lib);
  const what = describeFilters(f, lib);
  const noun = { year: 'year', category: 'category', venue: 'venue', org: 'organisation', author: 'author' }[by];
  const nouns = { year: 'years', category: 'categories', venue: 'venues', org: 'organisations', author: 'authors' }[by];
  b.total = groups.length;
  if (!groups.length) {
    b.text = sel.total ? `The ${plural(sel.total, 'paper')}${what} name no ${noun}.` : `Nothing matches: I have no papers${what}.`;
    return;
  }
  const without = sel.total - groups.reduce((a, g) => a + (by === 'org' ? 0 : g.count), 0);
  const top = [...groups].sort((x, y) => y.count - x.count)[0]!;
  const range = by === 'year' && groups.length > 1 ? ` from ${groups[0]!.label} to ${groups[groups.length - 1]!.label}` : '';
  b.text = `${plural(sel.total, 'paper')}${what} by ${noun} (${plural(groups.length, noun, nouns)}${range}; most: ${top.label} with ${top.count}):\n${groups.map((g) => `• ${g.label}: ${g.count}`).join('\n')}`;
  if (by !== 'year' && by !== 'org' && without > 0) b.text += `\n(${plural(without, 'paper')} with no ${noun} given)`;
  if (by === 'org') {
    const none = sel.papers.filter((p) => !p.orgs.length).length;
    if (none) b.text += `\n(${plural(none, 'paper')} name no organisation)`;
  }
  b.papers = sel.papers.slice(0, size);
}

export function topAuthorsAnswer(b: Builder, f: Frame, lib: Library, size: number): void {
  const sel = selectPapers(f, lib, Infinity);
  // By person (author id): namesakes are different people.
  const counts = new Map<string, number>();
  for (const p of sel.papers) for (const a of new Set(p.authorIds)) counts.set(a, (counts.get(a) ?? 0) + 1);
  const label = (id: string) => {
    const a = lib.authors.get(id);
    return a ? (a.disambiguation ? `${a.name} (${a.disambiguation})` : a.name) : id;
  };
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || label(a[0]).localeCompare(label(b[0])));
  const what = describeFilters(f, lib);
  if (!top.length) {
    b.text = `Nothing matches: I have no papers${what}.`;
    return;
  }
  const kept = f.minCount !== undefined ? top.filter(([, c]) => c >= f.minCount!) : top;
  if (!kept.length) {
    b.text = `No one has ${f.minCount} or more papers${what}.`;
    return;
  }
  const shown = f.minCount !== undefined ? kept.slice(0, 50) : kept.slice(0, 10);
  b.authors = shown.map(([id]) => lib.authors.get(id)!).filter(Boolean);
  b.authorNames = [...new Set(b.authors.map((a) => a.name))];
  b.total = top.length;
  b.text = f.minCount !== undefined
    ? `${plural(kept.length, 'person', 'people')} with at least ${plural(f.minCount, 'paper')}${what}: ${shown.map(([id, c]) => `${label(id)} (${c})`).join(', ')}.`
    : `Most papers${what}: ${shown.map(([id, c]) => `${label(id)} (${c})`).join(', ')}.`;
}

/** Attribute questions about each named paper. */
export function attributeAnswer(b: Builder, f: Frame, lib: Library): void {
  const ps = (f.papers ?? []).map((id) => lib.papers.get(id)!).filter(Boolean);
  b.papers = ps;
  const lines = ps.map((p) => {
    const title = p.title ?? '[untitled paper]';
    const partial = p.authorsTruncated ? ' (the sources list only the first authors)' : '';
    switch (f.intent) {
      case 'first_author':
        if (!p.authors.length) return `The sources name no authors for ${title}.`;
        b.authorNames.push(p.authors[0]!);
        return `The first author of ${title} is ${p.authors[0]}.`;
      case 'last_author':
        if (!p.authors.length) return `The sources name no authors for ${title}.`;
        if (p.authorsTruncated) return `I can't tell: the sources list only the first ${plural(p.authors.length, 'author')} of ${title} (${p.authors.join(', ')}), so its last author is unknown.`;
        b.authorNames.push(p.authors[p.authors.length - 1]!);
        return `The last author of ${title} is ${p.authors[p.authors.length - 1]}.`;
      case 'author_count':
        return p.authorsTruncated
          ? `${title} has more than ${plural(p.authors.length, 'author')}: the sources list only the first ${p.authors.length} (${p.authors.join(', ')}).`
          : `${title} has ${plural(p.authors.length, 'author')}: ${andList(p.authors)}.`;
      case 'category_of':
        return p.category ? `${title} is filed under ${p.categoryName ?? p.category} (${p.category})${p.date ? `; dated ${p.date}` : ''}${p.venue ? `, ${venueName(p.venue)}` : ''}.` : `The sources give no category for ${title}.`;
      case 'code_of':
        return p.hasCode ? `Yes: ${title} has code available.` : `No: the sources list no code for ${title}.`;
      default:
        return title + partial;
    }
  });
  b.text = lines.join('\n');
}

/** Yes/no checks: facts about a paper, whether people wrote together, whether anything matches. */
export function verifyAnswer(b: Builder, f: Frame, lib: Library, size: number): void {
  const ps = (f.papers ?? []).map((id) => lib.papers.get(id)!).filter(Boolean);
  if (ps.length) {
    const p = ps[0]!;
    const title = p.title ?? '[untitled paper]';
    b.papers = [p];
    const checks: { ok: boolean; say: string }[] = [];
    const q = ps[1];
    if (f.compare && q) {
      const a = p.date ?? '';
      const c = q.date ?? '';
      const ok = !!a && !!c && (f.compare === 'older' ? a < c : a > c);
      checks.push({ ok, say: `${title} is dated ${p.date ?? 'unknown'} and ${q.title ?? '[untitled paper]'} ${q.date ?? 'unknown'}` });
      b.papers = [p, q];
    }
    const who = names(f.authors, lib);
    for (const n of who) {
      const listed = p.authors.includes(n);
      checks.push({ ok: listed, say: listed ? `${n} is ${p.authors[0] === n ? 'the first' : 'an'} author of ${title}` : `${n} is not among the listed authors of ${title} (${p.authors.join(', ')}${p.authorsTruncated ? ', et al.: the sources list only the first authors' : ''})` });
    }
    if (f.category) checks.push({ ok: p.category === f.category, say: `${title} is filed under ${p.categoryName ?? p.category ?? 'no category'}${p.category ? ` (${p.category})` : ''}` });
    if (f.year !== undefined || f.from || f.to) {
      const period = f.year !== undefined ? { from: `${f.year}-01-01`, to: `${f.year}-12-31` } : { from: f.from, to: f.to };
      checks.push({ ok: inPeriod(p.date, period), say: `${title} is dated ${p.date ?? 'unknown'}` });
    }
    if (f.venue) checks.push({ ok: !!p.venue && p.venue.toLowerCase().includes(f.venue.toLowerCase()), say: p.venue ? `${title} appeared in ${venueName(p.venue)}` : `the sources give no venue for ${title}` });
    if (f.org) checks.push({ ok: p.orgs.includes(f.org), say: p.orgs.length ? `${title} is listed under ${andList(p.orgs)}` : `the sources name no organisation for ${title}` });
    if (f.hasCode !== undefined || (!checks.length && /code|implement|github/i.test(f.topic ?? ''))) checks.push({ ok: p.hasCode, say: p.hasCode ? `${title} has code available` : `the sources list no code for ${title}` });
    if (!checks.length && f.topic) {
      const hit = lib.search(f.topic, { kinds: ['paper'], within: new Set([p.id]) }, { limit: 1 }).hits.length > 0;
      checks.push({ ok: hit, say: hit ? `${title} is about “${f.topic}”` : `${title} does not mention “${f.topic}”` });
    }
    if (!checks.length) {
      b.text = `${title} is in the corpus (${p.date ?? 'date unknown'}).`;
      return;
    }
    const ok = checks.every((c) => c.ok);
    if (f.authors?.length) b.authors = f.authors.map((id) => lib.authors.get(id)!).filter(Boolean);
    b.authorNames = ok ? who : [];
    b.text = `${ok ? 'Yes' : 'No'}: ${checks.map((c) => c.say).join('; ')}.`;
    return;
  }
  // No paper: does anything match ("did A and B ever write together?", "has A published since 2022?")?
  const g = { ...f, authorMode: f.authorMode ?? ('all' as const) };
  const sel = selectPapers(g, lib, size);
  b.papers = sel.papers;
  b.total = sel.total;
  const what = describeFilters(g, lib);
  b.text = sel.total ? `Yes: ${plural(sel.total, 'paper')}${what}:\n${sel.papers.map(paperLine).join('\n')}` : `No: I have no papers${what}.`;
}
