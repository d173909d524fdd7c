import { describe, expect, it } from 'vitest';
import { resolveRabbitMqSourceOptions } from '../src/rabbitmq-source-options.js';
import { lastLevel, retryRoute } from '../src/topology.js';

const options = (extra: object = {}) => resolveRabbitMqSourceOptions({ url: 'amqp://127.0.0.1', queue: 'jobs', ...extra });

describe('retry routes: one delay queue per backoff level', () => {
  it('the default backoff (500 ms doubling to 60 s) has 8 levels; later failures share the last', () => {
    expect(lastLevel({ baseMs: 500, capMs: 60_000 })).toBe(8);
    expect(retryRoute(options(), 1, () => 1).queue).toBe('jobs.retry.1');
    expect(retryRoute(options(), 8, () => 1).queue).toBe('jobs.retry.8');
    expect(retryRoute(options(), 30, () => 1)).toMatchObject({ queue: 'jobs.retry.8', delayMs: 60_000 });
  });

  it('a message of a level never waits longer than that level’s delay: every TTL there is between half and all of it', () => {
    for (let failures = 1; failures <= 10; failures++) {
      const ceiling = Math.min(60_000, 500 * 2 ** (failures - 1));
      const shortest = retryRoute(options(), failures, () => 0);
      const longest = retryRoute(options(), failures, () => 1);
      expect(shortest.queue).toBe(longest.queue);
      expect(shortest.delayMs).toBe(Math.round(ceiling / 2));
      expect(longest.delayMs).toBe(ceiling);
    }
  });

  it('declares delay queues that dead-letter back to the work queue, at least once on quorum queues', () => {
    expect(retryRoute(options({ queueType: 'classic' }), 1).declaration).toEqual({
      durable: true,
      arguments: { 'x-queue-type': 'classic', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'jobs' },
    });
    expect(retryRoute(options(), 1).declaration?.arguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-dead-letter-strategy': 'at-least-once',
    });
  });

  it('without a backoff, a retry goes straight back to the work queue', () => {
    expect(retryRoute(options({ retryBackoff: false }), 3)).toEqual({ queue: 'jobs', declaration: undefined, delayMs: 0 });
    expect(retryRoute(options({ retryBackoff: { baseMs: 0 } }), 1)).toEqual({ queue: 'jobs', declaration: undefined, delayMs: 0 });
  });
});
