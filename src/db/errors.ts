// Turns Postgres connection failures into one sentence an operator can act on.

/** Postgres cannot be used at all (down, wrong address, wrong credentials). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** The URL without its password, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Maps a driver error to a DatabaseUnavailableError naming the database and the likely cause. */
export function describeDatabaseError(error: unknown, url: string): Error {
  const code = (error as { code?: string }).code;
  const where = redactUrl(url);
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is Postgres running there?)',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'connection timed out',
    '3D000': 'that database does not exist',
    '28P01': 'the password was rejected',
    '28000': 'the user is not allowed to connect',
  };
  const reason = code ? reasons[code] : undefined;
  if (reason) return new DatabaseUnavailableError(`cannot use Postgres at ${where}: ${reason}.`);
  return error instanceof Error ? error : new Error(String(error));
}
