import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { freePort, uniqueName, until } from '@conveyor/conformance';

export { uniqueName, until };

/** The shared RabbitMQ the tests run against (never restarted by a test). */
export const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A connection of the test's own, to look at and clean up queues; `close()` it after the test. */
export class Broker {
  readonly #model: ChannelModel;
  #channel: Channel;

  private constructor(model: ChannelModel, channel: Channel) {
    this.#model = model;
    this.#channel = channel;
  }

  static async connect(url = rabbitUrl): Promise<Broker> {
    const model = await amqp.connect(url, { clientProperties: { connection_name: 'conveyor test' } });
    model.on('error', () => {});
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    return new Broker(model, channel);
  }

  /** A channel that works (a failed passive check closes the last one). */
  async #open(): Promise<Channel> {
    try {
      await this.#channel.checkExchange('amq.direct');
    } catch {
      this.#channel = await this.#model.createConfirmChannel();
      this.#channel.on('error', () => {});
    }
    return this.#channel;
  }

  /** Publishes bodies to a queue (through the default exchange), persistent, each with a message id; waits for the confirms. */
  async send(queue: string, bodies: readonly (string | Buffer)[], headers?: (index: number) => Record<string, unknown>): Promise<void> {
    const channel = (await this.#open()) as amqp.ConfirmChannel;
    bodies.forEach((body, index) =>
      channel.sendToQueue(queue, typeof body === 'string' ? Buffer.from(body) : body, {
        persistent: true,
        messageId: `m-${index}-${Math.random().toString(36).slice(2, 8)}`,
        ...(headers === undefined ? {} : { headers: headers(index) }),
      }),
    );
    await channel.waitForConfirms();
  }

  /** Ready messages of a queue, or undefined when it does not exist. */
  async count(queue: string): Promise<number | undefined> {
    const channel = await this.#open();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch {
      return undefined;
    }
  }

  /** Takes every ready message of a queue (acking them): body, headers. */
  async drain(queue: string): Promise<Array<{ body: string; headers: Record<string, unknown> }>> {
    const channel = await this.#open();
    const taken: Array<{ body: string; headers: Record<string, unknown> }> = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return taken;
      taken.push({ body: message.content.toString(), headers: message.properties.headers ?? {} });
    }
  }

  /** Deletes a source's queues and exchanges: the queue, its delay queues, dead-letter queue and exchange. */
  async deleteTopology(queue: string): Promise<void> {
    const channel = await this.#open();
    const queues = [queue, `${queue}.dead`, ...Array.from({ length: 12 }, (_, index) => `${queue}.retry.${index + 1}`)];
    for (const name of queues) await channel.deleteQueue(name);
    await channel.deleteExchange(`${queue}.dead-letter`);
  }

  /** Declares a topic exchange and binds `queue` (declared classic) to it with `pattern`. */
  async bind(queue: string, exchange: string, pattern: string): Promise<void> {
    const channel = await this.#open();
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await channel.bindQueue(queue, exchange, pattern);
  }

  /** Declares `queue` (classic) and binds it to an existing exchange. */
  async bindTo(queue: string, exchange: string, pattern = ''): Promise<void> {
    const channel = await this.#open();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await channel.bindQueue(queue, exchange, pattern);
  }

  /** Declares `exchange` (durable, of `type`) and binds `queue` to it with `routingKey`: a dead-letter exchange restored. */
  async restoreExchange(exchange: string, type: string, queue: string, routingKey: string): Promise<void> {
    const channel = await this.#open();
    await channel.assertExchange(exchange, type, { durable: true });
    await channel.bindQueue(queue, exchange, routingKey);
  }

  async deleteExchange(exchange: string): Promise<void> {
    await (await this.#open()).deleteExchange(exchange);
  }

  async deleteQueue(queue: string): Promise<void> {
    await (await this.#open()).deleteQueue(queue);
  }

  async close(): Promise<void> {
    await this.#model.close().catch(() => {});
  }
}

/** A RabbitMQ node of the test's own, for restart tests (no management plugin, its data in a temp folder). */
export interface OwnRabbit {
  readonly port: number;
  readonly url: string;
  /**
   * Stops the node: SIGTERM to its process group stops it cleanly (what a restart does),
   * SIGKILL as abruptly as a crash. Its durable queues and persistent messages survive.
   */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Kills it and removes its folder. */
  dispose(): Promise<void>;
}

const rabbitServer = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** Starts a RabbitMQ node on free loopback ports, in its own process group. */
export async function startOwnRabbit(): Promise<OwnRabbit> {
  const port = await freePort();
  const distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-rabbit-'));
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const name = `conveyor-${port}@localhost`;
  const env = {
    ...process.env,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_BASE: dir,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'pid'),
    HOME: dir,
  };
  let child: ChildProcess | undefined;
  const node: OwnRabbit = {
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    async kill(signal = 'SIGKILL') {
      const running = child;
      child = undefined;
      if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      process.kill(-running.pid, signal);
      await exited;
      // The script may exit before the node it started: wait until the port is free.
      await until(async () => !(await canConnect(port)), 30_000, `rabbitmq-server on port ${port} to stop`, 100);
    },
    async start() {
      const started = spawn(rabbitServer, [], { env, detached: true, stdio: 'ignore' });
      child = started;
      await until(
        async () => {
          if (started.exitCode !== null) throw new Error(`rabbitmq-server on port ${port} exited with code ${started.exitCode}`);
          return (await canConnect(port)) && (await canOpen(node.url));
        },
        60_000,
        `rabbitmq-server on port ${port}`,
        100,
      );
    },
    async dispose() {
      await node.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await node.start();
  return node;
}

/** Whether RabbitMQ's server script is installed here (the restart test needs it). */
export function rabbitServerInstalled(): boolean {
  return existsSync(rabbitServer);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function canOpen(url: string): Promise<boolean> {
  try {
    const model = await amqp.connect(url);
    await model.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes the shared broker's connections whose client-provided name is `name`
 * (`rabbitmqctl close_connection`): the test's own connections only, never the broker.
 * Resolves to how many it closed.
 */
export async function closeConnectionsNamed(name: string): Promise<number> {
  const listing = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] as string);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'closed by a Conveyor test']);
  return pids.length;
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`)),
    );
  });
}

/** A test file's broker connection, and queues made for its tests (their topology deleted after each test). */
export interface BrokerForTests {
  readonly broker: Broker;
  /** A unique queue name, deleted with its retry and dead-letter topology after the test. */
  newQueue(prefix: string): string;
  /** Deletes this queue (one a test declared itself) after the test too. */
  deleteAfter(queue: string): void;
}

/** Connects to the shared broker before the file's tests and closes after them; deletes each test's queues after it. */
export function useBroker(): BrokerForTests {
  let broker: Broker | undefined;
  const queues: string[] = [];
  beforeAll(async () => {
    broker = await Broker.connect();
  });
  afterEach(async () => {
    for (const queue of queues.splice(0)) await broker?.deleteTopology(queue);
  });
  afterAll(async () => {
    await broker?.close();
  });
  return {
    get broker(): Broker {
      if (broker === undefined) throw new Error('the broker connects in beforeAll: use it inside a test or hook');
      return broker;
    },
    newQueue(prefix: string): string {
      const queue = uniqueName(prefix);
      queues.push(queue);
      return queue;
    },
    deleteAfter(queue: string): void {
      queues.push(queue);
    },
  };
}
