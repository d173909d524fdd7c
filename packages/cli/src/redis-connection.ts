import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { CliError } from './cli-error.js';
import { networkErrorCode, oneLine } from './describe-error.js';
import type { RedisLocation } from './source-url.js';

/**
 * Connects to the Redis a URL names, failing fast with a `CliError` (exit 4)
 * instead of ioredis' endless reconnect loop: a command line should say
 * "unreachable" and stop, not hang.
 */
export async function connectRedis(location: RedisLocation): Promise<Redis | Cluster> {
  if (location.cluster !== undefined) return await connectCluster(location, location.cluster);
  const options: RedisOptions = {
    host: location.host,
    port: location.port,
    db: location.db,
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  };
  if (location.username !== undefined) options.username = location.username;
  if (location.password !== undefined) options.password = location.password;
  if (location.tls) options.tls = {};
  const redis = new Redis(options);
  // Without a listener ioredis prints errors; the last one says why connect() failed
  // (connect() itself only rejects with "Connection is closed").
  let lastError: unknown;
  redis.on('error', (error) => void (lastError = error));
  try {
    await redis.connect();
  } catch (connectError) {
    redis.disconnect();
    const error = lastError ?? connectError;
    const where = `${location.host}:${location.port}`;
    const network = networkErrorCode(error);
    if (network !== undefined)
      throw new CliError('CLI_UNREACHABLE', `Cannot reach Redis at ${where} (${network}); is it running?`, { cause: error });
    throw new CliError('CLI_UNREACHABLE', `Redis at ${where} refused the connection: ${oneLine(error)}`, { cause: error });
  }
  return redis;
}

/**
 * Connects to a Redis Cluster through its seeds (any one that answers gives
 * the slot map), failing fast with a `CliError` as `connectRedis` does.
 */
async function connectCluster(location: RedisLocation, seeds: readonly { host: string; port: number }[]): Promise<Cluster> {
  if (location.db !== 0) throw new CliError('CLI_BAD_URL', `${location.display}: a Redis Cluster has only database 0 (drop ?db=)`);
  const redisOptions: RedisOptions = { connectTimeout: 5000, maxRetriesPerRequest: 1 };
  if (location.username !== undefined) redisOptions.username = location.username;
  if (location.password !== undefined) redisOptions.password = location.password;
  if (location.tls) redisOptions.tls = {};
  const cluster = new Cluster([...seeds], { lazyConnect: true, redisOptions, clusterRetryStrategy: () => null });
  let lastError: unknown;
  cluster.on('error', (error) => void (lastError = error));
  try {
    await cluster.connect();
  } catch (connectError) {
    cluster.disconnect();
    // "Failed to refresh slots cache" says little; the last seed's own error says why.
    const failed = lastError ?? connectError;
    const error = (failed as { lastNodeError?: unknown } | undefined)?.lastNodeError ?? failed;
    const where = seeds.map((seed) => `${seed.host}:${seed.port}`).join(',');
    const network = networkErrorCode(error);
    if (network !== undefined)
      throw new CliError('CLI_UNREACHABLE', `Cannot reach the Redis Cluster at ${where} (${network}); is it running?`, { cause: error });
    // ioredis reports seeds that never answered as closed connections, without their network error.
    if (/^(Connection is closed|Failed to refresh slots cache)/.test(oneLine(error)))
      throw new CliError('CLI_UNREACHABLE', `Cannot reach the Redis Cluster at ${where}: no seed answered; is it running?`, {
        cause: error,
      });
    throw new CliError('CLI_UNREACHABLE', `The Redis Cluster at ${where} refused the connection: ${oneLine(error)}`, { cause: error });
  }
  return cluster;
}
