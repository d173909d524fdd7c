import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { supportsNode } from '@conveyor/core/kit';
import { binPath } from './helpers.js';

// The machine's own Node (Debian's, 20 on this machine kind) when it is too old for Conveyor.
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const version = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return version !== '' && !supportsNode(version);
});

describe('the CLI on a Node.js that is too old', () => {
  it.skipIf(systemNode === undefined)('fails with one line naming the minimum version, exit code 2', () => {
    const result = spawnSync(systemNode as string, [binPath, 'stats', 'redis://127.0.0.1:6379/x'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^conveyor: needs Node\.js 22\.18\.0 or newer .*this is Node\.js \d+\./);
  });
});
