/**
 * Parser for a blog archive dump: posts separated by `Source: Google AI Blog`; each post is a
 * title line, then paragraphs (section headings and captions included), an acknowledgements
 * paragraph, and paper titles cited in quotes.
 */
import type { LoadIssue, ParseResult, RawPost } from './schema.ts';
import { squash } from './text.ts';

const SEPARATOR = /^Source:\s*Google AI Blog\s*$/i;
const ARCHIVE_HEADER = /^(Category|Tag) Archives?:|^The latest news on /i;
const ACK_HEADING = /^Acknowledge?ments?:?$/i;
const ACK_START = /^(Acknowledge?ments?:?\s|This post reflects the (combined )?work of|We would (also )?like to thank|We (also )?thank|Thanks to|This (effort|work) (has been|was) (successful|possible) thanks to)/i;
/** Wording that marks a closing paragraph as acknowledgements (only looked for near the end of a post). */
const ACK_CUE = /\b(thank(s|ful)?|grateful|gratitude|in collaboration with|joint (work|effort)|privilege to work with|work of our collaborators|contributors include|co-authors|authors of this study|(actively )?developed by)\b/i;

export function isBlogArchive(lines: string[]): boolean {
  return lines.filter((l) => SEPARATOR.test(l.trim())).length >= 1;
}

/** Words after which a sentence of thanks lists names: `… we thank`, `developed by`, `joint work with`. */
const LEAD_IN = /^.*?\b(?:thank(?:s)?(?: to)?|grateful to|gratitude to|with|by|include|including|of|were)\b\s*/i;
/** Words that start a sentence but are not a first name. */
const LEADING_WORDS = new Set(['we', 'our', 'the', 'this', 'these', 'thanks', 'special', 'finally', 'also', 'many', 'it', 'in', 'for', 'and', 'contributors', 'acknowledgements', 'acknowledgments', 'acknowledgement', 'acknowledgment']);
/** Words that make a capitalised phrase an organisation, not a person. */
const ORG_WORDS = new Set(['google', 'research', 'brain', 'team', 'teams', 'deepmind', 'university', 'lab', 'labs', 'institute', 'robotics', 'assistant', 'translate', 'blog', 'colab', 'github', 'tensorflow', 'cloud', 'inc', 'ai']);
/** Lower-case particles inside names: `Daan van Esch`. */
const PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'da', 'di', 'du', 'del', 'della', 'dos', 'le', 'la', 'bin', 'al']);
const CAPITALISED = /^(?:[\p{Lu}][\p{L}'’]*(?:-[\p{L}][\p{L}'’]*)*|(?:[\p{Lu}]\.){1,3})$/u;

function isNameToken(token: string): boolean {
  if (!CAPITALISED.test(token)) return false;
  // An acronym (`ETH`, `UCLA`, `GAN`) is not part of a person's name; `AJ` may be.
  if (token.includes('.')) return true;
  const letters = token.replace(/[^\p{L}]/gu, '');
  return !(letters.length >= 3 && letters === letters.toUpperCase());
}

/** True when the particles from `at` on (`van der`) are followed by a name token (`Leeuw`). */
function nameAfterParticles(tokens: string[], at: number): boolean {
  let k = at;
  while (k < tokens.length && PARTICLES.has(tokens[k]!)) k++;
  return k < tokens.length && isNameToken(tokens[k]!);
}

/** The first run of 2–5 name tokens in a fragment (`our co-authors Vijay Vasudevan` → `Vijay Vasudevan`). */
function firstNameRun(fragment: string): string | null {
  const tokens = fragment.split(' ').filter(Boolean);
  let i = 0;
  while (i < tokens.length) {
    if (!isNameToken(tokens[i]!) || LEADING_WORDS.has(tokens[i]!.toLowerCase())) {
      i++;
      continue;
    }
    const run: string[] = [];
    let j = i;
    while (j < tokens.length) {
      const t = tokens[j]!;
      if (isNameToken(t)) run.push(t);
      else if (PARTICLES.has(t) && run.length && nameAfterParticles(tokens, j)) run.push(t);
      else break;
      j++;
    }
    const capitals = run.filter((t) => !PARTICLES.has(t));
    if (capitals.length >= 2 && run.length <= 5 && !run.some((t) => ORG_WORDS.has(t.toLowerCase()))) {
      return run.join(' ');
    }
    if (capitals.length >= 2) return null;
    i = j + 1;
  }
  return null;
}

