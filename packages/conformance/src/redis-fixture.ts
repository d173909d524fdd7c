import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './until.js';

/** The shared Redis the tests run against (never flushed or restarted by a test). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A client of the shared Redis; quit it after the test. */
export function connectRedis(url = redisUrl): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3 });
}

/** A Redis of the test's own, for restart and outage tests. */
export interface OwnRedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Stops it by its pid (SIGKILL: as abrupt as a crash); its data survives when `appendonly` was set. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with the same data folder. */
  restart(): Promise<void>;
  /** Kills it and removes its data folder. */
  dispose(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port with its own data folder
 * (`appendonly yes, appendfsync always` when `durable`, so a restart keeps
 * every acknowledged write).
 */
export async function startOwnRedis(options: { durable?: boolean } = {}): Promise<OwnRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-redis-'));
  const durable = options.durable ?? true;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child = await launch(args, port);
  const server: OwnRedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await server.kill();
      child = await launch(args, port);
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function launch(args: string[], port: number): Promise<ReturnType<typeof spawn>> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      },
      10_000,
      `redis-server on port ${port}`,
      25,
    );
  } finally {
    probe.disconnect();
  }
  return child;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
