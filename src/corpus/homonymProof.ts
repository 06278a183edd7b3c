/**
 * A proof, kept across changes, that a person's papers make one person for `splitHomonyms`
 * (homonyms.ts): the incremental merge re-examines every person a changed paper names, and a
 * prolific person (thousands of papers) whose new paper changes nothing about the split is then
 * settled by looking at the papers that changed and a few others, not at all of them.
 *
 * Why it is exact. `splitHomonyms` returns more than one cluster only for a *separable* group: a
 * connected component C of the explicit papers (linked when they share a co-author key; a paper
 * with more than `maxCoauthors` authors links nothing) with |C| ≥ `minClusterSize`, outside the
 * main body, and not linked to it: no paper of C shares a co-author key with a paper of the main
 * body and none has a category of the main body. The main body always holds every implicit paper
 * (one whose sources name the person only as page owner). So call an explicit paper *anchored*
 * when its category is one of an implicit paper's, or it takes part in linking and shares a
 * co-author key with an implicit paper that does: a component with an anchored paper is linked if
 * it is outside the main body, and is no separable group either way. A separable group is thus
 * made of unanchored papers only (the set `loose` below), and is a whole component: none of its
 * co-author keys is on an explicit paper outside it. The proof holds when no such group of
 * `minClusterSize` or more can be formed from the loose papers: each loose paper that shares a key
 * with an explicit paper outside `loose` (counts of key occurrences over all explicit papers vs
 * over the loose ones) opens its component; only a closed component of the loose papers (joined
 * by their shared keys) of that size could be separable, and then the split is done in full. With
 * fewer than `2 × minClusterSize` papers the split returns one cluster without looking.
 *
 * What is kept: per category and per co-author key, how many implicit papers have it; per key,
 * how many explicit papers and how many loose papers have it, and the loose papers of each key;
 * the loose papers, and those of them that are closed (no key shared with an explicit paper that
 * is not loose). An added or removed paper changes these counts by its own keys, and only the
 * loose papers of the keys whose counts changed are checked again; `holds` looks only at the
 * components of the closed papers (a few, where the loose papers are hundreds). When a key or
 * category leaves the implicit papers, papers anchored by it only could become loose, and finding
 * them needs an index of every key's papers: `update` says the proof is lost, and the caller
 * rebuilds it from all the papers (`OnePersonProof.of`). Only `minClusterSize ≥ 2` is covered (a
 * single paper could be separable otherwise).
 */
import type { HomonymOptions, PaperKeyIds } from './homonyms.ts';
import type { Paper } from './schema.ts';

function bump<K>(m: Map<K, number>, k: K, by: number): number {
  const n = (m.get(k) ?? 0) + by;
  if (n) m.set(k, n);
  else m.delete(k);
  return n;
}

/** The options of `splitHomonyms` the proof depends on (the same defaults). */
type ProofOptions = Pick<HomonymOptions, 'minClusterSize' | 'maxCoauthors'>;

export class OnePersonProof {
  private readonly minSize: number;
  private readonly maxCoauthors: number;
  /** Papers. */
  private size = 0;
  /** Per category, the implicit papers having it. */
  private readonly implicitCategories = new Map<string, number>();
  /** Per co-author key, its occurrences on implicit papers that link. */
  private readonly implicitKeys = new Map<number, number>();
  /** Per co-author key, its occurrences on explicit papers that link. */
  private readonly explicitKeys = new Map<number, number>();
  /** Explicit papers not anchored (see the module comment). */
  private readonly loose = new Set<Paper>();
  /** Per co-author key, its occurrences on the loose papers that link, and those papers. */
  private readonly looseKeys = new Map<number, number>();
  private readonly looseByKey = new Map<number, Paper[]>();
  /**
   * The loose papers that link and are closed: every key of theirs is on loose papers only (an
   * open one shares a key with an explicit paper that is not loose: that one is in its component,
   * which is then no separable group). Only a component of closed papers can be one.
   */
  private readonly closed = new Set<Paper>();

  /**
   * @param person the id of the person's name key
   * @param of a paper's key ids (the numbering `splitHomonyms` was given as `keyIds`)
   */
  private constructor(readonly person: number, private readonly of: (paper: Paper) => PaperKeyIds, options: ProofOptions) {
    this.minSize = options.minClusterSize ?? 2;
    this.maxCoauthors = options.maxCoauthors ?? 100;
  }

  /** The proof state of `papers` (whether it holds: `holds`). */
  static of(papers: Iterable<Paper>, person: number, of: (paper: Paper) => PaperKeyIds, options: ProofOptions = {}): OnePersonProof {
    const proof = new OnePersonProof(person, of, options);
    const explicit: Paper[] = [];
    for (const p of papers) if (proof.count(p, 1)) explicit.push(p);
    for (const p of explicit) if (!proof.anchored(p)) proof.setLoose(p, true);
    for (const p of proof.loose) proof.recheck(p);
    return proof;
  }

