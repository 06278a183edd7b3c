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
