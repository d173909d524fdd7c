import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError } from '@conveyor/core';
import type { Registry } from 'prom-client';
import { MetricsServerError } from './metrics-server-error.js';

/** What `/readyz` reports: a Consumer (`consumer.health()`) or anything that answers the same way. */
export interface HealthCheck {
  health(): Promise<{ readonly ready: boolean; readonly reasons: readonly string[] }>;
}

/** Options of `serveMetrics(registry, options)`. */
export interface MetricsServerOptions {
  /** TCP port; `0` picks a free one (read it back from `server.port`). */
  port: number;
  /**
   * Interface to listen on. The endpoint has no authentication, so only this
   * machine can reach it unless told otherwise: `'0.0.0.0'` (or `'::'`) for a
   * Prometheus on another host. @default '127.0.0.1'
   */
  host?: string;
  /** Path the registry is served on. @default '/metrics' */
  path?: string;
  /**
   * Answers `/readyz`: 200 when `health()` says ready, else 503; the body is its
   * JSON report (a Consumer's `health()` says why it is not ready). Without it,
   * `/readyz` answers 503 saying no consumer is attached. `/healthz` answers 200
   * while the process runs, whatever this says.
   */
  health?: HealthCheck;
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The port it listens on (the chosen one when `port` was 0). */
  readonly port: number;
  /** `http://host:port/path`, for logs. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves a prom-client registry in the Prometheus text format over HTTP, with
 * `/healthz` (alive) and `/readyz` (the `health` check's verdict) beside it.
 * Listens on 127.0.0.1 unless `host` says otherwise. Rejects with
 * `MetricsServerError` when it cannot listen.
 */
export async function serveMetrics(registry: Registry, options: MetricsServerOptions): Promise<MetricsServer> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object with a `port`', options);
  const { port } = options;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidOptionError('port', 'an integer from 0 to 65535', port);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('host', 'a non-empty string', host);
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidOptionError('path', 'a path starting with `/`', path);

  const health = options.health;
  if (health !== undefined && (health === null || typeof health.health !== 'function'))
    throw new InvalidOptionError('health', 'an object with a health() method, such as a Consumer', health);

  const server = createServer((request, response) => {
    const requested = (request.url ?? '/').split('?', 1)[0];
    const readable = request.method === 'GET' || request.method === 'HEAD';
    if (readable && requested === '/healthz') {
      sendJson(response, 200, { status: 'alive' }, request.method === 'HEAD');
      return;
    }
    if (readable && requested === '/readyz') {
      void answerReadiness(health, response, request.method === 'HEAD');
      return;
    }
    if (requested !== path || !readable) {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`Not found: metrics are served on ${path}, health on /healthz and /readyz\n`);
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) =>
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new MetricsServerError(host, port, error)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  // Scrapers keep connections alive; unref so an idle endpoint never holds the process open.
  server.unref();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port: bound,
    url: `http://${shownHost}:${bound}${path}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

/** `/readyz`: the health check's report as JSON, 200 when ready, 503 otherwise (and when the check itself fails). */
async function answerReadiness(health: HealthCheck | undefined, response: ServerResponse, head: boolean): Promise<void> {
  if (health === undefined) {
    sendJson(response, 503, { ready: false, reasons: ['no consumer is attached: pass `health: consumer` to serveMetrics()'] }, head);
    return;
  }
  try {
    const report = await health.health();
    sendJson(response, report.ready ? 200 : 503, report, head);
  } catch (error) {
    sendJson(
      response,
      503,
      { ready: false, reasons: [`the health check failed: ${error instanceof Error ? error.message : String(error)}`] },
      head,
    );
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, head: boolean): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(head ? undefined : `${JSON.stringify(body)}\n`);
}
