/**
 * Dates and periods in a question, resolved against one injected clock: years ("in 2021"),
 * ranges ("between 2019 and 2021", "2019–2021", "the 2010s"), open ranges ("since 2023",
 * "after 2021", "before 2018", "older than 2018"), relative periods ("this year", "last year",
 * "in the past three years") and month-level expressions, which go through chrono-node
 * ("since March 2022", "last month", "two years ago").
 */
import * as chrono from 'chrono-node';

export interface DateSpan {
  /** Character offsets in the text. */
  start: number;
  end: number;
  /** Inclusive ISO bounds (YYYY-MM-DD); either may be open. */
  from?: string;
  to?: string;
  /** Set when the span names exactly one calendar year ("in 2021"). */
  year?: number;
  text: string;
}

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, a: 1, couple: 2, few: 3, several: 3 };

export function numberWord(word: string): number | null {
  if (/^\d{1,3}$/.test(word)) return Number(word);
  return NUMBER_WORDS[word.toLowerCase()] ?? null;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const yStart = (y: number) => `${String(y).padStart(4, '0')}-01-01`;
const yEnd = (y: number) => `${String(y).padStart(4, '0')}-12-31`;

function shift(now: Date, unit: string, n: number): Date {
  const d = new Date(now.getTime());
  if (/^y/.test(unit)) d.setUTCFullYear(d.getUTCFullYear() - n);
  else if (/^mo/.test(unit)) d.setUTCMonth(d.getUTCMonth() - n);
  else if (/^w/.test(unit)) d.setUTCDate(d.getUTCDate() - 7 * n);
  else d.setUTCDate(d.getUTCDate() - n);
  return d;
}

const Y = '((?:19|20)\\d{2})';
const NUM = '(\\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|couple(?: of)?|few|several)';
const UNIT = '(years?|months?|weeks?|days?)';

interface Rule {
  re: RegExp;
  make: (m: RegExpExecArray, now: Date) => Omit<DateSpan, 'start' | 'end' | 'text'> | null;
}

const year = (s: string) => Number(s);
const twoDigit = (full: number, s: string) => (s.length === 2 ? Math.floor(full / 100) * 100 + Number(s) : Number(s));

const RULES: Rule[] = [
  // Q1 2025, the second half of 2022, H2 2021, early / late 2020
  { re: new RegExp(`\\b(?:q([1-4])|(?:the\\s+)?(first|second|1st|2nd)\\s+half(?:\\s+of)?|h([12])|(early|mid|late)(?:\\s+in)?)\\s+${Y}\\b`, 'gi'), make: (m) => {
    const y = year(m[5]!);
    const q = m[1] ? Number(m[1]) : 0;
    const half = m[2] ? (/^(first|1st)$/i.test(m[2]) ? 1 : 2) : m[3] ? Number(m[3]) : 0;
    const months: [number, number] = q ? [3 * q - 2, 3 * q] : half ? [half === 1 ? 1 : 7, half === 1 ? 6 : 12] : /early/i.test(m[4]!) ? [1, 4] : /mid/i.test(m[4]!) ? [5, 8] : [9, 12];
    return { from: `${y}-${String(months[0]).padStart(2, '0')}-01`, to: new Date(Date.UTC(y, months[1], 0)).toISOString().slice(0, 10) };
  } },
  // between 2019 and 2021, from 2019 to 2021, 2019-2021, 2019 to 2021, 2019–21
  { re: new RegExp(`\\b(?:between\\s+${Y}\\s+and\\s+${Y}|(?:from\\s+)?${Y}\\s*(?:-|–|—|to|until|till|through|thru)\\s*((?:19|20)?\\d{2})(?!\\d))\\b`, 'gi'), make: (m) => {
    const a = year(m[1] ?? m[3]!);
    const b = m[2] ? year(m[2]) : twoDigit(a, m[4]!);
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return { from: yStart(lo), to: yEnd(hi) };
  } },
  // the 2010s
  { re: /\b(?:the\s+)?((?:19|20)\d0)['’]?s\b/gi, make: (m) => ({ from: yStart(year(m[1]!)), to: yEnd(year(m[1]!) + 9) }) },
  // since 2023, after 2021, from 2021 on, starting 2020, 2020 and later
  { re: new RegExp(`\\b(since|after|later than|newer than|post|starting(?:\\s+in|\\s+from)?|from)\\s+${Y}(\\s+(?:on(?:wards?)?(?=\\s*[?!.,]*\\s*$)|and\\s+(?:later|after|beyond|up)|or\\s+later|onward|forward))?\\b`, 'gi'), make: (m) => {
    const y = year(m[2]!);
    const w = m[1]!.toLowerCase();
    if (w === 'from' && !m[3]) return { year: y, from: yStart(y), to: yEnd(y) };
    return { from: yStart(/^(after|later|newer|post)/.test(w) ? y + 1 : y) };
  } },
  { re: new RegExp(`\\b${Y}\\s+(?:and|or)\\s+(later|after|newer|since|earlier|before|older)\\b`, 'gi'), make: (m) => {
    const y = year(m[1]!);
    return /^(later|after|newer|since)/i.test(m[2]!) ? { from: yStart(y) } : { to: yEnd(y) };
  } },
  // before 2018, older than 2018, until 2020, up to 2020, prior to 2019
  { re: new RegExp(`\\b(before|prior\\s+to|older\\s+than|earlier\\s+than|pre|until|till|up\\s+to|through|no\\s+later\\s+than)\\s+${Y}\\b`, 'gi'), make: (m) => {
    const y = year(m[2]!);
    return /^(before|prior|older|earlier|pre)/i.test(m[1]!) ? { to: yEnd(y - 1) } : { to: yEnd(y) };
  } },
  // this year / last year / next year (a calendar year)
  { re: /\b(?:(?:in|during|from|of)\s+)?(this|last|previous|current)\s+year\b/gi, make: (m, now) => {
    const y = now.getUTCFullYear() - (/^(last|previous)/i.test(m[1]!) ? 1 : 0);
    return { year: y, from: yStart(y), to: yEnd(y) };
  } },
  // in the past three years, over the last 6 months, within the last year, past couple of years
  { re: new RegExp(`\\b(?:(?:in|over|during|within|from|for)\\s+)?(?:the\\s+)?(?:past|last|previous|recent)\\s+(?:${NUM}\\s+)?${UNIT}\\b`, 'gi'), make: (m, now) => {
    const n = m[1] ? numberWord(m[1].replace(/\s+of$/, '')) ?? 1 : 1;
    return { from: iso(shift(now, m[2]!.toLowerCase(), n)), to: iso(now) };
  } },
  // older than 10 years, more than 5 years old / newer than 2 years, less than 3 years old
  { re: new RegExp(`\\b(older than|more than|over|newer than|less than|under|within)\\s+${NUM}\\s+${UNIT}(?:\\s+(?:old|ago))?\\b`, 'gi'), make: (m, now) => {
    const n = numberWord(m[2]!.replace(/\s+of$/, '')) ?? 1;
    const at = iso(shift(now, m[3]!.toLowerCase(), n));
    return /^(older|more|over)/i.test(m[1]!) ? { to: at } : { from: at, to: iso(now) };
  } },
  // three years ago (a point: that year)
  { re: new RegExp(`\\b${NUM}\\s+${UNIT}\\s+ago\\b`, 'gi'), make: (m, now) => {
    const n = numberWord(m[1]!.replace(/\s+of$/, '')) ?? 1;
    const d = shift(now, m[2]!.toLowerCase(), n);
    if (/^y/i.test(m[2]!)) return { year: d.getUTCFullYear(), from: yStart(d.getUTCFullYear()), to: yEnd(d.getUTCFullYear()) };
    return { from: iso(d), to: iso(now) };
  } },
  // in 2021, from 2021, 2021
  { re: new RegExp(`\\b(?:(?:in|during|from|of|for|published in|year)\\s+)?(?:the\\s+year\\s+)?${Y}\\b`, 'gi'), make: (m) => {
    const y = year(m[1]!);
    return { year: y, from: yStart(y), to: yEnd(y) };
  } },
];

const MONTHY = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|\b(?:this|last)\s+(?:month|week)\b|\byesterday\b|\btoday\b/i;

/** All dates and periods in `text`, left to right, non-overlapping. */
export function findDates(text: string, now: Date): DateSpan[] {
  const spans: DateSpan[] = [];
  const taken = (s: number, e: number) => spans.some((x) => s < x.end && e > x.start);
  // Month-level expressions first (chrono), with the preposition before them.
  if (MONTHY.test(text)) {
    const named = /\b((?:19|20)\d{2})\b/.exec(text)?.[1];
    for (const r of chrono.parse(text, named ? new Date(Date.UTC(Number(named), 11, 31, 12)) : now, { forwardDate: false })) {
      const known = (r.start as unknown as { knownValues?: Record<string, number> }).knownValues ?? {};
      const s = r.index;
      const e = r.index + r.text.length;
      if (!('month' in known) && !('day' in known) && !/month|week|yesterday|today/i.test(r.text)) continue;
      // A month without its year takes the year named elsewhere ("between March and May 2021").
      const fix = (d: Date) => (!('year' in known) && named ? new Date(Date.UTC(Number(named), d.getMonth(), d.getDate())) : d);
      const start = fix(r.start.date());
      let from: string;
      let to: string;
      if ('day' in known || /yesterday|today/i.test(r.text)) {
        from = iso(start);
        to = r.end ? iso(r.end.date()) : from;
      } else {
        const y = start.getUTCFullYear();
        const mo = start.getUTCMonth();
        from = iso(new Date(Date.UTC(y, mo, 1)));
        to = iso(new Date(Date.UTC(y, mo + 1, 0)));
        if (r.end) to = iso(new Date(Date.UTC(fix(r.end.date()).getFullYear(), r.end.date().getMonth() + 1, 0)));
      }
      const before = text.slice(0, s);
      const prep = /\b(since|after|from|before|until|prior to|older than)\s+$/i.exec(before);
      const span: DateSpan = { start: prep ? prep.index : s, end: e, text: '' };
      if (!prep || /^from$/i.test(prep[1]!)) Object.assign(span, { from, to });
      else if (/^(since|after)/i.test(prep[1]!)) span.from = /^after/i.test(prep[1]!) ? to : from;
      else span.to = /^until/i.test(prep[1]!) ? to : iso(new Date(Date.parse(from) - 86_400_000));
      span.text = text.slice(span.start, span.end);
      if (!taken(span.start, span.end)) spans.push(span);
    }
  }
  // "between September and December 2019", "from May to July 2023": one range.
  spans.sort((a, b) => a.start - b.start);
  for (let i = 0; i + 1 < spans.length; i++) {
    const a = spans[i]!;
    const b = spans[i + 1]!;
    if (!/^\s*(?:and|to|until|till|through|-|–)\s*$/i.test(text.slice(a.end, b.start))) continue;
    const lead = /\b(between|from)\s+$/i.exec(text.slice(0, a.start));
    const merged: DateSpan = { start: lead ? lead.index : a.start, end: b.end, text: '', ...(a.from ? { from: a.from } : {}), ...(b.to ? { to: b.to } : {}) };
    merged.text = text.slice(merged.start, merged.end);
    spans.splice(i, 2, merged);
  }
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      if (taken(m.index, m.index + m[0].length)) continue;
      // "2048 TPU cores" is not a year: years run from 1950 to next year.
      const years = [...m[0].matchAll(/(?<!\d)((?:19|20)\d{2})(?!\d)/g)].map((x) => Number(x[1]));
      if (years.some((y) => y < 1950 || y > now.getUTCFullYear() + 1)) continue;
      const v = rule.make(m, now);
      if (!v) continue;
      spans.push({ start: m.index, end: m.index + m[0].length, text: m[0], ...v });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Two periods as one (both must hold): the later start, the earlier end. */
export function intersect(a: { from?: string | undefined; to?: string | undefined }, b: { from?: string | undefined; to?: string | undefined }): { from?: string; to?: string } {
  const from = [a.from, b.from].filter((x): x is string => !!x).sort().pop();
  const to = [a.to, b.to].filter((x): x is string => !!x).sort()[0];
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** Does a paper's date (YYYY or YYYY-MM-DD) fall in the period? A bare year counts by its whole year overlapping. */
export function inPeriod(date: string | null, period: { from?: string | undefined; to?: string | undefined }): boolean {
  if (!period.from && !period.to) return true;
  if (!date) return false;
  const lo = date.length === 4 ? `${date}-01-01` : date;
  const hi = date.length === 4 ? `${date}-12-31` : date;
  if (date.length === 4) {
    // A year-only date: inside when the year lies wholly inside, or the period is at year granularity.
    if (period.from && hi < period.from) return false;
    if (period.to && lo > period.to) return false;
    if (period.from && lo < period.from && !period.from.endsWith('-01-01')) return false;
    if (period.to && hi > period.to && !period.to.endsWith('-12-31')) return false;
    return true;
  }
  return (!period.from || lo >= period.from) && (!period.to || hi <= period.to);
}
