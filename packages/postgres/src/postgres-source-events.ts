import type { PostgresError } from './errors/postgres-error.js';

/** Events of a `PostgresSource` (`source.on(name, listener)`); a throwing listener is logged, never thrown at a poller. */
export interface PostgresSourceEvents {
  /** A fault the source recovered from (a lost connection, a failed LISTEN, a background dead-lettering that failed). */
  error: [error: PostgresError];
  /** Rows moved to the dead-letter table by the source itself on claim (a body that does not decode, received too often), with why. */
  deadLettered: [ids: readonly string[], reason: string];
}

/** How the source's parts emit its events. */
export type EmitPostgresSourceEvent = <E extends keyof PostgresSourceEvents>(event: E, ...args: PostgresSourceEvents[E]) => void;
