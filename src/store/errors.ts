/**
 * Error types shared by the store and the digest code.
 *
 * `UserError` is an error whose text is meant for the person who typed the command: the Discord layer
 * shows `userMessage` as is. `StoreError` is a startup/storage failure with a human explanation
 * (corrupt file, unwritable directory, database locked by another process).
 */

const PREFIX = 'papertalk: ';

function withPrefix(message: string): string {
  return message.startsWith(PREFIX) ? message : PREFIX + message;
}

/** A problem the user can fix (bad input, not found, not allowed). `userMessage` is safe to show. */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** The message without the `papertalk:` prefix, written for end users. */
  readonly userMessage: string;

  constructor(userMessage: string, options?: { cause?: unknown }) {
    super(withPrefix(userMessage), options);
    this.userMessage = userMessage;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

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
