// Builds what a user has after `npm install`: every public package packed with `pnpm pack`
// (workspace: ranges become versions, `files` decides what ships) and installed with plain
// npm, next to the latest ioredis and @aws-sdk/client-sqs, in a folder outside the workspace.
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspace = fileURLToPath(new URL('../..', import.meta.url));

/** A public package of the workspace: its folder under packages/ and its package.json. */
export interface PublicPackage {
  readonly folder: string;
  readonly manifest: { name: string; version: string; private?: boolean } & Record<string, unknown>;
}

export function publicPackages(): PublicPackage[] {
  return readdirSync(join(workspace, 'packages'))
    .map((folder) => ({
      folder,
      manifest: JSON.parse(readFileSync(join(workspace, 'packages', folder, 'package.json'), 'utf8')) as PublicPackage['manifest'],
    }))
    .filter(({ manifest }) => manifest.private !== true);
}

/** The environment of a child npm: without the settings pnpm passes to the scripts it runs (they are for pnpm, not for this project). */
function npmEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const forPnpm = /^pnpm_/i.test(name) || /^npm_(?!config_(nodedir|cache|registry)$)/i.test(name);
    if (!forPnpm) environment[name] = value;
  }
  return environment;
}

/** Runs a command to the end (or to `timeoutMs`); throws with its output when it fails. */
export function run(command: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    encoding: 'utf8',
    env: npmEnvironment(),
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.message ?? `exit ${result.status ?? result.signal}`;
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) failed: ${why}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** `pnpm pack`s each public package into `destination`; returns the tarballs by package name. */
export function packAll(destination: string): Map<string, string> {
  mkdirSync(destination, { recursive: true });
  const tarballs = new Map<string, string>();
  for (const { folder, manifest } of publicPackages()) {
    const cwd = join(workspace, 'packages', folder);
    if (!existsSync(join(cwd, 'dist', 'index.d.cts'))) throw new Error(`packages/${folder} is not built: run \`pnpm build\` first`);
    run('pnpm', ['pack', '--pack-destination', destination], { cwd, timeoutMs: 60_000 });
    const file = join(destination, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
    if (!existsSync(file)) throw new Error(`pnpm pack wrote no ${file}`);
    tarballs.set(manifest.name, file);
  }
  return tarballs;
}

/**
 * Installs the tarballs and `extra` packages with npm into `app` (no lockfile, no audit),
 * bounded: an install that resolves forever (the ERESOLVE loop of an ioredis peer range
 * that refused 6) fails the test instead of hanging it.
 */
export function npmInstall(app: string, tarballs: ReadonlyMap<string, string>, extra: Readonly<Record<string, string>>): void {
  const dependencies: Record<string, string> = { ...extra };
  for (const [name, file] of tarballs) dependencies[name] = `file:${file}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'conveyor-user-app', private: true, dependencies }, null, 2));
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', '--fetch-timeout=60000', '--fetch-retries=2'],
    {
      cwd: app,
      timeoutMs: 180_000,
    },
  );
}
