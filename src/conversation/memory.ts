/**
 * Conversation memory: per conversation key (channel + user, or DM user), the last turns with
 * the entities they mentioned and the results shown. Bounded: at most `maxTurns` turns per
 * conversation, at most `maxConversations` conversations (least recently used evicted), and a
 * conversation idle for `idleMs` is forgotten.
 */
import type { Frame } from './types.ts';

export interface Turn {
  input: string;
  rephrased: string;
  frame: Frame;
  /** Ids shown, best first. */
  papers: string[];
  authors: string[];
  posts: string[];
  at: number;
}

export interface MemoryOptions {
  maxTurns?: number;
  maxConversations?: number;
  idleMs?: number;
  now?: () => number;
}

export const DEFAULT_MEMORY = { maxTurns: 8, maxConversations: 5_000, idleMs: 30 * 60_000 } as const;

export class ConversationMemory {
  private readonly conversations = new Map<string, { turns: Turn[]; lastActive: number }>();
  private readonly maxTurns: number;
  private readonly maxConversations: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(options: MemoryOptions = {}) {
    this.maxTurns = options.maxTurns ?? DEFAULT_MEMORY.maxTurns;
    this.maxConversations = options.maxConversations ?? DEFAULT_MEMORY.maxConversations;
    this.idleMs = options.idleMs ?? DEFAULT_MEMORY.idleMs;
    this.now = options.now ?? Date.now;
  }

  /** The turns of a conversation, oldest first (empty when idle too long). */
  turns(key: string): readonly Turn[] {
    const c = this.conversations.get(key);
    if (!c) return [];
    if (this.now() - c.lastActive > this.idleMs) {
      this.conversations.delete(key);
      return [];
    }
    return c.turns;
  }

  add(key: string, turn: Turn): void {
    const c = this.conversations.get(key) ?? { turns: [], lastActive: 0 };
    c.turns.push(turn);
    if (c.turns.length > this.maxTurns) c.turns.splice(0, c.turns.length - this.maxTurns);
    c.lastActive = this.now();
    // Map order = recency: re-insert at the end, evict from the front.
    this.conversations.delete(key);
    this.conversations.set(key, c);
    while (this.conversations.size > this.maxConversations) {
      const oldest = this.conversations.keys().next().value as string;
      this.conversations.delete(oldest);
    }
  }

  forget(key: string): void {
    this.conversations.delete(key);
  }

  /** Drops idle conversations; returns how many. */
  sweep(): number {
    let n = 0;
    const now = this.now();
    for (const [key, c] of this.conversations) {
      if (now - c.lastActive > this.idleMs) {
        this.conversations.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.conversations.size;
  }
}

/** Key of a conversation: per user in a channel, or per user in DMs. */
export function conversationKey(scope: { channelId?: string | null; userId: string; dm?: boolean }): string {
  return scope.dm || !scope.channelId ? `dm:${scope.userId}` : `ch:${scope.channelId}:u:${scope.userId}`;
}
