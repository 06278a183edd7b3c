/**
 * The understanding scorer's weights (src/conversation/understand/score-weights.json) are what
 * fitting on the single-turn sets gives (`npm run eval -- --fit`), and every feature has one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusDir } from '../src/corpus/load.ts';
import { Library } from '../src/search/library.ts';
import { SCORE_FEATURES, SCORE_WEIGHTS } from '../src/conversation/understand/understand.ts';
import { loadQuestions } from './eval/single.ts';
import { fitUnderstanding, pickAccuracy, understandExamples } from './eval/understandFit.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let lib: Library;
beforeAll(async () => {
  lib = Library.build((await loadCorpusDir(path.join(root, 'data'))).corpus);
}, 60_000);

describe('understanding scorer weights', () => {
  it('score-weights.json holds every feature and is what fitting on dev + dev2 + heldout gives', () => {
    const file = JSON.parse(fs.readFileSync(path.join(root, 'src/conversation/understand/score-weights.json'), 'utf8')) as { fittedOn: string; weights: Record<string, number> };
    for (const f of Object.keys(SCORE_FEATURES)) expect(typeof file.weights[f]).toBe('number');
    expect(file.fittedOn).toMatch(/dev\.jsonl/);
    const q = (f: string) => loadQuestions(path.join(root, 'test/fixtures/utterances', f));
    const examples = understandExamples([...q('dev.jsonl'), ...q('dev2.jsonl'), ...q('heldout.jsonl')], lib);
    const refit = fitUnderstanding(examples);
    // Loose enough for small corpus drift; tight enough that hand-edited weights fail.
    for (const f of Object.keys(SCORE_FEATURES) as (keyof typeof SCORE_FEATURES)[]) expect(Math.abs(refit.weights[f] - file.weights[f]!)).toBeLessThan(0.05);
    // The weights in use pick a right reading wherever one was generated, bar a few.
    const got = pickAccuracy(examples, SCORE_WEIGHTS);
    expect(got.right / got.reachable).toBeGreaterThanOrEqual(0.99);
  }, 120_000);
});
