/**
 * Component state that survives restarts. A customId is `<namespace>:<action>:<arg>:<arg>…`
 * (≤ 100 characters). Small state goes in the id itself; larger state (a search query with its
 * filters) is stored in the SQLite `kv` table under a short content hash, and the id carries the
 * hash. When an id would still be too long (or an argument contains `:`), all its arguments are
 * stored and the id becomes `<namespace>:<action>:~<hash>`.
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

export class StateStore {
  private readonly kv: KvLike;
  /** Recently used values (saves a SQLite read per click). */
  private readonly cache = new Map<string, string>();

  constructor(kv: KvLike) {
    this.kv = kv;
  }

  /** Stores a JSON value; returns its hash (stable for equal values). */
  put(kind: string, value: unknown): string {
    const json = JSON.stringify(value);
    const hash = shortHash(`${kind}\u0000${json}`);
    const key = `${kind}:${hash}`;
    if (this.cache.get(key) !== json) {
      this.kv.kvSet(key, json, { ttlMs: STATE_TTL_MS });
      this.remember(key, json);
    }
    return hash;
  }

  get<T>(kind: string, hash: string): T | undefined {
    const key = `${kind}:${hash}`;
    const json = this.cache.get(key) ?? this.kv.kvGet(key);
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
