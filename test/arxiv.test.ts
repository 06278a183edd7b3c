import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { arxivCategoryCode, createRateLimiter, fetchArxiv, parseArxivAtom, parseArxivId } from '../src/feeds/arxiv.ts';
import type { FetchArxivOptions } from '../src/feeds/arxiv.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = fs.readFileSync(path.join(here, 'fixtures/arxiv/cs-cl-lg.atom.xml'), 'utf8');

interface Hit {
  at: number;
  url: URL;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

const servers: http.Server[] = [];

async function serve(handler: Handler): Promise<{ baseUrl: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    hits.push({ at: Date.now(), url: new URL(req.url ?? '/', 'http://127.0.0.1') });
    handler(req, res, hits.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/api/query`, hits };
}

const atom = (res: http.ServerResponse, body = FIXTURE): void => {
  res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
  res.end(body);
};

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function capture(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), lines };
}

function opts(baseUrl: string, extra: Partial<FetchArxivOptions> = {}): FetchArxivOptions {
  return {
    categories: ['cs.CL', 'cs.LG'],
    baseUrl,
    maxResults: 6,
    timeoutMs: 2000,
    retries: 2,
    backoffMs: 20,
    minIntervalMs: 0,
    rateLimiter: createRateLimiter(),
    logger: pino({ level: 'silent' }),
    ...extra,
  };
}

describe('parseArxivAtom', () => {
  it('maps entries to RawPaper records', () => {
    const { records, issues } = parseArxivAtom(FIXTURE);
    expect(issues).toEqual([]);
    expect(records[0]).toEqual({
      title: 'Discrete Speech Tokenizers at Scale: What Survives Quantization?',
      authors: ['Nan Du', 'José Ñúñez-García', 'Mei Lin'],
      authorsTruncated: false,
      date: '2025-11-21',
      category: 'CL',
      venue: 'arXiv',
      orgs: [],
      hasCode: false,
      abstract:
        'We study discrete speech tokenizers trained on 1M hours of audio and ask which properties of the signal survive quantization. Code and models are released.',
      source: 'arxiv:2511.17432',
      line: 1,
      pageOwner: null,
    });
    expect(records.map((r) => [r.source, r.category])).toEqual([
      ['arxiv:2511.17432', 'CL'],
      ['arxiv:2511.17301', 'LG'],
      ['arxiv:2511.16988', 'AS'],
      ['arxiv:2511.16543', 'ML'],
      ['arxiv:2511.15002', 'quant-ph'],
    ]);
    expect(records[1]?.title).toBe('Sharpness-Aware Training for Mixture-of-Experts & Dense Models');
  });

  it('lists a cross-listed / re-versioned paper once (the latest version)', () => {
    const { records } = parseArxivAtom(FIXTURE);
    const dupes = records.filter((r) => r.source === 'arxiv:2511.16543');
    expect(dupes).toHaveLength(1);
    expect(dupes[0]?.title).toBe('Generalisation Bounds for In-Context Learning');
    expect(dupes[0]?.authors).toEqual(['Emmy Noether', 'Kurt Gödel']);
  });

  it('category codes and ids', () => {
    expect(['cs.CL', 'cs.LG', 'cs.CV', 'eess.AS', 'stat.ML', 'math.OC', 'eess.SP'].map(arxivCategoryCode)).toEqual([
      'CL',
      'LG',
      'CV',
      'AS',
      'ML',
      'math.OC',
      'eess.SP',
    ]);
    expect(parseArxivId('http://arxiv.org/abs/2301.01234v2')).toEqual({ id: '2301.01234', version: 2 });
    expect(parseArxivId('http://arxiv.org/abs/hep-th/9901001v1')).toEqual({ id: 'hep-th/9901001', version: 1 });
    expect(parseArxivId('urn:nothing')).toBeNull();
  });

  it('an API error entry or a non-feed becomes an issue', () => {
    const err = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title>
      <summary>incorrect id format for 1234</summary></entry></feed>`;
    expect(parseArxivAtom(err)).toEqual({
      records: [],
      issues: [{ level: 'error', file: 'arxiv', message: 'papertalk: arXiv API error: incorrect id format for 1234' }],
    });
    expect(parseArxivAtom('<html><body>Service Unavailable</body></html>').issues[0]?.message).toMatch(/not an Atom feed/);
  });
});

