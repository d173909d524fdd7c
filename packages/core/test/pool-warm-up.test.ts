import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { fixture, quiet, withOrderLog } from './helpers.js';

describe('pool threads warm up at start()', () => {
  it('the warm-up never calls the user’s handler, and the first real messages are handled as usual', async () => {
    let before: string[] | undefined;
    const lines = await withOrderLog(async () => {
      const source = new MemorySource<{ key: number; seq: number }>({ waitTime: 5 });
      const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('handout-log-handler.js'), maxHandlers: 2, bulkSize: 8 });
      await consumer.start();
      before = existsSync(process.env.ORDER_LOG ?? '') ? ['the log exists'] : [];
      source.sendMany([0, 1, 2].map((seq) => ({ key: 1, seq })));
      await source.drained();
      await consumer.shutdown();
    });
    expect(before).toEqual([]);
    expect(lines.sort()).toEqual(['ok 1 0', 'ok 1 1', 'ok 1 2', 'take 1 0', 'take 1 1', 'take 1 2']);
  });
});
