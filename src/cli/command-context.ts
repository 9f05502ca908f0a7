// What every command is registered with: the settings, parsed from the environment at most once
// per process, and only when a command needs them (`--help` and `sandbox` run with any settings).
import { parseConfig, requireSettings, type Config, type ConfigWith, type Needed } from '../config/config.js';

export interface CommandContext {
  /**
   * The process's config, with the settings in `need` known to be present; throws a ConfigError
   * naming the first setting that is wrong or missing.
   */
  config<K extends Needed = never>(need?: readonly K[]): ConfigWith<K>;
}

/** @example const context = commandContext(process.env); const config = context.config(['DATABASE_URL']); */
export function commandContext(env: Readonly<Record<string, string | undefined>>): CommandContext {
  let parsed: Config | undefined;
  return {
    config<K extends Needed = never>(need: readonly K[] = []) {
      parsed ??= parseConfig(env);
      return requireSettings(parsed, need);
    },
  };
}
