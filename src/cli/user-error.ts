// An error the CLI prints as one plain sentence, without a stack, and exits with `exitCode`.
import { ServiceError } from '../errors.js';

/** A command was asked for something it cannot do as asked (permanent): the message says what to change. */
export class UserError extends ServiceError {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message, { permanent: true });
  }
}

/** For a command whose capability has not landed yet: says so plainly and exits 2. */
export function notAvailableYet(command: string, issue: string): never {
  throw new UserError(`'${command}' is not available yet (it arrives with ${issue}).`, 2);
}
