import { ConveyorError } from '@conveyor/core';

/** A stored thread names a handler this process has not registered; the thread is skipped, not handled. */
export class UnknownHandlerError extends ConveyorError {
  readonly handler: string;

  constructor(handler: string) {
    super(
      'UNKNOWN_HANDLER',
      `No handler named \`${handler}\` is registered; add its class with queue.handlers.add() (or new Queue(storage, { handlers }))`,
    );
    this.handler = handler;
  }
}

/** Two different handler classes were registered under one name. */
export class HandlerNameConflictError extends ConveyorError {
  readonly handler: string;

  constructor(handler: string) {
    super(
      'HANDLER_NAME_CONFLICT',
      `Another handler class is already registered as \`${handler}\`; give one of them a distinct static handlerName`,
    );
    this.handler = handler;
  }
}

/** `Handler.route()` returned something that is not a route for each request, or a route a handler does not allow. */
export class InvalidRouteError extends ConveyorError {
  constructor(message: string) {
    super('INVALID_ROUTE', message);
  }
}

/** A request cannot be stored (the serializer gave no string). */
export class InvalidRequestError extends ConveyorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REQUEST', message, options);
  }
}

/** A stored message could not be deserialized; it goes to the dead letters. */
export class MalformedMessageError extends ConveyorError {
  readonly tube: string;
  readonly storedMessage: string;

  constructor(tube: string, storedMessage: string, cause: unknown) {
    super('MALFORMED_MESSAGE', `A message in tube \`${tube}\` cannot be deserialized; it goes to the dead letters`, { cause });
    this.tube = tube;
    this.storedMessage = storedMessage;
  }
}
