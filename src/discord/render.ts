/**
 * Rendering: answers, papers, authors, lists, digests → Discord message payloads (embeds and
 * components as plain API JSON, built with discord.js builders). Pure: no client, no network;
 * every payload passes through `finish` (limits.ts), so no Discord limit can be exceeded.
 * All corpus and user text is escaped (`safe`) before it is placed in markdown.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  StringSelectMenuBuilder,
  time,
  TimestampStyles,
  type APIEmbed,
  type APIEmbedField,
  type APISelectMenuOption,
} from 'discord.js';
import { keySentences, shortAuthors } from '../conversation/answer.ts';
import type { Answer } from '../conversation/types.ts';
import { categoryName } from '../corpus/categories.ts';
import type { Author, Paper, Post } from '../corpus/schema.ts';
import type { LoadedCorpus } from '../corpusService.ts';
import type { DigestMessage } from '../digest/format.ts';
import type { Library } from '../search/library.ts';
import { perYear } from '../search/charts.ts';
import { renderSnippet, type Snippet } from '../search/snippet.ts';
import { formatLocalDate } from '../digest/time.ts';
import type { DigestRun, Subscription } from '../store/types.ts';
import { ratingRows } from './feedback.ts';
import { clampComponents, clampContent, clampEmbeds, clampSelectOptions, embedLength, joinWithin, LIMITS, truncate } from './limits.ts';
import type { ListPage, ListQuery } from './lists.ts';
import { bold, oneLine, safe } from './text.ts';
import type { MessageRow, Reply, ReplyFile } from './types.ts';

export const COLORS = { paper: 0x5865f2, author: 0x57f287, list: 0xfee75c, info: 0x99aab5, digest: 0xeb459e, post: 0xed4245 } as const;

/** Builds customIds (the router's `StateStore.customId`; a plain join in tests). */
export interface IdMaker {
  customId(namespace: string, action: string, ...args: (string | number)[]): string;
}

export const plainIds: IdMaker = { customId: (ns, action, ...args) => [ns, action, ...args.map(String)].join(':') };

/** Applies every limit to a payload. */
export function finish(r: Reply): Reply {
  const out: Reply = {};
  if (r.content !== undefined) out.content = clampContent(r.content);
  if (r.embeds) out.embeds = clampEmbeds(r.embeds);
  if (r.components) out.components = clampComponents(r.components);
  if (r.files?.length) out.files = r.files.slice(0, LIMITS.filesPerMessage).map((f) => (f.description === undefined ? f : { ...f, description: truncate(f.description, LIMITS.attachmentDescription) }));
  if (r.ephemeral) out.ephemeral = true;
  return out;
}

/**
 * Shows an image file as the first embed's image (`attachment://<name>`) and attaches it. A reply
 * without an embed is returned as it is.
 */
export function attachImage(r: Reply, file: ReplyFile): Reply {
  const [first, ...rest] = r.embeds ?? [];
  if (!first) return r;
  return finish({ ...r, embeds: [{ ...first, image: { url: `attachment://${file.name}` } }, ...rest], files: [...(r.files ?? []).filter((f) => f.name !== file.name), file] });
}

const row = (...components: (ButtonBuilder | StringSelectMenuBuilder)[]): MessageRow =>
  new ActionRowBuilder<ButtonBuilder | StringSelectMenuBuilder>().addComponents(...components).toJSON() as MessageRow;

function select(customId: string, placeholder: string, options: APISelectMenuOption[]): StringSelectMenuBuilder {
  return new StringSelectMenuBuilder()
    .setCustomId(customId)
    .setPlaceholder(truncate(placeholder, LIMITS.selectPlaceholder))
    .addOptions(clampSelectOptions(options));
}

const title = (p: Paper): string => oneLine(p.title ?? '[untitled paper]');

function paperOption(p: Paper, value = p.id): APISelectMenuOption {
  return { label: truncate(title(p), LIMITS.selectLabel), value, description: truncate([shortAuthors(p), p.date ?? 'date unknown', p.category].filter(Boolean).join(' · '), LIMITS.selectDescription) };
}

