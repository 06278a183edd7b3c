/**
 * A library sent between threads in small parts. The corpus worker (src/corpusWorker.ts) builds a
 * `Library` and cuts it into parts (`libraryParts`): records in runs, the lookups, each index
 * dump in runs of documents and terms, the acronyms, and any extra data other layers derive from
 * the library (the understanding layer's dictionaries); an index kept as a segment (`segment.ts`)
 * goes as its bytes in runs instead of a dump, and is made into views once complete. The main
 * thread feeds them one at a time to a `LibraryAssembler`, yielding to its event loop between
 * parts, so that receiving a library of any size never holds the thread for long: each part costs
 * about the same (a few ms).
 *
 * Structured cloning keeps every record exactly as built (property order included), so the
 * assembled corpus serialises byte-identically to the worker's.
 */
import type { Author, Corpus, Paper, Post } from '../corpus/schema.ts';
import { IndexRestorer, indexDumpParts, type IndexDump, type IndexDumpPart } from './internals.ts';
import { LOOKUP_NAMES, Library, createIndex, libraryIndex, lookupIdEntries, setLookupEntry, type IndexName, type LibraryIndexes, type LibraryLookups, type LookupName, type RankingOptions } from './library.ts';
import { Segment } from './segment.ts';

export type LibraryPart =
  | { t: 'papers'; items: Paper[] }
  | { t: 'posts'; items: Post[] }
  | { t: 'authors'; items: Author[] }
  | { t: 'lookup'; name: LookupName; entries: [string, string | string[]][] }
  | { t: 'categories'; items: string[] }
  | { t: 'index'; which: IndexName; part: IndexDumpPart }
  /** Bytes `at .. at + bytes.length` of an index's segment (`total` bytes in all). */
  | { t: 'segment'; which: IndexName; at: number; total: number; bytes: Uint8Array }
  | { t: 'acronyms'; entries: [string, string][] }
  /** Extra data: arrays arrive in runs (concatenated), anything else whole. */
  | { t: 'extra'; key: string; items?: unknown[]; value?: unknown };

export interface PartOptions {
  /** Records per run (papers, posts, authors, lookup entries). Default 1000. */
  records?: number;
  /** Numbers per index part (see `indexDumpParts`; a segment goes in runs of 4 bytes per number). Default 60,000. */
  cells?: number;
}

function* runs<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * The parts of `lib` (and of `extras`, whose array values are sent in runs), in the order the
 * assembler takes them. Index dumps are taken when the generator reaches them.
 */
export function* libraryParts(lib: Library, extras: Record<string, unknown> = {}, options: PartOptions = {}): Generator<LibraryPart> {
  const size = options.records ?? 1000;
  const c = lib.corpus;
  for (const items of runs(c.papers, size)) yield { t: 'papers', items };
  for (const items of runs(c.posts, size)) yield { t: 'posts', items };
  for (const items of runs(c.authors, size)) yield { t: 'authors', items };
  const l = lib.lookups();
  for (const name of LOOKUP_NAMES) for (const run of runs(lookupIdEntries(l, name), size)) yield { t: 'lookup', name, entries: run };
  yield { t: 'categories', items: [...l.categories] };
  const indexes = lib.indexes();
  const cells = options.cells ?? 60_000;
  if (indexes.main.segment) {
    for (const which of ['main', 'titles', 'authors'] as const) {
      const bytes = indexes[which].toBytes();
      for (let at = 0; at < bytes.length; at += cells * 4) yield { t: 'segment', which, at, total: bytes.length, bytes: bytes.slice(at, at + cells * 4) };
    }
  } else {
    const dumps = lib.indexDumps();
    for (const which of ['main', 'titles', 'authors'] as const) {
      const dump: IndexDump = dumps[which];
      for (const part of indexDumpParts(dump, cells)) yield { t: 'index', which, part };
    }
  }
  for (const run of runs([...lib.acronyms], size * 10)) yield { t: 'acronyms', entries: run };
  yield* extraParts(extras, options);
}

/**
 * How many values an extra item holds, nested arrays counted to their second level: a dictionary
 * entry `[word, [{ ids: [...] }, …]]` or a posting `[term, [id, id, …]]` costs its ids, so a run of
 * entries for common words is cut as short as a run of rare ones is long.
 */
function cost(item: unknown, depth = 0): number {
  if (Array.isArray(item)) return depth > 3 ? item.length : item.reduce<number>((n, x) => n + cost(x, depth + 1), 1);
  if (item && typeof item === 'object') return Object.values(item).reduce<number>((n, x) => n + cost(x, depth + 1), 1);
  return 1;
}

