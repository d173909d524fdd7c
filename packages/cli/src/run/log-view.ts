import type { Writable } from 'node:stream';
import type { RunSnapshot, RunView } from './run-snapshot.js';

/**
 * `conveyor run` when stdout is not a terminal (a log file, systemd, a pipe):
 * one line per interval, `key=value` pairs or, with `--json`, one JSON object,
 * and a line per notice.
 */
export class LogView implements RunView {
  readonly #stream: Writable;
  readonly #json: boolean;

  constructor(stream: Writable, json: boolean) {
    this.#stream = stream;
    this.#json = json;
  }

  update(snapshot: RunSnapshot): void {
    this.#write('progress', fields(snapshot));
  }

  notice(level: 'info' | 'warn' | 'error', message: string): void {
    this.#write('notice', { level, message });
  }

  stop(snapshot: RunSnapshot): void {
    this.#write('stopped', fields(snapshot));
  }

  #write(event: string, data: Record<string, unknown>): void {
    const time = new Date().toISOString();
    if (this.#json) {
      this.#stream.write(`${JSON.stringify({ time, event, ...data })}\n`);
      return;
    }
    const pairs = Object.entries(data)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value)}`);
    this.#stream.write(`${time} ${event} ${pairs.join(' ')}\n`);
  }
}

/** The numbers of a snapshot, flat, rates rounded to one decimal. */
function fields(snapshot: RunSnapshot): Record<string, unknown> {
  const round = (value: number): number => Math.round(value * 10) / 10;
  const { stats, rates, lag } = snapshot;
  return {
    phase: snapshot.phase,
    uptimeMs: Math.round(snapshot.uptimeMs),
    received: stats.received,
    consumed: stats.consumed,
    failed: stats.failed,
    receivedPerSecond: round(rates.received),
    consumedPerSecond: round(rates.consumed),
    failedPerSecond: round(rates.failed),
    inFlight: stats.inFlight,
    inFlightLimit: snapshot.inFlightLimit,
    pendingBulks: stats.pendingBulks,
    pollersAlive: stats.pollersAlive,
    pollerRestarts: stats.pollerRestarts,
    poolThreads: stats.poolThreads,
    bulks: snapshot.bulks,
    bulksPerSecond: snapshot.bulks === undefined ? undefined : round(rates.bulks),
    // "<thread id>:<bulks>" pairs, one token so key=value lines stay parseable.
    bulksByThread:
      snapshot.bulksByThread === undefined || snapshot.bulksByThread.size === 0
        ? undefined
        : [...snapshot.bulksByThread]
            .sort(([a], [b]) => a - b)
            .map(([thread, bulks]) => `${thread}:${bulks}`)
            .join(','),
    handlerMs: snapshot.handlerMs === undefined ? undefined : round(snapshot.handlerMs),
    threadDeaths: snapshot.threadDeaths,
    cleanupErrors: snapshot.cleanupErrors,
    releaseErrors: snapshot.releaseErrors,
    lagWaiting: lag?.waiting,
    lagInFlight: lag?.inFlight,
    lagDeadLetters: lag?.deadLetters,
    lagOldestAgeMs: lag?.oldestAgeMs === undefined ? undefined : Math.round(lag.oldestAgeMs),
    drainPerSecond: snapshot.drain?.rate === undefined ? undefined : round(snapshot.drain.rate),
    // Seconds until the lag queue is empty at the measured net drain rate; absent while it is not draining.
    drainSeconds:
      snapshot.drain?.rate !== undefined && snapshot.drain.rate > 0 ? Math.round(snapshot.drain.waiting / snapshot.drain.rate) : undefined,
    lagError: snapshot.lagError,
  };
}
