import { expect, it } from 'vitest';
import { Consumer, silentLogger } from '@conveyor/core';
import { databaseUrl, openQueue, until } from './helpers.js';

it('runs as a source module on poller threads (options by connection string), every row consumed once', async () => {
  const queue = await openQueue();
  await queue.sender<{ n: number }>().sendBodies(Array.from({ length: 500 }, (_, n) => ({ n })));
  const consumer = new Consumer(
    {
      // The built package, as an application's module path would name it.
      module: new URL('../dist/index.js', import.meta.url),
      export: 'PostgresSource',
      options: { connection: databaseUrl, schema: queue.schema, table: queue.table, waitTime: 100 },
    },
    {
      logger: silentLogger,
      pollerThreads: true,
      maxPollers: 2,
      maxHandlers: 2,
      bulkSize: 25,
      handlerModule: new URL('./fixtures/count-handler.js', import.meta.url),
    },
  );
  await consumer.start();
  await until(async () => (await queue.rows()).length === 0, 20_000, 'the table to be drained');
  await consumer.shutdown();
  expect(consumer.stats.consumed).toBe(500);
  expect(await queue.deadLetters()).toEqual([]);
});
