// The file queue across processes: one producer and one consumer per core share a
// folder of SQLite batch files, and nothing else.
//   node examples/file-queue/main.ts        (EXAMPLE_JOBS=50000 by default)
import { availableParallelism } from 'node:os';
import { runExample } from './run-example.ts';

const jobs = Number(process.env.EXAMPLE_JOBS ?? 50_000);
const consumers = Number(process.env.EXAMPLE_CONSUMERS ?? availableParallelism());
console.log(`file queue example: 1 producer, ${consumers} consumer processes, ${jobs} jobs`);
const run = await runExample(jobs, consumers);
console.log(
  `consumed ${run.consumed} of ${run.jobs} jobs in ${run.seconds.toFixed(1)} s (${Math.round(run.jobs / run.seconds)} jobs/s), per consumer: ${run.perConsumer.join(', ')}`,
);
if (run.consumed !== run.jobs) process.exitCode = 1;
