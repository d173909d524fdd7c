import { ConveyorError } from '@conveyor/core';

/** `RequestHandler.route()` returned something that is not a route for each request, or a route its class does not allow. */
export class InvalidRouteError extends ConveyorError {
  constructor(message: string) {
    super('INVALID_ROUTE', message);
  }
}
