/**
 * Charts: the platform-free numbers (src/search/charts.ts) and the drawing (src/discord/charts.ts):
 * SVG with escaped text, PNG rendered with the bundled font only — decoded here with node:zlib
 * (size, non-blank pixels, the bar colours) — cached per library, and a chart that cannot be
 * drawn leaves the text answer as it was.
 */
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Author, Corpus, Paper } from '../src/corpus/schema.ts';
import { authorChart, authorSvg, categoryChart, CHART_SIZES, escapeXml, fitLabel, renderPng, topicChart, withChart, type ChartImage } from '../src/discord/charts.ts';
import { attachImage, finish, renderAuthorCard } from '../src/discord/render.ts';
import type { Reply } from '../src/discord/types.ts';
import { createLogger } from '../src/logger.ts';
import { authorChartData, perCategory, perYear, topCoauthors, topicChartData } from '../src/search/charts.ts';
import { Library } from '../src/search/library.ts';
import { realLibrary } from './helpers/corpus.ts';
import { colourCounts, decodePng, pixelAt, type DecodedPng } from './helpers/png.ts';

const HOSTILE = `<script>alert("x")</script> & 'quotes' \u0000\u0007 ]]> <!-- --> \uD800`;

function paper(over: Partial<Paper> & { id: string }): Paper {
  return {
    title: `Paper ${over.id}`,
    aliases: [],
    authors: [],
    date: '2023-05-01',
    category: 'CL',
    venue: null,
    orgs: [],
    hasCode: false,
    abstract: 'We study things.',
    sources: ['000_test.txt'],
    categoryName: 'Computation and Language',
    authorsTruncated: false,
    authorIds: [],
    year: 2023,
    ...over,
  };
}

function person(id: string, name: string, paperIds: string[]): Author {
  return { id, name, paperIds, variants: [name], disambiguation: null, profile: null };
}

/** A hostile-named author over 40 years with 12 co-authors, a loner, a paper without year or category. */
function fixtureCorpus(): Corpus {
  const papers: Paper[] = [];
  const coIds = Array.from({ length: 12 }, (_, i) => `a-co-${i}`);
  for (let i = 0; i < 60; i++) {
    const co = coIds.slice(0, 1 + (i % 12));
    papers.push(paper({ id: `p${i}`, authors: [HOSTILE, ...co], authorIds: ['a-hostile', ...co], year: 1985 + (i % 40), date: `${1985 + (i % 40)}-01-01`, category: ['CL', 'LG', 'CV'][i % 3]! }));
  }
  papers.push(paper({ id: 'undated', authors: ['Lone Wolf'], authorIds: ['a-lone'], year: null, date: null, category: null }));
  const authors = [
    person('a-hostile', HOSTILE, papers.filter((p) => p.authorIds.includes('a-hostile')).map((p) => p.id)),
    person('a-lone', 'Lone Wolf', ['undated']),
    ...coIds.map((id, i) => person(id, `Co Author ${i} ${'Longname'.repeat(i % 4)}`, papers.filter((p) => p.authorIds.includes(id)).map((p) => p.id))),
  ];
  return { papers, posts: [], authors };
}

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: () => { level: number; msg: string }[] } {
  const out: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, cb) => void (out.push(String(chunk)), cb()) }) });
  return { logger, lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

/** Fraction of pixels that are not the background (opaque white). */
function inkedFraction(img: DecodedPng): number {
  let inked = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (pixelAt(img, x, y).join(',') !== '255,255,255,255') inked++;
  return inked / (img.width * img.height);
}

/** Pixels close to a colour (anti-aliased edges aside, bars are drawn in exactly these). */
function pixelsOf(img: DecodedPng, hex: string): number {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let k = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = pixelAt(img, x, y);
      if (p[3] === 255 && Math.abs(p[0] - want[0]!) <= 2 && Math.abs(p[1] - want[1]!) <= 2 && Math.abs(p[2] - want[2]!) <= 2) k++;
    }
  }
  return k;
}

function expectDrawn(chart: ChartImage | null, size: { width: number; height: number }): DecodedPng {
  expect(chart).not.toBeNull();
  const img = decodePng(chart!.png);
  expect({ width: img.width, height: img.height }).toEqual(size);
  expect({ width: chart!.width, height: chart!.height }).toEqual(size);
  expect(img.bitDepth).toBe(8);
  // Not blank, not one colour: a background, bars, anti-aliased text.
  expect(colourCounts(img).size).toBeGreaterThan(20);
  const inked = inkedFraction(img);
  expect(inked).toBeGreaterThan(0.02);
  expect(inked).toBeLessThan(0.6);
  return img;
}

