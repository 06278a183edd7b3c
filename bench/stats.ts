/** Latency statistics for the benchmark. */

export interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (q in 0..1) of sorted samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(samples: readonly number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, p50: percentile(s, 0.5), p90: percentile(s, 0.9), p99: percentile(s, 0.99), max: s[s.length - 1] ?? NaN, mean: s.length ? sum / s.length : NaN };
}

/** CPU time of this process (user + system, all threads) in ms. */
export function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * Calls `fn(input)` for every input, `warmup` rounds untimed, then up to `rounds` rounds timed
 * (ms each); no new round starts once `budgetMs` is spent (at least one always runs). `cpu`, when
 * given, receives each call's CPU time (on a shared machine wall time also counts waits for a core).
 */
export function timeEach<T>(inputs: readonly T[], fn: (input: T) => unknown, options: { warmup?: number; rounds?: number; budgetMs?: number; cpu?: number[] } = {}): number[] {
  const warmup = options.warmup ?? 2;
  const rounds = options.rounds ?? 5;
  const budget = options.budgetMs ?? Infinity;
  for (let r = 0; r < warmup; r++) for (const x of inputs) fn(x);
  const samples: number[] = [];
  const start = performance.now();
  for (let r = 0; r < rounds && (r === 0 || performance.now() - start < budget); r++) {
    for (const x of inputs) {
      const c = options.cpu ? cpuMs() : 0;
      const t = performance.now();
      fn(x);
      samples.push(performance.now() - t);
      options.cpu?.push(cpuMs() - c);
    }
  }
  return samples;
}

/** Runs a full major GC when node runs with `--expose-gc`. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

export function memory(): { rssMB: number; heapUsedMB: number; externalMB: number; maxRssMB: number } {
  const m = process.memoryUsage();
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external + m.arrayBuffers), maxRssMB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10 };
}
