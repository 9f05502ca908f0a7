// What every command is registered with: the settings, parsed from the environment at most once
// per process, and only when a command needs them (`--help` and `sandbox` run with any settings);
// and its logger, in the format the global --log-format asked for.
import { processLogger, type ProcessKind } from '../app/logging.js';
import { parseConfig, requireSettings, type Config, type ConfigWith, type Needed } from '../config/config.js';
import type { LogFormat, Logger } from '../observability/logger.js';

export interface CommandContext {
  /**
   * The process's config, with the settings in `need` known to be present; throws a ConfigError
   * naming the first setting that is wrong or missing.
   */
  config<K extends Needed = never>(need?: readonly K[]): ConfigWith<K>;
  /** The logger of a `kind` process at LOG_LEVEL, in the --log-format chosen (else by terminal). */
  logger(config: Pick<Config, 'LOG_LEVEL'>, kind: ProcessKind): Logger;
}

/**
 * `logFormat` is read when a command asks for its logger, after the arguments are parsed.
 * @example const context = commandContext(process.env, () => program.opts().logFormat); const config = context.config(['DATABASE_URL']);
 */
export function commandContext(
  env: Readonly<Record<string, string | undefined>>,
  logFormat: () => LogFormat | undefined = () => undefined,
): CommandContext {
  let parsed: Config | undefined;
  return {
    config<K extends Needed = never>(need: readonly K[] = []) {
      parsed ??= parseConfig(env);
      return requireSettings(parsed, need);
    },
    logger(config, kind) {
      return processLogger(config, kind, logFormat());
    },
  };
}
