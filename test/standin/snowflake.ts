/** Snowflake helpers for the Discord stand-in (ids are decimal strings, as in the real API). */

/** Discord's epoch (2015-01-01T00:00:00Z), in ms. */
export const DISCORD_EPOCH = 1_420_070_400_000;

/** Builds a snowflake string from a unix-ms timestamp and a 22-bit low part. */
export function snowflakeAt(timestampMs: number, low = 0): string {
  return ((BigInt(Math.max(0, timestampMs - DISCORD_EPOCH)) << 22n) | BigInt(low & 0x3fffff)).toString();
}

/** The unix-ms timestamp encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** `(guild_id >> 22) % shardCount`, Discord's guild → shard mapping. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(Math.max(1, shardCount)));
}

/** Generates unique, time-ordered snowflakes for runtime objects (messages, interactions, ...). */
export class SnowflakeGenerator {
  #lastMs = 0;
  #increment = 0;
  constructor(private readonly workerId = 1) {}
  next(): string {
    let now = Date.now();
    if (now <= this.#lastMs) {
      now = this.#lastMs;
      this.#increment++;
      if (this.#increment >= 4096) {
        // Borrow the next millisecond rather than collide.
        now = ++this.#lastMs;
        this.#increment = 0;
      }
    } else {
      this.#increment = 0;
    }
    this.#lastMs = now;
    return snowflakeAt(now, ((this.workerId & 0x1f) << 17) | this.#increment);
  }
}
