/**
 * The digest message as Discord gets it: `content` carries the heading and every shown paper's FULL
 * title as text (≤ 2,000 characters, never a title cut), the embeds the details of the same papers,
 * a "Show all" button when trimmed; and the paged "Show all" list.
 */
import { describe, expect, it } from 'vitest';
import { renderShowAll, SHOW_ALL_PAGE_SIZE } from '../commands/digest.ts';
import type { Paper } from '../src/corpus/schema.ts';
import { CONTENT_LIMIT, EMBED_TOTAL_LIMIT, formatDigest } from '../src/digest/format.ts';
import type { DigestSelection } from '../src/digest/select.ts';
import { renderDigestMessage, showAllId } from '../src/discord/digestSender.ts';
import { embedLength } from '../src/discord/limits.ts';

function paper(id: string, over: Partial<Paper> = {}): Paper {
  return {
    id,
    title: `Paper ${id}`,
    aliases: [],
    authors: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Emmy Noether'],
    date: '2025-11-24',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: null,
    sources: ['000_x.txt'],
    categoryName: null,
    authorsTruncated: false,
    authorIds: [],
    year: 2025,
    ...over,
  };
}

function selection(titles: readonly string[], extra: Partial<DigestSelection> = {}): DigestSelection {
  const papers = titles.map((title, i) => ({ paper: paper(`p${i}`, { title }), why: ['keyword: speech'], firstSeenAt: null }));
  return { papers, total: papers.length, trimmed: 0, firstDigest: false, ...extra };
}

const textTitles = (content: string): string[] => content.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ''));

describe('digest message text', () => {
  it('heading, then each full title on its own line; embeds detail the same papers in the same order', () => {
    const titles = ['Under_scores *and* stars', '@everyone reads <@123> papers', 'A plain title'];
    const msg = formatDigest(selection(titles), { localDate: '2025-11-24' });
    expect(msg.content).toBe(['**Papers for Mon 24 Nov 2025 — 3 new**', ...titles.map((t, i) => `${i + 1}. ${t}`)].join('\n'));
    expect(msg.chunks.join('\n\n').split('\n\n').map((l) => l.split('\n')[0])).toEqual([
      '1. Under_scores *and* stars',
      '2. @everyone reads <@123> papers',
      '**3. A plain title**',
    ]);
    expect(msg).toMatchObject({ shown: 3, showAllNeeded: false, footer: null });
  });

  it('25 long titles: as many as fit 2,000 characters, each whole; the rest counted and left to Show all', () => {
    const titles = Array.from({ length: 25 }, (_, i) => `${i + 1}: ${'Scaling laws for sparse mixture of experts with very long titles '.repeat(3).trim()}`);
    const msg = formatDigest(selection(titles), { localDate: '2025-11-24' });
    expect(msg.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(textTitles(msg.content)).toEqual(titles.slice(0, msg.shown));
    expect(msg.shown).toBeGreaterThan(5);
    expect(msg.content.split('\n').at(-1)).toBe(`…and ${25 - msg.shown} more matching papers: press Show all to see them.`);
    const r = renderDigestMessage(msg, { subscriptionId: 7, localDate: '2025-11-24' });
    expect(r.content).toBe(msg.content);
    expect(r.embeds!.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(EMBED_TOTAL_LIMIT);
    for (const t of titles.slice(0, msg.shown)) expect(r.embeds!.map((e) => e.description).join('\n')).toContain(t);
    expect(r.components?.[0]?.components[0]).toMatchObject({ custom_id: showAllId(7, '2025-11-24'), label: 'Show all 25' });
  });

  it('a title too long for any message text is never cut: it goes last, unshown, and the others are listed', () => {
    const monster = `The ${'endless '.repeat(300)}title`;
    const msg = formatDigest(selection(['Short one', monster, 'Short two']), { localDate: '2025-11-24' });
    expect(textTitles(msg.content)).toEqual(['Short one', 'Short two']);
    expect(msg.content).not.toContain('endless');
    expect(msg.lines.map((l) => l.title)).toEqual(['Short one', 'Short two', monster]);
    expect(msg).toMatchObject({ shown: 2, total: 3, trimmed: 1, showAllNeeded: true });
  });

  it('trimmed by max papers: the text says how many more; the first digest and the empty digest say what they are', () => {
    const trimmed = formatDigest(selection(['One', 'Two'], { total: 9, trimmed: 7 }), { localDate: '2025-11-24' });
    expect(trimmed.content).toBe('**Papers for Mon 24 Nov 2025 — 9 new**\n1. One\n2. Two\n…and 7 more matching papers: press Show all to see them.');
    const first = formatDigest(selection(['One'], { firstDigest: true }), { localDate: '2025-11-24' });
    expect(first.content.split('\n')).toEqual([
      '**Papers for Mon 24 Nov 2025 — 1 latest**',
      'First digest for this subscription: the latest papers by date. From the next one on, only papers new since the previous digest.',
      '1. One',
    ]);
    const empty = formatDigest(selection([]), { localDate: '2025-11-25' });
    expect(empty.content).toBe('**Papers for Tue 25 Nov 2025 — nothing new**\nNo new papers matched this digest today.');
    expect(renderDigestMessage(empty, { subscriptionId: 1, localDate: '2025-11-25' })).toEqual({
      content: empty.content,
      embeds: [{ title: 'Papers for Tue 25 Nov 2025 — nothing new', description: 'No new papers matched this digest today.', color: 0xeb459e }],
    });
  });
});

describe('Show all', () => {
  it('pages of ten: full titles as text numbered as in the digest, details in an embed, Prev/Next', () => {
    const titles = Array.from({ length: 23 }, (_, i) => `Paper number ${i + 1} ${'with a long descriptive title '.repeat(6).trim()}`);
    const sel = selection(titles);
    const p0 = renderShowAll(3, '2025-11-24', sel, 0);
    expect(p0.ephemeral).toBe(true);
    expect(p0.content!.split('\n')[0]).toBe('**All 23 matching papers of digest #3 for Mon 24 Nov 2025** (page 1 of 3)');
    expect(p0.content!.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(textTitles(p0.content!)).toEqual(titles.slice(0, textTitles(p0.content!).length));
    const buttons = p0.components![0]!.components as { custom_id: string; disabled?: boolean }[];
    expect(buttons.map((b) => [b.custom_id, b.disabled ?? false])).toEqual([
      ['digest:allp:3:2025-11-24:-1', true],
      ['digest:allp:3:2025-11-24:1', false],
    ]);
    const p2 = renderShowAll(3, '2025-11-24', sel, 99);
    expect(p2.content!.split('\n')[0]).toMatch(/\(page 3 of 3\)$/);
    expect(p2.content!.split('\n')[1]).toBe(`${2 * SHOW_ALL_PAGE_SIZE + 1}. ${titles[20]}`);
    expect(renderShowAll(3, 'next', selection(['Only']), 0).content).toBe('**All 1 matching paper of digest #3 for the next digest**\n1. Only');
  });
});
