import type { Source } from '../sources/source.js';
import { refPoller } from './message-refs.js';
import { PollerThread } from './poller-thread.js';
import type { EncodedPayload } from './wire-format.js';

export interface PollerThreadGroupOptions {
  readonly module: string;
  readonly export: string;
  readonly options: unknown;
  readonly pollers: number;
  readonly bulkSize: number;
}

/**
 * All poller threads of a consumer. Poller i polls through thread i; settling
 * routes each ref back to the thread that holds its message.
 */
export class PollerThreadGroup implements Source<number> {
  readonly threads: PollerThread[];
  /** First ref of each bulk received and not yet sent to the pool → the bulk's encoded bytes. */
  readonly payloads = new Map<number, EncodedPayload>();

  constructor(options: PollerThreadGroupOptions) {
    this.threads = Array.from(
      { length: options.pollers },
      (_, poller) =>
        new PollerThread(
          { module: options.module, export: options.export, options: options.options, poller, bulkSize: options.bulkSize },
          this.payloads,
        ),
    );
  }

  /** Starts every thread; rejects when a source module fails to load (so start() fails early). */
  async start(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.ensureStarted()));
  }

  /** The encoded bytes of the bulk that starts with ref `first`, taken once when it goes to the pool. */
  takePayload(first: number): EncodedPayload | undefined {
    const payload = this.payloads.get(first);
    this.payloads.delete(first);
    return payload;
  }

  get(): never {
    throw new Error('PollerThreadGroup is polled through its threads');
  }

  async cleanup(refs: number[]): Promise<void> {
    await Promise.all([...byPoller(refs)].map(([poller, group]) => (this.threads[poller] as PollerThread).cleanup(group)));
  }

  async release(refs: number[], error: unknown): Promise<void> {
    // Refs whose bytes never reached the pool (shutdown) must not leak their payload.
    for (const ref of refs) this.payloads.delete(ref);
    await Promise.all([...byPoller(refs)].map(([poller, group]) => (this.threads[poller] as PollerThread).release(group, error)));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}

function byPoller(refs: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const ref of refs) {
    const poller = refPoller(ref);
    const group = groups.get(poller);
    if (group === undefined) groups.set(poller, [ref]);
    else group.push(ref);
  }
  return groups;
}
