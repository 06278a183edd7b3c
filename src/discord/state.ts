/**
 * Component state that survives restarts. A customId is `<namespace>:<action>:<arg>:<arg>…`
 * (≤ 100 characters). Small state goes in the id itself; larger state (a search query with its
 * filters) is stored in the SQLite `kv` table under a short content hash, and the id carries the
 * hash. When an id would still be too long (or an argument contains `:`), all its arguments are
 * stored and the id becomes `<namespace>:<action>:~<hash>`.
 *
 * When the database cannot be written (locked by another process, read-only), state is kept in
 * memory (so the buttons keep working until a restart), writes pause for a while instead of
 * waiting on the lock for every interaction, and what was kept in memory is written once the
 * database accepts writes again.
 */
import { createHash } from 'node:crypto';
import { LIMITS } from './limits.ts';

/** How long stored state lives (buttons on messages older than this say "expired"). */
export const STATE_TTL_MS = 90 * 24 * 60 * 60_000;

export interface KvLike {
  kvGet(key: string, now?: Date): string | undefined;
  kvSet(key: string, value: string, opts?: { ttlMs?: number; now?: Date }): void;
}

export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}

export interface StateStoreOptions {
  /** Called when a write fails (the value is kept in memory). */
  onWriteError?: (err: unknown, key: string) => void;
  /** How long writes pause after a failure (default 30 s). */
  retryWritesAfterMs?: number;
  now?: () => number;
}

/** Most values kept in memory while the database refuses writes. */
const MAX_UNSAVED = 2000;

export class StateStore {
  private readonly kv: KvLike;
  /** Recently used values (saves a SQLite read per click). */
  private readonly cache = new Map<string, string>();
  /** Values not yet written (the database refused them). */
  private readonly unsaved = new Map<string, string>();
  private pausedUntil = 0;
  private readonly options: StateStoreOptions;

  constructor(kv: KvLike, options: StateStoreOptions = {}) {
    this.kv = kv;
    this.options = options;
  }

  /** Number of values waiting to be written. */
  get pending(): number {
    return this.unsaved.size;
  }

  /** Stores a JSON value; returns its hash (stable for equal values). Never throws for a database failure. */
  put(kind: string, value: unknown): string {
    const json = JSON.stringify(value);
    const hash = shortHash(`${kind}\u0000${json}`);
    const key = `${kind}:${hash}`;
    if (this.cache.get(key) !== json && this.unsaved.get(key) !== json) {
      this.remember(key, json);
      this.unsaved.set(key, json);
      if (this.unsaved.size > MAX_UNSAVED) this.unsaved.delete(this.unsaved.keys().next().value as string);
    }
    this.flush();
    return hash;
  }

  /** Writes what is waiting, unless writes are paused after a failure. */
  flush(): void {
    const now = (this.options.now ?? Date.now)();
    if (!this.unsaved.size || now < this.pausedUntil) return;
    for (const [key, json] of this.unsaved) {
      try {
        this.kv.kvSet(key, json, { ttlMs: STATE_TTL_MS });
        this.unsaved.delete(key);
      } catch (err) {
        this.pausedUntil = (this.options.now ?? Date.now)() + (this.options.retryWritesAfterMs ?? 30_000);
        this.options.onWriteError?.(err, key);
        return;
      }
    }
  }

  get<T>(kind: string, hash: string): T | undefined {
    const key = `${kind}:${hash}`;
    const json = this.cache.get(key) ?? this.unsaved.get(key) ?? this.kv.kvGet(key);
    if (json === undefined) return undefined;
    this.remember(key, json);
    try {
      return JSON.parse(json) as T;
    } catch {
      return undefined;
    }
  }

  private remember(key: string, json: string): void {
    this.cache.delete(key);
    this.cache.set(key, json);
    if (this.cache.size > 2000) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** Builds a customId; falls back to stored arguments when too long or when an argument contains `:`. */
  customId(namespace: string, action: string, ...args: (string | number)[]): string {
    const parts = args.map(String);
    const direct = [namespace, action, ...parts].join(':');
    if (direct.length <= LIMITS.customId && !parts.some((p) => p.includes(':') || p.startsWith('~'))) return direct;
    return `${namespace}:${action}:~${this.put('args', parts)}`;
  }

  /** Splits a customId into namespace, action and arguments (resolving stored arguments). Null when stored arguments expired. */
  parseCustomId(customId: string): { namespace: string; action: string; args: string[] } | null {
    const [namespace = '', action = '', ...args] = customId.split(':');
    if (args.length === 1 && args[0]!.startsWith('~')) {
      const stored = this.get<string[]>('args', args[0]!.slice(1));
      if (!stored) return null;
      return { namespace, action, args: stored };
    }
    return { namespace, action, args };
  }
}
