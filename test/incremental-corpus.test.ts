/**
 * Incremental ingestion (src/corpus/incremental.ts, incrementalMerge.ts): after every step of
 * random sequences of data files added, changed and removed (the shipped pages, a generated
 * corpus of a few hundred papers, the bibliography and arXiv fixtures, and hand-made BibTeX
 * drops that merge papers by DOI and by title, split them again, rename titles cited by posts
 * and add namesakes), and of feed records changed, the incremental build equals a fresh
 * `buildCorpus` of the same files byte for byte (corpus JSON, issues, file reports), and the
 * incremental library diff equals the diff from scratch.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, loadVocabulary, type GeneratedCorpus } from '../bench/generate.ts';
import { IncrementalCorpus } from '../src/corpus/incremental.ts';
import { IncrementalMerge } from '../src/corpus/incrementalMerge.ts';
import { mergeCorpus } from '../src/corpus/merge.ts';
import { buildCorpus, type SourceFile } from '../src/corpus/load.ts';
import { ManifestSchema, type Manifest } from '../src/corpus/manifest.ts';
import type { RawPaper } from '../src/corpus/schema.ts';
import { diffLibrary, recordState, type LibraryDiff, type RecordState } from '../src/search/diff.ts';
import { LOOKUP_NAMES } from '../src/search/library.ts';
import { IMPORTS_DIR } from './fixtures/imports/files.ts';
import { rng } from './fixtures/corpus/synthetic.ts';

const dataDir = new URL('../data/', import.meta.url).pathname;
const shippedManifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dataDir, 'sources.json'), 'utf8')));
const shipped: SourceFile[] = readdirSync(dataDir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dataDir, name), 'utf8') }));
const imports: SourceFile[] = readdirSync(IMPORTS_DIR)
  .filter((f) => /\.(bib|ris|json)$/.test(f))
  .map((name) => ({ name: `import-${name}`, text: readFileSync(join(IMPORTS_DIR, name), 'utf8') }));

let generated: GeneratedCorpus;
let manifest: Manifest;

beforeAll(async () => {
  generated = generateCorpus(await loadVocabulary(), { papers: 300, seed: 11 });
  manifest = { sources: [...shippedManifest.sources, ...generated.manifest.sources] };
});

const WORDS = ['sparse', 'routing', 'quasar', 'experts', 'speech', 'translation', 'pipeline', 'retrieval', 'vision', 'graph', 'latent', 'diffusion', 'tokens', 'scaling', 'tomography', 'reconstruction', 'protein', 'folding'];
/** Zhifeng Chen is also an author of the shipped pages: a namesake in medical imaging. */
const PEOPLE = ['Ada Example', 'Bo Sample', 'Nan Du', 'Yanqi Zhou', 'Zhifeng Chen', 'Mevan Ekanayake', 'Kamlesh Pawar'];
/** Titles of shipped papers (cited by the shipped blog posts). */
const SHIPPED_TITLES = ['GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism', 'GLaM: Efficient Scaling of Language Models with Mixture-of-Experts', 'Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity'];

/** A BibTeX drop: new papers, other listings of shipped papers (same title), shared DOIs and arXiv ids, namesakes. */
function bib(r: () => number, n: number, tag: string): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = r();
    const title = u < 0.2 ? pick(SHIPPED_TITLES) : u < 0.3 ? pick(SHIPPED_TITLES).toUpperCase() : `${pick(WORDS)} ${pick(WORDS)} for ${pick(WORDS)} ${tag}${i}`;
    const authors = [pick(PEOPLE), pick(PEOPLE), pick(PEOPLE)].filter((a, k, xs) => xs.indexOf(a) === k).map((a) => a.split(' ').reverse().join(', '));
    const abstract = Array.from({ length: 30 }, () => pick(WORDS)).join(' ');
    const doi = r() < 0.4 ? `  doi = {10.5555/drop.${Math.floor(r() * 6)}},\n` : '';
    const arxiv = r() < 0.2 ? `  eprint = {2101.0${1000 + Math.floor(r() * 4)}},\n  archivePrefix = {arXiv},\n` : '';
    entries.push(`@article{k${tag}${i},\n  title = {${title}},\n  author = {${authors.join(' and ')}},\n  year = {${2018 + Math.floor(r() * 7)}},\n${doi}${arxiv}  abstract = {${abstract}.}\n}\n`);
  }
  return entries.join('\n');
}

