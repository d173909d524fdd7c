import type { Source } from '../sources/source.js';
import { refIndex, refPoller } from './message-refs.js';
import { PollerThread } from './poller-thread.js';
import type { BulkPayload } from './poller-thread.js';
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
  readonly payloads = new Map<number, BulkPayload>();

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

  /**
   * The encoded bytes of the bulk of `count` refs that starts with `first`, taken once
   * when it goes to the pool (they are transferred); undefined when that is not a
   * whole bulk as its thread cut it, or its bytes went to the pool already (a
   * suspect handled again alone): then `encode()` asks the thread for them.
   */
  takePayload(first: number, count: number): EncodedPayload | undefined {
    const payload = this.payloads.get(first);
    if (payload === undefined || payload.count !== count) return undefined;
    this.payloads.delete(first);
    return payload;
  }

  /**
   * These refs' messages encoded on their own, by the thread that holds them (in
   * the order given). They are one thread's: a bulk is cut from one get() result,
   * and a suspect is handled alone.
   */
  encode(refs: readonly number[]): Promise<EncodedPayload> {
    const poller = refPoller(refs[0] as number);
    if (refs.some((ref) => refPoller(ref) !== poller)) return Promise.reject(new Error('a bulk of refs held by several poller threads'));
    return (this.threads[poller] as PollerThread).encode(refs);
  }

  get(): never {
    throw new Error('PollerThreadGroup is polled through its threads');
  }

  async cleanup(refs: number[]): Promise<void> {
    this.#forgetPayloads(refs);
    await Promise.all([...byPoller(refs)].map(([poller, group]) => (this.threads[poller] as PollerThread).cleanup(group)));
  }

  async release(refs: number[], error: unknown): Promise<void> {
    this.#forgetPayloads(refs);
    await Promise.all([...byPoller(refs)].map(([poller, group]) => (this.threads[poller] as PollerThread).release(group, error)));
  }

  /** Main gave up settling these refs (`settleAttempts`): their threads stop holding the messages, and tell their sources. */
  forget(refs: number[]): void {
    this.#forgetPayloads(refs);
    for (const [poller, group] of byPoller(refs)) this.threads[poller]?.forget(group);
  }

  /** Settled refs: a bulk whose bytes never went to the pool whole (shutdown; cut otherwise) must not leak them. */
  #forgetPayloads(refs: readonly number[]): void {
    for (const ref of refs) if (refIndex(ref) === 0) this.payloads.delete(ref);
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
