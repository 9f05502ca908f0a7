// How many runs per stream `status` shows by default: its own module so that `status --help` can
// show it without loading kysely and the status queries (src/cli loads each command's code lazily).

/** Runs shown per stream unless asked for another number. */
export const DEFAULT_RUNS_PER_STREAM = 3;
