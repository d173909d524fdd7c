// How the example shows where its handler ran: each handler call posts the thread
// it ran on and the orders it priced to a BroadcastChannel, which every thread of
// the process shares; the main thread listens. (Instrumentation for the demo, its
// test and its benchmark: a real handler has no need of it.)
import { BroadcastChannel, threadId } from 'node:worker_threads';

const channelName = 'examples/sqs-consumer:priced';
let channel: BroadcastChannel | undefined;

/** One handler call's report. */
interface PricedReport {
  readonly threadId: number;
  readonly orderIds: readonly number[];
}

/** Called by the handler, on whatever thread it runs. */
export function reportPriced(orderIds: readonly number[]): void {
  if (orderIds.length === 0) return;
  if (channel === undefined) {
    channel = new BroadcastChannel(channelName);
    channel.unref(); // never keeps a pool thread alive
  }
  channel.postMessage({ threadId, orderIds } satisfies PricedReport);
}

/** What the main thread heard: orders priced, by thread. */
export interface PricingWatch {
  /** Every order id priced, as often as it was priced. */
  readonly orderIds: readonly number[];
  /** Orders priced, by thread id. */
  readonly byThread: ReadonlyMap<number, number>;
  /** Orders priced by each thread: "#1 203, #2 197". */
  summary(): string;
  close(): void;
}

/** Starts listening to the reports of every thread of this process. */
export function watchPricing(): PricingWatch {
  const listener = new BroadcastChannel(channelName);
  const orderIds: number[] = [];
  const byThread = new Map<number, number>();
  listener.onmessage = (event: unknown) => {
    const report = (event as { readonly data: PricedReport }).data;
    orderIds.push(...report.orderIds);
    byThread.set(report.threadId, (byThread.get(report.threadId) ?? 0) + report.orderIds.length);
  };
  listener.unref();
  return {
    orderIds,
    byThread,
    summary: () =>
      [...byThread]
        .sort(([a], [b]) => a - b)
        .map(([id, count]) => `#${id} ${count}`)
        .join(', ') || 'none',
    close: () => listener.close(),
  };
}
