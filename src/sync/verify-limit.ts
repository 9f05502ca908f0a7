// How many differences `verify` lists by default: its own module so that `verify --help` can show
// it without loading verify (src/cli loads each command's code lazily).

/** Differences a report lists unless asked for another number (all are counted). */
export const DEFAULT_VERIFY_LIMIT = 100;