const lib = Library.build(fixtureCorpus());

describe('chart data (platform-free)', () => {
  it('papers per year: first to last year, gaps as zeros, undated papers left out', () => {
    expect(perYear([{ year: 2019 }, { year: 2021 }, { year: 2021 }, { year: null }])).toEqual({ from: 2019, to: 2021, counts: [1, 0, 2] });
    expect(perYear([{ year: null }])).toBeNull();
    expect(perYear([])).toBeNull();
  });

  it('top co-authors, most shared papers first, as the corpus names them', () => {
    const top = topCoauthors(lib, 'a-hostile', 3);
    expect(top.map((b) => b.label)).toEqual(['Co Author 0 ', 'Co Author 1 Longname', 'Co Author 2 LongnameLongname']);
    expect(top.map((b) => b.value)).toEqual([60, 55, 50]);
    expect(topCoauthors(lib, 'a-lone')).toEqual([]);
  });

  it('papers per category: most first, the rest summed into "other", papers without a category counted', () => {
    expect(perCategory(lib)).toEqual([
      { label: 'CL · Computation and Language', value: 20 },
      { label: 'CV · Computer Vision and Pattern Recognition', value: 20 },
      { label: 'LG · Machine Learning', value: 20 },
      { label: 'no category', value: 1 },
    ]);
    expect(perCategory(lib, 2)).toEqual([{ label: 'CL · Computation and Language', value: 20 }, { label: 'other (3 categories)', value: 41 }]);
  });

  it('an author with nothing to draw has no chart data; a topic marks the year asked about', () => {
    expect(authorChartData(lib, 'a-lone')).toBeNull();
    expect(authorChartData(lib, 'nobody')).toBeNull();
    const data = authorChartData(lib, 'a-hostile')!;
    expect(data.years).toMatchObject({ from: 1985, to: 2024 });
    expect(data.coauthors).toHaveLength(8);
    expect(topicChartData([{ year: 2020 }, { year: 2022 }], 2021)).toEqual({ years: { from: 2020, to: 2022, counts: [1, 0, 1] }, highlight: 2021 });
    expect(topicChartData([{ year: 2020 }], 1999)!.highlight).toBeNull();
    expect(topicChartData([{ year: null }])).toBeNull();
  });
});

describe('SVG', () => {
  it('escapes markup and drops characters XML does not allow', () => {
    expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&apos;');
    expect(escapeXml('x\u0000\u0007y\uD800z\uD83D\uDE00')).toBe('xyz\uD83D\uDE00');
    const svg = authorSvg(authorChartData(lib, 'a-hostile')!);
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('\u0000');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos;');
  });

  it('fits labels with an ellipsis', () => {
    expect(fitLabel('short', 200, 15)).toBe('short');
    const cut = fitLabel('a rather long co-author name that will not fit', 100, 15);
    expect(cut.endsWith('…')).toBe(true);
    expect([...cut].length).toBeLessThanOrEqual(Math.floor(100 / (15 * 0.6)));
  });
});

