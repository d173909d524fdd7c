import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { fixture, quiet } from './helpers.js';

describe('pool threads warm up at start()', () => {
  it('the warm-up never calls the user’s handler, and the first real messages are handled as usual', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'conveyor-warm-up-'));
    process.env.ORDER_LOG = join(folder, 'order.log');
    try {
      const source = new MemorySource<{ key: number; seq: number }>({ waitTime: 5 });
      const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('handout-log-handler.js'), maxHandlers: 2, bulkSize: 8 });
      await consumer.start();
      expect(existsSync(process.env.ORDER_LOG)).toBe(false);
      source.sendMany([0, 1, 2].map((seq) => ({ key: 1, seq })));
      await source.drained();
      await consumer.shutdown();
      const lines = readFileSync(process.env.ORDER_LOG, 'utf8').trim().split('\n').sort();
      expect(lines).toEqual(['ok 1 0', 'ok 1 1', 'ok 1 2', 'take 1 0', 'take 1 1', 'take 1 2']);
    } finally {
      delete process.env.ORDER_LOG;
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
