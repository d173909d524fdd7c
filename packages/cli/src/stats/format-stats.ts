import { age } from '../run/format.js';
import type { QueueStats } from './queue-stats.js';

const kindNames: Readonly<Record<QueueStats['kind'], string>> = {
  sqs: 'SQS queue',
  'redis-list': 'Redis list',
  'redis-sharded': 'sharded queue on Redis',
  file: 'file queue',
  rabbitmq: 'RabbitMQ queue',
  nats: 'JetStream stream',
  postgres: 'PostgreSQL queue table',
  source: "the consumer's source",
};

const number = new Intl.NumberFormat('en-US');

/** The human view of `conveyor stats`: a title line, then one fact a line. */
export function formatStats(stats: QueueStats, maxThreads = 20): string {
  const rows: [string, string][] = [
    ['waiting', number.format(stats.waiting)],
    ['in flight', stats.inFlight === undefined ? '-' : number.format(stats.inFlight)],
    ['dead letters', stats.deadLetters === undefined ? '-' : number.format(stats.deadLetters)],
  ];
  if (stats.oldestAgeMs !== undefined) rows.push(['oldest', age(stats.oldestAgeMs)]);
  for (const [name, value] of Object.entries(stats.details))
    rows.push([label(name), typeof value === 'number' ? number.format(value) : value]);
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = [`${stats.source}  (${kindNames[stats.kind]})`, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)];
  if (stats.threads !== undefined && stats.threads.length > 0) {
    const shown = stats.threads.slice(0, maxThreads);
    const threadWidth = Math.max(6, ...shown.map((thread) => thread.thread.length));
    lines.push('', `  ${'thread'.padEnd(threadWidth)}  ${'waiting'.padStart(9)}  locked  tubes`);
    for (const thread of shown) {
      const tubes = thread.tubes.map((tube) => `${tube.tube.slice(thread.thread.length + 1)}:${tube.waiting}`).join(' ');
      lines.push(
        `  ${thread.thread.padEnd(threadWidth)}  ${number.format(thread.waiting).padStart(9)}  ${(thread.locked ? 'yes' : 'no').padEnd(6)}  priority ${tubes}`,
      );
    }
    if (stats.threads.length > shown.length)
      lines.push(`  … ${stats.threads.length - shown.length} more threads (--threads N to show more)`);
  }
  return lines.join('\n');
}

/** `readyBatches` → `ready batches`. */
function label(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
}
