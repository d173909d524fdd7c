import type { ExitCode } from '../exit-codes.js';
import { exitCodes } from '../exit-codes.js';
import { formatStats } from '../stats/format-stats.js';
import { openInspector } from '../stats/open-inspector.js';
import { parseSourceUrl } from '../source-url.js';

/** Options of `conveyor stats`. */
export interface StatsCommandOptions {
  /** Print the numbers as one JSON object. */
  readonly json: boolean;
  /** Sharded queues: how many threads to list. */
  readonly threads: number;
}

/** `conveyor stats <source-url>`: one look at a queue, without consuming. */
export async function statsCommand(url: string, options: StatsCommandOptions): Promise<ExitCode> {
  const inspector = await openInspector(parseSourceUrl(url));
  try {
    const stats = await inspector.read();
    process.stdout.write(`${options.json ? JSON.stringify(stats) : formatStats(stats, options.threads)}\n`);
  } finally {
    await inspector.close();
  }
  return exitCodes.ok;
}
