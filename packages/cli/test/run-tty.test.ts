import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { binPath, fixture, jsonLines, redisUrl, tempFolder, uniqueKey, until } from './helpers.js';

interface Terminal {
  type(text: string): void;
  output(): string;
  done: Promise<number | null>;
}

const open: { terminal: Terminal; closed: boolean }[] = [];

/** Runs a shell command on a pseudo-terminal of 120 columns (util-linux `script`); stdin stays open to type into. */
function onTerminal(command: string): Terminal {
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const entry = { terminal: undefined as unknown as Terminal, closed: false };
  const terminal: Terminal = {
    type: (text) => child.stdin.write(text),
    output: () => output,
    done: new Promise((resolve) => child.once('close', (code) => ((entry.closed = true), resolve(code)))),
  };
  entry.terminal = terminal;
  open.push(entry);
  return terminal;
}

// A failed test must not leave its program running on the terminal: Ctrl-C twice aborts it.
afterEach(async () => {
  for (const entry of open.splice(0)) {
    if (entry.closed) continue;
    entry.terminal.type('\u0003');
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (!entry.closed) entry.terminal.type('\u0003');
    await entry.terminal.done;
  }
});

const conveyor = `'${process.execPath}' '${binPath}'`;
// What a person sees: the text without cursor movements and colours.
const visible = (raw: string): string => raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

let redis: Redis;
const list = uniqueKey('tty');
beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterAll(async () => {
  await redis.del(list);
  redis.disconnect();
});

describe('on a terminal', () => {
  it('run shows the live view, and Ctrl-C drains and exits 0', async () => {
    const terminal = onTerminal(`exec ${conveyor} run '${fixture('memory-consumer.js')}' --interval 100 -- --count 500 --threads`);
    // Wait for a whole frame drawn after the last message was consumed: a redraw can be caught halfway.
    const wholeFrameAfterLast = (): boolean => {
      const screen = visible(terminal.output());
      const at = screen.lastIndexOf('consumed 500');
      return at >= 0 && screen.slice(at).includes("(the consumer's source)");
    };
    await until(wholeFrameAfterLast, 20_000, `the view to show 500 consumed: ${visible(terminal.output()).slice(-600)}`);
    const live = visible(terminal.output());
    expect(live).toMatch(/conveyor ▸ memory-consumer\.js {2}running {2}\d\d:\d\d:\d\d {3}Ctrl-C: drain/);
    expect(live).toMatch(/messages {3}received 550 \([\d,.]+\/s\) {3}consumed 500 \([\d,.]+\/s\)/);
    expect(live).toMatch(/failed {5}50 released \([\d,.]+\/s\) {3}cleanup errors 0 {3}release errors 0/);
    expect(live).toMatch(/in flight {2}\[[█░]{30}\] \d+\/\d{1,3}(,\d{3})* {3}pending bulks \d+/);
    expect(live).toMatch(/handlers {3}2 pool threads {3}bulks \d[\d,]* \(/);
    expect(live).toMatch(/pollers {4}2\/2 alive {3}restarts 0 {3}pool thread deaths 0/);
    // No --lag: the consumer's own source (a MemorySource) tells its depth.
    expect(live).toMatch(
      /lag {8}waiting \d+ {3}in flight \d+ {3}dead 0 {3}(?:drained|drains in [^(]+\([\d,.]+\/s\)|[^(]+) {3}\(the consumer's source\)/,
    );
    // The view redraws in place (cursor up over its seven lines), it does not scroll.
    await until(() => /\u001b\[7A/.test(terminal.output()), 10_000, 'a redraw in place');

    terminal.type('\u0003');
    expect(await terminal.done).toBe(0);
    const after = visible(terminal.output());
    expect(after).toContain('SIGINT: draining');
    expect(after).toMatch(/stopped after [\d.]+ s: received 550, consumed 500, failed 50\n?$/);
  });

  it('send draws a progress bar on stderr when it is a terminal', async () => {
    const folder = tempFolder('tty-send');
    try {
      const input = join(folder.path, 'lines.jsonl');
      writeFileSync(input, jsonLines(Array.from({ length: 3000 }, (_, n) => ({ n }))));
      const terminal = onTerminal(`exec ${conveyor} send '${redisUrl}/${list}' < '${input}'`);
      expect(await terminal.done).toBe(0);
      const shown = visible(terminal.output());
      expect(shown).toMatch(
        // Cut to the terminal's 120 columns at its end (the target), never wrapped.
        /sending \[█{30}\] 100% \| 3,000 messages \| [\d,.]+\/s \| to redis:\/\/127\.0\.0\.1:6379\/conveyor-cli-te/,
      );
      expect(shown).toContain('sent 3000 messages to');
      expect(await redis.llen(list)).toBe(3000);
    } finally {
      folder.remove();
    }
  });
});
