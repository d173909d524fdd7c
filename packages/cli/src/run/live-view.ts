import type { Writable } from 'node:stream';
import { MultiBar } from 'cli-progress';
import type { SingleBar } from 'cli-progress';
import type { RunSnapshot, RunView } from './run-snapshot.js';
import { clock, count, duration, rate } from './format.js';

type TextLine = (snapshot: RunSnapshot) => string;

const label = (text: string): string => text.padEnd(11);

// One function a line; the in-flight line is a real bar (cli-progress draws it).
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
const lag: TextLine = (s) => {
  if (s.lagError !== undefined) return `${label('lag')}${s.lagError}`;
  if (s.lag === undefined) return `${label('lag')}…`;
  const parts = [`waiting ${count(s.lag.waiting)}`];
  if (s.lag.inFlight !== undefined) parts.push(`in flight ${count(s.lag.inFlight)}`);
  if (s.lag.deadLetters !== undefined) parts.push(`dead ${count(s.lag.deadLetters)}`);
  return `${label('lag')}${parts.join('   ')}   (${s.lag.source})`;
};

/**
 * The live screen of `conveyor run` on a terminal, redrawn in place by
 * cli-progress' MultiBar: rates, in-flight against `maxInFlight`, pool and
 * pollers, the source's lag. Notices print above it.
 */
export class LiveView implements RunView {
  readonly #multiBar: MultiBar;
  readonly #lines: { bar: SingleBar; render: TextLine | undefined }[] = [];
  #stopped = false;

  constructor(stream: Writable, withLag: boolean) {
    this.#multiBar = new MultiBar({
      stream,
      hideCursor: true,
      forceRedraw: true,
      fps: 5,
      barsize: 30,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      clearOnComplete: false,
      stopOnComplete: false,
      linewrap: false,
      gracefulExit: false,
    });
    const text = (render: TextLine): void => {
      this.#lines.push({
        render,
        bar: this.#multiBar.create(1, 0, { text: '' }, { format: (_options, _params, payload: { text?: string }) => payload.text ?? '' }),
      });
    };
    text(header);
    text(messages);
    text(failures);
    this.#lines.push({
      render: undefined,
      bar: this.#multiBar.create(
        1,
        0,
        { pending: '0' },
        { format: `${label('in flight')}[{bar}] {value}/{total}   pending bulks {pending}` },
      ),
    });
    text(handlers);
    text(pollers);
    if (withLag) text(lag);
  }

  update(snapshot: RunSnapshot): void {
    if (this.#stopped) return;
    for (const { bar, render } of this.#lines) {
      if (render !== undefined) {
        bar.update(0, { text: render(snapshot) });
      } else {
        bar.setTotal(snapshot.maxInFlight);
        bar.update(Math.min(snapshot.stats.inFlight, snapshot.maxInFlight), { pending: count(snapshot.stats.pendingBulks) });
      }
    }
  }

  notice(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.#stopped) return;
    this.#multiBar.log(`${level === 'info' ? '' : `${level}: `}${message}\n`);
  }

  stop(snapshot: RunSnapshot): void {
    if (this.#stopped) return;
    this.update(snapshot);
    this.#stopped = true;
    // stop() redraws the bars but drops notices not drawn yet: draw them first.
    this.#multiBar.update();
    this.#multiBar.stop();
  }
}
