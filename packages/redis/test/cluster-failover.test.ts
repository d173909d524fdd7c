// A master of a Redis Cluster of the test's own (3 masters, 3 replicas,
// cluster-node-timeout 1 s) is killed by its pid while producers send with
// `durableSend` and a Consumer consumes: the consumer rides the failover, and
// every message whose send resolved is consumed. What a plain send cannot promise
// (a replica frozen, then its master killed: the master's last write is gone).
// Then a sharded queue's worker rides a failover (the last test: it leaves a
// master without a replica).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay, startOwnRedisCluster, until } from '@conveyor/conformance';
import type { OwnRedisCluster } from '@conveyor/conformance';
import { Consumer, silentLogger } from '@conveyor/core';
import {
  RedisListSource,
  RedisLock,
  RedisPartitionedListSource,
  RedisReplicationError,
  RedisStorage,
  deleteByPrefix,
} from '@conveyor/redis';
import { Queue, RequestHandler, Route, Worker } from '@conveyor/sharded';
import type { RedisListMessage } from '@conveyor/redis';
import { Redis } from 'ioredis';
import { uniquePrefix } from './redis-test-client.js';

let cluster: OwnRedisCluster;
beforeAll(async () => {
  cluster = await startOwnRedisCluster({ masters: 3, nodeTimeout: 1000 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe('Redis Cluster failover', () => {
  it('a consumer rides the failover of a master, and every message whose durable send resolved is consumed', async () => {
    const redis = cluster.connect();
    redis.on('error', () => {}); // the killed master's connection fails: expected here
    const source = new RedisPartitionedListSource(redis, {
      key: uniquePrefix('failover'),
      partitions: 3,
      durableSend: { replicas: 1, timeoutMs: 500 },
      waitTime: 100,
      visibilityTimeout: 2000,
      logger: silentLogger,
    });
    const consumed = new Set<string>();
    const consumer = new Consumer<RedisListMessage>(source, {
      logger: silentLogger,
      maxPollers: 2,
      bulkSize: 20,
      maxInFlight: 200,
      settleAttempts: 20,
      handler(bulk) {
        for (const message of bulk) void message;
      },
    });
    consumer.on('consumed', (messages) => {
      for (const message of messages) consumed.add(message.body);
    });
    await consumer.start();

    // The producer: batches of 10; a send that fails (the master is gone, or no
    // replica confirmed it) is sent again, so its messages may be stored twice.
    const acknowledged: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let batch = 0; producing; batch++) {
        const bodies = Array.from({ length: 10 }, (_, n) => `m-${batch}-${n}`);
        for (;;) {
          try {
            await source.send(...bodies);
            break;
          } catch {
            await delay(50);
          }
        }
        acknowledged.push(...bodies);
        await delay(5);
      }
    })();
    let killed = -1;
    try {
      await until(() => consumed.size >= 300, 20_000, 'a first share consumed');
      killed = await cluster.killMaster((source.partitionKeys[0] as { list: string }).list);
      const atKill = acknowledged.length;
      // The partition's new master has no replica until the killed node rejoins:
      // durable sends to it fail (RedisReplicationError) and are sent again.
      await delay(cluster.nodeTimeout * 3);
      await cluster.restart(killed);
      await until(() => acknowledged.length >= atKill + 600, 30_000, 'sends going on after the failover');
    } finally {
      producing = false;
      await producer;
    }
    try {
      await until(() => acknowledged.every((body) => consumed.has(body)), 30_000, 'every acknowledged message consumed');
      await until(async () => (await source.inspect()).waiting + ((await source.inspect()).inFlight ?? 0) === 0, 30_000, 'an empty queue');
    } finally {
      await consumer.shutdown();
    }
    expect(acknowledged.filter((body) => !consumed.has(body))).toEqual([]);
    expect(await cluster.masterOf((source.partitionKeys[0] as { list: string }).list)).not.toBe(killed); // a replica took over
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
    await source.clear();
    await redis.quit();
  });

  it('a durable send that no replica confirms rejects with RedisReplicationError, and its messages are still delivered', async () => {
    const redis = cluster.connect();
    redis.on('error', () => {});
    const source = new RedisPartitionedListSource(redis, {
      key: uniquePrefix('durable'),
      partitions: 1,
      durableSend: { replicas: 2, timeoutMs: 100 }, // each master has one replica
      waitTime: 0,
      logger: silentLogger,
    });
    const error = await source.send('only-on-the-master').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisReplicationError);
    expect(error).toMatchObject({ code: 'REDIS_REPLICATION', confirmed: 1, wanted: 2 });
    const [message] = await source.get(new AbortController().signal);
    expect(message?.body).toBe('only-on-the-master');
    await source.clear();
    await redis.quit();
  });
});

