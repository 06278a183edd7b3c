/**
 * Paper identifiers shared across sources: DOIs and arXiv ids, normalised so that the same paper
 * from a listing, a bibliography export and the arXiv metadata dump carries the same keys.
 */

/** New-style (`2101.03961`, since 2007) or old-style (`hep-th/9901001`, `math.DG/0211159`) id, optional version. */
const ARXIV_ID = String.raw`(\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?`;
const ARXIV_ID_ONLY = new RegExp(`^${ARXIV_ID}$`, 'i');
/** An arXiv id where the text says it is one: `arXiv:…`, `arxiv.org/abs/…`, `10.48550/arXiv.…`. */
const ARXIV_MENTION = new RegExp(String.raw`(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|\barxiv(?:\s+preprint)?\s*:?\s*(?:arxiv\s*:\s*)?)${ARXIV_ID}`, 'i');

/**
 * `arXiv:2101.03961v2`, `https://arxiv.org/abs/2101.03961`, `hep-th/9901001v1` → the id without
 * its version (`2101.03961`, `hep-th/9901001`); null when it is not an arXiv id. An old-style id's
 * subject class is dropped (`math.DG/0211159` → `math/0211159`), as arXiv itself does.
 */
export function normaliseArxivId(raw: string): string | null {
  const text = raw
    .trim()
    .replace(/^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf)\//i, '')
    .replace(/^arxiv\s*:\s*/i, '')
    .replace(/\.pdf$/i, '');
  const m = ARXIV_ID_ONLY.exec(text);
  if (!m?.[1]) return null;
  const id = m[1];
  const slash = id.indexOf('/');
  if (slash < 0) {
    // `YYMM.NNNN` until 2014, `YYMM.NNNNN` since 2015; the month is a month.
    const [yymm = '', seq = ''] = id.split('.');
    const month = Number(yymm.slice(2));
    return month >= 1 && month <= 12 && seq.length === (Number(yymm) >= 1501 ? 5 : 4) ? id : null;
  }
  return `${id.slice(0, slash).replace(/\.[A-Za-z]{2}$/, '').toLowerCase()}${id.slice(slash)}`;
}

/**
 * A DOI in its comparable form: prefix (`https://doi.org/`, `doi:`) removed, lower-cased (DOIs
 * are case-insensitive). Null when the text is not a DOI.
 */
export function normaliseDoi(raw: string): string | null {
  const text = raw
    .trim()
    .replace(/^(?:https?:\/\/)?(?:dx\.)?doi\.org\//i, '')
    .replace(/^doi\s*:\s*/i, '')
    .replace(/[.,;]+$/, '')
    .toLowerCase();
  return /^10\.\d{4,9}\/\S+$/.test(text) ? text : null;
}

/** The arXiv id of an arXiv-issued DOI (`10.48550/arXiv.2101.03961`); null for any other DOI. */
export function arxivIdFromDoi(doi: string): string | null {
  const m = /^10\.48550\/arxiv\.(.+)$/i.exec(doi.trim());
  return m?.[1] ? normaliseArxivId(m[1]) : null;
}

/**
 * The first arXiv id the texts mention as one (`arXiv:2101.03961 [cs]`, an arxiv.org URL, an
 * arXiv DOI), in the order given; null when none does. Bare numbers are never taken for ids.
 */
export function findArxivId(texts: readonly (string | null | undefined)[]): string | null {
  for (const text of texts) {
    if (!text) continue;
    const m = ARXIV_MENTION.exec(text);
    if (m?.[1]) {
      const id = normaliseArxivId(m[1]);
      if (id) return id;
    }
  }
  return null;
}

/** The identity keys of a record: `doi:…` and `arxiv:…`, for whichever it has. */
export function identityKeys(record: { doi?: string | undefined; arxivId?: string | undefined }): string[] {
  const keys: string[] = [];
  if (record.doi) keys.push(`doi:${record.doi}`);
  if (record.arxivId) keys.push(`arxiv:${record.arxivId}`);
  return keys;
}
