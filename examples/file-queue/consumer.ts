// A consumer process: pulls batches from the queue folder and runs the handler on a
// thread. Start as many as you have cores; they share the folder, nothing else.
// Runs until SIGINT or SIGTERM, then drains, gives back what it holds, and exits.
// Usage: node consumer.ts <folder>
import { Consumer } from '@conveyor/core';
import { FileSource } from '@conveyor/file';
import type { Job } from './handler.ts';

const directory = process.argv[2] as string;
const source = new FileSource<Job>({ directory, waitTime: 200 });
source.reader.on('recovered', (report) =>
  console.log(`consumer ${process.pid}: took back ${report.returned.length} batch(es) of dead processes`),
);
const consumer = new Consumer(source, {
  handlerModule: new URL('./handler.ts', import.meta.url),
  maxHandlers: 1, // one core per process: run one process per core
  maxPollers: 1,
  bulkSize: 50,
});
let consumed = 0;
let retried = 0;
consumer.on('consumed', (messages) => (consumed += messages.length));
consumer.on('failed', (messages) => (retried += messages.length));
await consumer.start();
console.log(`consumer ${process.pid}: started`);
await consumer.supervise({ blocking: true });
console.log(`consumer ${process.pid}: consumed ${consumed} jobs (${retried} failed once and went back)`);
