// How long a stopping daemon lets in-flight jobs run on: its own module so that `daemon --help`
// can show the default without loading the daemon (src/cli loads each command's code lazily).

/** How long in-flight jobs may run on after a stop is asked, unless told otherwise. */
export const DEFAULT_GRACE_MS = 30_000;