/** A small edit of a file's text: one word replaced (a title renamed, a name misspelt, an abstract changed). */
function edit(r: () => number, text: string): string {
  const words = [...text.matchAll(/[A-Za-z]{4,}/g)];
  if (!words.length) return `${text}\n`;
  const m = words[Math.floor(r() * words.length)]!;
  const replacement = r() < 0.5 ? WORDS[Math.floor(r() * WORDS.length)]! : m[0].toUpperCase();
  return text.slice(0, m.index) + replacement + text.slice(m.index + m[0].length);
}

function extraRecords(r: () => number, n: number): RawPaper[] {
  return Array.from({ length: n }, (_, i) => ({
    title: r() < 0.3 ? SHIPPED_TITLES[i % SHIPPED_TITLES.length]! : `feed paper ${Math.floor(r() * 20)} on ${WORDS[i % WORDS.length]}`,
    authors: [PEOPLE[Math.floor(r() * PEOPLE.length)]!],
    authorsTruncated: false,
    date: '2024-05-01',
    category: 'cs.LG',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: Array.from({ length: 20 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '),
    source: 'arxiv-feed',
    line: i + 1,
    pageOwner: null,
    ...(r() < 0.5 ? { doi: `10.5555/drop.${Math.floor(r() * 6)}` } : {}),
  }));
}

/** The first record that differs between two corpora (a short failure message instead of two whole corpora). */
function firstDifference(got: object, want: object): string | null {
  for (const kind of ['papers', 'posts', 'authors'] as const) {
    const a = (got as Record<string, { id: string }[]>)[kind]!;
    const b = (want as Record<string, { id: string }[]>)[kind]!;
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = JSON.stringify(a[i]);
      const y = JSON.stringify(b[i]);
      if (x !== y) return `${kind}[${i}] of ${a.length}/${b.length}:\n got  ${x}\n want ${y}`;
    }
  }
  return null;
}

type Diffed = { diff: LibraryDiff; state: RecordState };

/** A diff with its removals and lookup entries in key order (the order they are sent in does not matter). */
function sortedDiff(d: LibraryDiff): LibraryDiff {
  const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const records = <T>(r: { upsert: T[]; remove: string[]; order?: string[]; at?: number[] }) => ({ ...r, remove: [...r.remove].sort() });
  return {
    ...d,
    papers: records(d.papers),
    posts: records(d.posts),
    authors: records(d.authors),
    lookups: d.lookups.map((l) => ({ ...l, set: [...l.set].sort(byKey), remove: [...l.remove].sort() })),
  };
}

describe('incremental corpus', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: equals a fresh build after every step of random adds, changes and removals`, () => {
      const r = rng(seed);
      const pool: SourceFile[] = [...shipped, ...imports, ...generated.files];
      const files = new Map<string, string>();
      // Start with about half of everything.
      for (const f of pool) if (r() < 0.5) files.set(f.name, f.text);
      let extra: RawPaper[] = extraRecords(r, 4);
      const inc = new IncrementalCorpus();
      let state: RecordState | null = null;
      let incState: RecordState | null = null;
      let incremental = 0;
      for (let step = 0; step < 10; step++) {
        if (step > 0) {
          const ops = 1 + Math.floor(r() * 3);
          for (let k = 0; k < ops; k++) {
            const op = r();
            const present = [...files.keys()];
            const any = present[Math.floor(r() * present.length)];
            if (op < 0.25) {
              const absent = pool.filter((f) => !files.has(f.name));
              const f = absent[Math.floor(r() * absent.length)];
              if (f) files.set(f.name, f.text);
            } else if (op < 0.4) files.set(`drop-${seed}-${step}-${k}.bib`, bib(r, 1 + Math.floor(r() * 4), `s${seed}x${step}`));
            else if (op < 0.6 && any) files.set(any, edit(r, files.get(any)!));
            else if (op < 0.75 && any) files.delete(any);
            else if (op < 0.85) {
              // Back to a file's original text (a rename undone, a merge split again).
              const f = pool[Math.floor(r() * pool.length)]!;
              files.set(f.name, f.text);
            } else extra = r() < 0.5 ? [...extra.slice(1), ...extraRecords(r, 2)] : extraRecords(r, 3);
          }
        }
        const list = [...files].map(([name, text]) => ({ name, text }));
        const want = buildCorpus(list, manifest, { papers: extra });
        const got = inc.build(list, manifest, extra);
        expect(firstDifference(got.corpus, want.corpus), `step ${step}`).toBeNull();
        expect(JSON.stringify(got.corpus)).toBe(JSON.stringify(want.corpus));
        expect(got.issues).toEqual(want.issues);
        expect(got.files).toEqual(want.files);
        if (got.changes) incremental++;
        // The library diff from the build's touched records equals the diff from scratch.
        if (state && incState) {
          const full: Diffed = diffLibrary(state, want.corpus, 1)!;
          const fast: Diffed = diffLibrary(incState, got.corpus, 1, got.changes)!;
          const [x, y] = [sortedDiff(fast.diff), sortedDiff(full.diff)];
          for (const part of ['papers', 'posts', 'authors', 'lookups', 'categories', 'acronyms'] as const) expect(JSON.stringify(x[part]), `step ${step}: ${part}`).toBe(JSON.stringify(y[part]));
          // The patched state's lookups (kept by lookupIndex.ts) equal those of `libraryLookups` of the new corpus.
          for (const name of LOOKUP_NAMES) expect([...fast.state.lookups[name]].sort(), `step ${step}: ${name}`).toEqual([...full.state.lookups[name]].sort());
          state = full.state;
          incState = fast.state;
        } else {
          state = recordState(want.corpus);
          incState = recordState(got.corpus);
        }
      }
      expect(incremental).toBeGreaterThan(4);
    }, 120000);
  }

  it('scripted: merges by DOI, arXiv id and title, splits again, renames a title a post cites, adds namesakes — each step equal to a fresh build', () => {
    const files = new Map(shipped.map((f) => [f.name, f.text]));
    const inc = new IncrementalCorpus();
    let full: Diffed | null = null;
    let fast: Diffed | null = null;
    /** An entry with an abstract of its own (random words seeded by its key: no abstract pairs). */
    const entry = (key: string, title: string, authors: string, extra = '') => {
      const r = rng([...key].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7));
      const abstract = Array.from({ length: 30 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
      return `@article{${key},\n  title = {${title}},\n  author = {${authors}},\n  year = {2024},\n${extra}  abstract = {${abstract}.}\n}\n`;
    };
    const step = (label: string) => {
      const list = [...files].map(([name, text]) => ({ name, text }));
      const want = buildCorpus(list, shippedManifest);
      const got = inc.build(list, shippedManifest);
      expect(firstDifference(got.corpus, want.corpus), label).toBeNull();
      expect(got.issues, label).toEqual(want.issues);
      expect(got.files, label).toEqual(want.files);
      if (full && fast) {
        expect(got.changes, `${label}: incremental`).toBeDefined();
        full = diffLibrary(full.state, want.corpus, 1)!;
        fast = diffLibrary(fast.state, got.corpus, 1, got.changes)!;
        expect(JSON.stringify(sortedDiff(fast.diff)), label).toBe(JSON.stringify(sortedDiff(full.diff)));
      } else {
        full = { diff: null as unknown as LibraryDiff, state: recordState(want.corpus) };
        fast = { diff: null as unknown as LibraryDiff, state: recordState(got.corpus) };
      }
      return got.corpus;
    };
    const start = step('start');
    const count = (c: typeof start, title: string) => c.papers.filter((p) => p.title === title || p.aliases.includes(title)).length;

    files.set('a.bib', entry('a', 'Quasar Routing for Sparse Experts', 'Example, Ada', '  doi = {10.5555/quasar.1},\n'));
    files.set('b.bib', entry('b', 'Routing Quasars Sparsely', 'Sample, Bo', '  doi = {10.5555/quasar.1},\n'));
    let c = step('same DOI: one paper');
    expect(c.papers.length).toBe(start.papers.length + 1);
    files.set('b.bib', entry('b', 'Routing Quasars Sparsely', 'Sample, Bo', '  doi = {10.5555/quasar.2},\n'));
    c = step('DOI changed: split again');
    expect(c.papers.length).toBe(start.papers.length + 2);
    files.set('c.bib', entry('c', 'Tomography by Latent Diffusion', 'Example, Ada', '  eprint = {2101.01234},\n  archivePrefix = {arXiv},\n'));
    files.set('d.bib', entry('d', 'Latent Diffusion Tomography Revisited', 'Sample, Bo', '  eprint = {2101.01234},\n  archivePrefix = {arXiv},\n'));
    c = step('same arXiv id: one paper');
    expect(c.papers.length).toBe(start.papers.length + 3);
    files.delete('d.bib');
    step('one listing gone');

    // A paper cited by a post, listed again under its own title (one paper), then renamed in its page.
    const post = start.posts.find((p) => p.mentions.length)!;
    const cited = start.papers.find((p) => p.id === post.mentions[0])!;
    files.set('e.bib', entry('e', cited.title!, 'Example, Ada'));
    c = step('same title: one paper');
    expect(c.papers.length).toBe(start.papers.length + 3);
    const page = [...files].find(([, text]) => text.includes(cited.title!))![0];
    files.set(page, files.get(page)!.split(cited.title!).join(`${cited.title!} Renamed`));
    files.delete('e.bib');
    c = step('cited title renamed');
    expect(count(c, cited.title!)).toBe(0);
    expect(c.posts.find((p) => p.title === post.title)!.mentions).not.toEqual(post.mentions);

    // Namesakes: two more imaging papers by a Zhifeng Chen with other co-authors.
    files.set('f.bib', [entry('f1', 'Undersampled MRI Reconstruction with Quasar Priors', 'Chen, Zhifeng and Pawar, Kamlesh'), entry('f2', 'Quasar Priors for Diffusion MRI Tomography', 'Chen, Zhifeng and Pawar, Kamlesh')].join('\n'));
    c = step('namesakes');
    expect(c.authors.filter((a) => a.name === 'Zhifeng Chen').length).toBeGreaterThan(1);
    files.delete('f.bib');
    files.set(page, shipped.find((f) => f.name === page)!.text);
    step('back to the shipped page');
  }, 120000);
});

/**
 * People proved one person (homonymProof.ts) and kept across updates, at the level of the merge:
 * with a low `proofMinPapers` every person of these small record sets keeps a proof, and each
 * update equals `mergeCorpus` of the records as they are.
 */
describe('incremental merge: people proved one person', () => {
  const CIRCLES = [
    { category: 'cs.LG', people: ['Yu Zhang', 'Wei Han', 'Ron Weiss', 'Noam Shazeer', 'Yanping Huang'], words: ['speech', 'translation', 'pipeline', 'sparse', 'routing', 'experts'] },
    { category: 'eess.IV', people: ['Mevan Ekanayake', 'Kamlesh Pawar', 'Gary Egan'], words: ['undersampled', 'reconstruction', 'tomography', 'fingerprinting', 'magnetic', 'resonance'] },
    { category: 'q-bio.NC', people: ['Shenjun Zhong', 'Zhaolin Chen'], words: ['neurons', 'cortex', 'spiking', 'plasticity', 'synapses', 'dendrites'] },
  ];
  let line = 0;
  /** A record of `owner` (listed explicitly, or only as page owner) with co-authors of a circle and words of its field. */
  const record = (r: () => number, owner: string, circle: number, explicit: boolean, tag: string): RawPaper => {
    const c = CIRCLES[circle]!;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const coauthors = [...new Set([pick(c.people), ...(r() < 0.5 ? [pick(c.people)] : [])])];
    const words = Array.from({ length: 12 }, () => pick(c.words));
    return {
      title: `${pick(c.words)} ${pick(c.words)} study ${tag}`, authors: explicit ? [...coauthors, owner] : coauthors, authorsTruncated: false, date: `20${10 + Math.floor(r() * 14)}-0${1 + Math.floor(r() * 9)}-01`,
      category: c.category, venue: null, orgs: [], hasCode: false, abstract: `${words.join(' ')} unique${tag} rare${tag}`, source: 'records.txt', line: ++line, pageOwner: explicit ? null : owner,
    };
  };
  const check = (inc: IncrementalMerge, records: readonly RawPaper[], label: string) => {
    const want = mergeCorpus({ papers: [...records], posts: [], profiles: [] });
    expect(firstDifference(inc.result.corpus, want.corpus), label).toBeNull();
    expect(JSON.stringify(inc.result), label).toBe(JSON.stringify(want));
    return want.corpus.authors.filter((a) => a.name === 'Zhifeng Chen');
  };

  it('scripted: a prolific person gains an implicit paper, a separable group (split), a lone paper that moves, and loses the group again', () => {
    const r = rng(77);
    let records: RawPaper[] = [];
    for (let i = 0; i < 30; i++) records.push(record(r, 'Zhifeng Chen', 0, i % 4 !== 0, `m${i}`));
    const inc = new IncrementalMerge({ papers: records, posts: [], profiles: [] }, { proofMinPapers: 8 });
    const step = (added: RawPaper[], removed: RawPaper[], label: string) => {
      expect(inc.update({ added, removed }), label).not.toBeNull();
      records = [...records.filter((x) => !removed.includes(x)), ...added];
      return check(inc, records, label);
    };
    expect(check(inc, records, 'start')).toHaveLength(1);
    // Page-owner papers and explicit ones with the same co-authors: one person, proved.
    expect(step([record(r, 'Zhifeng Chen', 0, false, 'i1')], [], 'an implicit paper')).toHaveLength(1);
    expect(step([record(r, 'Zhifeng Chen', 0, true, 'e1')], [], 'an explicit paper of the main circle')).toHaveLength(1);
    // Two explicit imaging papers sharing co-authors no paper of the main body has: another person.
    const mri = [0, 1].map((i) => ({ ...record(r, 'Zhifeng Chen', 1, true, `x${i}`), authors: ['Mevan Ekanayake', 'Kamlesh Pawar', 'Zhifeng Chen'] }));
    let people = step(mri, [], 'a separable group');
    expect(people).toHaveLength(2);
    // A lone explicit paper (its co-author on no other paper) placed by its rare words: with the imaging person...
    // (Words of both fields interleaved: no abstract of its own field, and no abstract pair with an imaging paper.)
    const lone = { ...record(r, 'Zhifeng Chen', 2, true, 'lone'), authors: ['Solo Writer', 'Zhifeng Chen'], abstract: 'neurons magnetic cortex resonance spiking undersampled plasticity reconstruction synapses tomography' };
    people = step([lone], [], 'a lone paper near the imaging person');
    const imaging = () => people.find((a) => a.disambiguation?.startsWith('eess.IV'))!.paperIds;
    expect(imaging()).toHaveLength(3);
    // ...and with the main body once its words are those of a main-body paper instead.
    const main = records.find((x) => x.category === 'cs.LG' && x.authors.includes('Zhifeng Chen'))!;
    const [, rareWords] = /(unique\S+ rare\S+)$/.exec(main.abstract!)!;
    const moved = { ...lone, abstract: `neurons cortex spiking plasticity synapses dendrites ${rareWords}`, line: ++line };
    people = step([moved], [lone], 'the lone paper moves to the main body');
    expect(imaging()).toHaveLength(2);
    // The imaging papers gone: one person again.
    expect(step([], mri, 'the separable group removed')).toHaveLength(1);
    expect(step([], [moved], 'the lone paper removed')).toHaveLength(1);
    // Implicit papers removed: some (their co-authors are on other page-owner papers: the proof is
    // kept), then all (co-authors and the category leave the implicit papers: it is rebuilt).
    expect(step([], records.filter((x) => x.pageOwner).slice(0, 2), 'implicit papers removed')).toHaveLength(1);
    expect(step([], records.filter((x) => x.pageOwner), 'all implicit papers removed')).toHaveLength(1);
    expect(step([record(r, 'Zhifeng Chen', 0, false, 'i2')], [], 'an implicit paper again')).toHaveLength(1);
  });

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: random records of three names added and removed, each update equal to a full merge`, () => {
      const r = rng(1000 + seed);
      const owners = ['Zhifeng Chen', 'Yu Zhang', 'Mevan Ekanayake'];
      const fresh = (tag: string) => {
        const owner = owners[Math.floor(r() * owners.length)]!;
        // Mostly the owner's own circle (page-owner papers there); now and then another field,
        // listed explicitly (a namesake, or a lone paper).
        const own = owners.indexOf(owner) % CIRCLES.length;
        const circle = r() < 0.75 ? own : Math.floor(r() * CIRCLES.length);
        return record(r, owner, circle, circle !== own || r() < 0.7, tag);
      };
      let records = Array.from({ length: 60 }, (_, i) => fresh(`s${seed}r${i}`));
      const inc = new IncrementalMerge({ papers: records, posts: [], profiles: [] }, { proofMinPapers: 4 });
      let split = 0;
      for (let step = 0; step < 25; step++) {
        const removed = records.filter(() => r() < 0.06);
        const added = Array.from({ length: Math.floor(r() * 5) }, (_, i) => fresh(`s${seed}t${step}n${i}`));
        expect(inc.update({ added, removed }), `step ${step}`).not.toBeNull();
        records = [...records.filter((x) => !removed.includes(x)), ...added];
        if (check(inc, records, `step ${step}`).length > 1) split++;
      }
      expect(split).toBeGreaterThan(0);
    }, 60000);
  }
});
