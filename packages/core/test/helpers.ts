import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import type { ConsumerOptions, GetHint, MemoryMessage, MemorySourceOptions, ReleaseReport } from '@conveyor/core';

import { until } from '@conveyor/conformance';

export { until };

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

export interface Body {
  n: number;
  throw?: boolean | 'first';
  mark?: boolean | 'first';
  exitOnFirst?: boolean;
  uncaughtOnFirst?: boolean;
  oomOnFirst?: boolean;
  spinOnFirst?: boolean;
  hangOnFirst?: boolean;
  strayAfterMs?: number;
  rejectOnFirst?: boolean;
  sleep?: number;
}

/**
 * A MemorySource that records every cleanup and release, so tests can check
 * that each message ends in exactly one cleanup and nothing is cleaned twice.
 */
export class RecordingSource<T = Body> extends MemorySource<T> {
  readonly cleaned: number[] = [];
  readonly released: Array<{ ids: number[]; error: unknown }> = [];

  constructor(options: MemorySourceOptions<T> = {}) {
    super({ waitTime: 10, retryBackoff: { baseMs: 5, capMs: 20 }, ...options });
  }

  /** Messages `get()` handed out, every delivery counted. */
  delivered = 0;

  override async get(signal: AbortSignal, hint?: GetHint): Promise<MemoryMessage<T>[]> {
    const messages = await super.get(signal, hint);
    this.delivered += messages.length;
    return messages;
  }

  override cleanup(consumed: MemoryMessage<T>[]): void {
    for (const message of consumed) this.cleaned.push(message.id);
    super.cleanup(consumed);
  }

  override release(failed: MemoryMessage<T>[], error: unknown): ReleaseReport<MemoryMessage<T>> {
    this.released.push({ ids: failed.map((message) => message.id), error });
    return super.release(failed, error);
  }

  get releasedIds(): number[] {
    return this.released.flatMap((entry) => entry.ids);
  }
}

export const quiet = { logger: silentLogger } as const;

/** Runs a consumer over `source` until every message is settled, then shuts it down: the errors its `failed` events carried. */
export async function drainFailures<T>(source: MemorySource<T>, options: ConsumerOptions<MemoryMessage<T>>): Promise<unknown[]> {
  const failed: unknown[] = [];
  const consumer = new Consumer(source, { ...quiet, ...options });
  consumer.on('failed', (_messages, error) => failed.push(error));
  await consumer.start();
  await source.drained();
  await consumer.shutdown();
  return failed;
}

export function bodies(count: number, script: (n: number) => Partial<Body> = () => ({})): Body[] {
  return Array.from({ length: count }, (_, n) => ({ n, ...script(n) }));
}

export function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Runs `run` with ORDER_LOG pointing at a fresh file (the ordered handler
 * fixtures append what they handle to it, from any pool thread) and returns
 * its lines, empty ones left out; the file is removed afterwards.
 */
export async function withOrderLog(run: () => Promise<void>): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'conveyor-order-'));
  const log = join(folder, 'order.log');
  process.env.ORDER_LOG = log;
  try {
    await run();
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // Nothing was handled: no file.
    }
    return text.split('\n').filter((line) => line !== '');
  } finally {
    delete process.env.ORDER_LOG;
    rmSync(folder, { recursive: true, force: true });
  }
}
