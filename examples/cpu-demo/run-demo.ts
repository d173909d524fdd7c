import { availableParallelism } from 'node:os';
import { Consumer, MemorySource } from '@conveyor/core';
import type { DemoJob } from './handler.ts';

export interface DemoRun {
  readonly threads: number;
  readonly messages: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface DemoOptions {
  readonly messages: number;
  readonly span: number;
  readonly threads: number;
  readonly bulkSize: number;
  /** Called with the number of messages consumed so far, about every 100 ms. */
  readonly onProgress?: (consumed: number) => void;
}

/** Pushes `messages` CPU-heavy jobs from an in-memory source through a pool of `threads` threads. */
export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const source = new MemorySource<DemoJob>();
  source.sendMany(Array.from({ length: options.messages }, (_, id) => ({ id, span: options.span })));
  const consumer = new Consumer(source, {
    handlerModule: new URL('./handler.ts', import.meta.url),
    maxHandlers: options.threads,
    maxPollers: 1,
    bulkSize: options.bulkSize,
  });
  const started = performance.now();
  await consumer.start();
  const progress = setInterval(() => options.onProgress?.(source.consumedCount), 100);
  await source.drained();
  clearInterval(progress);
  options.onProgress?.(source.consumedCount);
  const seconds = (performance.now() - started) / 1000;
  await consumer.shutdown();
  if (source.consumedCount !== options.messages) {
    throw new Error(`Lost messages: consumed ${source.consumedCount} of ${options.messages}`);
  }
  return { threads: options.threads, messages: options.messages, seconds, perSecond: options.messages / seconds };
}

export const defaultThreads = availableParallelism();
