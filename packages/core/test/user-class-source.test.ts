import { describe, expect, it } from 'vitest';
import { Consumer } from '@conveyor/core';
import type { Bulk } from '@conveyor/core';
import { quiet } from './helpers.js';

interface Job {
  id: number;
}

/** What a user writes around their own queue: get / cleanup / handler methods, nothing else. */
class MyQueue {
  readonly waiting: Job[] = Array.from({ length: 30 }, (_, id) => ({ id }));
  readonly done: number[] = [];
  readonly handled: number[] = [];

  async get(): Promise<Job[]> {
    return this.waiting.splice(0, 4);
  }

  async cleanup(consumed: Job[]): Promise<void> {
    for (const job of consumed) this.done.push(job.id);
  }

  handler(bulk: Bulk<Job>): void {
    // `this` is the source: the method is called on it.
    for (const job of bulk) this.handled.push(job.id);
  }
}

describe('a user class with get / cleanup / handler', () => {
  it('just works as a source, its handler method running inline', async () => {
    const queue = new MyQueue();
    const consumer = new Consumer(queue, { ...quiet, bulkSize: 3, maxPollers: 2 });
    await consumer.start();
    const deadline = Date.now() + 10_000;
    while (queue.done.length < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await consumer.shutdown();
    expect([...queue.done].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, id) => id));
    expect(queue.handled).toHaveLength(30);
  });
});
