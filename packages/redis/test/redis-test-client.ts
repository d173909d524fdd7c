import { uniqueName } from '@conveyor/conformance';

export { redisUrl, connectRedis as connect } from '@conveyor/conformance';

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(label: string): string {
  return uniqueName(`conveyor-test:${label}`, ':');
}
