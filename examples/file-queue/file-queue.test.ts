import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.ts';

describe('example: file queue across processes', () => {
  it('one producer and two consumer processes get every job through exactly once', async () => {
    const run = await runExample(3000, 2, () => {});
    expect(run.perConsumer).toHaveLength(2);
    expect(run.consumed).toBe(3000);
  });
});
