// The logger (pino), with every secret the service handles redacted wherever it appears: JSON lines
// for machines, or one readable line per event for a person at a terminal.
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

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

/** `json`: one JSON document per line (pino's own); `text`: one readable line per event. */
export type LogFormat = 'json' | 'text';

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/**
 * A destination that writes each event as one line for people: time, level, message, then the
 * event's fields (no pid, host or logger name), in colour on a terminal. Synchronous, so the last
 * lines before an exit are not lost.
 * @example const log = createLogger({ level: 'warn' }, textDestination(process.stderr));
 */
export function textDestination(out: NodeJS.WriteStream): pino.DestinationStream {
  return pinoPretty({
    destination: out,
    sync: true,
    colorize: Boolean(out.isTTY),
    singleLine: true,
    ignore: 'pid,hostname,name',
    translateTime: 'SYS:HH:MM:ss',
  });
}

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