/**
 * Names in an acknowledgements paragraph. Each sentence loses its lead-in (`We would like to
 * thank`, `… is being developed by`), the rest is split at commas, semicolons, colons and
 * "and", and each part contributes its first name-shaped run of capitalised words.
 */
export function acknowledgedNames(paragraph: string): string[] {
  let text = paragraph.replace(/[“"][^”"]*[”"]/g, ' ');
  // Parenthetical remarks, nested ones too: `(Kurdish (Sorani))`.
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(/\([^()]*\)/g, ' ');
  }
  const names = new Set<string>();
  // Sentence ends, but not the period of an initial (`Joseph E. Gonzalez`).
  for (const sentence of text.split(/(?<!(?:^|[\s.])\p{Lu})[.!?]\s+/u)) {
    // The lead-in ends before the list starts (before its first comma): `Ann Lee, Bo Li and
    // Cy Young contributed to the design of …` has no lead-in to drop.
    const lead = LEAD_IN.exec(sentence);
    const firstComma = sentence.indexOf(',');
    const body = lead && (firstComma < 0 || lead[0].length <= firstComma) ? sentence.slice(lead[0].length) : sentence;
    for (const part of body.split(/[,;:]|\band\b|\bas well as\b|\balong with\b/)) {
      const fragment = squash(part).replace(/(\S{2,})[.!?]$/u, '$1');
      const name = firstNameRun(fragment);
      if (name) names.add(name);
    }
  }
  return [...names];
}

const QUOTED = /[“"]([^”"\n]{6,220})[”"]/g;

/** Quoted strings that have the shape of a paper title (not questions, not single words). */
export function quotedTitles(paragraph: string): string[] {
  const out: string[] = [];
  for (const m of paragraph.matchAll(QUOTED)) {
    const raw = squash(m[1]!).replace(/[,.;:]+$/, '');
    const tokens = raw.split(' ');
    if (tokens.length < 3 || /\?$/.test(raw)) continue;
    const significant = tokens.filter((t) => t.replace(/[^\p{L}]/gu, '').length >= 4);
    const capitalised = significant.filter((t) => /^[\p{Lu}\d]/u.test(t));
    if (significant.length && capitalised.length / significant.length >= 0.6) out.push(raw);
  }
  return out;
}

export function parseBlogArchive(text: string, source: string): ParseResult<RawPost> {
  const lines = text.split(/\r?\n/);
  const issues: LoadIssue[] = [];
  const records: RawPost[] = [];
  let chunk: { text: string; line: number }[] = [];
  const flush = (endLine: number) => {
    const body = chunk.filter((c) => !ARCHIVE_HEADER.test(c.text));
    chunk = [];
    if (!body.length) {
      issues.push({ level: 'warn', file: source, line: endLine, message: 'empty post before separator; skipped' });
      return;
    }
    const [title, ...paragraphs] = body;
    const acknowledged: string[] = [];
    // Everything after an "Acknowledgements" heading; otherwise paragraphs that open like
    // thanks, or closing paragraphs (the last three) with wording of thanks.
    let inAck = false;
    paragraphs.forEach((p, idx) => {
      if (ACK_HEADING.test(p.text)) {
        inAck = true;
        return;
      }
      const closing = idx >= paragraphs.length - 3;
      if (inAck || ACK_START.test(p.text) || (closing && ACK_CUE.test(p.text))) acknowledged.push(...acknowledgedNames(p.text));
    });
    const cited = new Set<string>();
    for (const p of paragraphs) for (const t of quotedTitles(p.text)) cited.add(t);
    if (title!.text.length > 200) issues.push({ level: 'warn', file: source, line: title!.line, message: 'post title is unusually long' });
    records.push({
      title: title!.text,
      paragraphs: paragraphs.map((p) => p.text),
      acknowledged: [...new Set(acknowledged)],
      citedTitles: [...cited],
      source,
      line: title!.line,
    });
  };
  lines.forEach((raw, idx) => {
    const l = squash(raw);
    if (SEPARATOR.test(l)) flush(idx + 1);
    else if (l) chunk.push({ text: l, line: idx + 1 });
  });
  if (chunk.some((c) => !ARCHIVE_HEADER.test(c.text))) {
    issues.push({ level: 'warn', file: source, line: chunk[0]!.line, message: 'text after the last "Source:" separator; parsed as a post' });
    flush(lines.length);
  }
  return { records, issues };
}
