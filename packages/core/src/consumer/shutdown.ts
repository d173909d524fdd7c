import { ShutdownError } from '../errors/shutdown-error.js';
import { ShutdownTimeoutError } from '../errors/shutdown-timeout-error.js';
import type { Logger } from '../kit/logger.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import type { FlightGate } from '../pipeline/flight-gate.js';
import type { Executor } from '../threads/executor.js';

/** What the shutdown sequence stops, in order. */
export interface ShutdownPlan<M> {
  /** Aborts the pollers and resolves when they returned. */
  readonly stopPollers: () => Promise<void>;
  readonly gate: FlightGate;
  readonly dispatcher: Dispatcher<M>;
  readonly executor: Executor<M>;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Called when the drain outlasts `timeoutMs`, before running bulks are abandoned. */
  readonly onTimeout?: () => void;
}

/**
 * Stops polling, then drains: running and waiting bulks finish and are settled
 * within `timeoutMs`. Past it, waiting bulks go back to the source untouched,
 * running ones fail as their threads are destroyed. Closing the sources is the
 * caller's last step.
 */
export async function drainAndStop<M>(plan: ShutdownPlan<M>): Promise<void> {
  const { gate, dispatcher, executor, timeoutMs, logger } = plan;
  // A get() that ignores its signal must not hold shutdown forever.
  if (!(await settlesWithin(plan.stopPollers(), timeoutMs))) {
    logger.warn({ timeoutMs }, 'a source.get() ignored the abort signal; shutdown goes on without waiting for it');
  }
  if (await settlesWithin(gate.waitForEmpty(), timeoutMs)) {
    await executor.close();
    return;
  }
  plan.onTimeout?.();
  const error = new ShutdownTimeoutError(timeoutMs);
  logger.warn({ inFlight: gate.count }, error.message);
  const shutdownError = new ShutdownError();
  const nothingDone = { completedBulks: 0, currentBulk: 0, taken: 0, unit: false };
  for (const parcel of dispatcher.takePending()) await dispatcher.settle(parcel, { lost: shutdownError, progress: nothingDone });
  await executor.destroy();
  // An inline handler cannot be interrupted: stop waiting for it after a second timeout;
  // its messages were never cleaned up, so the source delivers them again.
  await settlesWithin(gate.waitForEmpty(), timeoutMs);
}

/** Resolves true when `promise` settles within `ms`, false after `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}