describe('PNG rendering with the bundled font', () => {
  it('draws text with DejaVu Sans from node_modules (system fonts never loaded)', async () => {
    const size = { width: 200, height: 60 };
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="40" font-family="DejaVu Sans" font-size="30" fill="#000">Hello</text></svg>`;
    const img = decodePng(await renderPng(svg, size));
    expect({ width: img.width, height: img.height }).toEqual(size);
    // Only text is drawn: dark pixels mean a font was found.
    let dark = 0;
    for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (pixelAt(img, x, y)[0] < 100) dark++;
    expect(dark).toBeGreaterThan(100);
  });

  it('/author: papers per year and top co-authors, 800×620, with blurple and green bars', async () => {
    const chart = await authorChart(lib.authors.get('a-hostile')!, lib);
    const img = expectDrawn(chart, CHART_SIZES.author);
    expect(chart!.name).toBe('author-chart.png');
    expect(chart!.description).toMatch(/^Bar chart: papers per year \(1985–2024\) and top co-authors of /);
    expect(pixelsOf(img, '#5865f2')).toBeGreaterThan(1000);
    expect(pixelsOf(img, '#3ba55c')).toBeGreaterThan(1000);
    expect(await authorChart(lib.authors.get('a-lone')!, lib)).toBeNull();
  });

  it('/topic: papers per year of a category, the filtered year in pink; a posts-only list has none', async () => {
    const real = (await realLibrary()).lib;
    const chart = await topicChart({ mode: 'topic', q: 'Computation and Language', kind: 'all', year: 2023 }, real);
    const img = expectDrawn(chart, CHART_SIZES.topic);
    expect(chart!.description).toMatch(/^Bar chart: papers per year on CL · Computation and Language \(\d{4}–\d{4}\)$/);
    expect(pixelsOf(img, '#eb459e')).toBeGreaterThan(200);
    expect(pixelsOf(img, '#5865f2')).toBeGreaterThan(200);
    expectDrawn(await topicChart({ mode: 'topic', q: 'speech recognition', kind: 'papers' }, real), CHART_SIZES.topic);
    expect(await topicChart({ mode: 'topic', q: 'CL', kind: 'posts' }, real)).toBeNull();
    expect(await topicChart({ mode: 'topic', q: 'zzqqxx nothing at all', kind: 'all' }, real)).toBeNull();
  });

  it('/about: papers per category of the real corpus, 800×480', async () => {
    const real = (await realLibrary()).lib;
    const img = expectDrawn(await categoryChart(real), CHART_SIZES.categories);
    expect(pixelsOf(img, '#5865f2')).toBeGreaterThan(1000);
  });
});

describe('cache and failures', () => {
  let real: Library;
  beforeAll(async () => {
    real = (await realLibrary()).lib;
  });

  it('a chart is drawn once per library; a reloaded library draws its own', async () => {
    const zhou = real.authors.get('a-yanqi-zhou')!;
    const first = authorChart(zhou, real);
    expect(authorChart(zhou, real)).toBe(first); // concurrent requests share one drawing
    const a = await first;
    expect(await authorChart(zhou, real)).toBe(a);
    const reloaded = Library.build(real.corpus);
    const b = await authorChart(reloaded.authors.get('a-yanqi-zhou')!, reloaded);
    expect(b).not.toBe(a);
    expect(b!.png.equals(a!.png)).toBe(true); // same corpus, same picture
    expect(await categoryChart(real)).toBe(await categoryChart(real));
  });

  it('withChart: the chart as the embed image and an attached file', async () => {
    const { logger } = captureLogger();
    const zhou = real.authors.get('a-yanqi-zhou')!;
    const card = renderAuthorCard(zhou, real);
    const r = await withChart(card, () => authorChart(zhou, real), logger);
    expect(r.embeds![0]!.image).toEqual({ url: 'attachment://author-chart.png' });
    expect(r.files).toHaveLength(1);
    expect(r.files![0]!.name).toBe('author-chart.png');
    expect(r.files![0]!.description).toBe('Bar chart: papers per year (2017–2025) and top co-authors of Yanqi Zhou');
    expect(decodePng(r.files![0]!.attachment)).toMatchObject(CHART_SIZES.author);
    // The text is untouched.
    expect({ ...r.embeds![0]!, image: undefined }).toEqual({ ...card.embeds![0]!, image: undefined });
    expect(r.components).toEqual(card.components);
    expect(card.embeds![0]!.image).toBeUndefined();
  });

  it('a chart that cannot be drawn leaves the text answer as it was, and is logged', async () => {
    const { logger, lines } = captureLogger();
    const card = renderAuthorCard(real.authors.get('a-yanqi-zhou')!, real);
    expect(await withChart(card, () => Promise.reject(new Error('resvg exploded')), logger)).toBe(card);
    expect(
      await withChart(
        card,
        () => {
          throw new Error('bad data');
        },
        logger,
      ),
    ).toBe(card);
    expect(await withChart(card, () => Promise.resolve(null), logger)).toBe(card);
    expect(await withChart(card, () => new Promise<null>(() => {}), logger, 20)).toBe(card);
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [40, 'could not draw the chart; answered without it'],
      [40, 'could not draw the chart; answered without it'],
      [40, 'chart not ready in time; answered without it'],
    ]);
    // Invalid SVG: resvg refuses it, the error reaches withChart.
    await expect(renderPng('<svg', CHART_SIZES.topic)).rejects.toThrow();
  });

  it('a reply without an embed gets no attachment; an attached file keeps Discord limits', () => {
    const file = { name: 'x.png', attachment: Buffer.from('x') };
    const plain: Reply = { content: 'hi' };
    expect(attachImage(plain, file)).toBe(plain);
    const r = attachImage(finish({ embeds: [{ title: 't' }] }), { ...file, description: 'd'.repeat(5000) });
    expect(r.files![0]!.description!.length).toBe(1024);
    expect(attachImage(r, file).files).toHaveLength(1); // the same name replaces, never duplicates
  });
});
