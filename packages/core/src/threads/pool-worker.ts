// Runs inside every pool thread: loads the user's handler once, then runs parcels of bulks.
// Each bulk runs in its own async context, so an uncaught error (a timer, a rejected
// promise nobody awaited) is blamed on the bulk whose handler started that work.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { BulkReport } from '../bulk/bulk-report.js';
import type { Bulk } from '../bulk/bulk.js';
import type { Handler } from '../bulk/handler.js';
import { runParcel } from '../bulk/run-handler.js';
import { moduleExports } from '../kit/module-exports.js';
import { loadSourceModule } from '../sources/source-module.js';
import { ProgressWriter } from './parcel-progress.js';
import type { PoolTask, PoolTaskResult, PoolThreadNotice, PoolWorkerData, RecycleReason } from './pool-protocol.js';
import { recycleCodes } from './pool-protocol.js';
import { toWireError } from './wire-error.js';
import type { WireError } from './wire-error.js';
import { decodeParcel } from './wire-format.js';
import { warmUpMark, warmUpTasks } from './warm-up.js';

const data = workerData as PoolWorkerData;
let handlerLoading: Promise<Handler<unknown>> | undefined;
let warmUpParcel: Extract<PoolTask, { kind: 'parcel' }> | undefined;

/** Which bulk of which task a piece of async work belongs to. */
interface BulkContext {
  readonly task: number;
  readonly bulk: number;
}

/** The task running now, and the uncaught errors blamed on its bulks. */
interface RunningTask {
  readonly task: number;
  currentBulk: number;
  readonly blame: Map<number, unknown>;
}

/** The bulk whose handler started the work running now (undefined between parcels). */
const context = new AsyncLocalStorage<BulkContext | undefined>();
let tasks = 0;
let bulksHandled = 0;
const recycleTable = new Int32Array(data.recycle.table);
let running: RunningTask | undefined;

function onUncaught(error: unknown): void {
  const origin = context.getStore();
  if (running !== undefined && (origin === undefined || origin.task === running.task)) {
    // Work of the running parcel; with no context at all, blame the bulk running (it becomes suspect, not charged).
    const bulk = origin?.bulk ?? running.currentBulk;
    if (!running.blame.has(bulk)) running.blame.set(bulk, error);
    return;
  }
  // Work of a parcel already reported: no bulk can be failed any more; say so.
  const notice: PoolThreadNotice = { conveyorUncaught: toWireError(error), threadId };
  parentPort?.postMessage(notice);
}
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

async function loadHandler(): Promise<Handler<unknown>> {
  if (data.initializer !== undefined) {
    const initializer = moduleExports((await import(data.initializer)) as Record<string, unknown>);
    if (typeof initializer['default'] === 'function') await (initializer['default'] as () => unknown)();
  }
  const spec = data.handler;
  let loaded: Record<string, unknown>;
  try {
    loaded = moduleExports((await import(spec.module)) as Record<string, unknown>);
  } catch (error) {
    const what = spec.kind === 'module' ? 'handler module' : 'source module';
    throw new Error(`Cannot import ${what} ${spec.module}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const exported = loaded[spec.export];
  if (spec.kind === 'source') return sourceHandler(spec, exported);
  if (typeof exported !== 'function') {
    const names = Object.keys(loaded).join(', ') || 'nothing';
    throw new Error(
      `Handler module ${spec.module} has no function export \`${spec.export}\` (it exports: ${names}); ` +
        'write `export default function handler(bulk) { for (const message of bulk) { ... } }`',
    );
  }
  return exported as Handler<unknown>;
}

/** The `handler` of a source class: static, or of an instance this thread builds (its get/cleanup are never called here). */
async function sourceHandler(spec: Extract<PoolWorkerData['handler'], { kind: 'source' }>, exported: unknown): Promise<Handler<unknown>> {
  const staticHandler = (exported as { handler?: unknown } | undefined)?.handler;
  if (typeof exported === 'function' && typeof staticHandler === 'function') return (staticHandler as Handler<unknown>).bind(exported);
  const source = await loadSourceModule<unknown>(spec);
  if (typeof source.handler !== 'function') {
    throw new Error(
      `The source built by \`${spec.export}\` of ${spec.module} has no handler method, and the consumer has no \`handler\` or \`handlerModule\`: ` +
        'add `handler(bulk) { for (const message of bulk) { ... } }` to the class, or give `handlerModule`',
    );
  }
  return source.handler.bind(source);
}

export default async function runTask(task: PoolTask): Promise<PoolTaskResult> {
  if (task.kind === 'probe') {
    try {
      await (handlerLoading ??= loadHandler());
    } catch (error) {
      handlerLoading = undefined;
      return { error: toWireError(error) };
    }
    await warmUp();
    return {};
  }
  if (task.kind === 'warm-up') {
    // The same path through piscina's messaging as a real parcel, both ways (one synthetic parcel, built once).
    warmUpParcel ??= warmUpTasks(1)[0] as Extract<PoolTask, { kind: 'parcel' }>;
    const { reports } = await handleParcel(warmUpParcel, walkOnly);
    return { reports: toWireReports(reports), busyMs: 0, threadId };
  }
  const handler = await (handlerLoading ??= loadHandler());
  const started = performance.now();
  const { reports, bulks } = await handleParcel(task, handler);
  const busyMs = performance.now() - started;
  bulksHandled += bulks;
  const recycle = recycleReason();
  if (recycle !== undefined) Atomics.store(recycleTable, threadId % recycleTable.length, recycleCodes[recycle]);
  const ending = recycle === undefined ? {} : { recycle };
  return { reports: toWireReports(reports), busyMs, threadId, ...ending };
}

