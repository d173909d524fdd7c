import type { ParcelProgress } from '../bulk/bulk-report.js';
import type { ParcelWatcher } from '../bulk/run-handler.js';

// Slots of a parcel's progress, shared between the main thread and the pool
// thread running it: if the thread dies or hangs, main still knows how far it got.
const COMPLETED = 0; // leading bulks fully consumed
const CURRENT = 1; // the bulk running
const TAKEN = 2; // messages taken from it
const UNIT = 3; // 1 when it was taken with bulk.all()
const THREAD = 4; // the pool thread's id
const intSlots = 6; // 24 bytes, so the Float64 slot below is aligned
const STARTED = 0; // Float64: when the running bulk started (Date.now())

/** One task's shared progress: written by the pool thread, read by main when the task is lost or slow. */
export class ProgressSlot {
  readonly buffer = new SharedArrayBuffer(intSlots * 4 + 8);
  readonly #ints = new Int32Array(this.buffer, 0, intSlots);
  readonly #times = new Float64Array(this.buffer, intSlots * 4, 1);

  reset(): void {
    this.#ints.fill(0);
    this.#times[STARTED] = 0;
  }

  /** How far the task got. */
  read(): ParcelProgress {
    return {
      completedBulks: Atomics.load(this.#ints, COMPLETED),
      currentBulk: Atomics.load(this.#ints, CURRENT),
      taken: Atomics.load(this.#ints, TAKEN),
      unit: Atomics.load(this.#ints, UNIT) === 1,
    };
  }

  /** The pool thread running the task (0 until it started). */
  get threadId(): number {
    return Atomics.load(this.#ints, THREAD);
  }

  /** The bulk running now and when it started. */
  get running(): { readonly bulk: number; readonly startedAt: number } {
    return { bulk: Atomics.load(this.#ints, CURRENT), startedAt: this.#times[STARTED] as number };
  }
}

/** Reuses progress slots, so a parcel costs no shared-memory allocation. */
export class ProgressSlots {
  readonly #free: ProgressSlot[] = [];

  take(): ProgressSlot {
    const slot = this.#free.pop() ?? new ProgressSlot();
    slot.reset();
    return slot;
  }

  give(slot: ProgressSlot): void {
    if (this.#free.length < 64) this.#free.push(slot);
  }
}

/** The pool thread's side: publishes the progress of the parcel it runs. */
export class ProgressWriter implements ParcelWatcher {
  readonly #ints: Int32Array;
  readonly #times: Float64Array;
  readonly #timed: boolean;

  /** `timed`: publish when each bulk started (main enforces a handler timeout against it). */
  constructor(buffer: SharedArrayBuffer, threadId: number, timed = true) {
    this.#ints = new Int32Array(buffer, 0, intSlots);
    this.#times = new Float64Array(buffer, intSlots * 4, 1);
    this.#timed = timed;
    Atomics.store(this.#ints, THREAD, threadId);
  }

  bulkStarted(index: number, prefixConsumed: boolean): void {
    if (prefixConsumed) Atomics.store(this.#ints, COMPLETED, index);
    Atomics.store(this.#ints, TAKEN, 0);
    Atomics.store(this.#ints, UNIT, 0);
    if (this.#timed) this.#times[STARTED] = Date.now();
    Atomics.store(this.#ints, CURRENT, index);
  }

  taken(taken: number, unit: boolean): void {
    Atomics.store(this.#ints, TAKEN, taken);
    if (unit) Atomics.store(this.#ints, UNIT, 1);
  }
}
