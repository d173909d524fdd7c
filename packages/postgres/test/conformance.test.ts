import { runSourceConformance } from '@conveyor/conformance';
import type { PostgresMessage } from '../src/index.js';
import { openQueue } from './helpers.js';

runSourceConformance<PostgresMessage<string>>(
  'PostgresSource',
  async () => {
    const queue = await openQueue({ bodyFormat: 'text' });
    const source = queue.source<string>({ bodyFormat: 'text', visibilityTimeout: 500, waitTime: 200, retryBackoff: { baseMs: 200 } });
    const sender = queue.sender<string>({ bodyFormat: 'text' });
    return {
      source,
      send: async (bodies) => void (await sender.sendBodies(bodies)),
      bodyOf: (message) => message.body,
      deadLetterCount: async () => (await queue.deadLetters()).length,
      dispose: () => queue.dispose(),
    };
  },
  { redeliveryAfterMs: 500, ordered: true, minRetryDelayMs: 100 },
);
