/**
 * Per-user token bucket: `burst` tokens, refilled at `perMinute` per minute. Bounded memory:
 * full buckets are forgotten. `burst: 0` turns the limit off.
 */
export interface RateLimitOptions {
  burst: number;
  perMinute: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  private burst: number;
  private perMs: number;
  private enabled: boolean;
  private readonly now: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: RateLimitOptions, now: () => number = Date.now) {
    this.enabled = options.burst > 0;
    this.burst = Math.max(1, options.burst);
    this.perMs = Math.max(1, options.perMinute) / 60_000;
    this.now = now;
  }

  configure(options: RateLimitOptions): void {
    this.enabled = options.burst > 0;
    this.burst = Math.max(1, options.burst);
    this.perMs = Math.max(1, options.perMinute) / 60_000;
    this.buckets.clear();
  }

  /** Takes one token for `userId`. */
  take(userId: string): RateDecision {
    if (!this.enabled) return { ok: true };
    const now = this.now();
    const b = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(userId, b);
      if (this.buckets.size > 10_000) this.sweep();
      return { ok: true };
    }
    this.buckets.set(userId, b);
    return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) / this.perMs) };
  }

  /** Forgets buckets that are full again. */
  sweep(): void {
    const now = this.now();
    for (const [id, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(id);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** The friendly message for a limited user. */
export function rateLimitMessage(retryAfterMs: number): string {
  const s = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `You're asking faster than I can keep up — please try again in ${s} second${s === 1 ? '' : 's'}.`;
}
