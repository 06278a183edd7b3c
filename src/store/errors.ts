/**
 * Error types shared by the store and the digest code.
 *
 * `StoreError` is a start-up/storage failure with a human explanation (corrupt file, unwritable
 * directory, database locked by another process). `UserError` is re-exported from `src/errors.ts`.
 */

const PREFIX = 'papertalk: ';

function withPrefix(message: string): string {
  return message.startsWith(PREFIX) ? message : PREFIX + message;
}

// `UserError` (message shown to the user as is) is the project-wide one from `src/errors.ts`.
export { UserError, isUserError } from '../errors.ts';

/** Why the store could not be opened or used. */
export type StoreErrorCode = 'corrupt' | 'unwritable' | 'locked' | 'missing-directory' | 'too-new' | 'io';

/** The database could not be opened/used. The message says what happened and what to do. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** The database file concerned. */
  readonly path: string;

  constructor(code: StoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(withPrefix(message), options);
    this.code = code;
    this.path = path;
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
