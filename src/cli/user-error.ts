// An error the CLI prints as one plain sentence, without a stack, and exits with `exitCode`.
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** For a command whose capability has not landed yet: says so plainly and exits 2. */
export function notAvailableYet(command: string, issue: string): never {
  throw new UserError(`'${command}' is not available yet (it arrives with ${issue}).`, 2);
}
