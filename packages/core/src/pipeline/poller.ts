import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { InvalidSourceError } from '../errors/invalid-source-error.js';
import { backoffDelay } from '../kit/backoff.js';
import { sleep } from '../kit/sleep.js';
import type { Source } from '../sources/source.js';
import type { FlightGate } from './flight-gate.js';

export interface PollerContext<M> {
  /** The source poller `i` polls (each poller thread is a source of its own). */
  readonly sourceFor: (poller: number) => Source<M>;
  readonly gate: FlightGate;
  readonly pollInterval: number;
  readonly maxPollBackoff: number;
  /** How many pollers share the in-flight limit: one get() asks for at most its share. */
  readonly pollers: number;
  /** Called with every non-empty bulk `get()` returned; the gate already counts its messages. */
  readonly onReceived: (poller: number, messages: readonly M[]) => void;
}

const emptyBackoffBaseMs = 10;

/**
 * One polling loop: waits for room under `maxInFlight`, calls `get()`, hands the
 * result on. Resolves when `signal` aborts; rejects (the poller dies) when `get()`
 * throws, so the supervisor can report it and revive the poller with backoff.
 */
export async function runPoller<M>(context: PollerContext<M>, poller: number, signal: AbortSignal, onHealthy: () => void): Promise<void> {
  let emptyPolls = 0;
  while (!signal.aborted) {
    await context.gate.waitForRoom(signal);
    if (signal.aborted) return;
    if (context.gate.paused) continue;
    const reserved = context.gate.reserve(context.gate.share(context.pollers));
    if (reserved === 0) continue;
    let messages: readonly M[];
    try {
      messages = await context.sourceFor(poller).get(signal, { maxMessages: reserved });
    } catch (error) {
      context.gate.commit(reserved, 0);
      // A get() interrupted by shutdown is not a death.
      if (signal.aborted) return;
      throw error;
    }
    if (!Array.isArray(messages)) {
      context.gate.commit(reserved, 0);
      throw new InvalidSourceError(`source.get() must resolve to an array of messages (empty when there are none), got ${typeof messages}`);
    }
    // The reservation becomes the received messages' share; a source that returned
    // more than asked still counts in full (its messages are in flight all the same).
    context.gate.commit(reserved, messages.length);
    onHealthy();
    if (messages.length === 0) {
      emptyPolls++;
      await sleep(
        Math.max(context.pollInterval, backoffDelay(emptyPolls, { baseMs: emptyBackoffBaseMs, capMs: context.maxPollBackoff })),
        signal,
      );
      continue;
    }
    emptyPolls = 0;
    context.onReceived(poller, messages);
    if (context.pollInterval > 0) await sleep(context.pollInterval, signal);
    // A source that answers from memory resolves at once; without a macrotask turn here,
    // get → handle → release → get could spin on microtasks and starve timers and I/O.
    else await setImmediatePromise();
  }
}
