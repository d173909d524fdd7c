import { afterAll, beforeAll } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { silentLogger } from '@conveyor/core';
import { runSourceConformance } from '@conveyor/conformance';
import { NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deleteStreams, uniqueName } from './helpers.js';

let connection: NatsConnection;
beforeAll(async () => {
  connection = await connectNats();
});
afterAll(async () => {
  await connection.close();
});

runSourceConformance<NatsMessage>(
  'NatsSource (durable pull consumer)',
  async () => {
    const stream = uniqueName('conformance');
    const source = new NatsSource({
      connection,
      stream,
      consumer: 'workers',
      // The suite's "consumer died" case waits for a redelivery: a short lease.
      ackWait: 1000,
      maxWait: 1000,
      retryBackoff: { baseMs: 200, jitter: 'none' },
      logger: silentLogger,
    });
    await source.bind();
    const sender = new NatsSender({ connection, subject: `${stream}.work` });
    return {
      source,
      send: async (bodies) => void (await sender.sendBatch(bodies)),
      bodyOf: (message) => message.body,
      deadLetterCount: () => source.deadLetterCount(),
      dispose: () => deleteStreams(connection, stream, source.options.deadLetter.stream),
    };
  },
  // JetStream counts every delivery, but the source takes its own uncharged returns off receiveCount:
  // countsEveryReceive stays false.
  { redeliveryAfterMs: 1000, minRetryDelayMs: 200, ordered: true },
);
