import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { CliError } from './cli-error.js';
import { networkErrorCode, oneLine } from './describe-error.js';
import type { RedisLocation } from './source-url.js';

/**
 * Connects to the Redis a URL names, failing fast with a `CliError` (exit 4)
 * instead of ioredis' endless reconnect loop: a command line should say
 * "unreachable" and stop, not hang.
 */
export async function connectRedis(location: RedisLocation): Promise<Redis> {
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
