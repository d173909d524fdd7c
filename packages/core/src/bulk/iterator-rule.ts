// The iterator rule, decided in this one place for inline handlers, pool threads
// and lost parcels alike: what a handler run consumed, what failed (charged or
// not), and what is suspect after a thread death or an uncaught error.
import { HandlerTimeoutError } from '../errors/handler-timeout-error.js';
import { MessageNotTakenError } from '../errors/message-not-taken-error.js';
import { ShutdownError } from '../errors/shutdown-error.js';
import type { BulkReport, FailedGroup, ParcelProgress, ParcelReports, Settlement } from './bulk-report.js';
import { KeyChains } from './key-chains.js';
import type { Parcel } from './parcel.js';

/** How a parcel ended: its reports, or the error that lost it (a pool thread died, timed out, shutdown) and how far it got. */
export type ParcelOutcome = { readonly reports: ParcelReports } | { readonly lost: unknown; readonly progress: ParcelProgress };

/**
 * Applies the rule to every bulk of a parcel:
 * - a fully consumed bulk (no report) is consumed;
 * - messages the handler never took go back uncharged (`MessageNotTakenError`);
 * - if the handler threw, the messages taken before the one it held are
 *   consumed and the held one fails with the thrown error (when it threw
 *   before taking any, the first message is held: some message is always
 *   charged, so a throwing handler cannot loop hot); after `bulk.all()`, all fail;
 * - messages marked with `bulk.fail()` fail with their reason;
 * - when the handler killed its thread or let an uncaught error escape, the
 *   messages it took are suspects, handled again one by one; a suspect handled
 *   alone (`parcel.isolated`) that fails that way again is charged;
 * - a lost parcel keeps the bulks its thread reported fully consumed; past
 *   `handlerTimeout` the held message fails; at shutdown nothing more is charged;
 * - in a parcel of key chains (`parcel.after`), a message whose key's message
 *   before it was not consumed never ran: it is held, and goes back to its lane.
 */
export function settleParcel<M>(parcel: Parcel<M>, outcome: ParcelOutcome): Settlement<M> {
  // The common case: everything consumed, cleaned up in one call, no copy.
  if ('reports' in outcome && outcome.reports === undefined) return { consumed: parcel.messages as M[], failed: [], suspects: [] };
  const builder = new SettlementBuilder(parcel.messages, parcel.isolated === true);
  if (parcel.after !== undefined) settleChained(parcel, parcel.after, outcome, builder);
  else if ('lost' in outcome) settleLost(parcel, outcome.lost, outcome.progress, builder);
  else {
    const reports = outcome.reports as NonNullable<ParcelReports>;
    let start = 0;
    for (let index = 0; index < parcel.bulkSizes.length; index++) {
      const end = start + (parcel.bulkSizes[index] as number);
      const report = reports[index];
      if (report === undefined) builder.consume(start, end);
      else settleBulk(builder, start, end, report);
      start = end;
    }
  }
  return builder.build();
}

/** The rule for one bulk given as its messages and report (undefined: all consumed). */
export function settleOne<M>(messages: readonly M[], report: BulkReport | undefined): Settlement<M> {
  return settleParcel({ messages, bulkSizes: [messages.length] }, { reports: report === undefined ? undefined : [report] });
}

function settleBulk<M>(builder: SettlementBuilder<M>, start: number, end: number, report: BulkReport): void {
  const size = end - start;
  const taken = Math.min(Math.max(report.taken, 0), size);
  const marks = marksOf(report);
  if (report.uncaught !== undefined) {
    builder.suspect(start, start + Math.max(taken, 1), report.uncaught.error, marks, start);
    builder.notTaken(start + Math.max(taken, 1), end);
    return;
  }
  if (report.thrown !== undefined) {
    const error = report.thrown.error;
    if (report.unit === true) return builder.fail(start, end, error, marks, start);
    const held = Math.max(taken, 1) - 1;
    builder.consumeMarked(start, start + held, marks, start);
    builder.fail(start + held, start + held + 1, error, marks, start);
    builder.notTaken(start + held + 1, end);
    return;
  }
  builder.consumeMarked(start, start + taken, marks, start);
  builder.notTaken(start + taken, end);
}

function settleLost<M>(parcel: Parcel<M>, error: unknown, progress: ParcelProgress, builder: SettlementBuilder<M>): void {
  const bulks = parcel.bulkSizes;
  if (diedDecoding(error, progress)) return builder.suspect(0, parcel.messages.length, error);
  let start = 0;
  for (let index = 0; index < bulks.length; index++) {
    const end = start + (bulks[index] as number);
    settleLostBulk(builder, index, start, end, error, progress);
    start = end;
  }
}

/** The thread died before any handler took a message (while decoding?): any message of the parcel may be the cause. */
function diedDecoding(error: unknown, progress: ParcelProgress): boolean {
  if (error instanceof ShutdownError || error instanceof HandlerTimeoutError) return false;
  return progress.taken === 0 && progress.completedBulks === 0 && progress.currentBulk === 0;
}

function settleLostBulk<M>(
  builder: SettlementBuilder<M>,
  index: number,
  start: number,
  end: number,
  error: unknown,
  progress: ParcelProgress,
): void {
  if (index < progress.completedBulks) builder.consume(start, end);
  else if (error instanceof ShutdownError) builder.fail(start, end, error);
  else if (index > progress.currentBulk) builder.notTaken(start, end);
  else if (index < progress.currentBulk)
    builder.suspect(start, end, error); // it ran, its report was lost
  else if (error instanceof HandlerTimeoutError) {
    settleBulk(builder, start, end, { taken: progress.taken, thrown: { error }, marked: [], ...(progress.unit ? { unit: true } : {}) });
  } else {
    const taken = progress.taken === 0 || progress.unit ? end - start : Math.min(progress.taken, end - start);
    builder.suspect(start, start + taken, error);
    builder.notTaken(start + taken, end);
  }
}