describe('what asynchronous replication cannot promise', () => {
  it('a plain send acknowledged by the master alone is lost when it dies before its replica has it; a durable send is refused then, never reported sent', async () => {
    const redis = cluster.connect();
    redis.on('error', () => {});
    const key = uniquePrefix('lost-write');
    const plain = new RedisListSource(redis, { key, waitTime: 0, logger: silentLogger });
    const durable = new RedisListSource(redis, { key, waitTime: 0, logger: silentLogger, durableSend: { replicas: 1, timeoutMs: 200 } });
    await durable.send('replicated');
    const replica = await cluster.replicaOf(key);
    cluster.pause(replica);
    let paused = true;
    // Cut the link: data the master writes to the socket of a frozen replica would still reach it.
    const master = new Redis(await cluster.masterOf(key), '127.0.0.1');
    await master.client('KILL', 'TYPE', 'replica');
    master.disconnect();
    let killed: number | undefined;
    try {
      await plain.send('acknowledged-by-the-master-only'); // resolves: the master has it
      await expect(durable.send('never-confirmed')).rejects.toBeInstanceOf(RedisReplicationError);
      killed = await cluster.killMaster(key);
      cluster.resume(replica);
      paused = false;
      await until(async () => (await cluster.masterOf(key).catch(() => killed)) === replica, 20_000, 'the replica to take over');
      let bodies: string[] = [];
      await until(
        async () => {
          try {
            bodies = (await plain.get(new AbortController().signal)).map((message) => message.body);
            return true;
          } catch {
            return false; // the client is still learning the new slot map
          }
        },
        20_000,
        'the new master to answer',
        100,
      );
      expect(bodies).toEqual(['replicated']);
    } finally {
      if (paused) cluster.resume(replica);
      // Whole again for the next test: the killed node rejoins as a replica.
      if (killed !== undefined) await cluster.restart(killed);
      await plain.clear().catch(() => {});
      await redis.quit();
    }
  });
});

describe('Redis Cluster failover, sharded queue', () => {
  it('a worker rides the failover of a master: every request registered and replicated before is handled', async () => {
    const redis = cluster.connect();
    redis.on('error', () => {});
    const prefix = uniquePrefix('sharded-failover');
    const storage = new RedisStorage(redis, { prefix: `${prefix}s:`, partitions: 3 });
    const handled = new Set<string>();
    class Job extends RequestHandler<{ thread: number; n: number }> {
      static override route(...requests: { thread: number; n: number }[]): Route[] {
        return requests.map((request) => new Route(request.thread));
      }
      override batchSize(): number {
        return 2;
      }
      async handle(...requests: { thread: number; n: number }[]): Promise<void> {
        await delay(10);
        for (const { thread, n } of requests) handled.add(`${thread}-${n}`);
      }
    }
    const queue = new Queue(storage, { requestHandlers: [Job] });
    const threads = 30;
    const each = 20;
    for (let n = 0; n < each; n++) await queue.register(Job, ...Array.from({ length: threads }, (_, thread) => ({ thread, n })));
    // What the promise covers: writes a replica has. WAIT on the connections that made them.
    await Promise.all(redis.nodes('master').map((node) => node.call('WAIT', 1, 2000)));

    const worker = new Worker(new RedisLock(redis, { prefix: `${prefix}l:`, timeout: 2000 }), queue, {
      logger: silentLogger,
      emptyPause: 0,
      acquireDelay: 20,
    });
    worker.on('error', () => {}); // the killed master's errors: the worker pauses and carries on
    const loops = [worker.loop(), worker.loop(), worker.loop()];
    try {
      await until(() => handled.size >= 100, 20_000, 'a first share handled');
      await cluster.killMaster(`${storage.partitionPrefixes[1] as string}threads`);
      await until(() => handled.size >= threads * each, 40_000, 'every request handled after the failover');
    } finally {
      worker.stop();
      await Promise.all(loops);
    }
    expect(handled.size).toBe(threads * each);
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  });
});
