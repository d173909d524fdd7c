import type { Writable } from 'node:stream';
import type { RunSnapshot, RunView } from './run-snapshot.js';
import { age, clock, count, duration, rate } from './format.js';
import { TerminalFrame } from './terminal-frame.js';

type TextLine = (snapshot: RunSnapshot) => string;

const label = (text: string): string => text.padEnd(11);

// One function a line.
const header: TextLine = (s) => `conveyor ▸ ${s.module}  ${phaseLabels[s.phase]}  ${clock(s.uptimeMs)}` + phaseHints[s.phase];
const phaseLabels: Readonly<Record<RunSnapshot['phase'], string>> = {
  running: 'running',
  paused: 'PAUSED',
  draining: 'DRAINING',
  stopped: 'stopped',
};
const phaseHints: Readonly<Record<RunSnapshot['phase'], string>> = {
  running: '   Ctrl-C: drain',
  paused: '   SIGUSR2: resume   Ctrl-C: drain',
  draining: '   Ctrl-C again: abort',
  stopped: '',
};
const messages: TextLine = (s) =>
  `${label('messages')}received ${count(s.stats.received)} (${rate(s.rates.received)})   consumed ${count(s.stats.consumed)} (${rate(s.rates.consumed)})`;
const failures: TextLine = (s) =>
  `${label('failed')}${count(s.stats.failed)} released (${rate(s.rates.failed)})   cleanup errors ${count(s.cleanupErrors)}   release errors ${count(s.releaseErrors)}`;
const handlers: TextLine = (s) => {
  const threads = s.poolThreads;
  const pool = s.executor === 'inline' ? 'inline' : `${threads} pool threads`;
  if (s.bulks === undefined) return `${label('handlers')}${pool}   (build the Consumer with the run context's metrics to see bulks)`;
  const byThread =
    s.bulksByThread !== undefined && s.bulksByThread.size > 0
      ? `   per thread ${[...s.bulksByThread]
          .sort(([a], [b]) => a - b)
          .map(([thread, bulks]) => `#${thread} ${count(bulks)}`)
          .join(', ')}`
      : threads > 0
        ? `, ${rate(s.rates.bulks / threads)} a thread`
        : '';
  return (
    `${label('handlers')}${pool}   bulks ${count(s.bulks)} (${rate(s.rates.bulks)})${byThread}` +
    (s.handlerMs === undefined ? '' : `   ${duration(s.handlerMs)} a parcel`)
  );
};
const pollers: TextLine = (s) =>
  `${label('pollers')}${s.stats.pollersAlive}/${s.maxPollers} alive   restarts ${count(s.stats.pollerRestarts)}   pool thread deaths ${count(s.threadDeaths)}`;
const barWidth = 30;
const inFlight: TextLine = (s) => {
  const share = s.inFlightLimit === 0 ? 0 : Math.min(1, s.stats.inFlight / s.inFlightLimit);
  const filled = Math.round(share * barWidth);
  return `${label('in flight')}[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${count(s.stats.inFlight)}/${count(s.inFlightLimit)}   pending bulks ${count(s.stats.pendingBulks)}`;
};
const lag: TextLine = (s) => {
  if (s.lagError !== undefined) return `${label('lag')}${s.lagError}`;
  if (s.lag === undefined) return `${label('lag')}…`;
  const parts = [`waiting ${count(s.lag.waiting)}`];
  if (s.lag.inFlight !== undefined) parts.push(`in flight ${count(s.lag.inFlight)}`);
  if (s.lag.deadLetters !== undefined) parts.push(`dead ${count(s.lag.deadLetters)}`);
  if (s.lag.oldestAgeMs !== undefined) parts.push(`oldest ${age(s.lag.oldestAgeMs)}`);
  if (s.drain !== undefined) parts.push(drainText(s.drain));
  return `${label('lag')}${parts.join('   ')}   (${s.lag.source})`;
};

/** `drains in 4 min (1,200/s)`, `drained`, `not draining (+35/s)`. */
export function drainText(drain: NonNullable<RunSnapshot['drain']>): string {
  if (drain.waiting === 0) return 'drained';
  if (drain.rate === undefined) return 'drain rate: measuring';
  if (drain.rate <= 0) return `not draining (${drain.rate === 0 ? 'steady' : `+${rate(-drain.rate)}`})`;
  return `drains in ${age((drain.waiting / drain.rate) * 1000)} (${rate(drain.rate)})`;
}

/**
 * The live screen of `conveyor run` on a terminal, redrawn in place (a
 * `TerminalFrame`): rates, in-flight against the in-flight limit, pool and pollers,
 * the source's lag with its oldest message's age and time to drain. Notices print above it.
 */
export class LiveView implements RunView {
  readonly #frame: TerminalFrame;
  readonly #lines: readonly TextLine[];
  #stopped = false;

  constructor(stream: Writable, withLag: boolean) {
    this.#frame = new TerminalFrame(stream);
    this.#lines = [header, messages, failures, inFlight, handlers, pollers, ...(withLag ? [lag] : [])];
  }

  update(snapshot: RunSnapshot): void {
    if (this.#stopped) return;
    this.#frame.draw(this.#render(snapshot));
  }

  notice(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.#stopped) return;
    this.#frame.print(`${level === 'info' ? '' : `${level}: `}${message}`);
  }

  stop(snapshot: RunSnapshot): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#frame.close(this.#render(snapshot));
  }

  #render(snapshot: RunSnapshot): string[] {
    return this.#lines.map((line) => line(snapshot));
  }
}
