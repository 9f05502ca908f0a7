// The base of every error the service raises on purpose: whether retrying can help, and a message an
// operator can act on. A leaf: every layer may import it, and it imports nothing.

export interface ServiceErrorOptions {
  /** True when retrying the same work cannot help (bad input, a refusal, a missing setting). */
  readonly permanent: boolean;
  readonly cause?: unknown;
}

/**
 * An error raised on purpose. Its message is one sentence an operator can act on (the CLI prints
 * it without a stack trace); `permanent` says whether a retry could help, and `isPermanent` is the
 * one rule every layer decides by: a job fails for good, a local change is parked, a webhook is
 * marked failed.
 * @example
 * class LeaseTimeoutError extends ServiceError {
 *   constructor(message: string) { super(message, { permanent: false }); }
 * }
 */
export abstract class ServiceError extends Error {
  /** True when retrying cannot help; false when the same work may succeed later. */
  readonly permanent: boolean;

  constructor(message: string, options: ServiceErrorOptions) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.permanent = options.permanent;
  }
}

/**
 * Whether retrying cannot help: only a ServiceError says so. Anything else (a driver error, a
 * dropped connection, a bug) is treated as something that may pass.
 * @example if (isPermanent(error)) throw new UnrecoverableError(error.message);
 */
export function isPermanent(error: unknown): boolean {
  return error instanceof ServiceError && error.permanent;
}
