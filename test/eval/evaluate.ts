/**
 * Evaluation of contextual rephrasing over multi-turn dialogues (test/fixtures/dialogues*.jsonl).
 *
 * Each turn is answered through the real `Engine`. A rephrasing is right when the frame actually
 * answered means the same as the expected stand-alone question parsed alone (intent, entities,
 * year, category, normalised topic, restriction set) — not by string equality; a turn whose
 * expected rephrasing is null must not be rewritten. The answer is right when it cites the
 * expected papers / authors / posts and has the expected intent.
 */
import fs from 'node:fs';
import { answerFrame } from '../../src/conversation/answer.ts';
import { Engine } from '../../src/conversation/engine.ts';
import type { Turn } from '../../src/conversation/memory.ts';
import { parseQuery } from '../../src/conversation/parse.ts';
import { frameDiff, sameFrame } from '../../src/conversation/rephrase/frames.ts';
import { createRephraser, scoreCandidates } from '../../src/conversation/rephrase/index.ts';
import type { Example, Weights } from '../../src/conversation/rephrase/scorer.ts';
import type { Answer, Frame, Intent } from '../../src/conversation/types.ts';
import type { Library } from '../../src/search/library.ts';

export interface DialogueTurn {
  user: string;
  /** Expected stand-alone question, or null when the turn must not be rewritten. */
  rephrased: string | null;
  /** Overrides the dialogue's kind for this turn. */
  kind?: string;
  expect?: { papers?: string[]; authors?: string[]; posts?: string[]; intent?: Intent };
}

export interface Dialogue {
  id: string;
  kinds: string[];
  turns: DialogueTurn[];
}

export function loadDialogues(file: string): Dialogue[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('//'))
    .map((l, i) => {
      const d = JSON.parse(l) as Dialogue;
      if (!d.id || !Array.isArray(d.turns) || !d.turns.length) throw new Error(`${file}:${i + 1}: a dialogue needs an id and turns`);
      return d;
    });
}

/** The kind a turn is counted under: its own, else "opening" for first turns, "control" for no-rewrite follow-ups, else the dialogue's. */
export function turnKind(d: Dialogue, i: number): string {
  const t = d.turns[i]!;
  if (t.kind) return t.kind;
  if (i === 0) return 'opening';
  if (t.rephrased === null) return 'control';
  return d.kinds[0] ?? 'other';
}

const WITHIN = /\s+among the (?:\d+ )?previous results\s*[?.!]?\s*$/i;

/** The expected frame: the expected text parsed alone; "… among the previous results" restricts to the last turn's results. */
export function expectedFrame(text: string, history: readonly Turn[], lib: Library): Frame {
  const m = WITHIN.exec(text);
  const f = parseQuery(m ? text.slice(0, m.index) : text, lib);
  if (m) {
    const last = history[history.length - 1];
    f.within = f.intent === 'posts_about' || f.kind === 'posts' ? [...(last?.posts ?? [])] : [...(last?.papers ?? [])];
  }
  return f;
}

function citesPaper(a: Answer, want: string): boolean {
  const w = want.toLowerCase();
  return a.papers.some((p) => p.id === want || p.title.toLowerCase().includes(w));
}

export function answerProblems(a: Answer, expect: DialogueTurn['expect']): string[] {
  const out: string[] = [];
  if (!expect) return out;
  if (expect.intent && a.intent !== expect.intent) out.push(`intent ${a.intent}, want ${expect.intent}`);
  for (const p of expect.papers ?? []) if (!citesPaper(a, p)) out.push(`paper “${p}” not cited`);
  for (const n of expect.authors ?? []) if (!a.authors.some((x) => x.toLowerCase() === n.toLowerCase())) out.push(`author ${n} not cited`);
  for (const p of expect.posts ?? []) if (!a.posts.some((x) => x.id === p || x.title.toLowerCase().includes(p.toLowerCase()))) out.push(`post “${p}” not cited`);
  return out;
}

export interface TurnResult {
  dialogue: string;
  index: number;
  kind: string;
  input: string;
  expected: string | null;
  rephrased: string;
  rewritten: boolean;
  /** A follow-up that must not be rewritten. */
  control: boolean;
  rephraseOk: boolean;
  answerOk: boolean;
  problems: string[];
  provenance: string;
  /** Whole turn (rephrase + answer + memory), and the rephraser alone. */
  ms: number;
  rephraseMs: number;
  /** Score of the winner minus the runner-up (Infinity when there was no alternative). */
  margin: number;
}

