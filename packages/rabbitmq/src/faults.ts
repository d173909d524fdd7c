import { BackgroundWork } from '@conveyor/core/kit';
import type { ConveyorError, Logger } from '@conveyor/core';
import type { EmitRabbitMqSourceEvent } from './rabbitmq-source-events.js';

/**
 * Where the source reports the faults it recovers from (logged, and the `error`
 * event), and the work it does on its own in the background (dead-lettering bad
 * bodies), which `close()` waits for.
 */
export class Faults {
  /** Work done without a caller to tell; its failures are reported. */
  readonly #background = new BackgroundWork();
  readonly #logger: Logger;
  readonly #emit: EmitRabbitMqSourceEvent;

  constructor(logger: Logger, emit: EmitRabbitMqSourceEvent) {
    this.#logger = logger;
    this.#emit = emit;
  }

  report(error: ConveyorError): void {
    this.#logger.warn({ err: error }, `RabbitMqSource: ${error.message}`);
    this.#emit('error', error);
  }

  /** Runs `work` with no caller to tell: its failure is reported. */
  inBackground(work: Promise<unknown>): void {
    this.#background.add(work, (error: unknown) => this.report(error as ConveyorError));
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  settled(): Promise<void> {
    return this.#background.settled();
  }
}
