// What a user installs is what we test: every public package packed, installed with plain
// npm outside the workspace next to the latest ioredis (6; the workspace's own tests run on
// ioredis 5) and @aws-sdk/client-sqs, then ESM, CommonJS and plain JS consumers compiled
// against the installed typings and run against the shared Redis. Needs `pnpm build` and the
// npm registry.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { uniqueName } from '@conveyor/conformance';
import { redisListKeys } from '@conveyor/redis';
import { compileProject, copyPlainConsumer, projectKinds, runConsumer } from './consumer-project.js';
import { npmInstall, packAll, publicPackages, run } from './packed-app.js';

const redisUrl = 'redis://127.0.0.1:6379';
const drained = {
  memory: [1, 2, 3],
  redis: [1, 2, 3, 4],
  packages: ['cli', 'core', 'kit', 'file', 'nats', 'opentelemetry', 'postgres', 'prometheus', 'rabbitmq', 'redis', 'sharded', 'sqs'],
};
let app = '';
let tarballs = new Map<string, string>();
const keys: string[] = [];

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'conveyor-pack-install-'));
  tarballs = packAll(join(app, 'tarballs'));
  npmInstall(app, tarballs, { ioredis: 'latest', '@aws-sdk/client-sqs': 'latest', '@types/node': '^24', '@types/pg': '^8' });
}, 240_000);

afterAll(async () => {
  const redis = new Redis(redisUrl);
  for (const key of keys) await redis.unlink(...(Object.values(redisListKeys(key)) as string[]));
  await redis.quit();
  if (app !== '') rmSync(app, { recursive: true, force: true });
});

function redisKey(): string {
  const key = uniqueName('conveyor-test:pack-install');
  keys.push(key);
  return key;
}

describe('the packages as npm installs them, outside the workspace', () => {
  it('each tarball ships its README, LICENSE, CHANGELOG and CommonJS typings, and no build info', () => {
    expect([...tarballs.keys()].sort()).toEqual(
      publicPackages()
        .map(({ manifest }) => manifest.name)
        .sort(),
    );
    for (const [name, tarball] of tarballs) {
      const files = run('tar', ['-tzf', tarball], { cwd: app, timeoutMs: 30_000 }).stdout.split('\n');
      for (const wanted of [
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/index.d.cts',
      ]) {
        expect(files, `${name} ships ${wanted}`).toContain(`package/${wanted}`);
      }
      expect(
        files.filter((file) => file.endsWith('.tsbuildinfo')),
        name,
      ).toEqual([]);
    }
  });

  it('install next to ioredis 6, one copy of it and of @conveyor/core for every package', () => {
    const ioredis = JSON.parse(readFileSync(join(app, 'node_modules', 'ioredis', 'package.json'), 'utf8')) as { version: string };
    expect(Number(ioredis.version.split('.')[0])).toBeGreaterThanOrEqual(6);
    for (const name of tarballs.keys()) {
      expect(existsSync(join(app, 'node_modules', name, 'node_modules', 'ioredis')), `${name} has its own ioredis`).toBe(false);
      expect(existsSync(join(app, 'node_modules', name, 'node_modules', '@conveyor', 'core')), `${name} has its own core`).toBe(false);
    }
  });

  it.each(projectKinds)(
    '$name: compiles against the typings of every package, loads each and drains a MemorySource on pool threads and a Redis list',
    (kind) => {
      const entry = compileProject(app, kind.name.replace(/\W+/g, '-'), kind);
      expect(runConsumer(entry, app, redisUrl, redisKey())).toEqual(drained);
    },
    120_000,
  );

  it('plain JavaScript: require() of every package, a CommonJS handler module on the pool', () => {
    expect(runConsumer(copyPlainConsumer(app), app, redisUrl, redisKey())).toEqual(drained);
  });

  it('the `conveyor` command of @conveyor/cli runs', () => {
    const help = run(join(app, 'node_modules', '.bin', 'conveyor'), ['--help'], { cwd: app, timeoutMs: 30_000 });
    expect(help.stdout).toContain('Usage: conveyor');
  });
});
