import { fstatSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { count, rate } from '../run/format.js';

/**
 * The progress display of `conveyor send`, on stderr and only on a terminal
 * (cli-progress draws nothing elsewhere). When stdin is a file its size is
 * known and the bar shows the share read; from a pipe it counts messages.
 */
export class SendProgress {
  readonly #bar: SingleBar;
  readonly #totalBytes: number | undefined;
  readonly #startedAt = performance.now();
  #bytes = 0;
  #messages = 0;

  constructor(target: string, enabled: boolean) {
    this.#totalBytes = stdinFileSize();
    const known = this.#totalBytes !== undefined;
    this.#bar = new SingleBar({
      stream: process.stderr,
      format: known
        ? `sending to ${target} [{bar}] {percentage}% | {messages} messages | {speed}`
        : `sending to ${target} | {messages} messages | {speed}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      fps: 10,
      noTTYOutput: false,
      gracefulExit: false,
    });
    if (enabled && process.stderr.isTTY === true) this.#bar.start(this.#totalBytes ?? 1, 0, { messages: '0', speed: '' });
  }

  /** Bytes of input read so far (lines and their newlines). */
  read(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Messages accepted by the queue so far. */
  sent(messages: number): void {
    this.#messages += messages;
    this.#bar.update(this.#totalBytes === undefined ? 0 : Math.min(this.#bytes, this.#totalBytes), {
      messages: count(this.#messages),
      speed: rate(this.#messages / this.seconds),
    });
  }

  get messages(): number {
    return this.#messages;
  }

  get seconds(): number {
    return Math.max((performance.now() - this.#startedAt) / 1000, 1e-3);
  }

  stop(): void {
    if (this.#totalBytes !== undefined) this.#bar.update(this.#totalBytes);
    this.#bar.stop();
  }
}

function stdinFileSize(): number | undefined {
  try {
    const stats = fstatSync(0);
    return stats.isFile() && stats.size > 0 ? stats.size : undefined;
  } catch {
    return undefined;
  }
}
