import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.js';
import { redact, rememberSecrets } from './redact.js';
import type { NatsLocation } from './nats-url.js';
import { parseNatsUrl } from './nats-url.js';
import { parsePostgresUrl } from './postgres-location.js';
import type { PostgresLocation } from './postgres-location.js';
import { parseRabbitMqUrl } from './rabbitmq-location.js';
import { parseRedisClusterUrl } from './redis-cluster-url.js';
import type { RedisSeed } from './redis-cluster-url.js';
import type { RabbitMqLocation } from './rabbitmq-location.js';

/** An SQS queue: `sqs://host[:port]/<account>/<queue>` or `sqs://host[:port]/<queue>`. */
export interface SqsLocation {
  readonly kind: 'sqs';
  /** The URL as given, safe to print. */
  readonly display: string;
  /** `http(s)://host:port`, the SQS endpoint. */
  readonly endpoint: string;
  readonly region: string;
  /** The full queue URL when the path names the account; else resolve `queueName`. */
  readonly queueUrl: string | undefined;
  readonly queueName: string;
  /** Whether the endpoint is on this machine (a local SQS-compatible server). */
  readonly local: boolean;
  /** `?dlq=`: a dead-letter queue the source itself moves messages to (not in the queue's redrive policy). */
  readonly deadLetterQueue: string | undefined;
  /** `?group=`: MessageGroupId used when sending to a FIFO queue. */
  readonly groupId: string;
}

/** A Redis list (`RedisListSource`) or sharded queue (`RedisStorage`): `redis://[user:pass@]host[:port]/<key or prefix>`. */
export interface RedisLocation {
  readonly kind: 'redis';
  readonly display: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** The list key, or the sharded storage's key prefix. */
  readonly key: string;
  /** `?kind=`; detected from the keys when not given. */
  readonly structure: 'list' | 'sharded' | undefined;
  /** `?lockPrefix=`: prefix of the sharded queue's thread locks. */
  readonly lockPrefix: string | undefined;
  /** The seeds of a Redis Cluster (`redis+cluster://host:port,host:port/...`); `undefined`: one Redis. */
  readonly cluster?: readonly RedisSeed[] | undefined;
  /** `?partitions=`: the queue is partitioned (`RedisPartitionedListSource`, `RedisStorage` `partitions`). */
  readonly partitions?: number | undefined;
}

/** A file queue folder: `file:///absolute/path`. */
export interface FileLocation {
  readonly kind: 'file';
  readonly display: string;
  readonly directory: string;
}

/** Where a queue is, parsed from a source URL. */
export type SourceLocation = SqsLocation | RedisLocation | FileLocation | NatsLocation | PostgresLocation | RabbitMqLocation;

const examples =
  'sqs://host:port/<account>/<queue>, redis://host:6379/<key or prefix>, redis+cluster://host:port,host:port/<key or prefix>, file:///path/to/folder, nats://host:4222/<stream>/<consumer>, postgres://host:5432/<db>?table=jobs, amqp://host:5672/<vhost>?queue=<name>';

/** Parses a source URL; throws a `CliError` (exit code 2) naming what is wrong. */
export function parseSourceUrl(text: string): SourceLocation {
  // Before anything can fail: an error about this URL, or a client's about its connection, must not show its password.
  rememberSecrets(text);
  const cluster = parseRedisClusterUrl(text);
  if (cluster !== undefined) return { ...parseRedis(cluster.url), display: cluster.display, cluster: cluster.seeds };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError('CLI_BAD_URL', `Not a source URL: ${JSON.stringify(redact(text))}; expected one of ${examples}`);
  }
  switch (url.protocol) {
    case 'sqs:':
      return parseSqs(url);
    case 'redis:':
    case 'rediss:':
      return parseRedis(url);
    case 'file:':
      return parseFile(url, text);
    case 'nats:':
      return parseNatsUrl(url);
    case 'postgres:':
    case 'postgresql:':
      return parsePostgresUrl(url);
    case 'amqp:':
    case 'amqps:':
      return parseRabbitMqUrl(url, redact(url.href));
    default:
      throw new CliError(
        'CLI_BAD_URL',
        `Unsupported source URL scheme ${JSON.stringify(url.protocol)} in ${redact(url.href)}; expected one of ${examples}`,
      );
  }
}

