// The iterator rule, decided in this one place for inline handlers, pool threads
// and lost parcels alike: what a handler run consumed and what failed.
import { MessageNotTakenError } from '../errors/message-not-taken-error.js';
import { PoolThreadError } from '../errors/pool-thread-error.js';
import type { BulkReport, FailedGroup, ParcelReports, Settlement } from './bulk-report.js';
import type { Parcel } from './parcel.js';

/** How a parcel ended: its reports, or the error that lost it (a pool thread died). */
export type ParcelOutcome = { readonly reports: ParcelReports } | { readonly lost: unknown };

/**
 * Applies the rule to every bulk of a parcel:
 * - a fully consumed bulk (no report) is consumed;
 * - if the handler threw, the messages taken before the one it held are
 *   consumed, the held one and those never taken fail with the thrown error;
 * - if it returned, those never taken fail with `MessageNotTakenError`;
 * - messages marked with `bulk.fail()` fail with their reason;
 * - a lost parcel keeps the bulks the thread reported fully consumed before it
 *   died (`PoolThreadError.completedBulks`); the rest fail with the error.
 */
export function settleParcel<M>(parcel: Parcel<M>, outcome: ParcelOutcome): Settlement<M> {
  if ('lost' in outcome) return settleLost(parcel, outcome.lost);
  const { reports } = outcome;
  // The common case: everything consumed, cleaned up in one call, no copy.
  if (reports === undefined) return { consumed: parcel.messages as M[], failed: [] };
  const consumed: M[] = [];
  const failedByReason = new Map<unknown, M[]>();
  let notTaken: MessageNotTakenError | undefined;
  const notTakenError = (): MessageNotTakenError => (notTaken ??= new MessageNotTakenError());
  let start = 0;
  for (let index = 0; index < parcel.bulkSizes.length; index++) {
    const end = start + (parcel.bulkSizes[index] as number);
    const report = reports[index];
    if (report === undefined) for (let at = start; at < end; at++) consumed.push(parcel.messages[at] as M);
    else settleBulk(parcel.messages, start, end, report, notTakenError, consumed, failedByReason);
    start = end;
  }
  return { consumed, failed: toFailedGroups(failedByReason) };
}

/** The rule for one bulk given as its messages and report (undefined: all consumed). */
export function settleOne<M>(messages: readonly M[], report: BulkReport | undefined): Settlement<M> {
  return settleParcel({ messages, bulkSizes: [messages.length] }, { reports: report === undefined ? undefined : [report] });
}

function settleLost<M>(parcel: Parcel<M>, error: unknown): Settlement<M> {
  const completed = error instanceof PoolThreadError ? error.completedBulks : 0;
  let split = 0;
  for (let index = 0; index < completed; index++) split += parcel.bulkSizes[index] as number;
  const failed = parcel.messages.slice(split);
  return { consumed: parcel.messages.slice(0, split), failed: failed.length > 0 ? [{ messages: failed, error }] : [] };
}

/** The rule for messages `start` to `end` of `messages`, adding to `consumed` and `failedByReason`. */
function settleBulk<M>(
  messages: readonly M[],
  start: number,
  end: number,
  report: BulkReport,
  notTaken: () => unknown,
  consumed: M[],
  failedByReason: Map<unknown, M[]>,
): void {
  const size = end - start;
  const taken = Math.min(Math.max(report.taken, 0), size);
  const firstFailed = report.thrown === undefined ? taken : Math.max(taken - 1, 0);
  let marked: Map<number, unknown> | undefined;
  for (const [index, reason] of report.marked) {
    if (index < firstFailed && !(marked ??= new Map()).has(index)) marked.set(index, reason);
  }
  for (let index = 0; index < firstFailed; index++) {
    const message = messages[start + index] as M;
    if (marked?.has(index) === true) pushTo(failedByReason, marked.get(index), message);
    else consumed.push(message);
  }
  if (firstFailed < size) {
    const reason = report.thrown !== undefined ? report.thrown.error : notTaken();
    for (let index = firstFailed; index < size; index++) pushTo(failedByReason, reason, messages[start + index] as M);
  }
}

function toFailedGroups<M>(failedByReason: Map<unknown, M[]>): FailedGroup<M>[] {
  const failed: FailedGroup<M>[] = [];
  for (const [error, group] of failedByReason) failed.push({ messages: group, error });
  return failed;
}

function pushTo<M>(groups: Map<unknown, M[]>, key: unknown, message: M): void {
  const group = groups.get(key);
  if (group === undefined) groups.set(key, [message]);
  else group.push(message);
}
