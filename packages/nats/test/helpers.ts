import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { freePort, until } from '@conveyor/conformance';

export { until, uniqueName, delay, freePort } from '@conveyor/conformance';

/** The shared NATS server the tests run against (never restarted by a test). */
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export function connectNats(servers = natsUrl): Promise<NatsConnection> {
  return connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
}

/** Deletes streams (missing ones are fine). */
export async function deleteStreams(connection: NatsConnection, ...streams: string[]): Promise<void> {
  const jsm = await jetstreamManager(connection);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
}

/** Consumer info of a durable consumer, as JetStream counts it. */
export async function consumerInfo(connection: NatsConnection, stream: string, consumer: string) {
  const jsm = await jetstreamManager(connection);
  return jsm.consumers.info(stream, consumer);
}

/** The bodies of the messages on a dead-letter stream, in order. */
export async function deadLetterBodies(
  connection: NatsConnection,
  stream: string,
): Promise<{ body: string; headers: Record<string, string> }[]> {
  const jsm = await jetstreamManager(connection);
  const info = await jsm.streams.info(stream);
  const found: { body: string; headers: Record<string, string> }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (stored === null) continue;
    const headers: Record<string, string> = {};
    for (const key of stored.header.keys()) headers[key] = stored.header.get(key);
    found.push({ body: stored.string(), headers });
  }
  return found;
}

/** A nats-server of the test's own (JetStream on, a file store in a temporary folder), for restart tests. */
export interface OwnNatsServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /**
   * Stops it by its pid: SIGKILL (the default) is as abrupt as a crash; SIGTERM shuts it down
   * cleanly. The file store survives both; after a SIGKILL, JetStream may have lost the acks of
   * its last seconds (it writes a consumer's ack state lazily).
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store folder. */
  start(): Promise<void>;
  /** Kills it and removes its store. */
  dispose(): Promise<void>;
}

export async function startOwnNats(): Promise<OwnNatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
  let child: ChildProcess | undefined;
  const server: OwnNatsServer = {
    port,
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? -1;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const current = child;
      if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      process.kill(current.pid as number, signal);
      await exited;
    },
    async start() {
      await server.kill();
      child = spawn('nats-server', args, { stdio: 'ignore' });
      await until(
        async () => {
          if (child?.exitCode !== null) throw new Error(`nats-server on port ${port} exited`);
          try {
            const probe = await connect({ servers: server.url, reconnect: false, timeout: 500 });
            const jsm = await jetstreamManager(probe);
            await jsm.getAccountInfo();
            await probe.close();
            return true;
          } catch {
            return false;
          }
        },
        10_000,
        `nats-server on port ${port}`,
        50,
      );
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
