import { CliError } from './cli-error.js';

/** A Redis Cluster seed node. */
export interface RedisSeed {
  readonly host: string;
  readonly port: number;
}

/** A Redis URL whose authority names cluster seeds, rewritten so `new URL()` can parse the rest. */
export interface RedisClusterUrl {
  /** `redis://` or `rediss://` with the first seed as host: path, query and credentials as given. */
  readonly url: URL;
  readonly seeds: readonly RedisSeed[];
  /** The URL as given, without its password. */
  readonly display: string;
}

const clusterAuthority = /^(rediss?)(\+cluster)?:\/\/([^/?#]*)(.*)$/is;

/**
 * `redis+cluster://host:port,host:port/<key>` (or `rediss+cluster://`), or
 * `redis://` with several comma-separated seeds: a Redis Cluster, reached
 * through any of the seeds. Returns `undefined` for a single-Redis URL.
 */
export function parseRedisClusterUrl(text: string): RedisClusterUrl | undefined {
  const match = clusterAuthority.exec(text);
  if (match === null) return undefined;
  const [, scheme, cluster, authority, rest] = match as unknown as [string, string, string | undefined, string, string];
  const at = authority.lastIndexOf('@');
  const credentials = at < 0 ? '' : authority.slice(0, at + 1);
  const hosts = authority.slice(at + 1).split(',');
  if (cluster === undefined && hosts.length < 2) return undefined;
  const display = redactPassword(text);
  const seeds = hosts.map((host) => parseSeed(host, display));
  let url: URL;
  try {
    url = new URL(`${scheme.toLowerCase()}://${credentials}${hosts[0] ?? ''}${rest}`);
  } catch {
    throw new CliError('CLI_BAD_URL', `Not a Redis Cluster URL: ${display}; expected redis+cluster://host:port,host:port/<key or prefix>`);
  }
  return { url, seeds, display };
}

function parseSeed(host: string, display: string): RedisSeed {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim());
  if (match === null) {
    throw new CliError('CLI_BAD_URL', `Bad Redis Cluster seed ${JSON.stringify(host)} in ${display}; expected host:port,host:port`);
  }
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), port: match[2] === undefined ? 6379 : Number(match[2]) };
}

function redactPassword(text: string): string {
  return text.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
