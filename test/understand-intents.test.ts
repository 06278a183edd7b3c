/**
 * The intent model is data plus a fit: the labelled utterances cover every intent, and the
 * committed model is exactly what fitting on them gives (refit here and compared).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INTENT_LABELS, features, predict, type IntentModel } from '../src/conversation/understand/intents.ts';
import { fitFromRepo } from './eval/fit-intents.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = JSON.parse(fs.readFileSync(path.join(root, 'src/conversation/understand/intent-model.json'), 'utf8')) as IntentModel;

describe('intent model', () => {
  it('is fitted on at least 1,500 labelled utterances over every intent, and the committed file is what the fit gives', async () => {
    const { model, utterances } = await fitFromRepo();
    expect(utterances.length).toBeGreaterThanOrEqual(1500);
    const labels = new Set(utterances.map((u) => u.intent));
    for (const l of INTENT_LABELS) expect(labels.has(l), l).toBe(true);
    expect(JSON.parse(JSON.stringify(model))).toEqual(committed);
    const train = fs.readFileSync(path.join(root, 'test/fixtures/utterances/train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(train).toEqual(utterances);
  }, 120_000);
  it('predicts a probability for every intent that sums to one', () => {
    const p = predict(committed, features(['who', 'wrote', '<paper>']));
    expect([...p.keys()].sort()).toEqual([...INTENT_LABELS].sort());
    expect([...p.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect([...p.entries()].sort((a, b) => b[1] - a[1])[0]![0]).toBe('authors_of');
  });
});
