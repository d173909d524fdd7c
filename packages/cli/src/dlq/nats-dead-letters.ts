import { NatsDeadLetterStream } from '@conveyor/nats';
import { CliError } from '../cli-error.js';
import { connectNats, natsFailure } from '../nats-connection.js';
import type { NatsLocation } from '../nats-url.js';
import type { DeadLetterTool, DeadLetterView } from './dead-letter-tool.js';

/**
 * The dead letters `NatsSource` copies to its dead-letter subject (`?dlq=`, by
 * default `dead-letters.<stream>.<consumer>`), through `NatsDeadLetterStream`:
 * a redrive publishes each to its original subject, then deletes the copy.
 */
export async function openNatsDeadLetters(location: NatsLocation): Promise<DeadLetterTool> {
  const subject = location.deadLetterSubject;
  if (subject === undefined)
    throw new CliError(
      'CLI_BAD_URL',
      `${location.display} names no consumer: use nats://host/<stream>/<consumer>, or ?dlq=<dead-letter subject>`,
    );
  const connection = await connectNats(location);
  const dead = new NatsDeadLetterStream({ connection, subject });
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw natsFailure(error, location, `The dead letters of ${location.display} (subject ${subject})`);
    }
  };
  try {
    await guard(() => dead.stream());
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
  return {
    where: subject,
    count: () => guard(() => dead.count()),
    list: (limit) =>
      guard(async () => {
        const now = Date.now();
        return (await dead.peek(limit)).map((letter): DeadLetterView => ({
          id: letter.id,
          body: new TextDecoder().decode(letter.body),
          receiveCount: letter.receiveCount,
          ageMs: Math.max(0, now - letter.deadAt),
          lastError: letter.lastError,
        }));
      }),
    redrive: (limit) => guard(() => dead.redrive(limit === undefined ? {} : { limit })),
    close: async () => {
      await connection.close().catch(() => {});
    },
  };
}
