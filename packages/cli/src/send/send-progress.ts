import { fstatSync } from 'node:fs';
import { count, rate } from '../run/format.js';
import { TerminalFrame } from '../run/terminal-frame.js';

const barWidth = 30;
// Redraws at most this often: a send of millions of lines must not spend its time drawing.
const redrawMs = 100;

/**
 * The progress display of `conveyor send`, on stderr and only on a terminal
 * (nothing is drawn elsewhere). When stdin is a file its size is known and the
 * bar shows the share read; from a pipe it counts messages.
 */
export class SendProgress {
  readonly #frame: TerminalFrame | undefined;
  readonly #target: string;
  readonly #totalBytes: number | undefined;
  readonly #startedAt = performance.now();
  #drawnAt = 0;
  #bytes = 0;
  #messages = 0;

  constructor(target: string, enabled: boolean) {
    this.#target = target;
    this.#totalBytes = stdinFileSize();
    if (enabled && process.stderr.isTTY === true) {
      this.#frame = new TerminalFrame(process.stderr);
      this.#frame.draw([this.#line()]);
    }
  }

  /** Bytes of input read so far (lines and their newlines). */
  read(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Messages accepted by the queue so far. */
  sent(messages: number): void {
    this.#messages += messages;
    const now = performance.now();
    if (this.#frame === undefined || now - this.#drawnAt < redrawMs) return;
    this.#drawnAt = now;
    this.#frame.draw([this.#line()]);
  }

  get messages(): number {
    return this.#messages;
  }

  get seconds(): number {
    return Math.max((performance.now() - this.#startedAt) / 1000, 1e-3);
  }

  stop(): void {
    if (this.#totalBytes !== undefined) this.#bytes = this.#totalBytes;
    this.#frame?.close([this.#line()]);
  }

  /** The numbers first, the target last: on a narrow terminal the line is cut at its end. */
  #line(): string {
    const counts = `${count(this.#messages)} messages | ${rate(this.#messages / this.seconds)} | to ${this.#target}`;
    if (this.#totalBytes === undefined) return `sending ${counts}`;
    const share = Math.min(1, this.#bytes / this.#totalBytes);
    const filled = Math.round(share * barWidth);
    return `sending [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${Math.round(share * 100)}% | ${counts}`;
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
