import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.ts';

describe('the CPU demo', () => {
  it('pushes every message through the pool and loses none', async () => {
    const run = await runDemo({ messages: 400, span: 500, threads: 2, bulkSize: 16 });
    expect(run.messages).toBe(400);
    expect(run.perSecond).toBeGreaterThan(0);
  });

  it('runs as the README says, printing the comparison line', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL('./main.ts', import.meta.url))], {
      env: { ...process.env, DEMO_MESSAGES: '600', DEMO_SPAN: '300' },
    });
    expect(stdout).toMatch(/all \d+ cores: \d+ msg\/s \| 1 thread: \d+ msg\/s \| speed-up [\d.]+x, nothing lost/);
  });
});
