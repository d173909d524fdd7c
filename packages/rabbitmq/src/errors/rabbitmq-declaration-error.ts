import { ConveyorError } from '@conveyor/core';

/** What a `RabbitMqDeclarationError` says differs. */
export interface DeclarationDifference {
  /** `queue` or `exchange`. */
  readonly kind: 'queue' | 'exchange';
  /** Its name. */
  readonly resource: string;
  /** The vhost it lives in. */
  readonly vhost: string;
  /** The argument or property that differs: `x-queue-type`, `durable`, `type`, `x-single-active-consumer`... */
  readonly argument: string;
  /** What this declaration asked for, as the broker printed it (`'classic'`, `none`...). */
  readonly given: string;
  /** What the existing queue or exchange has. */
  readonly current: string;
}

/**
 * A queue or exchange exists with other arguments than the source or sender
 * declares it with (the broker's `PRECONDITION_FAILED - inequivalent arg`).
 * The source never redeclares it differently: change the options to match,
 * or delete the queue or exchange.
 */
export class RabbitMqDeclarationError extends ConveyorError {
  readonly kind: 'queue' | 'exchange';
  readonly resource: string;
  readonly vhost: string;
  readonly argument: string;
  readonly given: string;
  readonly current: string;

  constructor(difference: DeclarationDifference, hint: string | undefined, cause?: unknown) {
    const { kind, resource, vhost, argument, given, current } = difference;
    super(
      'RABBITMQ_DECLARATION',
      `The ${kind} ${JSON.stringify(resource)} in vhost ${JSON.stringify(vhost)} exists with ${argument} = ${current}, ` +
        `but this declaration asks for ${argument} = ${given}; it is never redeclared differently` +
        (hint === undefined ? '' : `: ${hint}`),
      { cause },
    );
    this.kind = kind;
    this.resource = resource;
    this.vhost = vhost;
    this.argument = argument;
    this.given = given;
    this.current = current;
  }
}
