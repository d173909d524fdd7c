// The main job: CPU-heavy messages from the in-memory source through the worker-thread
// pool on every core, with a live progress bar, then the same work on one thread to compare.
import cliProgress from 'cli-progress';
import { defaultThreads, runDemo } from './run-demo.ts';

const messages = Number(process.env.DEMO_MESSAGES ?? 20_000);
const span = Number(process.env.DEMO_SPAN ?? 3000);

async function timedRun(threads: number): Promise<number> {
  const bar = new cliProgress.SingleBar(
    { format: `  ${String(threads).padStart(2)} thread(s) [{bar}] {value}/{total} msgs | {rate} msg/s`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(messages, 0, { rate: 0 });
  const run = await runDemo({
    messages,
    span,
    threads,
    bulkSize: 16,
    onProgress: (consumed) => bar.update(consumed, { rate: Math.round(consumed / ((performance.now() - started) / 1000)) }),
  });
  bar.stop();
  return run.perSecond;
}

console.log(`Conveyor demo: ${messages} messages, counting primes in a span of ${span} numbers each, in-memory source, Piscina pool`);
const allCores = await timedRun(defaultThreads);
const oneThread = await timedRun(1);
console.log(
  `all ${defaultThreads} cores: ${Math.round(allCores)} msg/s | 1 thread: ${Math.round(oneThread)} msg/s | speed-up ${(allCores / oneThread).toFixed(2)}x, nothing lost`,
);
