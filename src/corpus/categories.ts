/**
 * Aggregator category codes (arXiv's subject classes, shortened) and their readable names.
 */
export const CATEGORY_NAMES: ReadonlyMap<string, string> = new Map([
  ['AI', 'Artificial Intelligence'],
  ['AR', 'Hardware Architecture'],
  ['AS', 'Audio and Speech Processing'],
  ['CC', 'Computational Complexity'],
  ['CE', 'Computational Engineering'],
  ['CG', 'Computational Geometry'],
  ['CL', 'Computation and Language'],
  ['CR', 'Cryptography and Security'],
  ['CV', 'Computer Vision and Pattern Recognition'],
  ['CY', 'Computers and Society'],
  ['DB', 'Databases'],
  ['DC', 'Distributed, Parallel, and Cluster Computing'],
  ['DS', 'Data Structures and Algorithms'],
  ['GR', 'Graphics'],
  ['HC', 'Human-Computer Interaction'],
  ['IR', 'Information Retrieval'],
  ['IT', 'Information Theory'],
  ['IV', 'Image and Video Processing'],
  ['LG', 'Machine Learning'],
  ['LO', 'Logic in Computer Science'],
  ['MA', 'Multiagent Systems'],
  ['MM', 'Multimedia'],
  ['NE', 'Neural and Evolutionary Computing'],
  ['NI', 'Networking and Internet Architecture'],
  ['PF', 'Performance'],
  ['PL', 'Programming Languages'],
  ['RO', 'Robotics'],
  ['SD', 'Sound'],
  ['SE', 'Software Engineering'],
  ['SI', 'Social and Information Networks'],
  ['SY', 'Systems and Control'],
  ['ML', 'Machine Learning (Statistics)'],
]);

/** arXiv categories whose short code is not their `cs.` suffix. */
const ARXIV_SHORT_CODES: ReadonlyMap<string, string> = new Map([
  ['eess.AS', 'AS'],
  ['eess.IV', 'IV'],
  ['eess.SY', 'SY'],
  ['stat.ML', 'ML'],
]);

/**
 * arXiv category → the listings' short code where there is one (`cs.CL` → `CL`, `eess.AS` → `AS`,
 * `stat.ML` → `ML`); any other category stays as arXiv spells it (`hep-th`, `math.DG`).
 */
export function arxivCategoryCode(term: string): string {
  const t = term.trim();
  const mapped = ARXIV_SHORT_CODES.get(t);
  if (mapped) return mapped;
  const cs = /^cs\.([A-Z]{2})$/.exec(t);
  return cs?.[1] ?? t;
}

/** Archive names as reference managers write them in subject keywords (Zotero's arXiv import). */
const KEYWORD_ARCHIVES: ReadonlyMap<string, string> = new Map([
  ['computer science', 'cs'],
  ['electrical engineering and systems science', 'eess'],
  ['statistics', 'stat'],
]);

/** True when `rest` begins with `name` followed by the end of a keyword (end, separator or space). */
function startsWithName(rest: string, name: string): boolean {
  return rest.startsWith(name) && /^(?:$|[\s,;)])/.test(rest.slice(name.length));
}

/**
 * The short code of the first arXiv subject in a keyword list as reference managers export it
 * (`Computer Science - Computation and Language, Computer Science - Machine Learning` → `CL`;
 * `Statistics - Machine Learning` → `ML`; a bare `cs.CL` too). Names are matched whole, so a
 * name with a comma (`Distributed, Parallel, and Cluster Computing`) survives any separator.
 * Null when no keyword names an arXiv subject we know.
 */
export function categoryFromKeywords(text: string): string | null {
  const subject = /\b(computer science|electrical engineering and systems science|statistics)\s+-\s+/gi;
  for (let m = subject.exec(text); m; m = subject.exec(text)) {
    const archive = KEYWORD_ARCHIVES.get(m[1]!.toLowerCase())!;
    const rest = text.slice(subject.lastIndex).toLowerCase();
    if (archive === 'stat') {
      if (startsWithName(rest, 'machine learning')) return 'ML';
      continue;
    }
    let best: string | null = null;
    let bestLength = 0;
    for (const [code, name] of CATEGORY_NAMES) {
      const n = name.toLowerCase();
      if (n.length > bestLength && startsWithName(rest, n) && arxivCategoryCode(`${archive}.${code}`) === code) {
        best = code;
        bestLength = n.length;
      }
    }
    if (best) return best;
  }
  const bare = /(?:^|[\s,;])((?:cs|eess|stat)\.[A-Z]{2})(?=$|[\s,;])/.exec(text);
  return bare ? arxivCategoryCode(bare[1]!) : null;
}

/** Readable name of a code, or the code itself when unknown. */
export function categoryName(code: string | null): string | null {
  if (!code) return null;
  return CATEGORY_NAMES.get(code) ?? code;
}

/** Resolves user input (`cl`, `CL`, `computation and language`, `speech`) to a code. */
export function resolveCategory(input: string, known: Iterable<string> = CATEGORY_NAMES.keys()): string | null {
  const q = input.trim().toLowerCase();
  if (!q) return null;
  for (const code of known) {
    if (code.toLowerCase() === q) return code;
    const name = CATEGORY_NAMES.get(code);
    if (name && name.toLowerCase() === q) return code;
  }
  return null;
}
