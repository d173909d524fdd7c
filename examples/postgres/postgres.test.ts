import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.ts';

describe('example: Postgres orders with transactional enqueue and per-customer order', () => {
  it('every committed order is priced once, in each customer’s order; rolled-back orders never are', async () => {
    const run = await runExample(
      {
        url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        orders: 300,
        customers: 12,
        schema: `conveyor_example_test_${process.pid}_${Date.now()}`,
      },
      () => {},
    );
    expect(run.rolledBack).toBe(30);
    expect(run.consumed).toBe(run.placed);
    expect(run.placed).toBe(270);
    expect(run.inOrder).toBe(true);
    expect(run.retried).toBeGreaterThan(0);
    expect(run.deadLetters).toBe(0);
  });
});
