import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError } from '@conveyor/core';
import type { Registry } from 'prom-client';
import { MetricsServerError } from './metrics-server-error.js';

/** Options of `serveMetrics(registry, options)`. */
export interface MetricsServerOptions {
  /** TCP port; `0` picks a free one (read it back from `server.port`). */
  port: number;
  /** Interface to listen on. @default '0.0.0.0' (Prometheus scrapes from another host) */
  host?: string;
  /** Path the registry is served on; other paths answer 404. @default '/metrics' */
  path?: string;
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
 * Serves a prom-client registry in the Prometheus text format over HTTP.
 * Rejects with `MetricsServerError` when it cannot listen.
 */
export async function serveMetrics(registry: Registry, options: MetricsServerOptions): Promise<MetricsServer> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object with a `port`', options);
  const { port } = options;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidOptionError('port', 'an integer from 0 to 65535', port);
  const host = options.host ?? '0.0.0.0';
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('host', 'a non-empty string', host);
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidOptionError('path', 'a path starting with `/`', path);

  const server = createServer((request, response) => {
    const requested = (request.url ?? '/').split('?', 1)[0];
    if (requested !== path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: metrics are served on ${path}\n`);
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
