import { ConveyorError } from '@conveyor/core';

/** A stored thread names a request handler this process has not registered; the thread is skipped, not handled. */
export class UnknownRequestHandlerError extends ConveyorError {
  /** The name stored in the thread's key. */
  readonly handlerName: string;

  constructor(handlerName: string) {
    super(
      'UNKNOWN_REQUEST_HANDLER',
      `No request handler named \`${handlerName}\` is registered; add its class with queue.requestHandlers.add() (or new Queue(storage, { requestHandlers }))`,
    );
    this.handlerName = handlerName;
  }
}