function categoryLabel(code: string | null): string {
  if (!code) return 'unknown';
  const name = categoryName(code);
  return name && name !== code ? `${code} · ${name}` : code;
}

import { sparkline } from '../search/charts.ts';
export { sparkline };

/** Publications per year from the first to the last year (gaps are zeros): the numbers the charts draw too. */
export { perYear };

/** A snippet with its highlighted words in bold (text escaped first). */
export function snippetMarkdown(s: Snippet): string {
  return renderSnippet(s, safe, (x) => (x ? `**${x}**` : x));
}

// ------------------------------------------------------------------------------------------ papers

/** The paper card: title (and aliases), authors, date, category, venue, orgs, code, key sentences, sources, blog posts; buttons. */
export function renderPaperCard(p: Paper, lib: Library, ids: IdMaker = plainIds): Reply {
  const posts = lib.postsAbout(p.id);
  const description = [
    p.aliases.length ? `*Also known as:* ${p.aliases.map((a) => safe(oneLine(a))).join('; ')}` : '',
    p.abstract ? safe(keySentences(p.abstract)) : '*The sources give no abstract.*',
  ].filter(Boolean).join('\n\n');
  const authorsNote = p.authorsTruncated ? ' et al. (the sources list only the first authors)' : '';
  const authors = p.authors.length ? joinWithin(p.authors.map((a) => safe(a)), ', ', LIMITS.fieldValue - authorsNote.length) + authorsNote : 'unknown';
  const fields: APIEmbedField[] = [
    { name: p.authorsTruncated ? `Authors (${p.authors.length}+)` : `Authors (${p.authors.length})`, value: authors },
    { name: 'Date', value: p.date ?? 'unknown', inline: true },
    { name: 'Category', value: safe(categoryLabel(p.category)), inline: true },
    { name: 'Venue', value: p.venue ? safe(p.venue) : '—', inline: true },
    { name: 'Organisations', value: p.orgs.length ? joinWithin(p.orgs.map(safe), ', ', LIMITS.fieldValue) : '—', inline: true },
    { name: 'Code', value: p.hasCode ? 'available' : 'not listed', inline: true },
    { name: 'Sources', value: p.sources.length ? joinWithin(p.sources.map(safe), '\n', LIMITS.fieldValue) : '—' },
    { name: `Blog posts (${posts.length})`, value: posts.length ? joinWithin(posts.map((x) => `• ${safe(oneLine(x.title))}`), '\n', LIMITS.fieldValue) : 'none in the corpus' },
  ];
  const embed: APIEmbed = { title: truncate(safe(title(p)), LIMITS.embedTitle), description, color: COLORS.paper, fields, footer: { text: `paper id: ${p.id}` } };
  const buttons = row(
    new ButtonBuilder().setCustomId(ids.customId('paper', 'a', p.id)).setLabel('Authors').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId(ids.customId('paper', 's', p.id)).setLabel('More like this').setStyle(ButtonStyle.Secondary),
    new ButtonBuilder().setCustomId(ids.customId('paper', 'q', p.id)).setLabel('Ask a follow-up').setStyle(ButtonStyle.Success),
  );
  return finish({ embeds: [embed], components: [buttons] });
}

/** The authors of a paper, with a menu to open one. */
export function renderPaperAuthors(p: Paper, lib: Library): Reply {
  const people = p.authorIds.map((id) => lib.authors.get(id)).filter((a): a is Author => !!a);
  const lines = people.map((a) => `• ${bold(safe(a.name))}${a.disambiguation ? ` (${safe(a.disambiguation)})` : ''} — ${a.paperIds.length} paper${a.paperIds.length === 1 ? '' : 's'} here`);
  const note = p.authorsTruncated ? '\n*The sources list only the first authors.*' : '';
  const embed: APIEmbed = {
    title: truncate(`Authors of ${safe(title(p))}`, LIMITS.embedTitle),
    description: (lines.length ? joinWithin(lines, '\n', LIMITS.embedDescription - note.length) : 'No authors are known.') + note,
    color: COLORS.author,
  };
  const options = people.map((a) => ({ label: a.name, value: a.id, description: a.disambiguation ?? `${a.paperIds.length} paper${a.paperIds.length === 1 ? '' : 's'}` }));
  return finish({ embeds: [embed], components: options.length ? [row(select('author:o', 'Open an author…', options))] : [], ephemeral: true });
}