/** Extra data alone (arrays in runs of about `cells` values), e.g. the dictionaries of a library the main thread patched. */
export function* extraParts(extras: Record<string, unknown>, options: PartOptions = {}): Generator<LibraryPart> {
  const budget = options.cells ?? 60_000;
  for (const [key, value] of Object.entries(extras)) {
    if (Array.isArray(value)) {
      yield { t: 'extra', key, items: [] };
      let run: unknown[] = [];
      let size = 0;
      for (const item of value) {
        run.push(item);
        size += cost(item);
        if (size >= budget) {
          yield { t: 'extra', key, items: run };
          run = [];
          size = 0;
        }
      }
      if (run.length) yield { t: 'extra', key, items: run };
    } else {
      yield { t: 'extra', key, value };
    }
  }
}

/** Builds a library from its parts, one part per `add`. */
export class LibraryAssembler {
  private readonly papers: Paper[] = [];
  private readonly posts: Post[] = [];
  private readonly authors: Author[] = [];
  private readonly lookups: LibraryLookups = {
    papers: new Map(),
    posts: new Map(),
    authors: new Map(),
    byTitleKey: new Map(),
    aliasIds: new Map(),
    byShortName: new Map(),
    authorsByKey: new Map(),
    postsByPaper: new Map(),
    categories: [],
  };
  private readonly restorers = {
    main: new IndexRestorer(createIndex.main),
    titles: new IndexRestorer(createIndex.titles),
    authors: new IndexRestorer(createIndex.authors),
  };
  /** Segment bytes received, by index. */
  private readonly segments: Partial<Record<IndexName, { bytes: Uint8Array; received: number }>> = {};
  private readonly acronyms = new Map<string, string>();
  /** Extra data received, by key. */
  readonly extras = new Map<string, unknown>();

  add(part: LibraryPart): void {
    const l = this.lookups;
    switch (part.t) {
      case 'papers':
        for (const p of part.items) {
          this.papers.push(p);
          l.papers.set(p.id, p);
        }
        return;
      case 'posts':
        for (const p of part.items) {
          this.posts.push(p);
          l.posts.set(p.id, p);
        }
        return;
      case 'authors':
        for (const a of part.items) {
          this.authors.push(a);
          l.authors.set(a.id, a);
        }
        return;
      case 'lookup':
        for (const [k, v] of part.entries) setLookupEntry(l, part.name, k, v);
        return;
      case 'categories':
        l.categories = part.items;
        return;
      case 'index':
        this.restorers[part.which].add(part.part);
        return;
      case 'segment': {
        const s = (this.segments[part.which] ??= { bytes: new Uint8Array(part.total), received: 0 });
        if (s.bytes.length !== part.total || part.at + part.bytes.length > part.total) throw new Error('papertalk: segment part out of range');
        s.bytes.set(part.bytes, part.at);
        s.received += part.bytes.length;
        return;
      }
      case 'acronyms':
        for (const [k, v] of part.entries) this.acronyms.set(k, v);
        return;
      case 'extra':
        if (part.items) {
          const have = this.extras.get(part.key);
          if (Array.isArray(have)) for (const item of part.items) have.push(item);
          else this.extras.set(part.key, [...part.items]);
        } else {
          this.extras.set(part.key, part.value);
        }
        return;
      default:
        throw new Error(`papertalk: unknown library part ${(part as { t?: unknown }).t as string}`);
    }
  }

  finish(ranking?: RankingOptions): Library {
    const steps = this.finishSteps(ranking);
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
    }
  }

  /**
   * `finish` with a step between the indexes (decoding a segment's ids and stored fields takes
   * tens of ms at 100k papers: the three in one go made one of the longest main-thread stalls).
   */
  *finishSteps(ranking?: RankingOptions): Generator<void, Library> {
    const corpus: Corpus = { papers: this.papers, posts: this.posts, authors: this.authors };
    const segment = (which: IndexName): Segment | null => {
      const s = this.segments[which];
      if (!s) return null;
      if (s.received !== s.bytes.length) throw new Error(`papertalk: segment of the ${which} index incomplete`);
      return Segment.fromBytes(s.bytes);
    };
    const main = segment('main');
    yield;
    const titles = segment('titles');
    yield;
    const authors = segment('authors');
    yield;
    const indexes: LibraryIndexes = {
      main: libraryIndex.main(main ?? this.restorers.main.finish()),
      titles: libraryIndex.titles(titles ?? this.restorers.titles.finish()),
      authors: libraryIndex.authors(authors ?? this.restorers.authors.finish()),
    };
    return Library.fromParts(corpus, { lookups: this.lookups, indexes, acronyms: this.acronyms }, ranking);
  }
}
