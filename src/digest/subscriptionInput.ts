/**
 * Validation of `/digest subscribe` input (zod). Turns what the user typed into a `NewSubscription`,
 * or throws a `UserError` whose message lists every problem in plain words. Nothing is stored here.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { NewSubscription } from '../store/types.ts';

export const MAX_PAPERS_MIN = 1;
export const MAX_PAPERS_MAX = 25;
export const MAX_PAPERS_DEFAULT = 10;
/** At most this many authors / keywords / exclude keywords / categories per subscription. */
export const MAX_LIST_ITEMS = 20;
/** At most this many characters per author / keyword. */
export const MAX_ITEM_LENGTH = 100;

export interface SubscriptionInputOptions {
  /** Known category codes → readable names (e.g. `CL` → `Computation and Language`). */
  knownCategories: ReadonlyMap<string, string>;
}

/** The raw subscribe input, as the Discord layer (or a test) collects it. */
export interface SubscribeRawInput {
  /** Null/absent for a DM subscription. */
  guildId?: string | null;
  channelId: string;
  /** For a personal (DM) subscription: the user. */
  userId?: string | null;
  createdBy: string;
  time: string;
  timezone: string;
  /** Comma-separated codes or names (`CL, Machine Learning`), or a list. */
  categories?: string | readonly string[] | null;
  /** Comma-separated. */
  authors?: string | readonly string[] | null;
  keywords?: string | readonly string[] | null;
  excludeKeywords?: string | readonly string[] | null;
  /** 1..25, default 10. */
  maxPapers?: number | string | null;
  postEmpty?: boolean | null;
}

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

