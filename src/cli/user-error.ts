// An error the CLI prints as one plain sentence, without a stack, and exits 2 (could not run).
import { ServiceError } from '../errors.js';

/** A command was asked for something it cannot do as asked (permanent): the message says what to change. */
export class UserError extends ServiceError {
  override name = 'UserError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

/** For a command whose capability has not landed yet: says so plainly. */
export function notAvailableYet(command: string, issue: string): never {
  throw new UserError(`'${command}' is not available yet (it arrives with ${issue}).`);
}
