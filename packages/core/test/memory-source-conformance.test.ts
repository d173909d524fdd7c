import { MemorySource } from '@conveyor/core';
import type { MemoryMessage } from '@conveyor/core';
import { runSourceConformance } from '@conveyor/conformance';

runSourceConformance<MemoryMessage<string>>(
  'MemorySource',
  async () => {
    const source = new MemorySource<string>({ visibilityTimeout: 300, waitTime: 50, retryBackoff: { baseMs: 100, jitter: 'none' } });
    return {
      source,
      send: async (bodies) => void source.sendMany(bodies),
      bodyOf: (message) => message.body,
      dispose: async () => {},
      deadLetterCount: async () => source.deadLetters.length,
    };
  },
  { redeliveryAfterMs: 300, ordered: true, minRetryDelayMs: 100 },
);
