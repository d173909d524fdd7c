import { errorMessage } from '../errors/conveyor-error.js';
import type { Source } from '../sources/source.js';
import type { ConsumerStats } from './consumer-stats.js';

/** Options of `consumer.health()`. */
export interface HealthOptions {
  /** Milliseconds the source's `inspect()` may take before the source counts as unreachable. @default 2000 */
  timeout?: number;
}

/** How the source's reachability was judged. */
export interface SourceHealth {
  /** `true`: it answered; `false`: it failed or did not answer in time; `undefined`: not known yet (no `get()` finished). */
  readonly reachable: boolean | undefined;
  /** `'inspect'`: asked now (`source.inspect()`); `'get'`: the pollers' last `get()` calls tell (the source has no `inspect()`, or poller threads own it). */
  readonly checkedBy: 'inspect' | 'get';
  /** Why it is not reachable. */
  readonly error?: string;
}

/**
 * Whether a consumer can do its work (`consumer.health()`), for readiness
 * probes (`/readyz` of `@conveyor/prometheus`'s `serveMetrics`). Ready when it
 * is running, every poller is alive, its pool has threads (inline: always) and
 * its source is reachable. `reasons` says what is missing, one line each.
 */
export interface ConsumerHealth {
  readonly ready: boolean;
  /** Why it is not ready; empty when ready. */
  readonly reasons: readonly string[];
  readonly state: ConsumerStats['state'];
  readonly paused: boolean;
  readonly pollers: { readonly alive: number; readonly wanted: number };
  /** Live pool threads; `undefined` with the inline executor. */
  readonly poolThreads: number | undefined;
  readonly source: SourceHealth;
}

/** What `assessHealth()` reads from a consumer. */
export interface HealthInputs {
  readonly stats: ConsumerStats;
  readonly maxPollers: number;
  readonly executor: 'threads' | 'inline';
  /** The source that answers for the whole queue, when there is one (not with poller threads). */
  readonly queueSource: Source<unknown> | undefined;
  /** Why the pollers' last `get()` failed, when it did and none succeeded since. */
  readonly pollFailure: unknown;
  /** Whether any `get()` finished yet. */
  readonly polled: boolean;
}

export const defaultHealthTimeout = 2000;

/** Builds the health report; asks the source (`inspect()`, bounded by `timeout`) when it can tell. */
export async function assessHealth(inputs: HealthInputs, timeout: number): Promise<ConsumerHealth> {
  const { stats } = inputs;
  const reasons: string[] = [];
  if (stats.state !== 'running') reasons.push(`the consumer is ${stats.state}, not running`);
  if (stats.state === 'running' && stats.pollersAlive < inputs.maxPollers)
    reasons.push(`${stats.pollersAlive} of ${inputs.maxPollers} pollers alive (the supervisor revives the others)`);
  const poolThreads = inputs.executor === 'threads' ? stats.poolThreads : undefined;
  if (stats.state === 'running' && poolThreads === 0) reasons.push('the handler pool has no threads');
  const source = stats.state === 'running' || stats.state === 'starting' ? await sourceHealth(inputs, timeout) : notKnown(inputs);
  if (source.reachable === false) reasons.push(`the source is unreachable: ${source.error ?? 'no answer'}`);
  return {
    ready: reasons.length === 0,
    reasons,
    state: stats.state,
    paused: stats.paused,
    pollers: { alive: stats.pollersAlive, wanted: inputs.maxPollers },
    poolThreads,
    source,
  };
}

async function sourceHealth(inputs: HealthInputs, timeout: number): Promise<SourceHealth> {
  const source = inputs.queueSource;
  if (source?.inspect === undefined) return fromPolls(inputs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = Promise.resolve(source.inspect()).then(() => true as const);
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeout);
      timer.unref();
    });
    const outcome = await Promise.race([answer, late]);
    // A late answer may still reject: nobody is waiting for it any more.
    answer.catch(() => {});
    if (outcome === 'late') return { reachable: false, checkedBy: 'inspect', error: `inspect() did not answer within ${timeout} ms` };
    return { reachable: true, checkedBy: 'inspect' };
  } catch (error) {
    return { reachable: false, checkedBy: 'inspect', error: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

function fromPolls(inputs: HealthInputs): SourceHealth {
  if (inputs.pollFailure !== undefined) return { reachable: false, checkedBy: 'get', error: errorMessage(inputs.pollFailure) };
  return { reachable: inputs.polled ? true : undefined, checkedBy: 'get' };
}

function notKnown(inputs: HealthInputs): SourceHealth {
  return { reachable: undefined, checkedBy: inputs.queueSource?.inspect === undefined ? 'get' : 'inspect' };
}
