import type { Logger } from '@conveyor/core';
import type { PostgresError, PostgresOperation } from './errors/postgres-error.js';
import { toPostgresError } from './errors/to-postgres-error.js';
import type { EmitPostgresSourceEvent } from './postgres-source-events.js';

/**
 * Where the source reports the faults it recovers from (logged, and the `error`
 * event), and the work it does on its own, in the background (dead-lettering
 * rows it will not deliver), which `close()` waits for.
 */
export class Faults {
  readonly #logger: Logger;
  readonly #emit: EmitPostgresSourceEvent;
  readonly #display: string;
  readonly #background = new Set<Promise<void>>();

  constructor(logger: Logger, emit: EmitPostgresSourceEvent, display: string) {
    this.#logger = logger;
    this.#emit = emit;
    this.#display = display;
  }

  report(error: PostgresError): void {
    this.#logger.warn({ err: error, operation: error.operation }, `PostgresSource: ${error.message}`);
    this.#emit('error', error);
  }

  /** Runs `work` without a caller to tell: its failure is reported. */
  inBackground(work: Promise<unknown>, operation: PostgresOperation): void {
    const tracked = work.then(
      () => {},
      (error: unknown) => this.report(toPostgresError(error, operation, this.#display)),
    );
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }
}
