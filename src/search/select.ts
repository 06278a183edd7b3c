/**
 * Top-k selection: the `k` best of `n` items in order, without sorting all of them (a bounded
 * heap when `n` is much larger than `k`). Items are positions 0..n-1; `before(a, b) < 0` when
 * `a` ranks before `b`; `keep(i)` filters (default: all).
 */
export function topK(n: number, k: number, before: (a: number, b: number) => number, keep: (i: number) => boolean = () => true): number[] {
  if (k <= 0 || n <= 0) return [];
  if (n <= 64 || k * 4 >= n) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (keep(i)) all.push(i);
    return all.sort(before).slice(0, k);
  }
  // Heap of the k best so far, worst at the root.
  const heap: number[] = [];
  const worse = (a: number, b: number) => before(a, b) > 0;
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (before(i, heap[0]!) < 0) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort(before);
}

/**
 * The `k` best of positions 0..n-1 by `score` (higher first), ties by `tie` (< 0: `a` first; it
 * must order any two positions), positions scoring below `min` (and NaN) left out, then those
 * `keep` rejects. The same positions in the same order as `topK` with the comparator
 * `score[b] - score[a] || tie(a, b)`, but once k are held a position scoring below the worst
 * of them is passed over on one comparison of numbers: no comparator or `keep` call for the bulk
 * of a large result (most of a query's matches never come close to its top k).
 */
export function topKByScore(n: number, k: number, score: ArrayLike<number>, tie: (a: number, b: number) => number, keep?: (i: number) => boolean, min = -Infinity): number[] {
  if (k <= 0 || n <= 0) return [];
  const before = (a: number, b: number) => score[b]! - score[a]! || tie(a, b);
  if (n <= 64 || k * 4 >= n) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (score[i]! >= min && (!keep || keep(i))) all.push(i);
    return all.sort(before).slice(0, k);
  }
  // Heap of the k best so far, worst at the root.
  const heap: number[] = [];
  const worse = (a: number, b: number) => {
    const sa = score[a]!;
    const sb = score[b]!;
    return sa < sb || (sa === sb && tie(a, b) > 0);
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  let floor = min;
  for (let i = 0; i < n; i++) {
    const s = score[i]!;
    if (!(s >= floor)) continue;
    if (heap.length === k) {
      // `floor` is the root's score here: only a tie needs the comparator.
      if (s === floor && tie(i, heap[0]!) > 0) continue;
      if (keep && !keep(i)) continue;
      heap[0] = i;
      down(0);
      floor = score[heap[0]!]!;
      continue;
    }
    if (keep && !keep(i)) continue;
    heap.push(i);
    for (let j = heap.length - 1; j > 0; ) {
      const p = (j - 1) >> 1;
      if (!worse(heap[j]!, heap[p]!)) break;
      const t = heap[j]!;
      heap[j] = heap[p]!;
      heap[p] = t;
      j = p;
    }
    if (heap.length === k) floor = score[heap[0]!]!;
  }
  return heap.sort(before);
}
