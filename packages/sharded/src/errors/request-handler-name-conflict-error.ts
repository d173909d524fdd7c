import { ConveyorError } from '@conveyor/core';

/** Two different request handler classes were registered under one name. */
export class RequestHandlerNameConflictError extends ConveyorError {
  /** The name both classes claim. */
  readonly handlerName: string;

  constructor(handlerName: string) {
    super(
      'REQUEST_HANDLER_NAME_CONFLICT',
      `Another request handler class is already registered as \`${handlerName}\`; give one of them a distinct static handlerName`,
    );
    this.handlerName = handlerName;
  }
}
