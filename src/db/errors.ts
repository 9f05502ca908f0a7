// Turns Postgres connection failures into one sentence an operator can act on.
import { ServiceError } from '../errors.js';

/**
 * Postgres cannot be used at all: down or unreachable (may pass), or a database or credentials it
 * refuses (permanent until the settings change).
 */
export class DatabaseUnavailableError extends ServiceError {
  override name = 'DatabaseUnavailableError';
  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options);
  }
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
  // Whether the same attempt can succeed later (the server comes up) or only after a settings change.
  const reasons: Record<string, { reason: string; permanent: boolean }> = {
    ECONNREFUSED: { reason: 'connection refused (is Postgres running there?)', permanent: false },
    ENOTFOUND: { reason: 'host not found', permanent: false },
    ETIMEDOUT: { reason: 'connection timed out', permanent: false },
    '3D000': { reason: 'that database does not exist', permanent: true },
    '28P01': { reason: 'the password was rejected', permanent: true },
    '28000': { reason: 'the user is not allowed to connect', permanent: true },
  };
  const known = code ? reasons[code] : undefined;
  if (known)
    return new DatabaseUnavailableError(`cannot use Postgres at ${where}: ${known.reason}.`, {
      permanent: known.permanent,
      cause: error,
    });
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Whether Postgres refused a statement for what a row holds (SQLSTATE class 22 data exception, 23
 * constraint violation, 54 limit exceeded — "index row size … exceeds btree maximum"), so the same
 * rows fail again however often they are sent; a connection or lock failure is not such a refusal.
 * @example if (isRecordRejection(error)) park(record, error.message);
 */
export function isRecordRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/** The pg driver's words for a connection the server (or the network) ended under it. */
const LOST_CONNECTION = /^(Connection terminated unexpectedly|Client has encountered a connection error)/;

/**
 * Whether a statement failed because Postgres went away or is not taking connections yet — a
 * restart or failover: the server shutting down (SQLSTATE 57P01–57P03, "the database system is
 * starting up"), a connection exception (class 08), the socket refused, reset or ended. Its
 * transaction was rolled back, or committed just before; the same statement can succeed once the
 * server is back. Anything a statement itself did wrong is not such a loss.
 * @example if (isConnectionLoss(error)) await retryOnceBack();
 */
export function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^57P0[123]$/.test(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  return typeof message === 'string' && LOST_CONNECTION.test(message);
}
