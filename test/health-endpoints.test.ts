import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, uniqueName, until } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import type { ConsumerHealth } from '@conveyor/core';
import { PrometheusMetrics, serveMetrics } from '@conveyor/prometheus';
import { RedisListSource } from '@conveyor/redis';

const redis = new Redis('redis://127.0.0.1:6379');
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await redis.quit();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('/healthz and /readyz on the metrics server, against a real consumer', () => {
  it('binds 127.0.0.1 by default; /healthz is 200, /readyz 503 before start and 200 once running on a reachable Redis', async () => {
    const key = uniqueName('conveyor-test:health');
    const source = new RedisListSource(redis, { key, logger: silentLogger, waitTime: 50 });
    cleanups.push(() => source.clear());
    await source.send('a', 'b', 'c');
    const consumed: string[] = [];
    const consumer = new Consumer(source, {
      logger: silentLogger,
      maxPollers: 2,
      handler: (bulk) => {
        for (const message of bulk) consumed.push(message.body);
      },
    });
    const server = await serveMetrics(new PrometheusMetrics().registry, { port: 0, health: consumer });
    cleanups.push(() => server.close());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);

    expect(await get(`http://127.0.0.1:${server.port}/healthz`)).toEqual({ status: 200, body: { status: 'alive' } });
    const before = await get(`http://127.0.0.1:${server.port}/readyz`);
    expect(before.status).toBe(503);
    expect((before.body as ConsumerHealth).reasons).toContain('the consumer is new, not running');

    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await until(() => consumed.length === 3, 10_000, 'the three messages consumed');
    const ready = await get(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ready: true,
      reasons: [],
      state: 'running',
      pollers: { alive: 2, wanted: 2 },
      source: { reachable: true, checkedBy: 'inspect' },
    });

    await consumer.shutdown();
    const after = await get(`http://127.0.0.1:${server.port}/readyz`);
    expect(after.status).toBe(503);
    expect((after.body as ConsumerHealth).reasons).toContain('the consumer is stopped, not running');
    // Alive as long as the process runs.
    expect((await get(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });

  it('/readyz is 503 and says why when the source is unreachable (a port nobody listens on)', async () => {
    const port = await freePort();
    const offline = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    offline.on('error', () => {});
    cleanups.push(async () => offline.disconnect());
    const source = new RedisListSource(offline, { key: uniqueName('conveyor-test:health-offline'), logger: silentLogger });
    const consumer = new Consumer(source, { logger: silentLogger, maxPollers: 1, handler: () => {} });
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    const server = await serveMetrics(new PrometheusMetrics().registry, { port: 0, health: consumer });
    cleanups.push(() => server.close());

    const answer = await get(`http://127.0.0.1:${server.port}/readyz`);
    expect(answer.status).toBe(503);
    const report = answer.body as ConsumerHealth;
    expect(report.ready).toBe(false);
    expect(report.source).toMatchObject({ reachable: false, checkedBy: 'inspect' });
    expect(report.reasons.some((reason) => reason.startsWith('the source is unreachable: '))).toBe(true);
    expect((await get(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });

  it('a health check given as an object: judged by the pollers\u2019 last get() when the source cannot be asked', async () => {
    let failing = true;
    const consumer = new Consumer(
      {
        get: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
          return [];
        },
      },
      { logger: silentLogger, maxPollers: 1, handler: () => {} },
    );
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await until(() => consumer.stats.pollerRestarts > 0 || consumer.stats.pollersAlive === 0, 5000, 'the poller died');
    const down = await consumer.health();
    expect(down.ready).toBe(false);
    expect(down.source).toEqual({ reachable: false, checkedBy: 'get', error: 'connect ECONNREFUSED 127.0.0.1:1' });
    failing = false;
    await until(async () => (await consumer.health()).ready, 10_000, 'ready once get() works again');
  });
});
