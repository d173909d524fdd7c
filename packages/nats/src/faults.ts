import { BackgroundWork } from '@conveyor/core/kit';
import type { ConveyorError, Logger } from '@conveyor/core';
import { toNatsError } from './errors/error-mapping.js';
import type { NatsOperation } from './errors/nats-error.js';
import type { EmitNatsSourceEvent } from './nats-source-events.js';

/**
 * Where the source reports the faults it recovers from (logged, and the `error`
 * event), and the work it does on its own, in the background (dead-lettering
 * bad bodies and over-delivered messages), which `close()` waits for.
 */
export class Faults {
  /** Work done without a caller to tell; its failures are reported. */
  readonly #background = new BackgroundWork();
  readonly #logger: Logger;
  readonly #emit: EmitNatsSourceEvent;

  constructor(logger: Logger, emit: EmitNatsSourceEvent) {
    this.#logger = logger;
    this.#emit = emit;
  }

  report(error: unknown, operation: NatsOperation): void {
    const reported: ConveyorError = toNatsError(error, operation);
    this.#logger.warn({ err: reported, operation }, `NatsSource: ${reported.message}`);
    this.#emit('error', reported, { operation });
  }

  /** Runs `work` without a caller to tell: its failure is reported. */
  inBackground(work: Promise<void>, operation: NatsOperation): void {
    this.#background.add(work, (error: unknown) => this.report(error, operation));
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  settled(): Promise<void> {
    return this.#background.settled();
  }
}
