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
