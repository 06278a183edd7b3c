/** The papertalk store: SQLite persistence for subscriptions, papers seen, digest runs, follows, digest feedback, /search ratings (profile feedback) and kv. */
export { openStore, LATEST_VERSION } from './store.ts';
export type { Store, StoreOptions, SeenInput, SubscriptionQuery, RemoveActor, ClaimOptions } from './store.ts';
export { MIGRATIONS } from './migrations.ts';
export type { ClaimFollowAlertInput, FollowMatchQuery, FollowQuery } from './follows.ts';
export type { Migration } from './migrations.ts';
export { StoreError, UserError, isStoreError, isUserError } from './errors.ts';
export type { StoreErrorCode } from './errors.ts';
export type * from './types.ts';
