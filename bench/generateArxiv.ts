/**
 * Deterministic generator of arXiv metadata snapshot lines (`arxiv-metadata-oai-snapshot.json`:
 * one JSON object per line, keys in the snapshot's order: `id`, `submitter`, `authors`, `title`,
 * `comments`, `journal-ref`, `doi`, `report-no`, `categories`, `license`, `abstract`, `versions`,
 * `update_date`, `authors_parsed`), for the benchmark's arXiv-dump input (`bench/run.ts`) and its
 * tests.
 *
 * The text comes from the same machinery as the page-format corpora (bench/generate.ts's
 * `World` over the real corpus's vocabulary: titles, bigram-chain abstracts, recombined names),
 * dressed the way the snapshot writes it:
 *
 * - new-style ids (`2301.01234`) whose year and month are the first version's, unique;
 * - titles wrapped at ~72 columns with `\n  `, abstracts with two leading spaces, wrapped at ~80
 *   columns, a trailing newline;
 * - LaTeX where arXiv has it: `$…$` math, `\%`, `\emph{…}`, `~` in about a quarter of the
 *   abstracts and a few titles, accented names in `authors` (`Mart\'in`), decoded in most
 *   `authors_parsed` (`["Abadi", "Martín", ""]`), left as LaTeX in some (`["Ar\\i{}k", …]`);
 * - authors as full names or initials (`J. Smith`, per paper, as arXiv authors write them), a
 *   few truncated lists (`et al.`);
 * - primary category from the real corpus's distribution in arXiv spelling (`cs.CL`, `eess.AS`,
 *   `stat.ML`), a few outside the listings' codes (`math.OC`), cross-lists (`cs.CL cs.LG`);
 * - 1-6 versions with RFC 822 dates, `update_date` on or after the last one; some `journal-ref`s,
 *   unique DOIs, comments, report numbers, licenses.
 *
 * Every line is a distinct paper (unique id, title and DOI): N lines parse to N papers.
 * Same seed and same `data/` → byte-identical files.
 *
 * CLI: `tsx bench/generateArxiv.ts --lines 100000 [--seed 42] [--out DIR] [--data DIR]`
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { CATEGORY_NAMES, arxivCategoryCode } from '../src/corpus/categories.ts';
import { createProgress } from '../src/progress.ts';
import { DEFAULT_DATA_DIR, argValue, WeightedPicker, World, chance, int, loadVocabulary, pick, type Person, type Rng, type Vocabulary } from './generate.ts';

/** Bump when the generator's output changes, so cached generated dumps are regenerated. */
export const ARXIV_GENERATOR_VERSION = 1;
/** The dump's file name in a generated directory (any name works: the loader reads the content). */
export const ARXIV_DUMP_FILE = 'arxiv-metadata-oai-snapshot.json';

export interface ArxivGenerateOptions {
  /** Lines (papers) to generate. */
  lines: number;
  seed?: number;
  /** Called as lines are generated. */
  onProgress?: (done: number, total: number) => void;
}

/** One line of the snapshot, keys in the snapshot's order. */
export interface ArxivSnapshotLine {
  id: string;
  submitter: string;
  authors: string;
  title: string;
  comments: string | null;
  'journal-ref': string | null;
  doi: string | null;
  'report-no': string | null;
  categories: string;
  license: string | null;
  abstract: string;
  versions: { version: string; created: string }[];
  update_date: string;
  authors_parsed: string[][];
}

export interface ArxivDumpStats {
  lines: number;
  bytes: number;
  persons: number;
  /** Author names over all lines. */
  authorMentions: number;
  /** Author mentions written with initials (`J. Smith`). */
  initialMentions: number;
  /** Lines whose author list ends in `et al.`. */
  truncatedAuthorLists: number;
  /** Lines with more than one category. */
  crossListed: number;
  /** Lines whose primary category is not one of the listings' codes (`math.OC`). */
  nonListingPrimary: number;
  withDoi: number;
  withJournalRef: number;
  withComments: number;
  /** Lines with two or more versions. */
  multiVersion: number;
  /** Lines with LaTeX in the title, the abstract or the authors (what the parser decodes through Citation.js). */
  withLatex: number;
  /** Primary categories as written (`cs.CL`), with their counts. */
  primaryCategories: Record<string, number>;
}

