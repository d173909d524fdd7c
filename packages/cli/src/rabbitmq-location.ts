import { CliError } from './cli-error.js';

/**
 * A RabbitMQ queue: `amqp://user:pass@host:port/<vhost>?queue=<name>` or the path
 * form `amqp://user:pass@host:port/<vhost>/<queue>` (the default vhost `/` is
 * `%2F`, or empty: `amqp://host//jobs`). `amqps://` for TLS.
 */
export interface RabbitMqLocation {
  readonly kind: 'rabbitmq';
  /** The URL as given, password hidden: safe to print. */
  readonly display: string;
  /** The connection URL for amqplib (vhost in the path, the password in it: never print it). */
  readonly connectionUrl: string;
  /** The password, scrubbed from every message the CLI prints. */
  readonly secret: string | undefined;
  readonly vhost: string;
  readonly queue: string;
  /** `?dlq=`: the dead-letter queue to count. @default `<queue>.dead` (where RabbitMqSource binds its dead letters) */
  readonly deadLetterQueue: string;
}

/** Query parameters that are the CLI's, not amqplib's. */
const ownParameters = ['queue', 'dlq'];

/** Parses an `amqp://` or `amqps://` URL (already parsed by `URL`); throws a `CliError` (exit 2) naming what is wrong. */
export function parseRabbitMqUrl(url: URL, display: string): RabbitMqLocation {
  if (url.hostname === '')
    throw new CliError('CLI_BAD_URL', `${display} has no host; expected amqp://user:pass@host:port/<vhost>?queue=<name>`);
  const path = url.pathname.slice(1);
  const parts = path === '' ? [] : path.split('/');
  const named = url.searchParams.get('queue');
  let vhostPart: string;
  let queue: string;
  if (named !== null && named !== '' && parts.length <= 1) {
    vhostPart = parts[0] ?? '';
    queue = named;
  } else if (named === null && parts.length === 2 && parts[1] !== '') {
    vhostPart = parts[0] as string;
    queue = decodeURIComponent(parts[1] as string);
  } else {
    throw new CliError(
      'CLI_BAD_URL',
      `${display} must name one queue: amqp://host:port/<vhost>?queue=<name> or amqp://host:port/<vhost>/<queue> (the default vhost is %2F)`,
    );
  }
  const vhost = vhostPart === '' ? '/' : decodeURIComponent(vhostPart);
  const connection = new URL(url.href);
  connection.pathname = `/${encodeURIComponent(vhost)}`;
  for (const name of ownParameters) connection.searchParams.delete(name);
  return {
    kind: 'rabbitmq',
    display,
    connectionUrl: connection.href,
    secret: url.password === '' ? undefined : decodeURIComponent(url.password),
    vhost,
    queue,
    deadLetterQueue: url.searchParams.get('dlq') ?? `${queue}.dead`,
  };
}
