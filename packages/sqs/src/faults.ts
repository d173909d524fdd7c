import { BackgroundWork } from '@conveyor/core/kit';
import { ConveyorError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import { toSqsError } from './errors/error-mapping.js';
import { SqsError } from './errors/sqs-error.js';
import type { SqsOperation } from './errors/sqs-error.js';
import type { EmitSqsSourceEvent } from './sqs-source-events.js';

/**
 * Where the source reports the faults it recovers from (logged, and the `error`
 * event), and the work it does on its own, in the background (releasing bad
 * bodies, dead-lettering on receipt), which `close()` waits for.
 */
export class Faults {
  /** Work done without a caller to tell; its failures are reported. */
  readonly #background = new BackgroundWork();
  readonly #logger: Logger;
  readonly #emit: EmitSqsSourceEvent;

  constructor(logger: Logger, emit: EmitSqsSourceEvent) {
    this.#logger = logger;
    this.#emit = emit;
  }

  report(error: ConveyorError, operation: SqsOperation | 'DeadLetter'): void {
    this.#logger.warn({ err: error, operation }, `SqsSource: ${error.message}`);
    this.#emit('error', error, { operation });
  }

  /** Runs `work` without a caller to tell: its failure is reported. */
  inBackground(work: Promise<void>, operation: SqsOperation): void {
    this.#background.add(work, (error: unknown) => {
      const reported = error instanceof ConveyorError ? error : toSqsError(error, operation);
      this.report(reported, reported instanceof SqsError ? reported.operation : operation);
    });
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  settled(): Promise<void> {
    return this.#background.settled();
  }
}
