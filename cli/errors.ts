// The CLI's two kinds of failure and their exit codes: a usage error (bad or conflicting options,
// exit 2) and anything else the user can fix (a missing file, data that does not fit, exit 1).

/** Wrong or conflicting options: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure that is not a programming error (missing file, data that does not fit the model): exit code 1. */
export class CliError extends Error {
  override name = "CliError";
}

/** Exit code for an interrupted run (128 + SIGINT), as shells report Ctrl-C. */
export const EXIT_INTERRUPTED = 130;
