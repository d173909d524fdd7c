/** One dead letter as `conveyor dlq` shows it, whatever the source. */
export interface DeadLetterView {
  /** Its id in the source (a message id, a row id, an SQS message id). */
  readonly id: string;
  /** The body as text (JSON for decoded bodies). */
  readonly body: string;
  /** Receives counted when it died; `undefined` where the source does not say. */
  readonly receiveCount: number | undefined;
  /** How long ago it died (or, on SQS, was first sent), when known. */
  readonly ageMs: number | undefined;
  /** Why its last delivery failed, when the source kept it. */
  readonly lastError: string | undefined;
}

/** The dead letters of one queue: look at them and send them back (`conveyor dlq`). */
export interface DeadLetterTool {
  /** Where the dead letters are, for messages (`{jobs}:dead`, `dead/`, the DLQ's name). */
  readonly where: string;
  /** How many there are; `undefined` when the source cannot count them. */
  count(): Promise<number | undefined>;
  /** The oldest `limit`, without removing them. */
  list(limit: number): Promise<DeadLetterView[]>;
  /** Sends them back to the queue (all, or the oldest `limit`); resolves to how many moved. */
  redrive(limit: number | undefined): Promise<number>;
  /** Something the listing should add (corrupt files that cannot be replayed...). */
  notes?(): Promise<string[]>;
  close(): Promise<void>;
}