/** Runs every dialogue through a fresh Engine conversation. */
export function evaluate(dialogues: readonly Dialogue[], lib: Library, weights?: Weights): TurnResult[] {
  const results: TurnResult[] = [];
  // The real engine, with the rephraser wrapped to note which generator won.
  const rephraser = createRephraser(weights ? { weights } : {});
  let provenance = '';
  let rephraseMs = 0;
  let margin = Infinity;
  const traced = new Engine({
    library: lib,
    rephraser: {
      rephrase(input, history, l) {
        const t0 = performance.now();
        const r = rephraser.rephrase(input, history, l);
        rephraseMs = performance.now() - t0;
        provenance = r.provenance;
        const top = (r.explanation as { top?: { score: number }[] } | undefined)?.top ?? [];
        margin = top.length > 1 ? top[0]!.score - top[1]!.score : Infinity;
        return r;
      },
    },
  });
  for (const d of dialogues) {
    const key = `eval:${d.id}`;
    d.turns.forEach((t, i) => {
      const history = traced.memory.turns(key).slice();
      const expected = t.rephrased === null ? null : expectedFrame(t.rephrased, history, lib);
      const t0 = performance.now();
      const a = traced.ask(t.user, key);
      const ms = performance.now() - t0;
      const problems: string[] = [];
      let rephraseOk: boolean;
      if (expected === null) {
        rephraseOk = !a.rewritten;
        if (!rephraseOk) problems.push(`rewritten to “${a.rephrased}” (should stay as is)`);
      } else {
        rephraseOk = sameFrame(a.frame, expected, lib);
        if (!rephraseOk) problems.push(...frameDiff(a.frame, expected, lib).map((x) => `frame ${x}`));
      }
      const ap = answerProblems(a, t.expect);
      problems.push(...ap);
      results.push({
        dialogue: d.id, index: i, kind: turnKind(d, i), input: t.user, expected: t.rephrased, rephrased: a.rephrased, rewritten: a.rewritten,
        control: i > 0 && t.rephrased === null, rephraseOk, answerOk: ap.length === 0, problems, provenance, ms, rephraseMs, margin,
      });
    });
  }
  return results;
}

/**
 * Training examples for the scorer: every turn's candidates with their feature vectors and which
 * are right. Teacher-forced: the history holds the right reading of earlier turns.
 */
export function collectExamples(dialogues: readonly Dialogue[], lib: Library): { examples: Example[]; missed: { dialogue: string; input: string }[] } {
  const examples: Example[] = [];
  const missed: { dialogue: string; input: string }[] = [];
  for (const d of dialogues) {
    const history: Turn[] = [];
    for (const t of d.turns) {
      const s = scoreCandidates(t.user, history, lib);
      const expected = t.rephrased === null ? null : expectedFrame(t.rephrased, history, lib);
      const correct = s.candidates.map((c) => (expected === null ? c.generator === 'identity' || !!c.sameAsIdentity : sameFrame(c.frame, expected, lib)));
      if (!correct.some(Boolean)) missed.push({ dialogue: d.id, input: t.user });
      examples.push({ vectors: s.candidates.map((c) => c.features), correct });
      const right = s.candidates.find((_, i) => correct[i]);
      const frame = right?.frame ?? expected ?? s.candidates[0]!.frame;
      if (frame.intent === 'reset') {
        history.length = 0;
        continue;
      }
      const a = answerFrame(frame, lib);
      history.push({ input: t.user, rephrased: right && right.generator !== 'identity' ? right.text : t.user, frame, papers: a.papers.map((p) => p.id), authors: a.authorIds, posts: a.posts.map((p) => p.id), at: 0 });
      if (history.length > 8) history.shift();
    }
  }
  return { examples, missed };
}

export interface KindSummary {
  kind: string;
  turns: number;
  rephrase: number;
  answer: number;
}

export interface Summary {
  kinds: KindSummary[];
  all: KindSummary;
  /** Follow-ups that should stay as they are (controls). */
  controls: number;
  falseRewrites: number;
  /** Follow-ups that need a rewrite. */
  contextual: KindSummary;
  ms: Timing;
  rephraseMs: Timing;
}

export interface Timing {
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

function timing(values: number[]): Timing {
  const ms = [...values].sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
  return { mean: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length), p50: q(0.5), p95: q(0.95), max: ms[ms.length - 1] ?? 0 };
}

function pct(n: number, d: number): number {
  return d ? n / d : 1;
}

export function summarize(results: readonly TurnResult[]): Summary {
  const by = new Map<string, TurnResult[]>();
  for (const r of results) by.set(r.kind, [...(by.get(r.kind) ?? []), r]);
  const sum = (kind: string, rs: readonly TurnResult[]): KindSummary => ({
    kind,
    turns: rs.length,
    rephrase: pct(rs.filter((r) => r.rephraseOk).length, rs.length),
    answer: pct(rs.filter((r) => r.answerOk).length, rs.length),
  });
  const controls = results.filter((r) => r.control);
  return {
    kinds: [...by.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, rs]) => sum(k, rs)),
    all: sum('all', results),
    controls: controls.length,
    falseRewrites: controls.filter((r) => r.rewritten).length,
    contextual: sum('contextual', results.filter((r) => r.expected !== null && r.index > 0)),
    ms: timing(results.map((r) => r.ms)),
    rephraseMs: timing(results.map((r) => r.rephraseMs)),
  };
}
