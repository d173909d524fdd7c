import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { fixture, quiet } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs a consumer over a few messages to its shutdown; returns weak references to it and its source. */
async function runOnce(): Promise<{ consumer: WeakRef<object>; source: WeakRef<object> }> {
  const source = new MemorySource<string>({ waitTime: 5 });
  source.sendMany(['a', 'b', 'c']);
  const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('ordered-handler.js'), maxHandlers: 2 });
  await consumer.start();
  await source.drained();
  await consumer.shutdown();
  return { consumer: new WeakRef(consumer), source: new WeakRef(source) };
}

describe('after shutdown', () => {
  it('nothing keeps the consumer or its source in memory (a pool close timer once held them for 30 s)', async () => {
    process.env.ORDER_LOG = '/dev/null';
    try {
      const refs = await runOnce();
      // deref() keeps its target alive until the current job ends: collect in a job of its own.
      const released = (): boolean => refs.consumer.deref() === undefined && refs.source.deref() === undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        await sleep(25);
        gc();
        await sleep(0);
        if (released()) break;
      }
      expect(refs.consumer.deref()).toBeUndefined();
      expect(refs.source.deref()).toBeUndefined();
    } finally {
      delete process.env.ORDER_LOG;
    }
  });
});
