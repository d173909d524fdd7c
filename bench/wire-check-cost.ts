// What the wire check costs: before a message crosses to a pool thread, the consumer walks it
// to decide whether JSON carries it unchanged, only v8 serialization does, or nothing does
// (docs/adr/0003-the-json-hop.md). This bench times that walk per message on three body
// shapes, and, in the same run, the consumer's whole CPU cost per message on the core
// workload (bench/memory-consumer-drain.ts: 1,000,000 small messages, bulk 128, 2 pool
// threads), and the JSON encoding of the same messages in parcels of 256 (which the hop
// pays anyway), so the check's share is a ratio of figures measured together.
// SQS and Redis list sources skip the check (their bodies are text or parsed JSON by construction).
//
//   node --expose-gc bench/wire-check-cost.ts
//
// Knobs: BENCH_ROUNDS (default 5).
import { loadavg } from 'node:os';
import { wireVerdict } from '../packages/core/dist/threads/wire-check.js';
import { drainThroughConsumer } from './memory-consumer-drain.ts';
import { spread } from './spread.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** A message as MemorySource delivers it, with `body`. */
const delivered = (body: unknown, id: number): object => ({ id, receipt: id, receiveCount: 1, body });
const order = (id: number): object => ({
  orderId: `order-${id}`,
  customer: { id: id % 977, name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold' },
  lines: Array.from({ length: 8 }, (_, line) => ({
    sku: `SKU-${line}-${id % 13}`,
    quantity: line + 1,
    price: 9.99 + line,
    tags: ['a', 'b'],
  })),
  placedAt: '2026-12-01T10:00:00.000Z',
  notes: 'leave at the door',
});
const fortyOrders = Array.from({ length: 40 }, (_, index) => order(index));
const shapes: Array<{ name: string; make: (id: number) => object }> = [
  { name: 'core bench message (32-character string body)', make: (id) => delivered('x'.repeat(32), id) },
  { name: `an order (~${JSON.stringify(order(1)).length} bytes of JSON, 3 levels)`, make: (id) => delivered(order(id), id) },
  // One body shared by the messages (the walk keeps no memory between messages, so it walks it whole each time).
  { name: 'a ~10 KB JSON body (40 orders)', make: (id) => delivered(fortyOrders, id) },
];

console.log(`wire check cost, ${rounds} rounds, Node ${process.version}; load ${load()}`);
const perMessageNs = (messages: readonly object[]): number => {
  let structured = 0;
  const started = process.hrtime.bigint();
  for (const message of messages) if (wireVerdict(message) !== 'json') structured++;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (structured > 0) throw new Error('every message here is plain JSON');
  return elapsed / messages.length;
};
/** Nanoseconds a message of JSON.stringify over parcels of 256 messages, as the hop encodes them. */
const encodeNs = (messages: readonly object[]): number => {
  let length = 0;
  const started = process.hrtime.bigint();
  for (let start = 0; start < messages.length; start += 256) length += JSON.stringify(messages.slice(start, start + 256)).length;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (length === 0) throw new Error('nothing encoded');
  return elapsed / messages.length;
};
const walks = shapes.map((shape) => ({
  shape,
  messages: Array.from({ length: 20_000 }, (_, id) => shape.make(id)),
  ns: [] as number[],
  encode: [] as number[],
}));
const consumerNs: number[] = [];
// Warm-up.
for (const walk of walks) {
  perMessageNs(walk.messages);
  encodeNs(walk.messages);
}
await drainThroughConsumer({ count: 100_000, bulkSize: 128, threads: 2 });
for (let round = 0; round < rounds; round++) {
  for (const walk of walks) {
    walk.ns.push(perMessageNs(walk.messages));
    walk.encode.push(encodeNs(walk.messages));
  }
  const drain = await drainThroughConsumer({ count: 1_000_000, bulkSize: 128, threads: 2 });
  consumerNs.push(1e9 / drain.cpu);
}
const ns = (value: number): string => value.toFixed(0);
console.log(`consumer CPU per message, core workload (all threads): ${spread(consumerNs, ns)} ns (min/median/max)`);
const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;
const ratio = (top: number[], bottom: number[]): string =>
  spread(
    top.map((value, index) => value / (bottom[index] as number)),
    percent,
  );
for (const walk of walks) {
  console.log(
    `  ${walk.shape.name}: check ${spread(walk.ns, ns)} ns a message, JSON encoding ${spread(walk.encode, ns)} ns; ` +
      `check / encoding ${ratio(walk.ns, walk.encode)}`,
  );
}
const small = walks[0] as (typeof walks)[number];
console.log(`  the core workload's messages: the check is ${ratio(small.ns, consumerNs)} of the consumer's whole CPU per message`);
console.log(`load ${load()}`);
