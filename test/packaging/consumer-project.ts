// A user's project inside the installed app: the consumers in ./consumers/ copied into a
// folder of their own, compiled by TypeScript with the module settings under test, and run.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, workspace } from './packed-app.js';

/** How a project compiles: its package.json `type` and its module compiler options. */
export interface ProjectKind {
  readonly name: string;
  readonly type: 'module' | 'commonjs';
  readonly compilerOptions: Readonly<Record<string, string | boolean>>;
  /** The entry file of ./consumers/ compiled with the shared ones. */
  readonly main: 'esm-main.ts' | 'cjs-main.ts';
}

export const projectKinds: readonly ProjectKind[] = [
  { name: 'ESM, module nodenext', type: 'module', compilerOptions: { module: 'nodenext' }, main: 'esm-main.ts' },
  { name: 'CommonJS, module node16', type: 'commonjs', compilerOptions: { module: 'node16' }, main: 'cjs-main.ts' },
  { name: 'CommonJS, module nodenext', type: 'commonjs', compilerOptions: { module: 'nodenext' }, main: 'cjs-main.ts' },
  {
    // NestJS's defaults. Its skipLibCheck matters: under node10 resolution the NATS client's own
    // typings do not resolve (@nats-io/nats-core/internal is an exports subpath); ours do.
    name: 'CommonJS, NestJS defaults (module commonjs, moduleResolution node10, skipLibCheck)',
    type: 'commonjs',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, skipLibCheck: true },
    main: 'cjs-main.ts',
  },
];

const consumers = join(workspace, 'test', 'packaging', 'consumers');
const tsc = join(workspace, 'node_modules', 'typescript', 'bin', 'tsc');

/** Writes the project into `app/<folder>` and compiles it (strict, and checking the packages' declarations unless the kind says otherwise); returns the compiled entry. */
export function compileProject(app: string, folder: string, kind: ProjectKind): string {
  const project = join(app, folder);
  mkdirSync(project, { recursive: true });
  for (const file of ['drain.ts', 'handler.ts', 'every-package.ts', kind.main]) copyFileSync(join(consumers, file), join(project, file));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: kind.type }));
  const compilerOptions = { target: 'es2023', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out', ...kind.compilerOptions };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
  run(process.execPath, [tsc, '-p', project], { cwd: project, timeoutMs: 120_000 });
  return join(project, 'out', kind.main.replace(/\.ts$/, '.js'));
}

/** Copies a plain JavaScript consumer of ./consumers/ (and its handler) into the app. */
export function copyPlainConsumer(app: string): string {
  for (const file of ['plain.cjs', 'plain-handler.cjs']) copyFileSync(join(consumers, file), join(app, file));
  return join(app, 'plain.cjs');
}

/** Runs a compiled consumer against Redis with `key`; returns what it printed last (its DrainResult). */
export function runConsumer(entry: string, cwd: string, redisUrl: string, key: string): unknown {
  const result = run(process.execPath, [entry, redisUrl, key], { cwd, timeoutMs: 60_000 });
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as unknown;
}