export interface GeneratedArxivDump {
  name: string;
  /** The lines, without line ends. */
  lines: string[];
  stats: ArxivDumpStats;
}

// ---------------------------------------------------------------------------------------------
// What arXiv writes

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Listing code → arXiv category (`CL` → `cs.CL`, `AS` → `eess.AS`, `ML` → `stat.ML`). */
export function arxivCategoryOf(code: string): string {
  if (code === 'AS' || code === 'IV' || code === 'SY') return `eess.${code}`;
  if (code === 'ML') return 'stat.ML';
  return /^[A-Z]{2}$/.test(code) ? `cs.${code}` : code;
}

/** Primaries outside the listings' codes, as a `jq` slice on `cs.LG` cross-lists picks them up. */
const OTHER_PRIMARIES = ['math.OC', 'stat.ME', 'q-bio.NC', 'physics.comp-ph', 'quant-ph', 'econ.EM'];
/** Cross-list candidates, most frequent first (repeated as often as they are likely). */
const CROSS_LISTS = ['cs.LG', 'cs.LG', 'cs.LG', 'cs.AI', 'cs.AI', 'stat.ML', 'stat.ML', 'cs.CL', 'cs.CV', 'cs.NE', 'eess.AS', 'cs.SD', 'cs.IR', 'eess.SP', 'cs.RO', 'math.OC', 'cs.DC', 'cs.CR'];

const LICENSES: readonly (string | null)[] = [
  'http://arxiv.org/licenses/nonexclusive-distrib/1.0/', 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/', 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
  'http://creativecommons.org/licenses/by/4.0/', 'http://creativecommons.org/licenses/by/4.0/', 'http://creativecommons.org/licenses/by/4.0/',
  'http://creativecommons.org/licenses/by-nc-sa/4.0/', 'http://creativecommons.org/licenses/by-sa/4.0/', 'http://creativecommons.org/licenses/by-nc-nd/4.0/',
  'http://creativecommons.org/publicdomain/zero/1.0/', null, null,
];

/** Venues of `journal-ref` / comments; `{y}` is a year, `{v}` `{n}` `{p}` volume, number, page. */
const JOURNAL_REFS = [
  'Proceedings of ACL {y}', 'EMNLP {y}', 'NeurIPS {y}', 'ICML {y}', 'ICLR {y}', 'Interspeech {y}', 'ICASSP {y}', 'CVPR {y}', 'AAAI {y}',
  'Transactions of the Association for Computational Linguistics, {v}:{p}-{q}, {y}', 'Journal of Machine Learning Research {v} ({y}) 1-{n}',
  'IEEE Transactions on Pattern Analysis and Machine Intelligence, vol. {v}, no. {n}, pp. {p}-{q}, {y}', 'Neural Computation {v}({n}), {y}',
  'ACM Trans. Graph. {v}, {n}, Article {p} ({y})', 'Proc. VLDB Endow. {v}({n}): {p}-{q} ({y})',
];
const COMMENT_VENUES = ['ACL', 'EMNLP', 'NAACL', 'NeurIPS', 'ICML', 'ICLR', 'Interspeech', 'ICASSP', 'CVPR', 'ECCV', 'AAAI', 'COLING', 'SIGIR', 'KDD', 'MLSys'];

/** LaTeX arXiv writes for accented letters in the authors line. */
const LATEX_ACCENTS: Readonly<Record<string, string>> = {
  á: "\\'a", é: "\\'e", í: "\\'i", ó: "\\'o", ú: "\\'u", Á: "\\'A", É: "\\'E", Ó: "\\'O",
  ä: '\\"a', ö: '\\"o', ü: '\\"u', Ö: '\\"O', Ü: '\\"U', è: '\\`e', à: '\\`a', ñ: '\\~n',
  ç: '\\c{c}', Ç: '\\c{C}', ı: '\\i{}', ł: '\\l{}', Ł: '\\L{}', ø: '\\o{}', š: '\\v{s}', č: '\\v{c}', ř: '\\v{r}', ž: '\\v{z}', ß: '\\ss{}',
};
const ACCENTED_VOWEL: Readonly<Record<string, readonly string[]>> = { a: ['á', 'ä', 'à'], e: ['é', 'è'], i: ['í', 'ı'], o: ['ó', 'ö', 'ø'], u: ['ú', 'ü'] };
const ACCENTED_CONSONANT: Readonly<Record<string, readonly string[]>> = { c: ['ç', 'č'], s: ['š'], z: ['ž'], r: ['ř'], n: ['ñ'], l: ['ł'] };

