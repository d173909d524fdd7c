import { BackgroundWork } from '@conveyor/core/kit';
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
  /** Work done without a caller to tell; its failures are reported. */
  readonly #background = new BackgroundWork();
  readonly #logger: Logger;
  readonly #emit: EmitPostgresSourceEvent;
  readonly #display: string;

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
    this.#background.add(work, (error: unknown) => this.report(toPostgresError(error, operation, this.#display)));
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  settled(): Promise<void> {
    return this.#background.settled();
  }
}
