/** Keeping a sorted list sorted across small changes (the incremental merge's papers and authors, the acronym index). */

/** `sorted` without `removed`, with `added` inserted in order (binary search per insertion). */
export function patchSorted<T>(sorted: readonly T[], removed: ReadonlySet<T>, added: T[], cmp: (a: T, b: T) => number): T[] {
  const kept = removed.size ? sorted.filter((x) => !removed.has(x)) : [...sorted];
  if (!added.length) return kept;
  added.sort(cmp);
  const out: T[] = [];
  let from = 0;
  for (const item of added) {
    let lo = from;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(kept[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = from; i < lo; i++) out.push(kept[i]!);
    out.push(item);
    from = lo;
  }
  for (let i = from; i < kept.length; i++) out.push(kept[i]!);
  return out;
}

/**
 * The records of `items` whose ids are in `touched`, in their order: found by their positions
 * when `rank` gives them (papers: no pass over the corpus), else by a pass.
 */
export function touchedInOrder<T extends { id: string }>(items: readonly T[], touched: ReadonlySet<string>, rank?: (id: string) => number): T[] {
  if (!rank) return items.filter((r) => touched.has(r.id));
  const at: number[] = [];
  for (const id of touched) {
    // A touched id that is gone has no position (or another record's).
    let i: number | undefined;
    try {
      i = rank(id);
    } catch {
      i = undefined;
    }
    if (i !== undefined && items[i]?.id === id) at.push(i);
  }
  return at.sort((x, y) => x - y).map((i) => items[i]!);
}
