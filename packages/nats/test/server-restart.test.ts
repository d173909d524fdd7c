import { afterAll, beforeAll, expect, it } from 'vitest';
import { Consumer, ConveyorError, silentLogger } from '@conveyor/core';
import { NatsSender, NatsSource } from '../src/index.js';
import type { OwnNatsServer } from './helpers.js';
import { delay, startOwnNats, until } from './helpers.js';

let server: OwnNatsServer;
beforeAll(async () => {
  server = await startOwnNats();
});
afterAll(async () => {
  await server.dispose();
});

const maxInFlight = 40;

/** Consumes 400 messages from the test's own server, stopping it by its pid once 100 are handled and starting it again after 1 s. */
async function consumeThroughRestart(stream: string, signal: NodeJS.Signals) {
  const source = new NatsSource<string>({
    servers: server.url,
    connectionOptions: { reconnectTimeWait: 100 },
    stream,
    consumer: 'workers',
    ackWait: 2000,
    maxWait: 1000,
    maxErrorBackoff: 200,
    logger: silentLogger,
  });
  await source.bind();
  const sender = new NatsSender({ servers: server.url, subject: `${stream}.jobs` });
  const bodies = Array.from({ length: 400 }, (_, index) => `m${index}`);
  await sender.sendBatch(bodies.map((body) => ({ body, msgID: body })));
  await sender.close();

  const handled: string[] = [];
  const errors: unknown[] = [];
  source.on('error', (error) => errors.push(error));
  const consumer = new Consumer(source, {
    logger: silentLogger,
    maxPollers: 2,
    bulkSize: 10,
    maxInFlight,
    async handler(bulk) {
      for (const message of bulk) {
        handled.push(message.body);
        await delay(1);
      }
    },
  });
  const deaths: unknown[] = [];
  consumer.on('pollerDied', ({ error }) => deaths.push(error));
  await consumer.start();
  await until(() => handled.length >= 100, 20_000, 'a quarter to be handled');

  await server.kill(signal);
  const handledBeforeStop = handled.length;
  await delay(1000);
  await server.start();

  await until(() => new Set(handled).size === bodies.length, 30_000, `every message to be handled (${new Set(handled).size})`);
  await consumer.shutdown();
  return { bodies, handled, handledBeforeStop, errors, deaths };
}

it('a NATS server stopped (SIGTERM) and restarted mid-run loses nothing; duplicates are at most what was in flight', async () => {
  const { bodies, handled, handledBeforeStop, errors, deaths } = await consumeThroughRestart('RESTART_TERM', 'SIGTERM');
  expect(new Set(handled)).toEqual(new Set(bodies));
  expect(handledBeforeStop).toBeLessThan(bodies.length);
  // Redelivered: only what was in flight when the server went (its acks never reached it).
  expect(handled.length - bodies.length).toBeLessThanOrEqual(maxInFlight);
  // A fetch cut by the outage ends and the poller goes on: no poller died. Whatever failed on the dead connection
  // (an ack's flush, a fetch) was reported as a typed error, not thrown; whether anything did depends on when the
  // socket closed (acks sent while reconnecting are buffered by the client), so the count is not asserted.
  expect(deaths).toEqual([]);
  for (const error of errors) expect(error).toBeInstanceOf(ConveyorError);
});

it('a NATS server SIGKILLed and restarted mid-run loses nothing; duplicates are bounded by what it had acknowledged lazily', async () => {
  const { bodies, handled, handledBeforeStop, deaths } = await consumeThroughRestart('RESTART_KILL', 'SIGKILL');
  expect(new Set(handled)).toEqual(new Set(bodies));
  // JetStream writes a consumer's ack state lazily: a crash may forget acks of the messages handled before it.
  expect(handled.length - bodies.length).toBeLessThanOrEqual(handledBeforeStop + maxInFlight);
  expect(deaths).toEqual([]);
});
