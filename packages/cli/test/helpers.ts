import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until, uniqueName } from '@conveyor/conformance';

export { until };

/** The built command, as a user runs it. */
export const binPath = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What a finished command printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command still running: its output so far, and ways to wait on it. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output so far satisfies `predicate`. */
  waitForOutput(predicate: (stdout: string, stderr: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when it exits. */
  done: Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** Kills what a failed test left running (register with `afterEach(killLeftovers)`). */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Starts `conveyor ...args`; stdin gets `input` (then closes) unless `keepStdin`. */
export function startCli(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string; keepStdin?: boolean } = {},
): RunningCli {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (options.input !== undefined) child.stdin.end(options.input);
  else if (options.keepStdin !== true) child.stdin.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput: (predicate, what, timeoutMs = 20_000) =>
      until(() => predicate(stdout, stderr), timeoutMs, `${what}; stdout: ${stdout.slice(-500)}; stderr: ${stderr.slice(-500)}`),
    done,
  };
}

/** Runs `conveyor ...args` to its end; kills it after `timeoutMs`. */
export async function cli(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const running = startCli(args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

/** JSON lines of a `--json` run, by event. */
export function jsonEvents(stdout: string): Array<Record<string, unknown> & { event: string }> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { event: string });
}

/** A key prefix (or list key) no other test or run uses. */
export function uniqueKey(label: string): string {
  return uniqueName(`conveyor-cli-test:${label}`);
}

/** A fresh temporary folder and a function removing it. */
export function tempFolder(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `conveyor-cli-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Lines of JSON, one per value. */
export const jsonLines = (values: readonly unknown[]): string => values.map((value) => JSON.stringify(value)).join('\n') + '\n';
