import { ConveyorError } from '@conveyor/core';

/** The `/metrics` server could not listen (port in use, no permission, bad host). */
export class MetricsServerError extends ConveyorError {
  readonly port: number;
  readonly host: string;

  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    const reason =
      code === 'EADDRINUSE'
        ? 'the port is in use'
        : code === 'EACCES'
          ? 'permission denied'
          : cause instanceof Error
            ? cause.message
            : String(cause);
    super('METRICS_SERVER', `Cannot serve metrics on ${host}:${port}: ${reason}`, { cause });
    this.host = host;
    this.port = port;
  }
}