describe('fetchArxiv (real local HTTP server)', () => {
  it('fetches and parses the feed with one OR-ed query', async () => {
    const { baseUrl, hits } = await serve((_req, res) => atom(res));
    const { records, issues } = await fetchArxiv(opts(baseUrl));
    expect(issues).toEqual([]);
    expect(records).toHaveLength(5);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.url.pathname).toBe('/api/query');
    expect(hits[0]?.url.searchParams.get('search_query')).toBe('cat:cs.CL OR cat:cs.LG');
    expect(hits[0]?.url.searchParams.get('max_results')).toBe('6');
    expect(hits[0]?.url.searchParams.get('sortBy')).toBe('submittedDate');
  });

  it('500 then 200: retries with backoff and succeeds', async () => {
    const { baseUrl, hits } = await serve((_req, res, n) => {
      if (n === 1) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      } else atom(res);
    });
    const { logger, lines } = capture();
    const sleeps: number[] = [];
    const result = await fetchArxiv(
      opts(baseUrl, { logger, sleep: async (ms) => void sleeps.push(ms), backoffMs: 500 }),
    );
    expect(result.records).toHaveLength(5);
    expect(result.issues).toEqual([]);
    expect(hits).toHaveLength(2);
    expect(sleeps).toEqual([500]);
    expect(lines.some((l) => l.level === 40 && /attempt failed; retrying/.test(l.msg))).toBe(true);
  });

  it('a server that never answers: each attempt times out; returns an issue, never throws', async () => {
    const { baseUrl, hits } = await serve(() => {
      /* never respond */
    });
    const { logger, lines } = capture();
    const t0 = Date.now();
    const result = await fetchArxiv(opts(baseUrl, { logger, timeoutMs: 150, retries: 1, backoffMs: 10 }));
    const elapsed = Date.now() - t0;
    expect(result.records).toEqual([]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.message).toMatch(/^papertalk: arXiv feed .* failed after 2 attempts: timed out after 150 ms$/);
    expect(hits).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    expect(lines.some((l) => l.level === 50 && /failed after 2 attempts/.test(l.msg))).toBe(true);
  });

  it('a body that stalls mid-way also times out', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/atom+xml' });
      res.write(FIXTURE.slice(0, 200)); // …and never finish
    });
    const result = await fetchArxiv(opts(baseUrl, { timeoutMs: 150, retries: 0 }));
    expect(result.records).toEqual([]);
    expect(result.issues[0]?.message).toMatch(/timed out after 150 ms/);
  });

  it('429 honours Retry-After', async () => {
    const { baseUrl, hits } = await serve((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '7' });
        res.end();
      } else atom(res);
    });
    const sleeps: number[] = [];
    const result = await fetchArxiv(opts(baseUrl, { sleep: async (ms) => void sleeps.push(ms) }));
    expect(result.records).toHaveLength(5);
    expect(hits).toHaveLength(2);
    expect(sleeps).toEqual([7000]);
    // A Retry-After beyond the limit gives up instead of waiting.
    const long = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end();
    });
    const r2 = await fetchArxiv(opts(long.baseUrl, { sleep: async () => undefined }));
    expect(r2.records).toEqual([]);
    expect(r2.issues[0]?.message).toMatch(/rate-limited \(HTTP 429, Retry-After 3600 s\)/);
    expect(long.hits).toHaveLength(1);
  });

  it('a 4xx is not retried; a refused connection is retried then reported', async () => {
    const { baseUrl, hits } = await serve((_req, res) => {
      res.writeHead(400);
      res.end('bad query');
    });
    const r1 = await fetchArxiv(opts(baseUrl));
    expect(hits).toHaveLength(1);
    expect(r1.issues[0]?.message).toMatch(/answered HTTP 400; not retrying/);

    const closed = await serve(() => undefined);
    const url = closed.baseUrl;
    const s = servers.pop();
    await new Promise((resolve) => s?.close(resolve));
    const r2 = await fetchArxiv(opts(url, { retries: 1 }));
    expect(r2.records).toEqual([]);
    expect(r2.issues[0]?.message).toMatch(/failed after 2 attempts: network error: ECONNREFUSED/);
  });

  it('keeps ≥ minIntervalMs between calls to the same host, also for concurrent callers', async () => {
    const { baseUrl, hits } = await serve((_req, res) => atom(res));
    const limiter = createRateLimiter();
    await Promise.all([
      fetchArxiv(opts(baseUrl, { rateLimiter: limiter, minIntervalMs: 250 })),
      fetchArxiv(opts(baseUrl, { rateLimiter: limiter, minIntervalMs: 250 })),
    ]);
    await fetchArxiv(opts(baseUrl, { rateLimiter: limiter, minIntervalMs: 250 }));
    expect(hits).toHaveLength(3);
    const gaps = hits.slice(1).map((h, i) => h.at - (hits[i]?.at ?? 0));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(240);
  });

  it('never throws, even when fetch itself throws or the base URL is bad', async () => {
    const throwing = (() => {
      throw new TypeError('fetch exploded');
    }) as unknown as typeof fetch;
    const r1 = await fetchArxiv(opts('http://127.0.0.1:9/api', { fetch: throwing, retries: 0 }));
    expect(r1.issues[0]?.message).toMatch(/network error: fetch exploded/);
    const r2 = await fetchArxiv(opts('not a url'));
    expect(r2.issues[0]?.message).toMatch(/bad base URL/);
    const r3 = await fetchArxiv(opts('http://127.0.0.1:9/api', { categories: [] }));
    expect(r3.issues[0]?.message).toMatch(/no categories/);
  });
});
