// Runs inside every pool thread: loads the user's handler once, then runs parcels of bulks.
import { threadId, workerData } from 'node:worker_threads';
import type { BulkReport } from '../bulk/bulk-report.js';
import type { Handler } from '../bulk/handler.js';
import { runParcel } from '../bulk/run-handler.js';
import type { PoolTask, PoolTaskResult, PoolWorkerData } from './pool-protocol.js';
import { toWireError } from './wire-error.js';
import type { WireError } from './wire-error.js';
import { decodeParcel } from './wire-format.js';

const data = workerData as PoolWorkerData;
let handlerLoading: Promise<Handler<unknown>> | undefined;

async function loadHandler(): Promise<Handler<unknown>> {
  if (data.initializer !== undefined) {
    const initializer = (await import(data.initializer)) as { default?: unknown };
    if (typeof initializer.default === 'function') await (initializer.default as () => unknown)();
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(data.handlerModule)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot import handler module ${data.handlerModule}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const handler = loaded[data.handlerExport];
  if (typeof handler !== 'function') {
    const exported = Object.keys(loaded).join(', ') || 'nothing';
    throw new Error(
      `Handler module ${data.handlerModule} has no function export \`${data.handlerExport}\` (it exports: ${exported}); ` +
        'write `export default function handler(bulk) { for (const message of bulk) { ... } }`',
    );
  }
  return handler as Handler<unknown>;
}

export default async function runTask(task: PoolTask): Promise<PoolTaskResult> {
  if (task.kind === 'probe') {
    try {
      await (handlerLoading ??= loadHandler());
      return {};
    } catch (error) {
      handlerLoading = undefined;
      return { error: toWireError(error) };
    }
  }
  const handler = await (handlerLoading ??= loadHandler());
  const started = performance.now();
  const progress = task.progress;
  const onConsumedPrefix = progress === undefined ? undefined : (bulks: number): void => void Atomics.store(progress, 0, bulks);
  const parcel = decodeParcel(task);
  const reports = await runParcel(handler, parcel.messages, parcel.bulkSizes, onConsumedPrefix);
  if (reports === undefined) return { reports: null, busyMs: performance.now() - started, threadId };
  const wire: (BulkReport<WireError> | null)[] = new Array<BulkReport<WireError> | null>(reports.length).fill(null);
  for (let index = 0; index < reports.length; index++) {
    const report = reports[index];
    if (report !== undefined) wire[index] = toWireReport(report);
  }
  return { reports: wire, busyMs: performance.now() - started, threadId };
}

function toWireReport(report: BulkReport): BulkReport<WireError> {
  // One wire object per distinct reason: structured cloning keeps the sharing, so main can regroup them.
  const wires = new Map<unknown, WireError>();
  const marked = report.marked.map(([index, reason]) => {
    let wire = wires.get(reason);
    if (wire === undefined) wires.set(reason, (wire = toWireError(reason)));
    return [index, wire] as const;
  });
  return report.thrown === undefined
    ? { taken: report.taken, marked }
    : { taken: report.taken, thrown: { error: toWireError(report.thrown.error) }, marked };
}
