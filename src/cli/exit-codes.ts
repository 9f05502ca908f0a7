// The CLI's exit statuses, so scripts and alerts can tell "found a problem" from "could not run".

/** The command ran and found something wrong: verify saw differences, pushes or syncs failed. */
export const FOUND_A_PROBLEM = 1;

/** The command could not run: a usage error, bad input, a missing setting, a service unreachable. */
export const COULD_NOT_RUN = 2;
