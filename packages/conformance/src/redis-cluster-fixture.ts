import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './redis-fixture.js';
import { until } from './until.js';

const run = promisify(execFile);

/** A Redis Cluster of the test's own: masters and replicas on loopback ports. */
export interface OwnRedisCluster {
  /** `{ host, port }` of every node, masters first (as created). */
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,.../` (append a key). */
  readonly url: string;
  /** Milliseconds after which the cluster fails over a silent master (`cluster-node-timeout`). */
  readonly nodeTimeout: number;
  /** A cluster client (quit it after the test), retrying through failovers. */
  connect(options?: ClusterOptions): Cluster;
  /** The pid of every node by port (to read its CPU time, say). */
  readonly pids: ReadonlyMap<number, number>;
  /** The pid of the node on `port`. */
  pidOf(port: number): number;
  /** The port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** The port of a replica of the master serving `key`'s slot now. */
  replicaOf(key: string): Promise<number>;
  /** Freezes the node on `port` (SIGSTOP): it neither replicates nor answers until `resume()`. */
  pause(port: number): void;
  /** Lets a paused node go on (SIGCONT). */
  resume(port: number): void;
  /**
   * SIGKILLs the master serving `key`'s slot (by its pid) and returns its port;
   * with `waitForFailover`, resolves once a replica has taken over its slots.
   */
  killMaster(key: string, options?: { waitForFailover?: boolean }): Promise<number>;
  /**
   * Starts the killed node on `port` again, with its cluster configuration: it
   * rejoins as a replica of the master that took over, and resolves once in sync.
   */
  restart(port: number): Promise<void>;
  /** Stops every node (by pid) and removes their data folder. */
  stop(): Promise<void>;
}

/**
 * Starts `masters` masters (default 3) with `replicas` replicas each (0 or 1,
 * default 1) (`redis-server --cluster-enabled yes`
 * on free loopback ports, no persistence) and joins them with `redis-cli --cluster
 * create`; resolves once every node sees the cluster `ok` and every replica is in
 * sync. `nodeTimeout` (default 1000 ms) bounds how long a failover takes.
 */
export async function startOwnRedisCluster(
  options: { masters?: number; replicas?: 0 | 1; nodeTimeout?: number } = {},
): Promise<OwnRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const nodeTimeout = options.nodeTimeout ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const argsOf = new Map<number, string[]>();
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < masters * (1 + replicas)) {
      const port = await freePort();
      // The cluster bus listens on its own port (`cluster-port`): another free one.
      if (!ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const busPort = await freeBusPort(ports);
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-port', String(busPort),
        '--cluster-node-timeout', String(nodeTimeout), '--save', '', '--appendonly', 'no',
        // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
        '--repl-diskless-sync-delay', '0',
        // Replicas answer once their master is gone only if they may vote and be elected at once.
        '--cluster-replica-validity-factor', '0', '--logfile', join(dir, `${port}.log`),
      ]; // prettier-ignore
      argsOf.set(port, args);
      children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
      busPorts.add(busPort);
    }
    await Promise.all(ports.map((port) => waitForPing(port, children.get(port) as ChildProcess)));
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    await until(async () => (await Promise.all(ports.map(clusterReady))).every(Boolean), 20_000, 'the Redis Cluster to be ok', 50);
  } catch (error) {
    await stop();
    throw error;
  }
  const seeds = [...children.keys()].map((port) => ({ host: '127.0.0.1', port }));
  const alivePorts = (): number[] => [...children.keys()].filter((port) => isAlive(children.get(port)));
  return {
    seeds,
    url: `redis+cluster://${seeds.map((seed) => `${seed.host}:${seed.port}`).join(',')}/`,
    nodeTimeout,
    connect: (clusterOptions) =>
      new Cluster(seeds, {
        // Through a failover: retry every 100 ms, and refresh the slot map when a node is gone.
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: 1000,
        redisOptions: { maxRetriesPerRequest: 50, connectTimeout: 1000 },
        ...clusterOptions,
      }),
    pidOf: (port) => children.get(port)?.pid ?? -1,
    get pids() {
      return new Map([...children].map(([port, child]) => [port, child.pid ?? -1]));
    },
    masterOf: (key) => masterOf(alivePorts(), key),
    replicaOf: (key) => masterOf(alivePorts(), key, 'replica'),
    pause: (port) => void children.get(port)?.kill('SIGSTOP'),
    resume: (port) => void children.get(port)?.kill('SIGCONT'),
    async killMaster(key, killOptions = {}) {
      const alive = alivePorts();
      const port = await masterOf(alive, key);
      await killChild(children.get(port) as ChildProcess);
      if (killOptions.waitForFailover === true) {
        const others = alive.filter((other) => other !== port);
        await until(
          async () => {
            const now = await masterOf(others, key).catch(() => port);
            return now !== port && (await clusterReady(now));
          },
          nodeTimeout * 10 + 5000,
          `a replica to take over from the killed master on port ${port}`,
          50,
        );
      }
      return port;
    },
    async restart(port) {
      const args = argsOf.get(port);
      if (args === undefined) throw new Error(`No node of this cluster was on port ${port}`);
      if (isAlive(children.get(port))) return;
      const child = spawn('redis-server', args, { stdio: 'ignore' });
      children.set(port, child);
      await waitForPing(port, child);
      const rejoined = (): Promise<boolean> =>
        withNode(port, async (redis) => (await redis.info('replication')).includes('master_link_status:up')).catch(() => false);
      await until(rejoined, nodeTimeout * 10 + 10_000, `the node on port ${port} to rejoin the cluster as a replica`, 50);
    },
    stop,
  };
}

