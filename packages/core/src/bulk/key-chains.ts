import type { BulkReport } from './bulk-report.js';

/**
 * Which messages of one bulk a handler run sees (`positions`, parcel indexes in
 * order) and which it does not (`held`: their key's message before them failed).
 */
export interface BulkView {
  readonly positions: readonly number[];
  readonly held: readonly number[];
}

/**
 * Key chains in a parcel of ordered lanes. A parcel may carry several messages
 * of one key, in arrival order, each in a later bulk than the one before it
 * (`Parcel.after` names that one). A message runs only if its key's message
 * before it in the parcel was consumed; otherwise it is *held*: never handed to
 * the handler, it goes back to its lane behind the one that failed, so a key's
 * messages are never handed out around a failure. The pool thread (to decide
 * what each handler run sees) and the settlement on the main thread (to read
 * the reports against the same views) walk the bulks with this one class, so
 * both agree without sending the views across. See docs/adr/0006-ordered-lanes.md.
 */
export class KeyChains {
  readonly #after: Int32Array;
  /** 1 for a message that did not run to consumption (failed, held, suspect, not taken). */
  readonly #unconsumed: Uint8Array;
  /** Some message was not consumed: until then every bulk runs whole. */
  #anyUnconsumed = false;

  constructor(after: Int32Array) {
    this.#after = after;
    this.#unconsumed = new Uint8Array(after.length);
  }

  /**
   * The view of the bulk of parcel indexes `start` to `end`, given how the
   * bulks before it went; undefined when it runs whole (nothing of it is held).
   */
  view(start: number, end: number): BulkView | undefined {
    if (!this.#anyUnconsumed) return undefined;
    let held: number[] | undefined;
    for (let index = start; index < end; index++) {
      const before = this.#after[index] ?? -1;
      if (before >= 0 && this.#unconsumed[before] === 1) (held ??= []).push(index);
    }
    if (held === undefined) return undefined;
    const positions: number[] = [];
    for (let index = start, next = 0; index < end; index++) {
      if (held[next] === index) {
        this.#unconsumed[index] = 1;
        next++;
      } else positions.push(index);
    }
    return { positions, held };
  }

  /** The bulk `start` to `end`, seen as `view` (undefined: whole), ended with `report` (undefined: all consumed). */
  ran(start: number, end: number, view: BulkView | undefined, report: BulkReport | undefined): void {
    if (report === undefined) return;
    const size = view === undefined ? end - start : view.positions.length;
    const consumed = consumedBy(report, size);
    for (let at = 0; at < size; at++) {
      if (consumed(at)) continue;
      this.#unconsumed[view === undefined ? start + at : (view.positions[at] as number)] = 1;
      this.#anyUnconsumed = true;
    }
  }

  /** The bulk `start` to `end`, seen as `view`, did not run to consumption (its parcel was lost). */
  lost(start: number, end: number, view: BulkView | undefined): void {
    const positions = view?.positions;
    const size = positions === undefined ? end - start : positions.length;
    for (let at = 0; at < size; at++) this.#unconsumed[positions === undefined ? start + at : (positions[at] as number)] = 1;
    if (size > 0) this.#anyUnconsumed = true;
  }
}

/**
 * Which of a bulk's `size` messages its report counts as consumed: the same
 * verdicts as the iterator rule (`settleParcel`), as a predicate over indexes.
 */
export function consumedBy(report: BulkReport, size: number): (index: number) => boolean {
  if (report.uncaught !== undefined || (report.thrown !== undefined && report.unit === true)) return () => false;
  const taken = Math.min(Math.max(report.taken, 0), size);
  const end = report.thrown === undefined ? taken : Math.max(taken, 1) - 1;
  if (report.marked.length === 0) return (index) => index < end;
  const marked = new Set(report.marked.map(([index]) => index));
  return (index) => index < end && !marked.has(index);
}
