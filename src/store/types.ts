/** Row types of the papertalk store (camelCase views of the SQLite tables). */

/** What a digest subscription filters on. Empty arrays mean "no constraint". */
export interface SubscriptionFilters {
  /** Category codes (`CL`, `LG`), already validated against the known list. */
  categories: string[];
  authors: string[];
  keywords: string[];
  excludeKeywords: string[];
}

/** A subscription as created (validated input). */
export interface NewSubscription extends SubscriptionFilters {
  /** Null for a personal (DM) subscription. */
  guildId: string | null;
  /** Channel the digest is posted to (for a DM subscription: the DM channel). */
  channelId: string;
  /** Set for a personal (DM) subscription: the user it is for. */
  userId: string | null;
  /** User who created it (ownership for removal). */
  createdBy: string;
  /** Local time of day, `HH:MM` 24-hour. */
  time: string;
  /** IANA time zone name. */
  timezone: string;
  /** 1..25. */
  maxPapers: number;
  /** Post a short "nothing new" message when the digest is empty. */
  postEmpty: boolean;
}

export interface Subscription extends NewSubscription {
  id: number;
  createdAt: Date;
  /** The cut-off of the last digest delivered (papers first seen after it are "new"); null before the first. */
  lastDigestAt: Date | null;
  active: boolean;
}

/** A paper the store has seen, with the time it was first seen. */
export interface SeenPaper {
  paperId: string;
  firstSeenAt: Date;
  title: string | null;
  date: string | null;
}

export type DigestRunStatus = 'claimed' | 'sent' | 'failed' | 'empty';

/** One digest delivery for one subscription and one local date. */
export interface DigestRun {
  id: number;
  subscriptionId: number;
  /** `YYYY-MM-DD` in the subscription's time zone. */
  localDate: string;
  status: DigestRunStatus;
  /** When the current (or last) attempt claimed the run. */
  claimedAt: Date;
  sentAt: Date | null;
  messageIds: string[];
  /** Deterministic per (subscription, local date); the sender passes it to Discord with `enforce_nonce`. */
  nonce: string;
  /** Papers chosen for this run; null until the selection is made. Re-sends reuse it. */
  paperIds: string[] | null;
  /** Whether the selection was a first digest ("latest papers by date"). */
  firstDigest: boolean;
  /** Papers first seen up to this instant were considered; becomes the subscription's `lastDigestAt`. */
  cutoffAt: Date | null;
  error: string | null;
  /** Delivery attempts so far. */
  attempts: number;
  /** After a failure: earliest time of the next attempt (null: no more attempts). */
  nextAttemptAt: Date | null;
}

export type ClaimResult =
  | { claimed: true; run: DigestRun; /** true when re-claiming an expired claim or a failed run */ resumed: boolean }
  | { claimed: false; run: DigestRun; reason: 'done' | 'in-flight' | 'backoff' | 'exhausted' };

// ---------------------------------------------------------------------------------------------------
// Follows (`/follow`): personal alerts about new papers, delivered in DMs.

/** What a follow is about. */
export type FollowKind = 'author' | 'topic' | 'search';

/**
 * What a follow matches, resolved against the library when it was created (see `src/digest/follows.ts`):
 * an author by the library's author ids and/or name keys, a topic by category code, a topic or
 * search by a query run through the library's search (full coverage).
 */
export interface FollowTarget {
  /** Author ids (`Author.id`) followed. */
  authorIds?: string[];
  /** Author name keys (`nameKey`) followed: a paper listing one of these names matches. */
  nameKeys?: string[];
  /** Category code (`CL`). */
  category?: string;
  /** Search query (topic or search). */
  query?: string;
}

/** A follow as created (validated and resolved input). */
export interface NewFollow {
  /** The follower. */
  userId: string;
  /** The follower's DM channel (where alerts go). */
  channelId: string;
  /** The server the follow was created in; null in DMs (informational: alerts always go to DMs). */
  guildId: string | null;
  kind: FollowKind;
  /** The text as typed (one line). */
  query: string;
  /** What the follow is about, for people (`Yanqi Zhou`, `category Computation and Language (CL)`, `“mixture of experts”`). */
  label: string;
  /** Normalised target: one follow per (user, kind, key). */
  key: string;
  target: FollowTarget;
}

export interface Follow extends NewFollow {
  id: number;
  /** Papers that arrived up to this arrival sequence number were already in the corpus: never "new" for it. */
  afterSeq: number;
  createdAt: Date;
  /** When an alert carrying this follow's papers was last delivered (or given up on); null before its first alert. */
  lastAlertAt: Date | null;
}

/** A paper first seen by the store, in arrival order (`seq` increases strictly). */
export interface PaperArrival {
  seq: number;
  paperId: string;
  seenAt: Date;
}

/** A new paper matching a follow, as the matcher found it. */
export interface NewFollowMatch {
  followId: number;
  paperId: string;
  /** Why it matches (`author Yanqi Zhou`, `category CL`, `search “moe”`). */
  why: string[];
}

export interface FollowMatch extends NewFollowMatch {
  matchedAt: Date;
  /** The alert that carries (or carried) it; null while it waits for the next alert. */
  alertId: number | null;
}

/** One paper of an alert: the follows it matched and why. */
export interface FollowAlertItem {
  paperId: string;
  followIds: number[];
  why: string[];
}

export type FollowAlertStatus = 'claimed' | 'sent' | 'failed' | 'empty';

/** One DM to one follower, batching every follow's new papers since the previous one. */
export interface FollowAlert {
  id: number;
  userId: string;
  channelId: string;
  status: FollowAlertStatus;
  /** Deterministic per alert; the sender passes it to Discord with `enforce_nonce` (a re-send is deduplicated). */
  nonce: string;
  items: FollowAlertItem[];
  /** When the current (or last) attempt claimed it. */
  claimedAt: Date;
  sentAt: Date | null;
  /** Delivered, found empty, or given up on (null while claimed or waiting for a retry). */
  closedAt: Date | null;
  messageIds: string[];
  error: string | null;
  attempts: number;
  /** After a failure: earliest time of the next attempt (null: no more attempts). */
  nextAttemptAt: Date | null;
}

// ---------------------------------------------------------------------------------------------------
// Digest feedback (👍/👎 on digest papers, and the papers a subscription was seeded with).

export type FeedbackRating = 1 | -1;
/** `seed`: named with `like:` when the subscription was created; `button`: a 👍/👎 press. */
export type FeedbackSource = 'seed' | 'button';

export interface NewDigestFeedback {
  subscriptionId: number;
  paperId: string;
  /** Who rated (for a seed: the subscription's creator). */
  userId: string;
  rating: FeedbackRating;
  source: FeedbackSource;
  /** The paper's title when rated (so the list still names it if the paper leaves the corpus). */
  title: string | null;
}

export interface DigestFeedback extends NewDigestFeedback {
  createdAt: Date;
  updatedAt: Date;
}

/** What a rating did: a new row, a changed rating, or nothing (the same rating again). */
export type FeedbackChange = 'new' | 'changed' | 'same';

// ---------------------------------------------------------------------------------------------------
// Profile feedback (👍/👎 on /search results): one person's, for all their personal digests.

/** `search`: a 👍/👎 under /search results. */
export type ProfileFeedbackSource = 'search';

export interface NewProfileFeedback {
  userId: string;
  paperId: string;
  rating: FeedbackRating;
  source: ProfileFeedbackSource;
  /** The paper's title when rated. */
  title: string | null;
}

export interface ProfileFeedback extends NewProfileFeedback {
  createdAt: Date;
  updatedAt: Date;
}