  /**
   * The papers removed from and added to the person (each removed one was counted, each added one
   * was not); false when the proof is lost (rebuild it with `of`).
   */
  update(removed: Iterable<Paper>, added: Iterable<Paper>): boolean {
    let anchorsLost = false;
    let anchorsGained = false;
    /** Keys whose count on explicit or on loose papers changed: their loose papers are checked again. */
    const dirty = new Set<number>();
    const addedExplicit: Paper[] = [];
    for (const p of removed) {
      const change = this.count(p, -1, dirty);
      if (change === 'explicit') this.setLoose(p, false, dirty);
      else anchorsLost ||= change === 'anchors';
    }
    if (anchorsLost) return false;
    for (const p of added) {
      const change = this.count(p, 1, dirty);
      if (change === 'explicit') addedExplicit.push(p);
      else anchorsGained ||= change === 'anchors';
    }
    // A new key or category of the implicit papers may anchor a loose paper.
    if (anchorsGained) for (const p of [...this.loose]) if (this.anchored(p)) this.setLoose(p, false, dirty);
    for (const p of addedExplicit) if (!this.anchored(p)) this.setLoose(p, true, dirty);
    const again = new Set<Paper>(addedExplicit.filter((p) => this.loose.has(p)));
    for (const k of dirty) for (const p of this.looseByKey.get(k) ?? []) again.add(p);
    for (const p of again) this.recheck(p);
    return true;
  }

  /** Whether `splitHomonyms` (with `labelSingle: false`) gives the papers as they are now one cluster. */
  holds(): boolean {
    if (this.size < this.minSize * 2) return true;
    if (this.minSize < 2) return false;
    // The component of each closed paper, among the loose papers that link (joined by shared
    // keys): a separable group when all closed and of `minSize` or more.
    const seen = new Set<Paper>();
    for (const start of this.closed) {
      if (seen.has(start)) continue;
      seen.add(start);
      const stack = [start];
      let size = 0;
      let open = false;
      while (stack.length) {
        const p = stack.pop()!;
        size++;
        if (!this.closed.has(p)) open = true;
        for (const k of this.of(p).authors) {
          if (k === this.person) continue;
          for (const q of this.looseByKey.get(k)!) {
            if (seen.has(q)) continue;
            seen.add(q);
            stack.push(q);
          }
        }
      }
      if (!open && size >= this.minSize) return false;
    }
    return true;
  }

  private explicit(p: Paper): boolean {
    return this.of(p).explicit.includes(this.person);
  }

  /** Whether a paper takes part in co-author links (not one with too many authors). */
  private links(p: Paper): boolean {
    return p.authors.length <= this.maxCoauthors;
  }

  private anchored(p: Paper): boolean {
    if (p.category && this.implicitCategories.has(p.category)) return true;
    if (!this.links(p)) return false;
    for (const k of this.of(p).authors) if (k !== this.person && this.implicitKeys.has(k)) return true;
    return false;
  }

  /** Puts an explicit paper in or out of the loose ones (its keys into `dirty`). */
  private setLoose(p: Paper, on: boolean, dirty?: Set<number>): void {
    if (on) this.loose.add(p);
    else if (!this.loose.delete(p)) return;
    if (!on) this.closed.delete(p);
    if (!this.links(p)) return;
    for (const k of this.of(p).authors) {
      if (k === this.person) continue;
      bump(this.looseKeys, k, on ? 1 : -1);
      // A list (a key's loose papers are few): a set per key would double the proof's memory.
      const papers = this.looseByKey.get(k);
      if (on) {
        if (!papers) this.looseByKey.set(k, [p]);
        else if (!papers.includes(p)) papers.push(p);
      } else if (papers) {
        const at = papers.indexOf(p);
        if (at >= 0) papers.splice(at, 1);
        if (!papers.length) this.looseByKey.delete(k);
      }
      dirty?.add(k);
    }
  }

  /** Whether a loose paper is closed, from the counts as they are. */
  private recheck(p: Paper): void {
    if (!this.loose.has(p) || !this.links(p)) return;
    for (const k of this.of(p).authors) {
      if (k !== this.person && this.explicitKeys.get(k)! > this.looseKeys.get(k)!) {
        this.closed.delete(p);
        return;
      }
    }
    this.closed.add(p);
  }

  /**
   * Counts a paper in or out: 'explicit' for an explicit paper, 'anchors' for an implicit one
   * that brought in or took away a key or category of the implicit papers, null otherwise.
   */
  private count(p: Paper, by: 1 | -1, dirty?: Set<number>): 'explicit' | 'anchors' | null {
    this.size += by;
    const links = this.links(p);
    const keys = this.of(p).authors;
    if (this.explicit(p)) {
      if (links) {
        for (const k of keys) {
          if (k === this.person) continue;
          bump(this.explicitKeys, k, by);
          dirty?.add(k);
        }
      }
      return 'explicit';
    }
    // A count going from 0 to 1 or from 1 to 0: the anchors changed.
    let anchors = false;
    if (p.category) anchors = bump(this.implicitCategories, p.category, by) === (by > 0 ? 1 : 0) || anchors;
    if (links) for (const k of keys) if (k !== this.person) anchors = bump(this.implicitKeys, k, by) === (by > 0 ? 1 : 0) || anchors;
    return anchors ? 'anchors' : null;
  }
}
