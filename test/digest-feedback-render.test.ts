/** The 👍/👎 components of a digest message (src/discord/feedback.ts via renderDigestMessage). */
import { describe, expect, it } from 'vitest';
import type { Paper } from '../src/corpus/schema.ts';
import { formatDigest } from '../src/digest/format.ts';
import type { DigestSelection } from '../src/digest/select.ts';
import { renderDigestMessage } from '../src/discord/digestSender.ts';
import { feedbackId, paperRef } from '../src/discord/feedback.ts';

function sel(n: number, total = n, id = (i: number) => `p${i}`): DigestSelection {
  const papers = Array.from({ length: n }, (_, i) => ({
    paper: { id: id(i), title: `Paper ${i}`, aliases: [], authors: ['A'], date: '2025-11-24', category: 'CL', venue: null, orgs: [], hasCode: false, abstract: null, sources: [], categoryName: null, authorsTruncated: false, authorIds: [], year: 2025 } as Paper,
    why: ['new paper'],
    firstSeenAt: null,
  }));
  return { papers, total, trimmed: total - n, firstDigest: false };
}

type Row = { components: { type: number; custom_id: string; label?: string; options?: { label: string; value: string }[] }[] };

describe('digest feedback components', () => {
  it('two papers per row, after "Show all"; a menu takes the papers the rows cannot hold', () => {
    const m = formatDigest(sel(10, 14), { localDate: '2025-11-24' });
    expect(m.shown).toBe(10);
    const r = renderDigestMessage(m, { subscriptionId: 7, localDate: '2025-11-24' }, { feedback: 7 });
    const rows = r.components as unknown as Row[];
    expect(rows).toHaveLength(5);
    expect(rows[0]!.components[0]!.custom_id).toBe('digest:all:7:2025-11-24');
    expect(rows[1]!.components.map((c) => [c.custom_id, c.label])).toEqual([
      ['digest:fb:7:u:p0', '1 👍'],
      ['digest:fb:7:d:p0', '1 👎'],
      ['digest:fb:7:u:p1', '2 👍'],
      ['digest:fb:7:d:p1', '2 👎'],
    ]);
    const menu = rows[4]!.components[0]!;
    expect(menu).toMatchObject({ type: 3, custom_id: 'digest:fbs:7' });
    expect(menu.options!.map((o) => o.value)).toEqual(['u:p6', 'd:p6', 'u:p7', 'd:p7', 'u:p8', 'd:p8', 'u:p9', 'd:p9']);
    expect(menu.options![0]!.label).toBe('👍 7. Paper 6');
  });

  it('few papers: buttons only; an empty digest has none; long ids become a hash', () => {
    const r = renderDigestMessage(formatDigest(sel(3), { localDate: '2025-11-24' }), { subscriptionId: 1, localDate: '2025-11-24' }, { feedback: 1 });
    expect((r.components as unknown as Row[]).map((row) => row.components.length)).toEqual([4, 2]);
    const empty = renderDigestMessage(formatDigest(sel(0), { localDate: '2025-11-24' }), { subscriptionId: 1, localDate: '2025-11-24' }, { feedback: 1 });
    expect(empty.components).toBeUndefined();
    const long = 'x'.repeat(120);
    expect(feedbackId(1, 1, long)).toMatch(/^digest:fb:1:u:#[\w-]{16}$/);
    expect(paperRef('a:b')).toMatch(/^#/);
  });
});
