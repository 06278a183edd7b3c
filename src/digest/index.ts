/** Daily paper digests and follow alerts: input validation, selection and matching, message model, schedulers. */
export {
  parseSubscriptionInput,
  subscriptionInputSchema,
  checkTime,
  checkTimezone,
  checkCategories,
  checkMaxPapers,
  splitList,
  MAX_PAPERS_MIN,
  MAX_PAPERS_MAX,
  MAX_PAPERS_DEFAULT,
} from './subscriptionInput.ts';
export type { SubscribeRawInput, SubscriptionInputOptions } from './subscriptionInput.ts';
export { selectDigest, selectionFromIds, matchPaper, authorMatches, foldText, titleKey } from './select.ts';
export type { SelectInput, SelectedPaper, DigestSelection } from './select.ts';
export { formatDigest, formatAuthors, digestToText, titleLine, CONTENT_LIMIT, EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT } from './format.ts';
export type { DigestMessage, DigestLine, FormatOptions } from './format.ts';
export { DigestScheduler, DigestSendError, digestNonce, dueDigest, nextScheduledInstant } from './scheduler.ts';
export type { DigestSender, DigestSchedulerOptions, RunOutcome, SkipReason } from './scheduler.ts';
export { localDateOf, scheduledInstant, cronPattern, formatLocalDate } from './time.ts';
export { resolveFollow, topicCategoryOf, arrivedPapers, matchFollows, searchMatches, formatFollowAlert, alertTitle, ALERT_MAX_SHOWN, FOLLOW_TEXT_MAX } from './follows.ts';
export type { ResolvedFollow, ArrivedPaper, AlertPaper, AlertFormatOptions } from './follows.ts';
export { FollowAlerter, followAlertNonce, alertDueAt, alertItems } from './followAlerts.ts';
export type { FollowSender, FollowAlerterOptions, AlertOutcome, AlertSkipReason, FollowPass, FollowerStatus } from './followAlerts.ts';
export { buildProfile, ProfileScorer, libraryTermStats, papersTermStats, profileIsEmpty, precisionAt, shortTitle, DEFAULT_MIN_SCORE, AUTHOR_WEIGHT, LIKE_WEIGHT, DISLIKE_WEIGHT } from './rank.ts';
export type { InterestProfile, ProfilePaper, ProfileAuthor, TermStats, PaperScore } from './rank.ts';
export type { RankingInput } from './select.ts';
