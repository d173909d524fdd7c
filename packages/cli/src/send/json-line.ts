/** One non-blank line of the input, checked to be JSON. */
export interface JsonLine {
  /** 1-based line number in the input. */
  readonly lineNumber: number;
  /** The line as read, trimmed: what goes to SQS and Redis. */
  readonly text: string;
  /** The parsed value: what goes to a file queue (which stores items as JSON). */
  readonly value: unknown;
}
