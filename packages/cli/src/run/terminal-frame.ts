import type { Writable } from 'node:stream';

const escape = '\u001b[';
const hideCursor = `${escape}?25l`;
const showCursor = `${escape}?25h`;
const clearLine = `${escape}2K`;

/**
 * A block of lines redrawn in place at the bottom of a terminal, with lines
 * printed above it (notices) that scroll away normally. Each draw is one
 * write: cursor up over the last frame, each line cleared and rewritten. Lines
 * are cut to the terminal's width, so none wraps and the cursor arithmetic
 * holds. (Replaces cli-progress, which had no release since 2023.)
 */
export class TerminalFrame {
  readonly #stream: Writable & { columns?: number };
  #lines: readonly string[] = [];
  #drawn = 0;
  #closed = false;

  constructor(stream: Writable & { columns?: number }) {
    this.#stream = stream;
    this.#stream.write(hideCursor);
  }

  /** Replaces the frame's lines and draws them. */
  draw(lines: readonly string[]): void {
    if (this.#closed) return;
    this.#lines = lines;
    this.#stream.write(this.#erase() + this.#render());
  }

  /** Prints lines above the frame (they stay on screen), then draws the frame again below them. */
  print(text: string): void {
    if (this.#closed) return;
    const printed = text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => `${clearLine}${line}\n`)
      .join('');
    this.#stream.write(this.#erase() + printed + this.#render());
  }

  /** Draws the last frame and leaves it on screen, the cursor below it and visible again. */
  close(lines: readonly string[]): void {
    if (this.#closed) return;
    this.draw(lines);
    this.#closed = true;
    this.#stream.write(showCursor);
  }

  /** Moves the cursor back to the first line of the drawn frame. */
  #erase(): string {
    const up = this.#drawn;
    this.#drawn = 0;
    return up === 0 ? '' : `${escape}${up}A\r`;
  }

  #render(): string {
    const width = this.#stream.columns ?? 0;
    const out = this.#lines
      .map((line) => `${clearLine}${width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line}\n`)
      .join('');
    this.#drawn = this.#lines.length;
    // A frame shorter than the last leaves lines below it: clear to the end of the screen.
    return `${out}${escape}J`;
  }
}
