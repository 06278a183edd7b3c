/**
 * `UserError`: an error whose message is meant for the person who asked (shown as is).
 * Everything else is logged and replaced by a short generic message.
 */
export class UserError extends Error {
  /** A stable identifier for the kind of problem (for logs and tests). */
  readonly identifier: string;
  constructor(identifier: string, message: string) {
    super(message);
    this.name = 'UserError';
    this.identifier = identifier;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
