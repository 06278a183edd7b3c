/**
 * `/search query [category] [year] [author] [kind]` — ranked hits with highlighted snippets,
 * five per page, with Prev/Next and a menu to open a result. The query and filters are stored
 * in the SQLite kv table under a short hash carried by the buttons' customIds
 * (`search:p:<page>:<hash>`), so paging keeps working after a restart. `/topic` pages the same way,
 * each page with the topic's papers per year as the embed image.
 */
import { SlashCommandBuilder } from 'discord.js';
import { UserError } from '../src/errors.ts';
import { listPage, type ListQuery } from '../src/discord/lists.ts';
import { authorChoices, categoryChoices, paperById, requireAuthors, selectedRef } from '../src/discord/lookup.ts';
import { renderListPage, renderPaperCard, renderPostCard } from '../src/discord/render.ts';
import { EXPIRED_MESSAGE } from '../src/discord/router.ts';
import { topicChart, withChart } from '../src/discord/charts.ts';
import { ephemeral, libraryOf, reply, update, type BotContext, type Command, type Reply } from '../src/discord/types.ts';
import { resolveCategory } from '../src/corpus/categories.ts';
import type { Library } from '../src/search/library.ts';

/** One page of a list; a topic's pages show its papers per year as the embed image. */
export function listReply(q: ListQuery, page: number, hash: string, ctx: BotContext): Promise<Reply> {
  const lib = libraryOf(ctx);
  const r = renderListPage(q, listPage(q, lib, page), lib, hash);
  return q.mode === 'topic' ? withChart(r, () => topicChart(q, lib), ctx.logger) : Promise.resolve(r);
}

/** Stores the query, renders its first page. */
export async function startList(q: ListQuery, ctx: BotContext) {
  const hash = ctx.state.put('list', q);
  return reply(await listReply(q, 0, hash, ctx));
}

export function categoryOption(lib: Library, value: string | null): string | undefined {
  if (!value) return undefined;
  const code = resolveCategory(value, lib.categories) ?? resolveCategory(value);
  if (!code) throw new UserError('unknown-category', `I don't know the category “${value.slice(0, 100)}”. Pick one from the list (e.g. CL, LG, CV).`);
  return code;
}

export const search = {
  data: new SlashCommandBuilder()
    .setName('search')
    .setDescription('Search papers and blog posts; results are ranked, highlighted and paged')
    .addStringOption((o) => o.setName('query').setDescription('What to look for, e.g. mixture of experts').setRequired(true).setMaxLength(500))
    .addStringOption((o) => o.setName('category').setDescription('Only papers in this category').setAutocomplete(true))
    .addIntegerOption((o) => o.setName('year').setDescription('Only papers from this year').setMinValue(1900).setMaxValue(2100))
    .addStringOption((o) => o.setName('author').setDescription('Only papers by this author').setAutocomplete(true))
    .addStringOption((o) =>
      o.setName('kind').setDescription('Papers, blog posts or both (default papers)').addChoices({ name: 'papers', value: 'papers' }, { name: 'blog posts', value: 'posts' }, { name: 'all', value: 'all' }),
    ),

  execute(interaction, ctx) {
    const lib = libraryOf(ctx);
    const o = interaction.options;
    const kind = (o.getString('kind') ?? 'papers') as ListQuery['kind'];
    const q: ListQuery = { mode: 'search', q: o.getString('query', true), kind: ['papers', 'posts', 'all'].includes(kind) ? kind : 'papers' };
    const category = categoryOption(lib, o.getString('category'));
    if (category) q.category = category;
    const year = o.getInteger('year');
    if (year !== null) q.year = year;
    const authorName = o.getString('author');
    if (authorName) q.authorIds = requireAuthors(lib, authorName).map((a) => a.id);
    return startList(q, ctx);
  },

  autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const lib = libraryOf(ctx);
    if (focused.name === 'category') return categoryChoices(lib, focused.value);
    if (focused.name === 'author') return authorChoices(lib, focused.value);
    return [];
  },

  components: {
    /** Prev/Next: `search:p:<page>:<hash>`. */
    p: {
      ack: 'update',
      async run(_i, [page = '0', hash = ''], ctx) {
        const q = ctx.state.get<ListQuery>('list', hash);
        if (!q) return ephemeral(EXPIRED_MESSAGE);
        return update(await listReply(q, Number(page) || 0, hash, ctx));
      },
    },
    /** "Open a result…": `search:o:<hash>:<page>`, values `p:<paper id>` / `b:<post id>`. */
    o: {
      ack: 'reply',
      ephemeral: true,
      run(i, _args, ctx) {
        const lib = libraryOf(ctx);
        const { kind, id } = selectedRef(i);
        if (kind === 'b') {
          const post = lib.posts.get(id);
          if (!post) return ephemeral('That blog post is no longer in the corpus.');
          return reply({ ...renderPostCard(post, lib), ephemeral: true });
        }
        return reply({ ...renderPaperCard(paperById(lib, id), lib, ctx.state), ephemeral: true });
      },
    },
  },
} satisfies Command;

export default search;