const toLatex = (text: string) => text.replace(/[^\x00-\x7f]/g, (c) => LATEX_ACCENTS[c] ?? c);
const LATEX_SPECIALS = /[\\{}$~]/;

/** LaTeX snippets of abstracts: `%` escaped, inline math, emphasis, ties. */
const MATH = ['$O(n \\log n)$', '$k$', '$\\ell_1$', '$\\ell_2$', '$\\alpha$', '$\\epsilon$', '$n$', '$\\mathcal{O}(1)$', '$d$-dimensional', '$\\sqrt{T}$', '$10^{-3}$', '$\\times$', '$p < 0.05$', '$\\lambda$', '$\\beta_2$', '$L$'];

/** RFC 822 date as the snapshot's `versions` write it: `Mon, 2 Apr 2007 19:18:42 GMT`. */
function rfc822(t: number): string {
  const d = new Date(t);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${DAY_NAMES[d.getUTCDay()]!}, ${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]!} ${d.getUTCFullYear()} ${hh}:${mm}:${ss} GMT`;
}

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Greedy wrap at `width` columns (words longer than that stay whole). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (!w) continue;
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) out.push(line);
  return out;
}

/** `Anna Maria Smith` → given `Anna Maria`, family `Smith`; `John K. Smith` → `John K.`, `Smith`. */
function splitName(name: string): { given: string; family: string } {
  const at = name.lastIndexOf(' ');
  return at < 0 ? { given: '', family: name } : { given: name.slice(0, at), family: name.slice(at + 1) };
}

/** `Anna-Lena Maria` → `A.-L. M.` (as arXiv authors abbreviate). */
const initials = (given: string) => given.split(' ').filter(Boolean).map((g) => g.split('-').map((p) => `${p.charAt(0)}.`).join('-')).join(' ');

// ---------------------------------------------------------------------------------------------

/** An arXiv author: a person of the synthetic world, with an accent now and then (the real vocabulary has few). */
interface Author {
  given: string;
  family: string;
}

function accentOne(rng: Rng, word: string): string {
  const spots: number[] = [];
  for (let i = 1; i < word.length; i++) if (ACCENTED_VOWEL[word[i]!] || ACCENTED_CONSONANT[word[i]!]) spots.push(i);
  if (!spots.length) return word;
  const at = pick(rng, spots);
  const c = word[at]!;
  return `${word.slice(0, at)}${pick(rng, ACCENTED_VOWEL[c] ?? ACCENTED_CONSONANT[c]!)}${word.slice(at + 1)}`;
}

function authorOf(rng: Rng, person: Person): Author {
  const { given, family } = splitName(person.name);
  if (chance(rng, 0.03)) return chance(rng, 0.75) ? { given, family: accentOne(rng, family) } : { given: accentOne(rng, given), family };
  return { given, family };
}

/** Generates `lines` arXiv snapshot lines in memory (pure, deterministic). */
export function generateArxivDump(vocabulary: Vocabulary, options: ArxivGenerateOptions): GeneratedArxivDump {
  const n = Math.max(1, Math.floor(options.lines));
  // Its own stream of draws: the dump is not the page corpus of the same seed.
  const world = new World(vocabulary, ((options.seed ?? 42) ^ 0x61727869) >>> 0, n);
  const rng = world.random;
  const personCount = Math.max(60, Math.round(n * 0.6));
  const authors: Author[] = Array.from({ length: personCount }, () => authorOf(rng, world.person()));
  const weights = new Float64Array(personCount);
  for (let i = 0; i < personCount; i++) weights[i] = 1 / Math.pow(i + 1, 0.75);
  const personPicker = new WeightedPicker(weights);
  const categories = vocabulary.categories.length ? vocabulary.categories : ['LG'];

  const stats: ArxivDumpStats = {
    lines: n, bytes: 0, persons: personCount, authorMentions: 0, initialMentions: 0, truncatedAuthorLists: 0, crossListed: 0, nonListingPrimary: 0,
    withDoi: 0, withJournalRef: 0, withComments: 0, multiVersion: 0, withLatex: 0, primaryCategories: {},
  };
  const ids = new Set<string>();
  const dois = new Set<string>();
  const lines: string[] = [];

  for (let i = 0; i < n; i++) {
    const t = world.title();
    // v1: the paper's date, at a time of day; the id's yymm is v1's (arXiv numbers by announcement month).
    const v1 = Date.parse(`${world.date()}T00:00:00Z`) + int(rng, 0, DAY_MS / 1000 - 1) * 1000;
    const d1 = new Date(v1);
    const yymm = `${String(d1.getUTCFullYear() % 100).padStart(2, '0')}${String(d1.getUTCMonth() + 1).padStart(2, '0')}`;
    let id: string;
    do {
      const seq = int(rng, 1, d1.getUTCFullYear() >= 2015 ? 24999 : 9999);
      id = `${yymm}.${String(seq).padStart(d1.getUTCFullYear() >= 2015 ? 5 : 4, '0')}`;
    } while (ids.has(id));
    ids.add(id);

    // Authors (the page generator's distribution), some lists truncated.
    const x = rng();
    const count = x < 0.08 ? int(rng, 1, 2) : x < 0.35 ? int(rng, 3, 4) : x < 0.85 ? int(rng, 5, 10) : int(rng, 11, 30);
    const picked: number[] = [];
    for (let tries = 0; picked.length < count && tries < count * 10; tries++) {
      const a = personPicker.pick(rng);
      if (!picked.includes(a)) picked.push(a);
    }
    const useInitials = chance(rng, 0.1);
    const keepLatex = chance(rng, 0.15);
    const shown: string[] = [];
    const parsed: string[][] = [];
    for (const a of picked) {
      const au = authors[a]!;
      const given = useInitials && au.given && chance(rng, 0.6) ? initials(au.given) : au.given;
      if (given !== au.given) stats.initialMentions++;
      shown.push(toLatex(given ? `${given} ${au.family}` : au.family));
      parsed.push(keepLatex ? [toLatex(au.family), toLatex(given), ''] : [au.family, given, '']);
    }
    stats.authorMentions += picked.length;
    let authorsLine = shown.join(', ');
    if (picked.length >= 8 && chance(rng, 0.01)) {
      authorsLine = `${shown.slice(0, 5).join(', ')}, et al`;
      parsed.splice(5, parsed.length - 5, ['al.', 'et', '']);
      stats.truncatedAuthorLists++;
    }
    const first = authors[picked[0]!]!;
    const submitterAuthor = chance(rng, 0.85) ? first : authors[pick(rng, picked)]!;
    const submitter = `${submitterAuthor.given} ${submitterAuthor.family}`.trim();

    // Title (a few with math), wrapped as the snapshot wraps it.
    let title = t.title;
    if (chance(rng, 0.03)) {
      const words = title.split(' ');
      words.splice(int(rng, 1, words.length), 0, pick(rng, MATH));
      title = words.join(' ');
    }
    const titleText = wrap(title, 72).join('\n  ');

    // Abstract: LaTeX in about a quarter, wrapped at 80 columns after two spaces.
    let abstract = world.abstract(t);
    const latexEdits = chance(rng, 0.25) ? (chance(rng, 0.2) ? 2 : 1) : 0;
    for (let k = 0; k < latexEdits; k++) {
      const y = rng();
      if (y < 0.25 && /\d%/.test(abstract)) {
        abstract = abstract.replace(/(\d)%/, '$1\\%');
        continue;
      }
      const words = abstract.split(' ');
      const at = int(rng, 1, words.length - 1);
      if (y < 0.7) words.splice(at, 0, pick(rng, MATH));
      else if (y < 0.85 && /^[a-z]{4,}$/.test(words[at]!)) words[at] = `\\emph{${words[at]!}}`;
      else words.splice(at, 0, `(${pick(rng, ['Fig.', 'Table', 'Sec.'])}~${int(rng, 1, 9)})`);
      abstract = words.join(' ');
    }
    const abstractText = `  ${wrap(abstract, 78).join('\n')}\n`;
    if (LATEX_SPECIALS.test(title) || LATEX_SPECIALS.test(abstract) || LATEX_SPECIALS.test(authorsLine)) stats.withLatex++;

    // Categories: the real primaries in arXiv spelling (a few outside the listings), cross-lists.
    const primary = chance(rng, 0.02) ? pick(rng, OTHER_PRIMARIES) : arxivCategoryOf(pick(rng, categories));
    if (!CATEGORY_NAMES.has(arxivCategoryCode(primary))) stats.nonListingPrimary++;
    const cats = [primary];
    const cx = rng();
    const crossCount = cx < 0.3 ? 0 : cx < 0.7 ? 1 : cx < 0.9 ? 2 : 3;
    for (let tries = 0; cats.length < crossCount + 1 && tries < 20; tries++) {
      const c = pick(rng, CROSS_LISTS);
      if (!cats.includes(c)) cats.push(c);
    }
    if (cats.length > 1) stats.crossListed++;
    stats.primaryCategories[primary] = (stats.primaryCategories[primary] ?? 0) + 1;

    // Versions, days to months apart; update_date on or after the last.
    const vx = rng();
    const versionCount = vx < 0.55 ? 1 : vx < 0.85 ? 2 : vx < 0.95 ? 3 : int(rng, 4, 6);
    const versions: { version: string; created: string }[] = [];
    let at = v1;
    for (let v = 1; v <= versionCount; v++) {
      if (v > 1) at += int(rng, 1, 200) * DAY_MS + int(rng, -43_200, 43_200) * 1000;
      versions.push({ version: `v${v}`, created: rfc822(at) });
    }
    if (versionCount > 1) stats.multiVersion++;
    const updateDate = isoDay(at + (chance(rng, 0.6) ? 0 : int(rng, 1, 400)) * DAY_MS);
    const year = d1.getUTCFullYear() + (chance(rng, 0.4) ? 1 : 0);

    let journalRef: string | null = null;
    if (chance(rng, 0.12)) {
      const pages = int(rng, 1, 3000);
      journalRef = pick(rng, JOURNAL_REFS)
        .replace('{y}', String(year))
        .replace('{v}', String(int(rng, 1, 60)))
        .replace('{n}', String(int(rng, 1, 12)))
        .replace('{p}', String(pages))
        .replace('{q}', String(pages + int(rng, 8, 30)));
      stats.withJournalRef++;
    }
    let doi: string | null = null;
    if (chance(rng, journalRef ? 0.7 : 0.08)) {
      const publisher = int(rng, 0, 6);
      do {
        doi =
          publisher === 0 ? `10.1145/${int(rng, 3000000, 3699999)}.${int(rng, 3000000, 3699999)}`
          : publisher === 1 ? `10.1109/${pick(rng, ['TPAMI', 'TASLP', 'ICASSP', 'CVPR', 'TNNLS'])}.${year}.${int(rng, 1000000, 9999999)}`
          : publisher === 2 ? `10.1007/978-3-031-${int(rng, 10000, 99999)}-${int(rng, 0, 9)}_${int(rng, 1, 60)}`
          : publisher === 3 ? `10.18653/v1/${year}.${pick(rng, ['acl-long', 'emnlp-main', 'naacl-main', 'findings-acl'])}.${int(rng, 1, 900)}`
          : publisher === 4 ? `10.21437/Interspeech.${year}-${int(rng, 10, 2999)}`
          : publisher === 5 ? `10.1162/${pick(rng, ['tacl_a', 'neco_a'])}_${int(rng, 100, 99999)}`
          : `10.1016/${pick(rng, ['j.patcog', 'j.neunet', 'j.artint'])}.${year}.${int(rng, 100000, 999999)}`;
      } while (dois.has(doi.toLowerCase()));
      dois.add(doi.toLowerCase());
      stats.withDoi++;
    }
    let comments: string | null = null;
    const kx = rng();
    if (kx < 0.35) comments = `${int(rng, 4, 40)} pages, ${int(rng, 1, 15)} figures${chance(rng, 0.3) ? `, ${int(rng, 1, 9)} tables` : ''}`;
    else if (kx < 0.5) comments = `Accepted at ${pick(rng, COMMENT_VENUES)} ${year}${chance(rng, 0.3) ? ' (Findings)' : ''}`;
    else if (kx < 0.55) comments = `Code: https://github.com/${first.family.toLowerCase().replace(/[^a-z]/g, '') || 'lab'}/${(t.acronym ?? 'project').toLowerCase().replace(/[^a-z0-9-]/g, '') || 'project'}`;
    if (comments) stats.withComments++;
    const reportNo = chance(rng, 0.01) ? `${pick(rng, ['MIT-CSAIL-TR', 'CMU-LTI', 'UCB/EECS'])}-${year}-${int(rng, 1, 99)}` : null;

    const line: ArxivSnapshotLine = {
      id,
      submitter,
      authors: authorsLine,
      title: titleText,
      comments,
      'journal-ref': journalRef,
      doi,
      'report-no': reportNo,
      categories: cats.join(' '),
      license: pick(rng, LICENSES),
      abstract: abstractText,
      versions,
      update_date: updateDate,
      authors_parsed: parsed,
    };
    const json = JSON.stringify(line);
    stats.bytes += Buffer.byteLength(json) + 1;
    lines.push(json);
    if (options.onProgress && ((i + 1) % 1000 === 0 || i + 1 === n)) options.onProgress(i + 1, n);
  }
  return { name: ARXIV_DUMP_FILE, lines, stats };
}

