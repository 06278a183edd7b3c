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