/**
 * The rule for a parcel of key chains: each bulk is read against the view its
 * handler saw (`KeyChains`), and the messages held out of it stay with the consumer.
 */
function settleChained<M>(parcel: Parcel<M>, after: Int32Array, outcome: ParcelOutcome, builder: SettlementBuilder<M>): void {
  const chains = new KeyChains(after);
  const lost = 'lost' in outcome ? outcome : undefined;
  const reports = 'reports' in outcome ? outcome.reports : undefined;
  if (lost !== undefined && diedDecoding(lost.lost, lost.progress)) {
    // Any message may be the cause: the first of each key is a suspect, its followers wait behind it.
    for (let index = 0; index < after.length; index++) {
      if ((after[index] ?? -1) < 0) builder.suspect(index, index + 1, lost.lost);
      else builder.hold([index]);
    }
    return;
  }
  let start = 0;
  for (let index = 0; index < parcel.bulkSizes.length; index++) {
    const end = start + (parcel.bulkSizes[index] as number);
    const view = chains.view(start, end);
    if (view !== undefined) {
      builder.hold(view.held);
      builder.view(view.positions);
    }
    const size = view === undefined ? end - start : view.positions.length;
    const first = view === undefined ? start : 0;
    if (lost !== undefined) {
      settleLostBulk(builder, index, first, first + size, lost.lost, lost.progress);
      if (index >= lost.progress.completedBulks) chains.lost(start, end, view);
    } else {
      const report = reports?.[index];
      if (report === undefined) builder.consume(first, first + size);
      else settleBulk(builder, first, first + size, report);
      chains.ran(start, end, view, report);
    }
    builder.view(undefined);
    start = end;
  }
}

function marksOf(report: BulkReport): Map<number, unknown> | undefined {
  let marks: Map<number, unknown> | undefined;
  for (const [index, reason] of report.marked) if (!(marks ??= new Map()).has(index)) marks.set(index, reason);
  return marks;
}

/** Collects the verdicts of one parcel; bulks are ranges of its messages. */
class SettlementBuilder<M> {
  readonly #messages: readonly M[];
  readonly #isolated: boolean;
  readonly #consumed: M[] = [];
  readonly #failed = new Map<unknown, M[]>();
  readonly #suspects: M[] = [];
  #held: M[] | undefined;
  /** While set, indexes given to the methods below are into this view (parcel indexes) rather than the parcel. */
  #view: readonly number[] | undefined;
  #notTaken: MessageNotTakenError | undefined;

  constructor(messages: readonly M[], isolated: boolean) {
    this.#messages = messages;
    this.#isolated = isolated;
  }

  /** Reads the indexes given from now on as indexes into `positions` (undefined: into the parcel). */
  view(positions: readonly number[] | undefined): void {
    this.#view = positions;
  }

  /** Messages (parcel indexes) held out of their bulk: they go back to their lane. */
  hold(indexes: readonly number[]): void {
    for (const index of indexes) (this.#held ??= []).push(this.#messages[index] as M);
  }

  consume(from: number, to: number): void {
    for (let at = from; at < to; at++) this.#consumed.push(this.#message(at));
  }

  /** Consumed, but for those `bulk.fail()` marked (mark indexes count from `bulkStart`). */
  consumeMarked(from: number, to: number, marks: Map<number, unknown> | undefined, bulkStart: number): void {
    if (marks === undefined) return this.consume(from, to);
    for (let at = from; at < to; at++) {
      const index = at - bulkStart;
      if (marks.has(index)) this.#push(marks.get(index), at);
      else this.#consumed.push(this.#message(at));
    }
  }

  /** Charged failures with `error` (or their mark's reason). */
  fail(from: number, to: number, error: unknown, marks?: Map<number, unknown>, bulkStart = from): void {
    for (let at = from; at < to; at++) {
      const index = at - bulkStart;
      this.#push(marks?.has(index) === true ? marks.get(index) : error, at);
    }
  }

  /** Never handed to the handler: uncharged. */
  notTaken(from: number, to: number): void {
    if (from >= to) return;
    this.#notTaken ??= new MessageNotTakenError();
    for (let at = from; at < to; at++) this.#push(this.#notTaken, at);
  }

  /** Suspects of a thread death or uncaught error: isolated, or charged when already isolated. */
  suspect(from: number, to: number, error: unknown, marks?: Map<number, unknown>, bulkStart = from): void {
    for (let at = from; at < to; at++) {
      const index = at - bulkStart;
      if (marks?.has(index) === true) this.#push(marks.get(index), at);
      else if (this.#isolated) this.#push(error, at);
      else this.#suspects.push(this.#message(at));
    }
  }

  build(): Settlement<M> {
    const failed: FailedGroup<M>[] = [];
    for (const [error, group] of this.#failed) failed.push({ messages: group, error });
    return { consumed: this.#consumed, failed, suspects: this.#suspects, ...(this.#held === undefined ? {} : { held: this.#held }) };
  }

  #message(at: number): M {
    return this.#messages[this.#view === undefined ? at : (this.#view[at] as number)] as M;
  }

  #push(reason: unknown, at: number): void {
    const group = this.#failed.get(reason);
    const message = this.#message(at);
    if (group === undefined) this.#failed.set(reason, [message]);
    else group.push(message);
  }
}
