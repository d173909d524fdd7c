import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { afterEach } from 'vitest';
import { silentLogger } from '@conveyor/core';

import { until } from '@conveyor/conformance';

export { until };

export const quiet = { logger: silentLogger } as const;

/** A unique, empty queue folder under the OS temp folder; `remove()` deletes it. */
export function tempQueue(): { directory: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-file-test-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** Call inside a `describe`: returns a maker of temp queue folders, all removed after each test. */
export function useTempQueues(): () => string {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  return () => {
    const made = tempQueue();
    cleanups.push(made.remove);
    return made.directory;
  };
}

/** File names in `directory` (sorted), without the `corrupt/` and `dead/` folders' contents. */
export function names(directory: string): string[] {
  return readdirSync(directory).sort();
}

/** Batch files (`.db`, not their journals) whose name starts with `prefix`. */
export function namesStartingWith(directory: string, prefix: string): string[] {
  return names(directory).filter((name) => name.startsWith(prefix) && name.endsWith('.db'));
}

/** A child Node process running a fixture script, with its stdout in lines. */
export interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line that starts with `prefix`. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the child is gone and reaped. */
  readonly exited: Promise<number | string>;
}

export function runFixture(script: string, args: readonly string[]): Child {
  const path = fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL' && stderr !== '') process.stderr.write(`[${script}] ${stderr}\n`);
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    process: child,
    lines,
    exited,
    async line(prefix, timeoutMs = 30_000) {
      let found: string | undefined;
      await until(
        () => (found = lines.find((line) => line.startsWith(prefix))) !== undefined || child.exitCode !== null,
        timeoutMs,
        `"${prefix}" from ${script}`,
      );
      if (found === undefined) found = lines.find((line) => line.startsWith(prefix));
      if (found === undefined) throw new Error(`${script} exited (${String(child.exitCode)}) without printing "${prefix}": ${stderr}`);
      return found;
    },
  };
}

/**
 * Writes a batch file by hand, as another (possibly broken) writer would:
 * `rows` are stored as given (JSON text or not), under `user_version` `version`.
 */
export function craftBatch(path: string, rows: readonly string[], version = 1): void {
  const database = new DatabaseSync(path);
  database.exec(
    `CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT); PRAGMA user_version = ${version};`,
  );
  const insert = database.prepare('INSERT INTO rows (body) VALUES (?)');
  for (const row of rows) insert.run(row);
  database.close();
}

/** A key in the package's format: `<time>_<sequence>_<tag>`. */
export function key(time: number, sequence: number, tag = 'test'): string {
  return `${String(time).padStart(13, '0')}_${String(sequence).padStart(10, '0')}_${tag}`;
}

/** An owner token of a process that is gone: a child that already exited. */
export async function deadOwner(): Promise<string> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid as number;
  await new Promise((resolve) => child.on('exit', resolve));
  return `${pid}-1`;
}
