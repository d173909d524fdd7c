import { ConveyorError } from './conveyor-error.js';

/** Bulks still running when `shutdownTimeout` passed were abandoned (and go back to the source). */
export class ShutdownTimeoutError extends ConveyorError {
  constructor(timeoutMs: number) {
    super('SHUTDOWN_TIMEOUT', `Shutdown did not drain within ${timeoutMs} ms; running bulks were abandoned`);
  }
}
