// The SIGKILL fault run, shared by each source's test: a consumer process
// (test/fixtures/sigkill-consumer.ts) is SIGKILLed at random points, started
// again, and finally left to drain; then nothing may be lost, and duplicates
// stay within what the killed processes held.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@conveyor/conformance';

/** One source's run. */
export interface SigkillRunOptions {
  /** For the printed counts. */
  readonly name: string;
  /** The consumer process's environment: SOURCE and what that source needs. */
  readonly env: Readonly<Record<string, string>>;
  /** Ids produced (0 to count - 1) before the first process starts. */
  readonly count: number;
  readonly kills: number;
  /** The consumer's `maxInFlight`. */
  readonly maxInFlight: number;
  /**
   * The most messages one killed process can have handled without their
   * removal from the source: `maxInFlight`, unless the source gives back more
   * (a file queue's claimed batch comes back whole).
   */
  readonly heldPerKill?: number;
  /** Messages still in the source (waiting or in flight). */
  readonly remaining: () => Promise<number>;
  /** How long the final drain may take. @default 60000 */
  readonly drainTimeoutMs?: number;
}

/** What a run saw. */
export interface SigkillOutcome {
  readonly seed: number;
  /** Ids produced and never handled. */
  readonly lost: number[];
  /** Handlings beyond the first, over every id. */
  readonly duplicates: number;
  /** The most duplicates the run allows: kills × what a killed process could hold. */
  readonly allowedDuplicates: number;
  /** Ids handled per killed process, then by the final one. */
  readonly handledPerRun: number[];
  readonly remaining: number;
}

/** A small seeded generator (mulberry32): the same seed kills at the same points. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FAULT_SEED from the environment (to replay a failed run), else a fresh one. */
export function faultSeed(): number {
  const given = process.env.FAULT_SEED;
  return given === undefined || given === '' ? Math.floor(Math.random() * 2 ** 31) : Number(given);
}

const fixture = new URL('../fixtures/sigkill-consumer.ts', import.meta.url).pathname;

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output: string;
}

function startConsumer(env: Readonly<Record<string, string>>): Running {
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = { child, exited: new Promise((resolve) => child.once('exit', () => resolve())), output: '' };
  child.stdout?.on('data', (chunk: Buffer) => (running.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (running.output += chunk.toString()));
  return running;
}

function handledIds(log: string): number[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

/**
 * Kills `kills` consumer processes at random points (after a random share of
 * their run, seeded), then runs one to the end, and reports what was lost and duplicated.
 */
export async function sigkillRun(options: SigkillRunOptions): Promise<SigkillOutcome> {
  const seed = faultSeed();
  const random = seededRandom(seed);
  const folder = mkdtempSync(join(tmpdir(), 'conveyor-sigkill-'));
  const log = join(folder, 'handled.log');
  const env = { ...options.env, HANDLED_LOG: log, MAX_IN_FLIGHT: String(options.maxInFlight) };
  const handledPerRun: number[] = [];
  let current: Running | undefined;
  console.log(`SIGKILL run, ${options.name}: seed ${seed} (FAULT_SEED=${seed} replays it)`);
  try {
    for (let kill = 0; kill < options.kills; kill++) {
      const before = handledIds(log).length;
      current = startConsumer(env);
      const running = current;
      await until(() => running.output.includes('ready') || running.child.exitCode !== null, 30_000, `consumer ${kill + 1} to start`);
      if (!running.output.includes('ready')) throw new Error(`the consumer process exited before it was ready: ${running.output}`);
      // A random point: some kills land before the first bulk, most in the middle of the stream.
      const delay = Math.floor(random() * 700);
      if (random() < 0.8) await until(() => handledIds(log).length > before, 30_000, `consumer ${kill + 1} to handle something`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running.child.kill('SIGKILL');
      await running.exited;
      handledPerRun.push(handledIds(log).length - before);
    }
    const before = handledIds(log).length;
    current = startConsumer(env);
    const last = current;
    await until(
      async () => {
        if (last.child.exitCode !== null) throw new Error(`the draining consumer exited: ${last.output}`);
        return new Set(handledIds(log)).size >= options.count && (await options.remaining()) === 0;
      },
      options.drainTimeoutMs ?? 60_000,
      `${options.name}: every message handled and gone from the source`,
      100,
    );
    last.child.kill('SIGTERM');
    await last.exited;
    const handled = handledIds(log);
    handledPerRun.push(handled.length - before);
    const seen = new Set(handled);
    const lost: number[] = [];
    for (let id = 0; id < options.count; id++) if (!seen.has(id)) lost.push(id);
    const outcome: SigkillOutcome = {
      seed,
      lost,
      duplicates: handled.length - seen.size,
      allowedDuplicates: options.kills * (options.heldPerKill ?? options.maxInFlight),
      handledPerRun,
      remaining: await options.remaining(),
    };
    console.log(
      `SIGKILL run, ${options.name} (seed ${seed}): ${options.count} produced, ${options.kills} kills; handled per run ${handledPerRun.join(' / ')}; ` +
        `lost ${lost.length}, duplicates ${outcome.duplicates} (allowed ${outcome.allowedDuplicates}), left in the source ${outcome.remaining}`,
    );
    return outcome;
  } finally {
    if (current !== undefined && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    rmSync(folder, { recursive: true, force: true });
  }
}