/** `HH:MM` 24-hour (a one-digit hour like `7:05` is accepted and padded); returns `HH:MM`. */
export function checkTime(input: string): Check<string> {
  const s = input.trim();
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  const hint = 'use 24-hour HH:MM, for example 07:30 or 18:05';
  if (!m) return { ok: false, message: `time "${s}" is not a time: ${hint}` };
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 23) return { ok: false, message: `time "${s}": the hour must be 00 to 23 (${hint})` };
  if (minute > 59) return { ok: false, message: `time "${s}": the minutes must be 00 to 59 (${hint})` };
  return { ok: true, value: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}` };
}

/** An IANA time-zone name Intl knows (`Europe/Berlin`, `UTC`, `Etc/UTC`); returns its canonical spelling. */
export function checkTimezone(input: string): Check<string> {
  const s = input.trim();
  const bad: Check<string> = {
    ok: false,
    message: `timezone "${s}" is not a known IANA time zone: use a name like Europe/Berlin, America/New_York or UTC`,
  };
  if (s === '' || !/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(s)) return bad;
  try {
    const resolved = new Intl.DateTimeFormat(undefined, { timeZone: s }).resolvedOptions().timeZone;
    // Store the canonical spelling (e.g. `europe/berlin` → `Europe/Berlin`).
    return { ok: true, value: resolved || s };
  } catch {
    return bad;
  }
}

/** Splits a comma-separated string (or a list) into trimmed, non-empty, case-insensitively unique items. */
export function splitList(input: string | readonly string[] | null | undefined): string[] {
  if (input === null || input === undefined) return [];
  const parts = typeof input === 'string' ? input.split(',') : input.flatMap((s) => s.split(','));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of parts) {
    const item = raw.replace(/\s+/g, ' ').trim();
    if (item === '') continue;
    const key = item.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

const normName = (s: string): string => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * Categories as codes (`CL`) or names (`Computation and Language`), comma-separated; `cs.CL` is read as `CL`.
 * Names that themselves contain commas ("Distributed, Parallel, and Cluster Computing") are recognised.
 */
export function checkCategories(
  input: string | readonly string[] | null | undefined,
  known: ReadonlyMap<string, string>,
): Check<string[]> {
  if (input === null || input === undefined) return { ok: true, value: [] };
  const byCode = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const [code, name] of known) {
    byCode.set(code.toLowerCase(), code);
    byName.set(normName(name), code);
  }
  const lookup = (item: string): string | undefined => {
    const n = normName(item);
    const direct = byCode.get(n) ?? byName.get(n);
    if (direct) return direct;
    const dotted = /^[a-z\-]+\.([a-z]{2,})$/i.exec(item.trim());
    return dotted?.[1] ? byCode.get(dotted[1].toLowerCase()) : undefined;
  };
  const pieces = (typeof input === 'string' ? [input] : [...input]).flatMap((s) => s.split(','));
  const codes: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < pieces.length; ) {
    const piece = (pieces[i] ?? '').trim();
    if (piece === '') {
      i += 1;
      continue;
    }
    // Longest run of comma-separated pieces that names a category.
    let matched = false;
    for (let j = pieces.length; j > i; j -= 1) {
      const code = lookup(pieces.slice(i, j).join(','));
      if (code) {
        if (!codes.includes(code)) codes.push(code);
        i = j;
        matched = true;
        break;
      }
    }
    if (!matched) {
      unknown.push(piece);
      i += 1;
    }
  }
  if (unknown.length > 0) {
    const examples = [...known.entries()]
      .slice(0, 4)
      .map(([c, n]) => `${c} (${n})`)
      .join(', ');
    return {
      ok: false,
      message:
        `unknown ${unknown.length === 1 ? 'category' : 'categories'} ${unknown.map((u) => `"${u}"`).join(', ')}: ` +
        `use category codes or names, e.g. ${examples}`,
    };
  }
  if (codes.length > MAX_LIST_ITEMS) {
    return { ok: false, message: `too many categories (${codes.length}); at most ${MAX_LIST_ITEMS}` };
  }
  return { ok: true, value: codes };
}

function checkList(label: string, input: string | readonly string[] | null | undefined): Check<string[]> {
  const items = splitList(input);
  if (items.length > MAX_LIST_ITEMS) {
    return { ok: false, message: `too many ${label} (${items.length}); at most ${MAX_LIST_ITEMS}, comma-separated` };
  }
  const long = items.find((i) => i.length > MAX_ITEM_LENGTH);
  if (long !== undefined) {
    return { ok: false, message: `${label}: "${long.slice(0, 30)}…" is longer than ${MAX_ITEM_LENGTH} characters` };
  }
  return { ok: true, value: items };
}

export function checkMaxPapers(input: number | string | null | undefined): Check<number> {
  if (input === null || input === undefined || (typeof input === 'string' && input.trim() === '')) {
    return { ok: true, value: MAX_PAPERS_DEFAULT };
  }
  const n = typeof input === 'number' ? input : Number(input.trim());
  if (!Number.isInteger(n) || n < MAX_PAPERS_MIN || n > MAX_PAPERS_MAX) {
    return {
      ok: false,
      message: `max papers must be a whole number from ${MAX_PAPERS_MIN} to ${MAX_PAPERS_MAX} (got ${String(input)})`,
    };
  }
  return { ok: true, value: n };
}

const listInput = z.union([z.string(), z.array(z.string())]).nullish();

function checked<T>(fn: (v: never) => Check<T>) {
  return (value: unknown, ctx: z.RefinementCtx): T => {
    const r = fn(value as never);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r.value;
  };
}

/** The zod schema: raw input → `NewSubscription`. Issue messages are written for end users. */
export function subscriptionInputSchema(opts: SubscriptionInputOptions) {
  const id = (label: string) =>
    z.string({ error: `${label} is missing` }).trim().min(1, `${label} is missing`).max(32, `${label} is not an id`);
  return z
    .object({
      guildId: z.string().trim().min(1).nullish(),
      channelId: id('channel'),
      userId: z.string().trim().min(1).nullish(),
      createdBy: id('user'),
      time: z.string({ error: 'time is required (24-hour HH:MM, e.g. 07:30)' }).transform(checked(checkTime)),
      timezone: z
        .string({ error: 'timezone is required (an IANA name like Europe/Berlin, or UTC)' })
        .transform(checked(checkTimezone)),
      categories: listInput.transform(checked((v: string | string[] | null | undefined) => checkCategories(v, opts.knownCategories))),
      authors: listInput.transform(checked((v: string | string[] | null | undefined) => checkList('authors', v))),
      keywords: listInput.transform(checked((v: string | string[] | null | undefined) => checkList('keywords', v))),
      excludeKeywords: listInput.transform(
        checked((v: string | string[] | null | undefined) => checkList('exclude keywords', v)),
      ),
      maxPapers: z
        .union([z.number(), z.string()], { error: 'max papers must be a number' })
        .nullish()
        .transform(checked(checkMaxPapers)),
      postEmpty: z.boolean({ error: 'post empty must be true or false' }).nullish(),
    })
    .transform(
      (v): NewSubscription => ({
        guildId: v.guildId ?? null,
        channelId: v.channelId,
        userId: v.userId ?? null,
        createdBy: v.createdBy,
        time: v.time,
        timezone: v.timezone,
        categories: v.categories,
        authors: v.authors,
        keywords: v.keywords,
        excludeKeywords: v.excludeKeywords,
        maxPapers: v.maxPapers,
        postEmpty: v.postEmpty ?? false,
      }),
    );
}

/**
 * Validates subscribe input. Throws `UserError` (message lists every problem, e.g.
 * `time "7:5" is not a time: use 24-hour HH:MM, for example 07:30 or 18:05`).
 */
export function parseSubscriptionInput(raw: unknown, opts: SubscriptionInputOptions): NewSubscription {
  const result = subscriptionInputSchema(opts).safeParse(raw);
  if (result.success) return result.data;
  const messages = [...new Set(result.error.issues.map((i) => i.message))];
  const text =
    messages.length === 1
      ? `Could not create the digest: ${messages[0]}.`
      : `Could not create the digest:\n${messages.map((m) => `• ${m}`).join('\n')}`;
  throw new UserError('digest.invalid-input', text);
}
