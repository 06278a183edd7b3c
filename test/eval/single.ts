/**
 * Single-turn evaluation: each question of a set (test/fixtures/utterances/dev.jsonl, heldout.jsonl;
 * format in test/fixtures/utterances/FORMAT.md) asked alone through the real engine over the real
 * corpus, with the clock at 2026-12-02, and its answer checked against the expectations.
 */
import fs from 'node:fs';
import { Engine } from '../../src/conversation/engine.ts';
import { withClock } from '../../src/conversation/understand/understand.ts';
import type { Answer } from '../../src/conversation/types.ts';
import type { Library } from '../../src/search/library.ts';

export interface Expect {
  papers?: string[];
  papersExactly?: boolean;
  papersFirst?: string;
  noPapers?: boolean;
  authors?: string[];
  authorsExactly?: boolean;
  authorsFirst?: string;
  posts?: string[];
  postsExactly?: boolean;
  count?: number;
  numbers?: number[];
  yes?: boolean;
  textIncludes?: string[];
  nothing?: boolean;
}

export interface Question {
  id: string;
  class: string;
  q: string;
  expect: Expect;
}

export interface SingleResult {
  question: Question;
  answer: Answer;
  problems: string[];
}

export const EVAL_NOW = new Date('2026-12-02T12:00:00Z');

export function loadQuestions(file: string): Question[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Question);
}

const hasNumber = (text: string, n: number) => new RegExp(`(?<![\\d.,])${n}(?![\\d])`).test(text.replace(/(\d),(\d{3})/g, '$1$2'));

export function check(e: Expect, a: Answer): string[] {
  const out: string[] = [];
  const pids = a.papers.map((p) => p.id);
  if (e.papers) {
    const missing = e.papers.filter((id) => !pids.includes(id));
    if (missing.length) out.push(`papers missing: ${missing.join(', ')}`);
    if (e.papersExactly && (pids.length !== new Set(e.papers).size || missing.length)) out.push(`papers not exactly: got ${pids.join(', ') || 'none'}`);
  }
  if (e.papersFirst && pids[0] !== e.papersFirst) out.push(`first paper ${pids[0] ?? 'none'}, want ${e.papersFirst}`);
  if (e.noPapers && pids.length) out.push(`papers cited: ${pids.join(', ')}`);
  if (e.authors) {
    const missing = e.authors.filter((n) => !a.authors.includes(n));
    if (missing.length) out.push(`authors missing: ${missing.join(', ')}`);
    if (e.authorsExactly && (new Set(a.authors).size !== new Set(e.authors).size || missing.length)) out.push(`authors not exactly: got ${a.authors.join(', ')}`);
  }
  if (e.authorsFirst && a.authors[0] !== e.authorsFirst) out.push(`first author ${a.authors[0] ?? 'none'}, want ${e.authorsFirst}`);
  const post = a.posts.map((p) => p.id);
  if (e.posts) {
    const missing = e.posts.filter((id) => !post.includes(id));
    if (missing.length) out.push(`posts missing: ${missing.join(', ')}`);
    if (e.postsExactly && (post.length !== new Set(e.posts).size || missing.length)) out.push(`posts not exactly: got ${post.join(', ') || 'none'}`);
  }
  if (e.count !== undefined && !hasNumber(a.text, e.count)) out.push(`count ${e.count} not in text`);
  for (const n of e.numbers ?? []) if (!hasNumber(a.text, n)) out.push(`number ${n} not in text`);
  if (e.yes !== undefined && !new RegExp(`^${e.yes ? 'yes' : 'no'}\\b`, 'i').test(a.text.trim())) out.push(`want ${e.yes ? 'Yes' : 'No'} first`);
  for (const t of e.textIncludes ?? []) if (!a.text.toLowerCase().includes(t.toLowerCase())) out.push(`text lacks “${t}”`);
  if (e.nothing && (pids.length || post.length)) out.push(`want nothing, cited ${[...pids, ...post].join(', ')}`);
  return out;
}

export function evaluateSingle(questions: Question[], lib: Library): SingleResult[] {
  return withClock(() => EVAL_NOW, () =>
    questions.map((question, i) => {
      const engine = new Engine({ library: lib });
      const answer = engine.ask(question.q, `single-${i}`);
      return { question, answer, problems: check(question.expect, answer) };
    }));
}

export function report(name: string, results: SingleResult[]): string {
  const by = (key: (r: SingleResult) => string) => {
    const m = new Map<string, { n: number; ok: number }>();
    for (const r of results) {
      const k = key(r);
      const v = m.get(k) ?? { n: 0, ok: 0 };
      v.n++;
      if (!r.problems.length) v.ok++;
      m.set(k, v);
    }
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  };
  const pct = (ok: number, n: number) => `${((100 * ok) / Math.max(1, n)).toFixed(1)}%`.padStart(7);
  const ok = results.filter((r) => !r.problems.length).length;
  const lines = [`single-turn ${name}: ${ok}/${results.length} right (${pct(ok, results.length).trim()})`, '  per class:'];
  for (const [k, v] of by((r) => r.question.class)) lines.push(`    ${k.padEnd(16)} ${String(v.n).padStart(4)} ${pct(v.ok, v.n)}`);
  lines.push('  per answered intent:');
  for (const [k, v] of by((r) => r.answer.intent)) lines.push(`    ${k.padEnd(16)} ${String(v.n).padStart(4)} ${pct(v.ok, v.n)}`);
  return lines.join('\n');
}
