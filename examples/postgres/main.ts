// Postgres as a queue: orders and their events committed together (transactional enqueue),
// events priced on pool threads, each customer's in order.
//   node examples/postgres/main.ts        (DATABASE_URL, EXAMPLE_ORDERS=1000, EXAMPLE_CUSTOMERS=50)
import { runExample } from './run-example.ts';

const run = await runExample({
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  orders: Number(process.env.EXAMPLE_ORDERS ?? 1_000),
  customers: Number(process.env.EXAMPLE_CUSTOMERS ?? 50),
  schema: `conveyor_example_${process.pid}`,
});
console.log(
  `consumed ${run.consumed} of ${run.placed} events in ${run.seconds.toFixed(1)} s; ${run.retried} retried after a failure; ` +
    `each customer's in order: ${run.inOrder ? 'yes' : 'NO'}; dead letters: ${run.deadLetters}`,
);
if (run.consumed !== run.placed || !run.inOrder) process.exitCode = 1;
