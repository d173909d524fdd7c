/**
 * Exit codes of the `conveyor` command, one per kind of trouble, so scripts can
 * tell a typo from an outage.
 */
export const exitCodes = Object.freeze({
  /** Done. */
  ok: 0,
  /** Something failed at run time: the consumer did not start, an unexpected error. */
  failure: 1,
  /** Bad command line: unknown command or option, bad value, bad source URL. */
  usage: 2,
  /** The consumer module is missing, does not load, or exports no Consumer. */
  module: 3,
  /** The queue or server cannot be reached, does not exist, or refused us. */
  unavailable: 4,
  /** A line read from stdin is not JSON. */
  badInput: 5,
  /** A second SIGINT aborted a draining consumer. */
  aborted: 130,
});

/** One of the exit codes. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