/** The dump as a data file (one object per line, a newline after each). */
export function arxivDumpText(dump: GeneratedArxivDump): string {
  return dump.lines.length ? `${dump.lines.join('\n')}\n` : '';
}

/** Writes the dump (one file) into `dir`, which is emptied first, with its `.generated.json` marker. */
export async function writeArxivDump(dir: string, dump: GeneratedArxivDump): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
  // Streamed in chunks: a 100k-line dump is ~150 MB of text.
  const out = createWriteStream(join(dir, dump.name));
  const CHUNK = 2000;
  for (let i = 0; i < dump.lines.length; i += CHUNK) {
    if (!out.write(`${dump.lines.slice(i, i + CHUNK).join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await writeFile(join(dir, '.generated.json'), `${JSON.stringify({ version: ARXIV_GENERATOR_VERSION, stats: dump.stats }, null, 2)}\n`);
}

/** Default location of a cached generated dump (beside the page-format corpora). */
export function generatedArxivDir(lines: number, seed: number): string {
  return join(tmpdir(), 'papertalk-bench', `arxiv-v${ARXIV_GENERATOR_VERSION}-seed${seed}-n${lines}`);
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const lines = Number(argValue(args, '--lines') ?? '1000');
  const seed = Number(argValue(args, '--seed') ?? '42');
  if (!Number.isInteger(lines) || lines < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: tsx bench/generateArxiv.ts --lines N [--seed S] [--out DIR] [--data DIR]\n');
    process.exitCode = 2;
    return;
  }
  const out = argValue(args, '--out') ?? generatedArxivDir(lines, seed);
  const t0 = performance.now();
  const vocabulary = await loadVocabulary(argValue(args, '--data') ?? DEFAULT_DATA_DIR);
  const progress = createProgress({ label: `generating ${lines} arXiv lines`, total: lines });
  const dump = generateArxivDump(vocabulary, { lines, seed, onProgress: (done, total) => progress.update(done, total) });
  progress.done();
  await writeArxivDump(out, dump);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ dir: out, ms: Math.round(ms), stats: dump.stats })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
