/**
 * Conversation memory through the real Engine over the real corpus: references resolve only
 * within their own conversation, "reset" forgets, and the bounds (turns per conversation,
 * conversations kept, idle time) hold with an injected clock.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { Engine } from '../src/conversation/engine.ts';
import { conversationKey } from '../src/conversation/memory.ts';
import { toContractAnswer } from '../src/conversation/types.ts';
import { Library } from '../src/search/library.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let lib: Library;
let gpipe: string;
let glam: string;

beforeAll(async () => {
  const loaded = await loadCorpusDir(path.join(root, 'data'));
  lib = Library.build(loaded.corpus);
  gpipe = [...lib.papers.values()].find((p) => p.title?.startsWith('GPipe'))!.id;
  glam = [...lib.papers.values()].find((p) => p.title?.startsWith('GLaM'))!.id;
}, 60_000);

describe('memory isolation', () => {
  it("user A's “it” never resolves to user B's paper", () => {
    const engine = new Engine({ library: lib });
    const a = conversationKey({ channelId: 'c1', userId: 'A' });
    const b = conversationKey({ channelId: 'c1', userId: 'B' });
    expect(a).not.toBe(b);
    engine.ask('who wrote GPipe?', a);
    engine.ask('who wrote GLaM?', b);
    const ra = engine.ask('when was it published?', a);
    const rb = engine.ask('when was it published?', b);
    expect(ra.frame.papers).toEqual([gpipe]);
    expect(rb.frame.papers).toEqual([glam]);
    // The same user in another channel, or in DMs, is another conversation.
    const elsewhere = engine.ask('when was it published?', conversationKey({ channelId: 'c2', userId: 'A' }));
    expect(elsewhere.rewritten).toBe(false);
    const dm = engine.ask('who wrote it?', conversationKey({ userId: 'A', dm: true }));
    expect(dm.rewritten).toBe(false);
  });

  it('a person in one conversation is not "she" in another', () => {
    const engine = new Engine({ library: lib });
    engine.ask('who is Nan Du?', 'u1');
    engine.ask('who is Sercan Arik?', 'u2');
    const r1 = engine.ask('what else did she publish?', 'u1');
    const r2 = engine.ask('what else did he publish?', 'u2');
    expect(r1.authors).toEqual(['Nan Du']);
    expect(r2.authors).toEqual(['Sercan Arik']);
  });
});

describe('reset', () => {
  it('"reset" and "forget it" clear the conversation', () => {
    const engine = new Engine({ library: lib });
    engine.ask('who wrote GPipe?', 'k');
    expect(engine.memory.turns('k')).toHaveLength(1);
    const r = engine.ask('reset', 'k');
    expect(r.intent).toBe('reset');
    expect(r.rewritten).toBe(false);
    expect(engine.memory.turns('k')).toHaveLength(0);
    const after = engine.ask('when was it published?', 'k');
    expect(after.rewritten).toBe(false);
    expect(after.frame.papers).toBeUndefined();

    engine.ask('who wrote GLaM?', 'k');
    expect(engine.ask('forget it', 'k').intent).toBe('reset');
    expect(engine.memory.turns('k')).toHaveLength(0);
  });

  it('Engine.reset forgets one conversation only', () => {
    const engine = new Engine({ library: lib });
    engine.ask('who wrote GPipe?', 'a');
    engine.ask('who wrote GLaM?', 'b');
    engine.reset('a');
    expect(engine.ask('when was it published?', 'a').rewritten).toBe(false);
    expect(engine.ask('when was it published?', 'b').frame.papers).toEqual([glam]);
  });
});

describe('bounds', () => {
  it('forgets a conversation idle longer than idleMs (injected clock)', () => {
    let now = 1_000_000;
    const engine = new Engine({ library: lib, memory: { idleMs: 30 * 60_000, now: () => now } });
    engine.ask('who wrote GPipe?', 'k');
    now += 29 * 60_000;
    expect(engine.ask('when was it published?', 'k').frame.papers).toEqual([gpipe]);
    now += 30 * 60_000 + 1;
    const late = engine.ask('who wrote it?', 'k');
    expect(late.rewritten).toBe(false);
    expect(engine.memory.sweep()).toBe(0);
  });

  it('sweep drops idle conversations', () => {
    let now = 0;
    const engine = new Engine({ library: lib, memory: { idleMs: 1000, now: () => now } });
    engine.ask('GPipe', 'a');
    now = 500;
    engine.ask('GLaM', 'b');
    now = 1200;
    expect(engine.memory.sweep()).toBe(1);
    expect(engine.memory.size).toBe(1);
    expect(engine.ask('who wrote it?', 'b').frame.papers).toEqual([glam]);
  });

  it('keeps at most maxConversations, evicting the least recently used', () => {
    const engine = new Engine({ library: lib, memory: { maxConversations: 2 } });
    engine.ask('who wrote GPipe?', 'a');
    engine.ask('who wrote GLaM?', 'b');
    engine.ask('when was it published?', 'a'); // touches a
    engine.ask('who is Nan Du?', 'c'); // evicts b, the least recently used
    expect(engine.memory.size).toBe(2);
    expect(engine.ask('who wrote it?', 'a').frame.papers).toEqual([gpipe]);
    // b was forgotten (asking again starts b afresh, evicting c, now the least recently used).
    expect(engine.ask('who wrote it?', 'b').rewritten).toBe(false);
    expect(engine.ask('what else did she publish?', 'c').rewritten).toBe(false);
  });

  it('keeps at most maxTurns turns per conversation; older antecedents drop out', () => {
    const engine = new Engine({ library: lib, memory: { maxTurns: 3 } });
    engine.ask('who wrote GPipe?', 'k');
    for (const t of ['papers about speech recognition', 'papers about object detection', 'papers about point clouds']) engine.ask(t, 'k');
    expect(engine.memory.turns('k')).toHaveLength(3);
    expect(engine.memory.turns('k').some((t) => t.frame.papers?.includes(gpipe))).toBe(false);
    const defaults = new Engine({ library: lib });
    for (let i = 0; i < 12; i++) defaults.ask(i % 2 ? 'GPipe' : 'GLaM', 'k');
    expect(defaults.memory.turns('k')).toHaveLength(8);
  });
});

describe('answers', () => {
  it('rephrased equals the input when nothing was rewritten, and is the stand-alone query otherwise', () => {
    const engine = new Engine({ library: lib });
    const first = toContractAnswer(engine.ask('who wrote GPipe?', 'k'));
    expect(first.rephrased).toBe('who wrote GPipe?');
    const second = toContractAnswer(engine.ask('when was it published?', 'k'));
    expect(second.input).toBe('when was it published?');
    expect(second.rephrased).toBe('when was GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism published?');
    expect(second.intent).toBe('date_of');
    expect(second.papers.map((p) => p.id)).toEqual([gpipe]);
  });

  it('remembers what each turn showed, best first', () => {
    const engine = new Engine({ library: lib });
    const a = engine.ask('papers by Nan Du', 'k');
    const turn = engine.memory.turns('k')[0]!;
    expect(turn.papers).toEqual(a.papers.map((p) => p.id));
    expect(turn.rephrased).toBe('papers by Nan Du');
    const b = engine.ask('the second one', 'k');
    expect(engine.memory.turns('k')[1]!.rephrased).toBe(b.rephrased);
    expect(b.rephrased).not.toBe('the second one');
  });
});
