import type { PostgresLocation } from '../postgres-location.js';
import { postgresFailure, toolSource } from '../stats/postgres-inspector.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';

/**
 * The dead letters of a Postgres queue table (`<table>_dead`, through
 * `PostgresSource.deadLetters()` / `redrive()`): a redrive is one statement
 * (DELETE … RETURNING into INSERT), all or nothing.
 */
export async function openPostgresDeadLetters(location: PostgresLocation): Promise<DeadLetterTool> {
  const source = toolSource(location);
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw postgresFailure(error, location);
    }
  };
  try {
    // Fails here, with the table's name, when there is no queue table.
    await guard(() => source.inspect());
  } catch (error) {
    await source.close().catch(() => {});
    throw error;
  }
  return {
    where: `${location.schema}.${location.table}_dead`,
    count: () => guard(async () => (await source.inspect()).deadLetters),
    list: (limit) =>
      guard(async () => {
        const now = Date.now();
        return (await source.deadLetters(limit)).map((letter): DeadLetterView => ({
          id: letter.id,
          body:
            typeof letter.body === 'string'
              ? letter.body
              : Buffer.isBuffer(letter.body)
                ? letter.body.toString('utf8')
                : JSON.stringify(letter.body),
          receiveCount: letter.attempts,
          ageMs: Math.max(0, now - letter.deadAt),
          lastError: letter.lastError ?? undefined,
        }));
      }),
    redrive: (limit) =>
      guard(async () => {
        if (limit === undefined) return source.redrive();
        const oldest = await source.deadLetters(limit);
        return oldest.length === 0 ? 0 : source.redrive(oldest.map((letter) => letter.id));
      }),
    close: () => source.close(),
  };
}
