import type { Clock } from '../kit/clock.js';
import type { FlightGate } from './flight-gate.js';

/**
 * How much work the window keeps in flight: this many milliseconds of messages
 * at the measured settle rate. Enough that the hop to the threads and back never
 * starves them (a parcel's round trip is well under it), little enough that a
 * consumer of slow messages does not hoard what other consumers could take.
 */
const bufferMs = 250;
/**
 * Rates are measured over at least this long, so one parcel's burst does not
 * swing the limit, or over a whole floor of messages when those settle sooner
 * (a fast pipeline deepens within its first milliseconds, not after a sample).
 */
const sampleMs = 100;

/**
 * Sizes the flight gate's limit from the rate at which messages settle, between
 * a floor and a ceiling, when the user did not fix `maxInFlight`. Little's law:
 * the messages in flight bound the rate to in-flight / round-trip time, so a
 * fixed small limit starves fast pipelines and a fixed large one hoards slow ones.
 */
export class FlightWindow {
  readonly #gate: FlightGate;
  readonly #floor: number;
  readonly #ceiling: number;
  readonly #clock: Clock;
  #settled = 0;
  #since: number;

  constructor(gate: FlightGate, floor: number, ceiling: number, clock: Clock) {
    this.#gate = gate;
    this.#floor = floor;
    this.#ceiling = ceiling;
    this.#clock = clock;
    this.#since = clock.now();
  }

  /** `messages` settled: once a sample is long enough, the gate's limit follows the rate. */
  settled(messages: number): void {
    this.#settled += messages;
    const now = this.#clock.now();
    const elapsed = now - this.#since;
    if (elapsed < sampleMs && (this.#settled < this.#floor || elapsed <= 0)) return;
    const wanted = Math.round((this.#settled / elapsed) * bufferMs);
    this.#gate.resize(Math.min(this.#ceiling, Math.max(this.#floor, wanted)));
    this.#settled = 0;
    this.#since = now;
  }
}
