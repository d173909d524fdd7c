import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The real Redis the tests run against. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function connect(): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 3 });
}

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(label: string): string {
  return `conveyor-test:${label}:${randomUUID().slice(0, 8)}:`;
}
