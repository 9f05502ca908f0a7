// The JSON logger (pino), with every secret the service handles redacted wherever it appears.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out: tokens, the client secret, the dashboard password, webhook signatures, auth headers. */
export const REDACTED_PATHS = [
  'token',
  'config.INTERCOM_TOKEN',
  'config.INTERCOM_CLIENT_SECRET',
  'INTERCOM_TOKEN',
  'INTERCOM_CLIENT_SECRET',
  'config.DASHBOARD_PASSWORD',
  'config.METRICS_TOKEN',
  'DASHBOARD_PASSWORD',
  'METRICS_TOKEN',
  'headers.authorization',
  'headers["x-hub-signature"]',
  'req.headers.authorization',
  'req.headers["x-hub-signature"]',
  '*.authorization',
  '*["x-hub-signature"]',
];

/**
 * A logger at `level` (the process's default level is chosen in src/app/logging.ts).
 * @example const log = createLogger({ level: 'info' });
 */
export function createLogger(
  options: { level: string; name?: string },
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'intercom-pg-sync',
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
