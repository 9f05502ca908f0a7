// The logger of each kind of process, at LOG_LEVEL when it is set and otherwise at the level that
// kind runs at: a command stays quiet on stderr so its stdout is only its output. A command writes
// readable lines to a terminal and JSON elsewhere; the daemon writes JSON unless told otherwise.
import type { Config } from '../config/config.js';
import { createLogger, textDestination, type LogFormat, type Logger } from '../observability/logger.js';

/** The daemon (and anything run like it), a command printing text, a command printing one JSON document. */
export type ProcessKind = 'service' | 'command' | 'json-command';

const UNSET_LEVEL: Readonly<Record<ProcessKind, string>> = {
  service: 'info',
  command: 'warn',
  'json-command': 'error',
};

/**
 * Commands log to stderr (stdout carries their summary or JSON); the service logs to stdout.
 * `format` unset: text for a command whose stderr is a terminal, JSON otherwise (and for the service).
 * @example const log = processLogger(config, options.json ? 'json-command' : 'command');
 */
export function processLogger(
  config: Pick<Config, 'LOG_LEVEL'>,
  kind: ProcessKind,
  format?: LogFormat,
): Logger {
  const level = config.LOG_LEVEL ?? UNSET_LEVEL[kind];
  const out = kind === 'service' ? process.stdout : process.stderr;
  const chosen = format ?? (kind !== 'service' && out.isTTY ? 'text' : 'json');
  if (chosen === 'text') return createLogger({ level }, textDestination(out));
  return kind === 'service' ? createLogger({ level }) : createLogger({ level }, process.stderr);
}