const busPorts = new Set<number>();

async function freeBusPort(taken: readonly number[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port) && !busPorts.has(port)) return port;
  }
}

function isAlive(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (!isAlive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function withNode<T>(port: number, action: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
    // A paused node (SIGSTOP) accepts connections but never answers.
    commandTimeout: 1000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await action(redis);
  } finally {
    redis.disconnect();
  }
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  await until(
    async () => {
      if (!isAlive(child)) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
      return withNode(port, async (redis) => (await redis.ping()) === 'PONG').catch(() => false);
    },
    10_000,
    `redis-server on port ${port}`,
    25,
  );
}

/** The node says the cluster is ok, and, when it is a replica, that it is in sync with its master. */
async function clusterReady(port: number): Promise<boolean> {
  return withNode(port, async (redis) => {
    const info = await redis.cluster('INFO');
    if (!info.includes('cluster_state:ok')) return false;
    const replication = await redis.info('replication');
    return replication.includes('role:master') || replication.includes('master_link_status:up');
  }).catch(() => false);
}

/** The port of the master (or of its first replica) serving `key`'s slot, asked of the first node that answers. */
async function masterOf(ports: readonly number[], key: string, role: 'master' | 'replica' = 'master'): Promise<number> {
  for (const port of ports) {
    const found = await withNode(port, async (redis) => {
      const slot = await redis.cluster('KEYSLOT', key);
      const range = (await redis.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
      return range?.[role === 'master' ? 2 : 3]?.[1];
    }).catch(() => undefined);
    if (found !== undefined) return found;
  }
  throw new Error(`No node of the cluster on ports ${ports.join(', ')} knows the ${role} of ${JSON.stringify(key)}`);
}

/** A test file's own Redis Cluster and a client of it, from `useOwnRedisCluster()`. */
export interface ClusterForTests {
  readonly cluster: OwnRedisCluster;
  readonly redis: Cluster;
}

/**
 * Starts a cluster of the test file's own before its tests (`startOwnRedisCluster()`
 * with these options) with a client connected to it, and stops both after them.
 * Read `cluster` and `redis` inside tests and hooks.
 */
export function useOwnRedisCluster(...options: Parameters<typeof startOwnRedisCluster>): ClusterForTests {
  let cluster: OwnRedisCluster | undefined;
  let redis: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startOwnRedisCluster(...options);
    redis = cluster.connect();
  });
  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  });
  const started = <V>(value: V | undefined): V => {
    if (value === undefined) throw new Error('the cluster starts in beforeAll: use it inside a test or hook');
    return value;
  };
  return {
    get cluster(): OwnRedisCluster {
      return started(cluster);
    },
    get redis(): Cluster {
      return started(redis);
    },
  };
}
