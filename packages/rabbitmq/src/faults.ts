import type { ConveyorError, Logger } from '@conveyor/core';
import type { EmitRabbitMqSourceEvent } from './rabbitmq-source-events.js';

/**
 * Where the source reports the faults it recovers from (logged, and the `error`
 * event), and the work it does on its own in the background (dead-lettering bad
 * bodies), which `close()` waits for.
 */
export class Faults {
  readonly #logger: Logger;
  readonly #emit: EmitRabbitMqSourceEvent;
  readonly #background = new Set<Promise<void>>();

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
    const tracked = work.then(
      () => {},
      (error: unknown) => this.report(error as ConveyorError),
    );
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  /** Resolves once no background work is left (work started meanwhile included). */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }
}