const awsHost = /^sqs[.-]([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|localhost)$/;

function parseSqs(url: URL): SqsLocation {
  const display = redact(url.href);
  if (url.hostname === '') throw new CliError('CLI_BAD_URL', `${display} has no host; expected sqs://host[:port]/<account>/<queue>`);
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  if (segments.length < 1 || segments.length > 2) {
    throw new CliError('CLI_BAD_URL', `${display} must name a queue: sqs://host[:port]/<account>/<queue> or sqs://host[:port]/<queue>`);
  }
  const local = isLocalHost(url.hostname);
  const tlsParam = url.searchParams.get('tls');
  if (tlsParam !== null && tlsParam !== 'true' && tlsParam !== 'false')
    throw new CliError('CLI_BAD_URL', `?tls= must be true or false in ${display}`);
  const tls = tlsParam === null ? !local : tlsParam === 'true';
  const endpoint = `${tls ? 'https' : 'http'}://${url.host}`;
  const region =
    url.searchParams.get('region') ??
    awsHost.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    'us-east-1';
  const queueName = segments[segments.length - 1] as string;
  return {
    kind: 'sqs',
    display,
    endpoint,
    region,
    queueUrl: segments.length === 2 ? `${endpoint}/${segments.map(encodeURIComponent).join('/')}` : undefined,
    queueName,
    local,
    deadLetterQueue: url.searchParams.get('dlq') ?? undefined,
    groupId: url.searchParams.get('group') ?? 'conveyor',
  };
}

function parseRedis(url: URL): RedisLocation {
  const display = redact(url.href);
  const key = decodeURIComponent(url.pathname.slice(1));
  if (key === '') {
    throw new CliError(
      'CLI_BAD_URL',
      `${display} names no key: put the list key or the sharded queue's prefix in the path, e.g. redis://127.0.0.1:6379/jobs`,
    );
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbParam = url.searchParams.get('db') ?? '0';
  const db = Number(dbParam);
  if (!Number.isInteger(db) || db < 0)
    throw new CliError('CLI_BAD_URL', `?db= must be a database number in ${display}, got ${JSON.stringify(dbParam)}`);
  const kind = url.searchParams.get('kind');
  if (kind !== null && kind !== 'list' && kind !== 'sharded')
    throw new CliError('CLI_BAD_URL', `?kind= must be list or sharded in ${display}, got ${JSON.stringify(kind)}`);
  return {
    kind: 'redis',
    display,
    host: url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    tls: url.protocol === 'rediss:',
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db,
    key,
    structure: kind ?? undefined,
    lockPrefix: url.searchParams.get('lockPrefix') ?? undefined,
    partitions: parsePartitions(url.searchParams.get('partitions'), display),
  };
}

function parsePartitions(value: string | null, display: string): number | undefined {
  if (value === null) return undefined;
  const partitions = Number(value);
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new CliError('CLI_BAD_URL', `?partitions= must be a positive integer in ${display}, got ${JSON.stringify(value)}`);
  return partitions;
}

function parseFile(url: URL, text: string): FileLocation {
  // `file:relative/path` parses as an absolute path from `/`: refuse it rather than guess.
  if (!/^file:\/\//i.test(text))
    throw new CliError(
      'CLI_BAD_URL',
      `${JSON.stringify(redact(text))} is not an absolute file URL; use file:///absolute/path (e.g. file://$PWD/queue)`,
    );
  if (url.hostname !== '' && url.hostname !== 'localhost') {
    throw new CliError(
      'CLI_BAD_URL',
      `${redact(text)} names the host ${JSON.stringify(url.hostname)}; a file queue is local: use file:///absolute/path`,
    );
  }
  const directory = fileURLToPath(url.hostname === '' ? url : new URL(`file://${url.pathname}`));
  if (!isAbsolute(directory) || directory === '/')
    throw new CliError('CLI_BAD_URL', `${redact(text)} does not name a folder; use file:///absolute/path`);
  return { kind: 'file', display: `file://${directory}`, directory: directory.replace(/\/+$/, '') };
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]' || host === '::1';
}
