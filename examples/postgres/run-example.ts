import pg from 'pg';
import { Consumer, silentLogger } from '@conveyor/core';
import { migrate, PostgresSender, PostgresSource } from '@conveyor/postgres';
import type { OrderEvent } from './handler.ts';

export interface ExampleRun {
  /** Orders committed (each with its event enqueued in the same transaction). */
  readonly placed: number;
  /** Orders rolled back (their events never existed). */
  readonly rolledBack: number;
  /** Events consumed (cleaned up). */
  readonly consumed: number;
  /** Whether each customer's events were consumed in the order they were placed. */
  readonly inOrder: boolean;
  /** Events that failed once and were retried. */
  readonly retried: number;
  readonly deadLetters: number;
  readonly seconds: number;
}

/**
 * A shop on one database: orders are placed in transactions that also enqueue
 * their event (transactional enqueue: a rolled-back order leaves no event), and a
 * Consumer prices the events on pool threads, each customer's in order. Runs in a
 * schema of its own, dropped at the end.
 */
export async function runExample(
  options: { url: string; orders: number; customers: number; schema: string },
  log: (line: string) => void = console.log,
): Promise<ExampleRun> {
  const { url, orders, customers, schema } = options;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', (error) => log(`pool: ${error.message}`));
  try {
    await migrate({ pool, schema, table: 'order_events' });
    await pool.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".orders (id int PRIMARY KEY, customer text NOT NULL, amount_cents int NOT NULL)`,
    );
    const sender = new PostgresSender<OrderEvent>({ pool, schema, table: 'order_events' });
    const source = new PostgresSource<OrderEvent>({
      pool,
      schema,
      table: 'order_events',
      retryBackoff: { baseMs: 100 },
      maxMessages: 200,
      logger: silentLogger,
    });

    const consumedOrder = new Map<string, number[]>();
    let consumed = 0;
    let retried = 0;
    const consumer = new Consumer(source, {
      handlerModule: new URL('./handler.ts', import.meta.url),
      maxHandlers: 2,
      maxPollers: 2,
      bulkSize: 20,
      logger: silentLogger,
    });
    consumer.on('consumed', (messages) => {
      for (const message of messages) {
        consumedOrder.set(message.body.customer, [...(consumedOrder.get(message.body.customer) ?? []), message.body.seq]);
        if (message.receiveCount > 1) retried++;
      }
      consumed += messages.length;
    });
    const started = performance.now();
    await consumer.start();

    // Place orders, each in its own transaction with its event; every tenth is rolled back.
    let placed = 0;
    let rolledBack = 0;
    const nextSeq = new Map<string, number>();
    const client = await pool.connect();
    try {
      for (let orderId = 1; orderId <= orders; orderId++) {
        const customer = `customer-${orderId % customers}`;
        const amountCents = 100 + ((orderId * 7919) % 10_000);
        await client.query('BEGIN');
        await client.query(`INSERT INTO "${schema}".orders VALUES ($1, $2, $3)`, [orderId, customer, amountCents]);
        const seq = nextSeq.get(customer) ?? 0;
        await sender.send([{ body: { customer, seq, orderId, amountCents }, key: customer }], { client });
        if (orderId % 10 === 0) {
          await client.query('ROLLBACK');
          rolledBack++;
        } else {
          await client.query('COMMIT');
          nextSeq.set(customer, seq + 1);
          placed++;
        }
      }
    } finally {
      client.release();
    }
    log(`placed ${placed} orders (${rolledBack} rolled back) for ${customers} customers`);

    while (consumed < placed) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    await consumer.shutdown();
    const depth = await new PostgresSource({ pool, schema, table: 'order_events', logger: silentLogger }).inspect();
    const inOrder = [...consumedOrder.values()].every((seqs) => seqs.every((seq, index) => seq === index));
    return { placed, rolledBack, consumed, inOrder, retried, deadLetters: depth.deadLetters, seconds };
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
  }
}
