/**
 * Optional arXiv source: fetches the newest papers of some categories from the arXiv API (Atom) and
 * turns them into `RawPaper` records. Polite (one call at a time per host, the next ≥ 3 s after the previous one
 * finished), bounded (timeout per attempt via AbortSignal), resilient (exponential backoff on
 * 5xx and network errors, `Retry-After` on 429). It never throws: a failing feed returns no records
 * and an issue, and logs.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Logger } from 'pino';
import { arxivCategoryCode } from '../corpus/categories.ts';
import { RawPaperSchema } from '../corpus/schema.ts';
import type { LoadIssue, ParseResult, RawPaper } from '../corpus/schema.ts';

export const ARXIV_API_URL = 'https://export.arxiv.org/api/query';

/**
 * Serialises and spaces calls per host: one call at a time, and the next one starts at least
 * `minIntervalMs` after the previous one FINISHED (so network latency never squeezes the gap the
 * server sees). Share one between callers that hit the same host.
 */
export interface RateLimiter {
  /**
   * Resolves when a call to `host` may start; call the returned `release` when the call is over
   * (response read or failed). Releasing twice is harmless.
   */
  acquire(host: string, minIntervalMs: number): Promise<() => void>;
}

export function createRateLimiter(opts: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  /** When the last call to a host finished (or started, while it runs). */
  const last = new Map<string, number>();
  /** Settles when the previous holder of a host released it. */
  const queues = new Map<string, Promise<void>>();
  return {
    acquire(host: string, minIntervalMs: number): Promise<() => void> {
      const prev = queues.get(host) ?? Promise.resolve();
      let release!: () => void;
      const done = new Promise<void>((resolve) => {
        release = () => {
          last.set(host, now());
          resolve();
        };
      });
      let released = false;
      const once = (): void => {
        if (released) return;
        released = true;
        release();
      };
      queues.set(host, prev.then(() => done));
      return prev.then(async () => {
        const previous = last.get(host);
        if (previous !== undefined) {
          const wait = previous + minIntervalMs - now();
          if (wait > 0) await sleep(wait);
        }
        last.set(host, now());
        return once;
      });
    },
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The process-wide limiter used when none is given. */
const sharedLimiter = createRateLimiter();

export interface FetchArxivOptions {
  /** arXiv categories, e.g. `['cs.CL', 'cs.LG']` (one query, OR-ed: cross-lists come once). */
  categories: readonly string[];
  logger: Logger;
  /** API endpoint. Default `https://export.arxiv.org/api/query`. */
  baseUrl?: string;
  /** Entries to ask for (1..2000). Default 100. */
  maxResults?: number;
  /** Timeout of one attempt, headers and body (ms). Default 20 000. */
  timeoutMs?: number;
  /** Further attempts after the first on 5xx, 429, timeouts and network errors. Default 3. */
  retries?: number;
  /** First backoff delay; doubles per attempt (ms). Default 2 000. */
  backoffMs?: number;
  /** Longest `Retry-After` honoured (ms); longer ones give up. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Minimum time between two calls to the same host (ms); arXiv asks for ≥ 3 s. Default 3 000. */
  minIntervalMs?: number;
  /** Injectable `fetch` (default: the global one). */
  fetch?: typeof globalThis.fetch;
  /** Per-host spacing; default: one limiter shared by the whole process. */
  rateLimiter?: RateLimiter;
  /** Sleep used for backoff (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Clock (ms since epoch) for `Retry-After` dates. */
  now?: () => number;
  /** Aborts everything (e.g. on shutdown). */
  signal?: AbortSignal;
  userAgent?: string;
}

/** arXiv category → our short code (cs.CL → CL, eess.AS → AS, stat.ML → ML); defined with the category names (corpus/categories.ts). */
export { arxivCategoryCode };

/** The query URL for the newest submissions in `categories`. */
export function arxivQueryUrl(opts: { baseUrl?: string; categories: readonly string[]; maxResults?: number; start?: number }): string {
  const url = new URL(opts.baseUrl ?? ARXIV_API_URL);
  const query = opts.categories.map((c) => `cat:${c}`).join(' OR ');
  url.searchParams.set('search_query', query);
  url.searchParams.set('sortBy', 'submittedDate');
  url.searchParams.set('sortOrder', 'descending');
  url.searchParams.set('start', String(opts.start ?? 0));
  url.searchParams.set('max_results', String(Math.min(2000, Math.max(1, Math.floor(opts.maxResults ?? 100)))));
  return url.toString();
}

const ws = (s: string): string => s.replace(/\s+/g, ' ').trim();

function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && '#text' in v) return textOf((v as Record<string, unknown>)['#text']);
  return null;
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** `http://arxiv.org/abs/2301.01234v2` → `{ id: '2301.01234', version: 2 }` (old style `hep-th/9901001v1` too). */
export function parseArxivId(raw: string): { id: string; version: number } | null {
  const m = /arxiv\.org\/abs\/(.+?)(?:v(\d+))?$/i.exec(raw.trim());
  if (!m?.[1]) return null;
  return { id: m[1], version: m[2] ? Number(m[2]) : 0 };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'entry' || name === 'author' || name === 'category' || name === 'link',
});