/** Papers similar to one, with a menu to open one. */
export function renderSimilar(p: Paper, lib: Library): Reply {
  const similar = lib.similar(p.id, 10).map((h) => lib.papers.get(h.id)).filter((x): x is Paper => !!x);
  const lines = similar.map((x, i) => `${i + 1}. ${bold(safe(title(x)))} — ${safe(shortAuthors(x))} (${x.date ?? 'date unknown'})`);
  const embed: APIEmbed = {
    title: truncate(`More like ${safe(title(p))}`, LIMITS.embedTitle),
    description: lines.length ? joinWithin(lines, '\n', LIMITS.embedDescription) : 'I found nothing similar.',
    color: COLORS.paper,
  };
  return finish({ embeds: [embed], components: similar.length ? [row(select('paper:o', 'Open a paper…', similar.map((x) => paperOption(x))))] : [], ephemeral: true });
}

export function renderPostCard(post: Post, lib: Library): Reply {
  const cited = post.mentions.map((id) => lib.papers.get(id)).filter((x): x is Paper => !!x);
  const body = post.body.split(/\n+/).map((s) => s.trim()).filter(Boolean).slice(0, 3).join('\n\n');
  const fields: APIEmbedField[] = [
    { name: `Papers it cites (${cited.length})`, value: cited.length ? joinWithin(cited.map((x) => `• ${safe(title(x))}`), '\n', LIMITS.fieldValue) : 'none in the corpus' },
  ];
  const others = post.citedTitles.filter((t) => !cited.some((c) => c.title?.toLowerCase() === t.toLowerCase()));
  if (others.length) fields.push({ name: 'Also cites', value: joinWithin(others.map((t) => `• ${safe(oneLine(t))}`), '\n', LIMITS.fieldValue) });
  const embed: APIEmbed = { title: truncate(safe(oneLine(post.title)), LIMITS.embedTitle), description: truncate(safe(body), 1500), color: COLORS.post, fields, footer: { text: `blog post · sources: ${post.sources.join(', ')}` } };
  return finish({ embeds: [embed], components: cited.length ? [row(select('paper:o', 'Open a cited paper…', cited.map((x) => paperOption(x))))] : [] });
}

// ------------------------------------------------------------------------------------------ authors

function describe(a: Author): string {
  return a.disambiguation ? `${a.name} (${a.disambiguation})` : a.name;
}

