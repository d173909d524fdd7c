import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExampleRun {
  readonly jobs: number;
  readonly consumed: number;
  readonly perConsumer: number[];
  readonly seconds: number;
}

function start(script: string, args: string[], log: (line: string) => void): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunk.split('\n').filter(Boolean).forEach(log));
  return { child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
}

/**
 * One producer process and `consumers` consumer processes on a fresh queue folder:
 * waits until every job went through, stops the consumers with SIGTERM, removes the folder.
 */
export async function runExample(jobs: number, consumers: number, log: (line: string) => void = console.log): Promise<ExampleRun> {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-file-example-'));
  const started = performance.now();
  try {
    const lines: string[] = [];
    const collect = (line: string): void => {
      lines.push(line);
      log(line);
    };
    const readers = Array.from({ length: consumers }, () => start('./consumer.ts', [directory], collect));
    const producer = start('./producer.ts', [directory, String(jobs)], collect);
    await producer.exited;
    // Drained: no batch waiting, waiting out a retry backoff, being written or claimed (a claimed one is deleted once all its rows are settled).
    while (readdirSync(directory).some((name) => /^(avail|retry|loading|assigned)_.*\.db$/.test(name)))
      await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    for (const reader of readers) reader.child.kill('SIGTERM');
    await Promise.all(readers.map((reader) => reader.exited));
    const perConsumer = lines
      .map((line) => /consumed (\d+) jobs/.exec(line)?.[1])
      .filter((count) => count !== undefined)
      .map(Number);
    return { jobs, consumed: perConsumer.reduce((sum, count) => sum + count, 0), perConsumer, seconds };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