/** Parses an arXiv Atom document into `RawPaper`s (deduplicated by id without version). */
export function parseArxivAtom(xml: string): ParseResult<RawPaper> {
  const issues: LoadIssue[] = [];
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return { records: [], issues: [{ level: 'error', file: 'arxiv', message: `papertalk: arXiv feed is not XML: ${(err as Error).message}` }] };
  }
  const feed = (doc as Record<string, unknown> | null)?.['feed'];
  if (!feed || typeof feed !== 'object') {
    return { records: [], issues: [{ level: 'error', file: 'arxiv', message: 'papertalk: arXiv response is not an Atom feed' }] };
  }
  const byId = new Map<string, { version: number; record: RawPaper }>();
  for (const e of asArray((feed as Record<string, unknown>)['entry'])) {
    const entry = e as Record<string, unknown>;
    const rawId = textOf(entry['id']) ?? '';
    if (rawId.includes('/api/errors')) {
      issues.push({ level: 'error', file: 'arxiv', message: `papertalk: arXiv API error: ${ws(textOf(entry['summary']) ?? rawId)}` });
      continue;
    }
    const id = parseArxivId(rawId);
    if (!id) {
      issues.push({ level: 'warn', file: 'arxiv', message: `papertalk: arXiv entry without a usable id (${rawId || 'none'}) skipped` });
      continue;
    }
    const title = ws(textOf(entry['title']) ?? '');
    const authors = asArray(entry['author'])
      .map((a) => ws(textOf((a as Record<string, unknown>)['name']) ?? ''))
      .filter((n) => n !== '');
    const published = textOf(entry['published']) ?? '';
    const date = /^\d{4}-\d{2}-\d{2}/.test(published) ? published.slice(0, 10) : null;
    const primary = entry['primary_category'] as Record<string, unknown> | undefined;
    const primaryTerm =
      (primary && typeof primary['@_term'] === 'string' ? primary['@_term'] : null) ??
      asArray(entry['category'])
        .map((c) => (c as Record<string, unknown>)['@_term'])
        .find((t): t is string => typeof t === 'string') ??
      null;
    const summary = ws(textOf(entry['summary']) ?? '');
    const candidate = {
      title: title === '' ? null : title,
      authors,
      authorsTruncated: false,
      date,
      category: primaryTerm ? arxivCategoryCode(primaryTerm) : null,
      venue: 'arXiv',
      orgs: [],
      hasCode: false,
      abstract: summary === '' ? null : summary,
      source: `arxiv:${id.id}`,
      line: 1,
      pageOwner: null,
    };
    const parsed = RawPaperSchema.safeParse(candidate);
    if (!parsed.success) {
      issues.push({
        level: 'warn',
        file: `arxiv:${id.id}`,
        message: `papertalk: arXiv entry ${id.id} skipped: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      });
      continue;
    }
    const seen = byId.get(id.id);
    if (!seen || id.version > seen.version) byId.set(id.id, { version: id.version, record: parsed.data });
  }
  return { records: [...byId.values()].map((v) => v.record), issues };
}

function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: number | null,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Fetches and parses the newest arXiv papers of `categories`. Never throws: failures come back as
 * `{ records: [], issues: [...] }` and are logged.
 */
export async function fetchArxiv(options: FetchArxivOptions): Promise<ParseResult<RawPaper>> {
  const log = options.logger.child({ component: 'arxiv' });
  const doFetch = options.fetch ?? globalThis.fetch;
  const limiter = options.rateLimiter ?? sharedLimiter;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const retries = Math.max(0, options.retries ?? 3);
  const backoffMs = options.backoffMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const minIntervalMs = options.minIntervalMs ?? 3000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const fail = (message: string): ParseResult<RawPaper> => {
    log.error({ categories: options.categories }, message);
    return { records: [], issues: [{ level: 'error', file: 'arxiv', message }] };
  };

  if (options.categories.length === 0) return fail('papertalk: arXiv feed: no categories given');
  let url: string;
  let host: string;
  try {
    url = arxivQueryUrl({
      categories: options.categories,
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.maxResults !== undefined ? { maxResults: options.maxResults } : {}),
    });
    host = new URL(url).host;
  } catch (err) {
    return fail(`papertalk: arXiv feed: bad base URL ${options.baseUrl ?? ''}: ${(err as Error).message}`);
  }

  let lastError = 'no attempt made';
  for (let attempt = 1; attempt <= retries + 1; attempt += 1) {
    if (options.signal?.aborted) return fail('papertalk: arXiv feed: aborted');
    const release = await limiter.acquire(host, minIntervalMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let delay: number | null = null;
    try {
      const res = await doFetch(url, {
        signal,
        headers: {
          accept: 'application/atom+xml, application/xml;q=0.9, */*;q=0.1',
          'user-agent': options.userAgent ?? 'papertalk (research paper bot; polite arXiv API client)',
        },
      });
      if (!res.ok) {
        // Drain so the connection can be reused.
        await res.text().catch(() => '');
        release();
        throw new HttpStatusError(res.status, retryAfterMs(res.headers.get('retry-after'), now()));
      }
      const xml = await res.text();
      release();
      const result = parseArxivAtom(xml);
      log.info(
        { categories: options.categories, records: result.records.length, issues: result.issues.length, attempt },
        'papertalk: arXiv feed fetched',
      );
      for (const issue of result.issues) log.warn({ file: issue.file }, issue.message);
      return result;
    } catch (err) {
      release(); // the call is over: spacing counts from here, and the backoff below does not hold the host
      if (options.signal?.aborted) return fail('papertalk: arXiv feed: aborted');
      if (err instanceof HttpStatusError) {
        lastError = `HTTP ${err.status}`;
        const retryable = err.status >= 500 || err.status === 429 || err.status === 408;
        if (!retryable) return fail(`papertalk: arXiv feed ${url} answered ${lastError}; not retrying`);
        if (err.status === 429 && err.retryAfter !== null) {
          if (err.retryAfter > maxRetryAfterMs) {
            return fail(`papertalk: arXiv feed rate-limited (HTTP 429, Retry-After ${Math.round(err.retryAfter / 1000)} s); giving up for now`);
          }
          delay = err.retryAfter;
        }
      } else if (timeout.aborted) {
        lastError = `timed out after ${timeoutMs} ms`;
      } else {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        lastError = `network error: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
      }
      if (attempt > retries) break;
      delay ??= backoffMs * 2 ** (attempt - 1);
      log.warn({ attempt, of: retries + 1, error: lastError, retryInMs: delay }, 'papertalk: arXiv feed attempt failed; retrying');
      await sleep(delay);
    }
  }
  return fail(`papertalk: arXiv feed ${url} failed after ${retries + 1} attempts: ${lastError}`);
}