/** The author card: papers by year, top co-authors, categories, publications-per-year sparkline; a menu to open a paper. */
export function renderAuthorCard(a: Author, lib: Library): Reply {
  const papers = lib.papersOf(a.id);
  const spark = perYear(papers);
  const head: string[] = [];
  if (a.disambiguation) head.push(`*${safe(a.disambiguation)}*`);
  if (a.profile) {
    const bits = [
      a.profile.hIndex !== null ? `h-index ${a.profile.hIndex}` : '',
      a.profile.citations !== null ? `${a.profile.citations.toLocaleString('en-US')} citations` : '',
      a.profile.field ? `field ${safe(categoryLabel(a.profile.field))}` : '',
    ].filter(Boolean);
    if (bits.length) head.push(`Profile: ${bits.join(' · ')}`);
  }
  head.push(`${papers.length} paper${papers.length === 1 ? '' : 's'} in the corpus.`);
  if (spark) head.push(`Publications per year: \`${spark.from} ${sparkline(spark.counts)} ${spark.to}\``);

  const co = lib.coauthors(a.id).slice(0, 10);
  const cats = new Map<string, number>();
  for (const p of papers) if (p.category) cats.set(p.category, (cats.get(p.category) ?? 0) + 1);
  const catList = [...cats.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  const fields: APIEmbedField[] = [
    { name: 'Top co-authors', value: co.length ? joinWithin(co.map((c) => `${safe(c.author.name)} (${c.count})`), ', ', LIMITS.fieldValue) : 'none listed', inline: true },
    { name: 'Categories', value: catList.length ? joinWithin(catList.map(([c, n]) => `${safe(categoryLabel(c))} (${n})`), '\n', LIMITS.fieldValue) : 'unknown', inline: true },
  ];
  const embed: APIEmbed = { title: truncate(safe(a.name), LIMITS.embedTitle), description: head.join('\n'), color: COLORS.author, fields, footer: { text: `author id: ${a.id}` } };

  // Papers by year, newest first, in fields of ≤ 1,024 characters, within the 6,000 total.
  const byYear = new Map<string, Paper[]>();
  for (const p of papers) {
    const y = p.year !== null ? String(p.year) : 'year unknown';
    byYear.set(y, [...(byYear.get(y) ?? []), p]);
  }
  const total = papers.length;
  let budget = LIMITS.embedTotal - embedLength(embed) - 120; // room for "…and N older papers"
  const paperFields: APIEmbedField[] = [];
  let current: string[] = [];
  let currentName = `Papers (${total})`;
  let currentLen = 0;
  let shown = 0;
  const push = (line: string): void => {
    currentLen += (current.length ? 1 : 0) + line.length;
    current.push(line);
    budget -= line.length + 1;
  };
  const close = (): void => {
    if (current.length) paperFields.push({ name: currentName, value: current.join('\n') });
    current = [];
    currentLen = 0;
  };
  budget -= currentName.length;
  outer: for (const [y, ps] of byYear) {
    for (let k = 0; k < ps.length; k++) {
      const item = `• ${truncate(safe(title(ps[k]!)), 200)}`;
      const head = k === 0 ? `**${y}**` : null;
      const cost = item.length + 1 + (head ? head.length + 1 : 0);
      if (currentLen + cost > LIMITS.fieldValue) {
        // Next field; a year that continues there gets its heading again.
        if (fields.length + paperFields.length + 2 >= LIMITS.embedFields) break outer;
        const heading = head ?? `**${y}** (continued)`;
        const name = 'Papers (continued)';
        if (budget < name.length + heading.length + item.length + 2) break outer;
        close();
        currentName = name;
        budget -= name.length;
        push(heading);
        push(item);
        shown++;
        continue;
      }
      if (budget < cost) break outer;
      if (head) push(head);
      push(item);
      shown++;
    }
  }
  close();
  if (shown < total) {
    const more = `…and ${total - shown} older paper${total - shown === 1 ? '' : 's'} (use /search author:${a.name})`;
    const last = paperFields[paperFields.length - 1];
    if (last && last.value.length + more.length + 1 <= LIMITS.fieldValue) last.value += `\n${truncate(safe(more), 200)}`;
    else paperFields.push({ name: 'More', value: truncate(safe(more), LIMITS.fieldValue) });
  }
  embed.fields = [...fields, ...paperFields];
  const components = papers.length ? [row(select('paper:o', 'Open a paper…', papers.slice(0, LIMITS.selectOptions).map((p) => paperOption(p))))] : [];
  return finish({ embeds: [embed], components });
}

/** When a name is shared by different people: say so and let the user pick. */
export function renderAuthorChoice(name: string, people: readonly Author[], lib: Library): Reply {
  const lines = people.map((a) => {
    const papers = lib.papersOf(a.id);
    const span = perYear(papers);
    return `• ${bold(safe(describe(a)))} — ${papers.length} paper${papers.length === 1 ? '' : 's'}${span ? `, ${span.from}–${span.to}` : ''}`;
  });
  const distinctNames = new Set(people.map((a) => a.name)).size === 1;
  const head = distinctNames
    ? `${people.length} different people are named ${bold(safe(people[0]!.name))} in the corpus. Which one do you mean?`
    : `Several authors match “${safe(name)}”. Which one do you mean?`;
  const options = people.map((a) => ({
    label: `${a.name} — ${a.paperIds.length} paper${a.paperIds.length === 1 ? '' : 's'}`,
    value: a.id,
    description: a.disambiguation ?? (a.variants.filter((v) => v !== a.name).join(', ') || 'no other details'),
  }));
  return finish({ content: `${head}\n${lines.join('\n')}`, components: [row(select('author:pick', 'Pick the person…', options))] });
}

// ------------------------------------------------------------------------------------------ lists

function filterLine(q: ListQuery, lib: Library): string {
  const parts: string[] = [];
  if (q.category) parts.push(`category ${safe(categoryLabel(q.category))}`);
  if (q.year !== undefined) parts.push(`year ${q.year}`);
  if (q.authorIds?.length) parts.push(`author ${safe(lib.authors.get(q.authorIds[0]!)?.name ?? '?')}${q.authorIds.length > 1 ? ` (${q.authorIds.length} people)` : ''}`);
  if (q.kind !== 'papers') parts.push(q.kind === 'posts' ? 'blog posts only' : 'papers and blog posts');
  return parts.length ? `*Filters:* ${parts.join(' · ')}` : '';
}

/** One page of a search or topic list, with Prev/Next and a menu to open a result. */
export function renderListPage(q: ListQuery, page: ListPage, lib: Library, hash: string): Reply {
  const heading =
    q.mode === 'search'
      ? `Search: “${safe(oneLine(q.q))}”`
      : page.category
        ? `Topic: ${safe(categoryLabel(page.category))}`
        : `Topic: “${safe(oneLine(q.q))}”`;
  const filters = filterLine(q, lib);
  if (!page.items.length) {
    const closest = q.mode === 'search' || !page.category ? lib.closestTitles(q.q, 3).map((p) => title(p)) : [];
    const text = [filters, `Nothing matches${q.mode === 'topic' && !page.category ? ' this topic' : ''}.`, closest.length ? `Closest titles: ${closest.map((t) => `“${safe(t)}”`).join(', ')}` : '']
      .filter(Boolean).join('\n');
    return finish({ embeds: [{ title: truncate(heading, LIMITS.embedTitle), description: text, color: COLORS.list }] });
  }
  const blocks = page.items.map((item, i) => {
    const n = page.page * 5 + i + 1;
    if (item.kind === 'paper') {
      const p = lib.papers.get(item.id)!;
      const meta = [safe(shortAuthors(p)), p.date ?? 'date unknown', p.category].filter(Boolean).join(' · ');
      return [`**${n}. ${truncate(safe(title(p)), 300)}**`, meta, item.snippet ? `> ${snippetMarkdown(item.snippet)}` : ''].filter(Boolean).join('\n');
    }
    const post = lib.posts.get(item.id)!;
    return [`**${n}. 📝 ${truncate(safe(oneLine(post.title)), 300)}**`, 'blog post', item.snippet ? `> ${snippetMarkdown(item.snippet)}` : ''].filter(Boolean).join('\n');
  });
  const description = [filters, ...blocks].filter(Boolean).join('\n\n');
  const footer = [`Page ${page.page + 1} of ${page.pages}`, `${page.total} result${page.total === 1 ? '' : 's'}`, page.expansions.length ? `also searched: ${page.expansions.join(', ')}` : ''].filter(Boolean).join(' · ');
  const embed: APIEmbed = { title: truncate(heading, LIMITS.embedTitle), description, color: COLORS.list, footer: { text: footer } };
  const prev = new ButtonBuilder().setCustomId(`search:p:${page.page - 1}:${hash}`).setLabel('◀ Prev').setStyle(ButtonStyle.Secondary).setDisabled(page.page <= 0);
  const next = new ButtonBuilder().setCustomId(`search:p:${page.page + 1}:${hash}`).setLabel('Next ▶').setStyle(ButtonStyle.Secondary).setDisabled(page.page >= page.pages - 1);
  const options = page.items.map((item, i) => {
    const n = page.page * 5 + i + 1;
    if (item.kind === 'paper') {
      const opt = paperOption(lib.papers.get(item.id)!, `p:${item.id}`);
      return { ...opt, label: truncate(`${n}. ${opt.label}`, LIMITS.selectLabel) };
    }
    return { label: truncate(`${n}. ${oneLine(lib.posts.get(item.id)!.title)}`, LIMITS.selectLabel), value: `b:${item.id}`, description: 'blog post' };
  });
  const components = [row(prev, next), row(select(`search:o:${hash}:${page.page}`, 'Open a result…', options))];
  // /search: 👍/👎 for each paper shown (two per row: the page's five fit in the three rows left),
  // stored for the presser's own personal digests (`digest:fb:me:…`, src/discord/feedback.ts).
  if (q.mode === 'search') {
    const papers = page.items.flatMap((item, i) => (item.kind === 'paper' ? [{ paperId: item.id, title: lib.papers.get(item.id)?.title ?? null, n: page.page * 5 + i + 1 }] : []));
    components.push(...ratingRows(papers, 'me', LIMITS.actionRows - components.length));
  }
  return finish({ embeds: [embed], components });
}

// ------------------------------------------------------------------------------------------ answers

/** The text the CLI prints for an answer (without its "Pick one" line, which becomes a menu here). */
export function answerText(a: Answer): string {
  return [a.rewritten ? `Interpreted as: ${a.rephrased}` : '', a.text].filter(Boolean).join('\n');
}

/** An `Engine` answer: its text (escaped), a menu for ambiguous choices, a menu of the papers it cites, and "Ask a follow-up". */
export function renderAnswer(a: Answer, lib: Library, opts: { followUp?: boolean } = {}): Reply {
  const components: MessageRow[] = [];
  if (a.choices.length) {
    components.push(row(select('ask:c', 'Which one did you mean?', a.choices.map((c) => ({ label: c.label, value: `${c.kind === 'author' ? 'a' : 'p'}:${c.id}` })))));
  }
  const papers = a.papers.map((r) => lib.papers.get(r.id)).filter((p): p is Paper => !!p);
  if (papers.length && a.intent !== 'count') components.push(row(select('paper:o', papers.length === 1 ? 'Open the paper…' : 'Open a paper…', papers.map((p) => paperOption(p)))));
  if (opts.followUp !== false && a.intent !== 'reset') {
    components.push(row(new ButtonBuilder().setCustomId('ask:f').setLabel('Ask a follow-up').setStyle(ButtonStyle.Secondary)));
  }
  return finish({ content: safe(answerText(a)), components });
}

// ------------------------------------------------------------------------------------------ help / about

export interface CommandSummary {
  name: string;
  description: string;
}

export function renderHelp(commands: readonly CommandSummary[]): Reply {
  const lines = commands.map((c) => `\`/${c.name}\` — ${c.description}`);
  const embed: APIEmbed = {
    title: 'papertalk — papers, authors and blog posts',
    description: [
      'I know a corpus of research papers, their authors and blog posts about them. Commands:',
      lines.join('\n'),
      '**Conversation.** Ask with `/ask`, @mention me, reply to one of my answers, or DM me — follow-ups like “who wrote it?” or “the second one” refer to *your* previous question in that channel. `/ask reset:True` (or “reset”) starts over.',
      '**Examples.** `/paper GPipe` · `/author Yanqi Zhou` · `/search mixture of experts` · `/topic CL` · `/ask when was GLaM published?`',
    ].join('\n\n'),
    color: COLORS.info,
  };
  return finish({ embeds: [embed], ephemeral: true });
}

export function renderAbout(loaded: LoadedCorpus, startedAt: Date): Reply {
  const c = loaded.library.corpus;
  const files = loaded.files.map((f) => `• \`${f.name}\` — ${f.format ?? 'not recognised'}: ${f.papers} paper${f.papers === 1 ? '' : 's'}, ${f.posts} post${f.posts === 1 ? '' : 's'}`);
  const embed: APIEmbed = {
    title: 'About papertalk',
    description: `A Discord bot over a corpus of research papers, authors and blog posts.`,
    color: COLORS.info,
    fields: [
      { name: 'Corpus', value: `${c.papers.length} papers · ${c.posts.length} blog posts · ${c.authors.length} authors · ${loaded.library.categories.length} categories` },
      { name: `Sources (${loaded.files.length} files)`, value: files.length ? joinWithin(files, '\n', LIMITS.fieldValue) : 'none' },
      { name: 'Last reload', value: `${time(loaded.loadedAt, TimestampStyles.LongDateTime)} (${time(loaded.loadedAt, TimestampStyles.RelativeTime)})`, inline: true },
      { name: 'Running since', value: time(startedAt, TimestampStyles.RelativeTime), inline: true },
    ],
  };
  return finish({ embeds: [embed] });
}

// ------------------------------------------------------------------------------------------ digests

/** A digest as one message: the first embed carries the title, one embed per chunk, the footer on the last. */
export function renderDigest(m: DigestMessage): Reply {
  const chunks = m.chunks.length ? m.chunks : [m.intro ?? 'No new papers matched this digest today.'];
  const embeds: APIEmbed[] = chunks.map((chunk, i) => ({ ...(i === 0 ? { title: m.title } : {}), description: chunk, color: COLORS.digest }));
  if (m.footer) embeds[embeds.length - 1]!.footer = { text: m.footer };
  return finish({ embeds });
}

export function describeSubscription(s: Subscription): string {
  const filters = [
    s.categories.length ? `categories ${s.categories.join(', ')}` : '',
    s.authors.length ? `authors ${s.authors.map((a) => safe(a)).join(', ')}` : '',
    s.keywords.length ? `keywords ${s.keywords.map((k) => safe(k)).join(', ')}` : '',
    s.excludeKeywords.length ? `excluding ${s.excludeKeywords.map((k) => safe(k)).join(', ')}` : '',
  ].filter(Boolean);
  const where = s.guildId === null ? 'your DMs' : `<#${s.channelId}>`;
  return `**#${s.id}** — ${where} daily at ${s.time} (${s.timezone}), up to ${s.maxPapers} paper${s.maxPapers === 1 ? '' : 's'}${filters.length ? `; ${filters.join('; ')}` : '; all papers'}${s.active ? '' : ' (paused)'}`;
}

/** How the latest digest run went, in one line: `last: Tue 25 Nov 2025 — sent, 3 papers`. */
export function describeRun(run: DigestRun): string {
  const when = formatLocalDate(run.localDate);
  const papers = run.paperIds?.length ?? 0;
  switch (run.status) {
    case 'sent':
      return `last: ${when} — sent, ${papers} paper${papers === 1 ? '' : 's'}`;
    case 'empty':
      return `last: ${when} — nothing new, nothing posted`;
    case 'claimed':
      return `last: ${when} — being delivered`;
    case 'failed': {
      const why = run.error ? `: ${safe(truncate(oneLine(run.error), 160))}` : '';
      const retry = run.nextAttemptAt ? `; next attempt ${time(run.nextAttemptAt, TimestampStyles.RelativeTime)}` : '; no more attempts for that day';
      return `last: ${when} — **failed**${why}${retry}`;
    }
  }
}

export function renderSubscriptions(
  subs: readonly Subscription[],
  opts: { title?: string; empty?: string; latestRun?: (subscriptionId: number) => DigestRun | undefined } = {},
): Reply {
  if (!subs.length) return finish({ content: opts.empty ?? 'No digest subscriptions in this server yet. Create one with `/digest subscribe`.', ephemeral: true });
  const lines = subs.map((s) => {
    const run = opts.latestRun?.(s.id);
    return run ? `${describeSubscription(s)}\n↳ ${describeRun(run)}` : `${describeSubscription(s)}${opts.latestRun ? '\n↳ no digest yet' : ''}`;
  });
  const embed: APIEmbed = {
    title: `${opts.title ?? 'Digest subscriptions'} (${subs.length})`,
    description: joinWithin(lines, '\n', LIMITS.embedDescription),
    color: COLORS.digest,
  };
  return finish({ embeds: [embed], ephemeral: true });
}
