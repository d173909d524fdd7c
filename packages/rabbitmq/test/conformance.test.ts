import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { runSourceConformance } from '@conveyor/conformance';
import { RabbitMqSource } from '../src/index.js';
import type { QueueType, RabbitMqMessage } from '../src/index.js';
import { Broker, rabbitUrl, uniqueName } from './helpers.js';

let broker: Broker;
beforeAll(async () => {
  broker = await Broker.connect();
});
afterAll(async () => {
  await broker.close();
});

// Retries come back after 50–100 ms (equal jitter on a 100 ms base): half the base is the least.
const retryBackoff = { baseMs: 100, capMs: 400 } as const;

for (const queueType of ['classic', 'quorum'] as const satisfies readonly QueueType[]) {
  runSourceConformance<RabbitMqMessage>(
    `RabbitMqSource (${queueType} queue)`,
    async () => {
      const queue = uniqueName(`conformance-${queueType}`);
      const source = new RabbitMqSource({ url: rabbitUrl, queue, queueType, retryBackoff, waitTime: 1_000, logger: silentLogger });
      // Declares the queue and its dead letters before the suite sends.
      await source.inspect();
      return {
        source,
        send: (bodies) => broker.send(queue, bodies),
        bodyOf: (message) => message.body,
        dispose: () => broker.deleteTopology(queue),
        deadLetterCount: async () => (await broker.count(`${queue}.dead`)) ?? 0,
      };
    },
    { minRetryDelayMs: retryBackoff.baseMs / 2 },
  );
}
