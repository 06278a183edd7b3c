/**
 * `npm run eval [-- --fit] [-- --quiet]`
 *
 * Runs the dev and held-out dialogues through the real engine over the real corpus (`data/`) and
 * prints per-kind accuracy of the rephrasing and of the final answer, the false-rewrite rate on
 * controls (follow-ups that must stay as they are), and the time per turn.
 * `--fit` first refits the scorer's weights on the dev set only (conditional logit) and writes
 * them to src/conversation/rephrase/weights.json. The held-out set is never fitted on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpusDir } from '../../src/corpus/load.ts';
import { FEATURES } from '../../src/conversation/rephrase/index.ts';
import { fit, type Weights, type WeightsFile } from '../../src/conversation/rephrase/scorer.ts';
import { Library } from '../../src/search/library.ts';
import { evaluateSingle, loadQuestions, report } from './single.ts';
import { fitUnderstanding, pickAccuracy, UNDERSTAND_FIT, understandExamples } from './understandFit.ts';
import { SCORE_WEIGHTS, setScoreWeights } from '../../src/conversation/understand/understand.ts';
import { rankingPrecision } from '../helpers/rankingDay.ts';
import { collectExamples, evaluate, loadDialogues, summarize, type Summary, type Timing, type TurnResult } from './evaluate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const WEIGHTS_FILE = path.join(root, 'src/conversation/rephrase/weights.json');
const SCORE_WEIGHTS_FILE = path.join(root, 'src/conversation/understand/score-weights.json');

const t0 = performance.now();
const loaded = await loadCorpusDir(process.env['PAPERTALK_DATA_DIR'] ?? path.join(root, 'data'));
const lib = Library.build(loaded.corpus);
const dev = loadDialogues(path.join(root, 'test/fixtures/dialogues.dev.jsonl'));
const heldOut = loadDialogues(path.join(root, 'test/fixtures/dialogues.test.jsonl'));
process.stdout.write(`corpus: ${lib.papers.size} papers, ${lib.posts.size} posts, ${lib.authors.size} authors (${Math.round(performance.now() - t0)} ms)\n`);

let weights: Weights | undefined;
if (args.has('--fit')) {
  // First the understanding scorer (the rephraser's candidates are built on its readings).
  const q = (f: string) => loadQuestions(path.join(root, 'test/fixtures/utterances', f));
  const fitSet = [...q('dev.jsonl'), ...q('dev2.jsonl')];
  const checkSet = q('heldout.jsonl');
  const trainEx = understandExamples(fitSet, lib);
  const checkEx = understandExamples(checkSet, lib);
  const before = pickAccuracy(checkEx, SCORE_WEIGHTS);
  const partial = fitUnderstanding(trainEx);
  const after = pickAccuracy(checkEx, partial.weights);
  process.stdout.write(`\nunderstanding scorer, held-out check (fitted on dev + dev2, picked on heldout.jsonl): ${after.right}/${after.reachable} questions with a right reading (current weights: ${before.right})\n`);
  const all = [...trainEx, ...checkEx];
  const u = fitUnderstanding(all);
  const ufile = { fittedOn: `test/fixtures/utterances/dev.jsonl + dev2.jsonl + heldout.jsonl (${all.length} questions)`, examples: u.used, ...UNDERSTAND_FIT, weights: u.weights };
  fs.writeFileSync(SCORE_WEIGHTS_FILE, `${JSON.stringify(ufile, null, 2)}\n`);
  setScoreWeights(u.weights);
  const got = pickAccuracy(all, u.weights);
  process.stdout.write(`understanding scorer fitted on ${u.used} informative questions of ${all.length}; mean log-loss ${u.loss.toFixed(4)}; ${got.right}/${got.reachable} picked right; written to ${path.relative(root, SCORE_WEIGHTS_FILE)}\n`);

  const { examples, missed } = collectExamples(dev, lib);
  const l2 = 0.01;
  const iterations = 3000;
  const r = fit(examples, { l2, iterations });
  weights = r.weights;
  const file: WeightsFile = {
    fittedOn: `test/fixtures/dialogues.dev.jsonl (${dev.length} dialogues, ${examples.length} turns)`,
    examples: r.used,
    l2,
    iterations,
    weights: r.weights,
  };
  fs.writeFileSync(WEIGHTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`\nfitted on dev: ${r.used} informative turns of ${examples.length}; mean log-loss ${r.loss.toFixed(4)}; written to ${path.relative(root, WEIGHTS_FILE)}\n`);
  if (missed.length) process.stdout.write(`no right candidate generated for ${missed.length} dev turn(s): ${missed.map((m) => `${m.dialogue} “${m.input}”`).join('; ')}\n`);
}

const current = weights ?? (JSON.parse(fs.readFileSync(WEIGHTS_FILE, 'utf8')) as WeightsFile).weights;
process.stdout.write(`\nweights (${args.has('--fit') ? 'just fitted' : 'weights.json'}):\n`);
for (const f of FEATURES) process.stdout.write(`  ${f.padEnd(26)} ${(current[f] ?? 0).toFixed(3).padStart(8)}\n`);

// Warm up (JIT), so per-turn times are steady-state times.
evaluate(dev, lib, weights);
const cpu0 = process.cpuUsage();
const devResults = evaluate(dev, lib, weights);
const testResults = evaluate(heldOut, lib, weights);
const cpu = process.cpuUsage(cpu0);
const cpuPerTurn = (cpu.user + cpu.system) / 1000 / (devResults.length + testResults.length);
const devSum = summarize(devResults);
const testSum = summarize(testResults);

const p = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
function table(a: Summary, b: Summary): string {
  const kinds = [...new Set([...a.kinds, ...b.kinds].map((k) => k.kind))].sort();
  const row = (name: string, x: Summary['all'] | undefined, y: Summary['all'] | undefined) =>
    `  ${name.padEnd(22)}${x ? `${String(x.turns).padStart(5)} ${p(x.rephrase)} ${p(x.answer)}` : '      -       -       -'.padEnd(21)}   ${y ? `${String(y.turns).padStart(5)} ${p(y.rephrase)} ${p(y.answer)}` : '    -       -       -'}`;
  const lines = [
    `  ${''.padEnd(22)}${'dev'.padEnd(24)}   held-out`,
    `  ${'kind'.padEnd(22)}${'turns rephrase answer'.padStart(21)}   ${'turns rephrase answer'.padStart(21)}`,
  ];
  for (const k of kinds) lines.push(row(k, a.kinds.find((x) => x.kind === k), b.kinds.find((x) => x.kind === k)));
  lines.push(row('contextual follow-ups', a.contextual, b.contextual));
  lines.push(row('all turns', a.all, b.all));
  return lines.join('\n');
}

process.stdout.write(`\nrephrasing and answer accuracy (dev: ${dev.length} dialogues, held-out: ${heldOut.length} dialogues)\n${table(devSum, testSum)}\n`);
const fr = (s: Summary) => `${s.falseRewrites}/${s.controls} (${(100 * (s.controls ? s.falseRewrites / s.controls : 0)).toFixed(1)}%)`;
process.stdout.write(`\nfalse rewrites on controls: dev ${fr(devSum)}, held-out ${fr(testSum)}\n`);
const t = (x: Timing) => `mean ${x.mean.toFixed(2)}, p50 ${x.p50.toFixed(2)}, p95 ${x.p95.toFixed(2)}, max ${x.max.toFixed(2)} ms`;
process.stdout.write(`time per turn, rephrase + answer: dev ${t(devSum.ms)}; held-out ${t(testSum.ms)}\n`);
process.stdout.write(`time per turn, rephraser alone:   dev ${t(devSum.rephraseMs)}; held-out ${t(testSum.rephraseMs)}\n`);
process.stdout.write(`CPU time per turn (process CPU over both runs, unaffected by other load on the machine): ${cpuPerTurn.toFixed(2)} ms\n`);

function failures(name: string, rs: readonly TurnResult[]): void {
  const bad = rs.filter((r) => !r.rephraseOk || !r.answerOk);
  if (!bad.length) return;
  process.stdout.write(`\n${name} failures (${bad.length}):\n`);
  for (const r of bad) {
    process.stdout.write(`  [${r.dialogue} #${r.index + 1} ${r.kind}] “${r.input}” → “${r.rephrased}”${r.expected !== null ? ` (want “${r.expected}”)` : ''}\n`);
    process.stdout.write(`      ${r.provenance}\n`);
    for (const x of r.problems) process.stdout.write(`      - ${x}\n`);
  }
}
const close = [...devResults.map((r) => ({ set: 'dev', r })), ...testResults.map((r) => ({ set: 'held-out', r }))].filter((x) => Number.isFinite(x.r.margin)).sort((a, b) => a.r.margin - b.r.margin).slice(0, 5);
process.stdout.write(`closest calls (winner − runner-up): ${close.map((x) => `${x.r.margin.toFixed(2)} ${x.set} “${x.r.input}”${x.r.rephraseOk ? '' : ' ✗'}`).join('; ')}\n`);
const slow = [...devResults, ...testResults].sort((a, b) => b.ms - a.ms).slice(0, 5);
process.stdout.write(`slowest turns: ${slow.map((r) => `${r.ms.toFixed(1)} ms “${r.input}”`).join('; ')}\n`);
if (!quiet) {
  failures('dev', devResults);
  failures('held-out', testResults);
}

// Single-turn understanding: the dev questions and the blind held-out questions, asked alone.
const devQ = evaluateSingle([...loadQuestions(path.join(root, 'test/fixtures/utterances/dev.jsonl')), ...loadQuestions(path.join(root, 'test/fixtures/utterances/dev2.jsonl')), ...loadQuestions(path.join(root, 'test/fixtures/utterances/heldout.jsonl'))], lib);
const heldQ = evaluateSingle(loadQuestions(path.join(root, 'test/fixtures/utterances/heldout2.jsonl')), lib);
const held3 = evaluateSingle(loadQuestions(path.join(root, 'test/fixtures/utterances/heldout3.jsonl')), lib);
process.stdout.write(`\n${report('dev (dev.jsonl + dev2.jsonl + heldout.jsonl, the first blind set, now tuned on)', devQ)}\n\n${report('held-out (heldout2.jsonl, written blind; its score was watched while tuning)', heldQ)}\n\n${report('held-out 3 (heldout3.jsonl, written blind by a helper who saw only the corpus and README; never tuned on)', held3)}\n`);
if (!quiet) {
  const bad = devQ.filter((r) => r.problems.length);
  if (bad.length) process.stdout.write(`\nsingle-turn dev failures (${bad.length}):\n${bad.map((r) => `  [${r.question.id} ${r.question.class}] “${r.question.q}” → ${r.answer.intent}: ${r.problems.join('; ')}`).join('\n')}\n`);
  process.stdout.write(`single-turn held-out failures: ${heldQ.filter((r) => r.problems.length).length} (not listed: the set stays blind; read them with --show-held-out)\n`);
  process.stdout.write(`single-turn held-out 3 failures: ${held3.filter((r) => r.problems.length).length} (not listed either)\n`);
  if (args.has('--show-held-out')) for (const r of [...heldQ, ...held3].filter((x) => x.problems.length)) process.stdout.write(`  [${r.question.id} ${r.question.class}] “${r.question.q}” → ${r.answer.intent}: ${r.problems.join('; ')}\n`);
}

// Digest ranking: precision@5 per profile kind on a generated day of 300 new papers (30 relevant).
const precision = rankingPrecision();
process.stdout.write(`\ndigest ranking, precision@5 on a generated 300-paper day: ${Object.entries(precision).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
