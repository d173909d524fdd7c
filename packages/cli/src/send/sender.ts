import type { JsonLine } from './json-line.js';

/** Puts JSON lines into one kind of queue. */
export interface Sender {
  /** Lines handed to one `send()` call. */
  readonly batchSize: number;
  send(lines: readonly JsonLine[]): Promise<void>;
  /** Flushes what is buffered and lets go of connections. */
  close(): Promise<void>;
}