/**
 * Runs the per-parcel path (decode, cursors, progress, reports) on synthetic
 * parcels with a handler that only walks its bulks — never the user's — so a
 * new thread's first real parcels do not pay for cold code: they ran about 20×
 * slower per message, which a small drain paid in full.
 */
async function warmUp(): Promise<void> {
  for (const task of warmUpTasks()) toWireReports((await handleParcel(task, walkOnly)).reports);
}

/** The warm-up handler: walks its bulk, marking its second message failed (so the report path runs too). */
function walkOnly(bulk: Bulk<unknown>): void {
  let index = 0;
  for (const message of bulk) if (index++ === 1) bulk.fail(message, warmUpMark);
}

/** One parcel through the handler, in its async context, with its uncaught errors blamed on their bulks. */
async function handleParcel(
  task: Extract<PoolTask, { kind: 'parcel' }>,
  handler: Handler<unknown>,
): Promise<{ readonly reports: (BulkReport | undefined)[] | undefined; readonly bulks: number }> {
  const state: RunningTask = { task: ++tasks, currentBulk: 0, blame: new Map() };
  running = state;
  let reports: (BulkReport | undefined)[] | undefined;
  let bulkSizes: ArrayLike<number>;
  try {
    const progress = new ProgressWriter(task.progress, threadId, data.timedBulks);
    // A bulk blamed for an uncaught error is not consumed: the consumed prefix stops before it.
    const watcher = {
      bulkStarted: (index: number, prefixConsumed: boolean): void => progress.bulkStarted(index, prefixConsumed && state.blame.size === 0),
      taken: (taken: number, unit: boolean): void => progress.taken(taken, unit),
    };
    const parcel = decodeParcel(task.wire);
    bulkSizes = parcel.bulkSizes;
    // One async-context frame a bulk: enterWith(), where run() would make two (one to enter, one to
    // restore). Once the bulks have run, or the first awaits, this thread leaves the last bulk's frame
    // (below), so it does not carry into what follows: piscina's reply, the next task.
    const handled = runParcel(
      handler,
      parcel.messages,
      parcel.bulkSizes,
      watcher,
      (bulk, run) => {
        state.currentBulk = bulk;
        // Blamed already: the bulk counts as not consumed before the next one runs (key chains hold its keys' followers).
        const withBlame = (report: BulkReport | undefined): BulkReport | undefined => {
          const blamed = state.blame.get(bulk);
          return blamed === undefined
            ? report
            : { ...(report ?? { taken: bulkSizes[bulk] ?? 0, marked: [] }), uncaught: { error: blamed } };
        };
        context.enterWith({ task: state.task, bulk });
        // A synchronous handler's run is a value: no promise, no tick (see runHandlerNow).
        const ran = run();
        return ran instanceof Promise ? ran.then(withBlame) : withBlame(ran);
      },
      task.traceContext,
      task.after,
    );
    context.enterWith(undefined);
    reports = await handled;
    // Work the handlers left behind that fails at once (a rejected promise nobody
    // awaited, an immediate) is still blamed on its bulk, not on the next parcel.
    await nextTurn();
  } finally {
    running = undefined;
  }
  for (const [bulk, error] of state.blame) {
    const report = reports?.[bulk];
    (reports ??= new Array<BulkReport | undefined>(bulkSizes.length))[bulk] = {
      ...(report ?? { taken: bulkSizes[bulk] ?? 0, marked: [] }),
      uncaught: { error },
    };
  }
  return { reports, bulks: bulkSizes.length };
}

function toWireReports(reports: (BulkReport | undefined)[] | undefined): (BulkReport<WireError> | null)[] | null {
  if (reports === undefined) return null;
  const wire: (BulkReport<WireError> | null)[] = new Array<BulkReport<WireError> | null>(reports.length).fill(null);
  for (let index = 0; index < reports.length; index++) {
    const report = reports[index];
    if (report !== undefined) wire[index] = toWireReport(report);
  }
  return wire;
}

/** Whether this thread has done its share: too many bulks, or a heap grown past the ceiling (a leaking handler library). */
function recycleReason(): RecycleReason | undefined {
  const { maxBulks, maxHeapMb } = data.recycle;
  if (maxBulks > 0 && bulksHandled >= maxBulks) return 'bulks';
  if (maxHeapMb > 0) {
    // The heap and what it holds outside it (array buffers): a leak of either counts.
    const heap = getHeapStatistics();
    if (heap.used_heap_size + heap.external_memory > maxHeapMb * 1024 * 1024) return 'heap';
  }
  return undefined;
}

function toWireReport(report: BulkReport): BulkReport<WireError> {
  // One wire object per distinct reason: structured cloning keeps the sharing, so main can regroup them.
  const wires = new Map<unknown, WireError>();
  const wireOf = (reason: unknown): WireError => {
    let wire = wires.get(reason);
    if (wire === undefined) wires.set(reason, (wire = toWireError(reason)));
    return wire;
  };
  return {
    taken: report.taken,
    marked: report.marked.map(([index, reason]) => [index, wireOf(reason)] as const),
    ...(report.thrown === undefined ? {} : { thrown: { error: wireOf(report.thrown.error) } }),
    ...(report.uncaught === undefined ? {} : { uncaught: { error: wireOf(report.uncaught.error) } }),
    ...(report.unit === true ? { unit: true as const } : {}),
  };
}
