import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A real SQS-compatible server (fauxqs) on 127.0.0.1 and a client pointed at it. */
export interface SqsTestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SQSClient;
  /** A client config for sources that create their own client. */
  readonly clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  stop(): Promise<void>;
  /** Stops the server (the port stays known); `restart()` starts it again on the same port. */
  halt(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts fauxqs on a free port (with `dataDir`, its queues survive a restart). */
export async function startSqsServer(options: { dataDir?: string } = {}): Promise<SqsTestServer> {
  let server = await startFauxqs({ port: 0, logger: false, ...options });
  const port = server.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const client = new SQSClient(clientConfig);
  let running = true;
  return {
    endpoint,
    port,
    client,
    clientConfig,
    async stop() {
      client.destroy();
      if (running) await server.stop();
      running = false;
    },
    async halt() {
      await server.stop();
      running = false;
    },
    async restart() {
      server = await startFauxqs({ port, logger: false, ...options });
      running = true;
    },
  };
}

/** The emulator a test file shares, and the clean-ups its tests register (run after each test, last first). */
export interface SqsEmulator {
  readonly server: SqsTestServer;
  readonly cleanups: Array<() => Promise<void>>;
}

/**
 * Starts the SQS emulator before the file's tests and stops it after them;
 * runs the registered clean-ups (queues to delete...) after each test.
 */
export function useSqsEmulator(): SqsEmulator {
  let server: SqsTestServer | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    server = await startSqsServer();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server(): SqsTestServer {
      if (server === undefined) throw new Error('the SQS emulator starts in beforeAll: use it inside a test or hook');
      return server;
    },
    cleanups,
  };
}
