/**
 * `npm run fit-intents`: expands the utterance templates over the corpus in data/, writes the
 * labelled utterances (test/fixtures/utterances/train.jsonl) and fits the intent model into
 * src/conversation/understand/intent-model.json. Deterministic: the same inputs give the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpusDir } from '../../src/corpus/load.ts';
import { fit, INTENT_LABELS, predict } from '../../src/conversation/understand/intents.ts';
import { Library } from '../../src/search/library.ts';
import { expand, featurize, intentWordsOf, loadTemplates, vocabularyOf } from './utterances.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIT = { l2: 1e-4, iterations: 250, learningRate: 0.05, minCount: 2 } as const;
const NOW = new Date('2026-12-02T12:00:00Z');

export async function fitFromRepo(): Promise<{ model: ReturnType<typeof fit>; utterances: ReturnType<typeof expand> }> {
  const { corpus } = await loadCorpusDir(path.join(root, 'data'));
  const lib = Library.build(corpus);
  const dir = path.join(root, 'test/fixtures/utterances');
  const templates = fs.readdirSync(dir).filter((f) => /^templates.*\.jsonl$/.test(f)).sort().flatMap((f) => loadTemplates(path.join(dir, f)));
  const utterances = expand(templates, lib);
  const vocabulary = vocabularyOf(templates);
  const vocab = new Set(vocabulary);
  const examples = utterances.map((u) => ({ label: u.intent, feats: featurize(u.text, lib, vocab, NOW) }));
  const model = fit(examples, vocabulary, FIT);
  model.intentWords = intentWordsOf(templates);
  const acc = examples.filter((ex) => {
    const p = predict(model, ex.feats);
    return [...p.entries()].sort((a, b) => b[1] - a[1])[0]![0] === ex.label;
  }).length / examples.length;
  model.meta = { utterances: utterances.length, templates: templates.length, trainingAccuracy: Math.round(acc * 1000) / 1000, ...FIT };
  return { model, utterances };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { model, utterances } = await fitFromRepo();
  fs.writeFileSync(path.join(root, 'test/fixtures/utterances/train.jsonl'), utterances.map((u) => JSON.stringify(u)).join('\n') + '\n');
  fs.writeFileSync(path.join(root, 'src/conversation/understand/intent-model.json'), JSON.stringify(model) + '\n');
  const per = new Map<string, number>();
  for (const u of utterances) per.set(u.intent, (per.get(u.intent) ?? 0) + 1);
  process.stdout.write(`${utterances.length} utterances (${INTENT_LABELS.map((l) => `${l} ${per.get(l) ?? 0}`).join(', ')})\n`);
  process.stdout.write(`model: ${Object.keys(model.weights).length} features; ${JSON.stringify(model.meta)}\n`);
}
