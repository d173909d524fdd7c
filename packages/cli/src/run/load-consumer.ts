import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Consumer } from '@conveyor/core';
import { moduleExports } from '@conveyor/core/kit';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import type { RunContext } from './run-context.js';

/** A consumer found in a module, and whether a factory built it (and so may use the context's metrics). */
export interface LoadedConsumer {
  readonly consumer: Consumer<unknown>;
  readonly fromFactory: boolean;
}

/**
 * Imports a consumer module and takes its Consumer: the export `exportName`
 * (default: `default`, else `consumer`), either a Consumer or a function
 * returning one (called with the run context). Every way this can go wrong is
 * a one-line `CliError` (exit 3) saying what to fix.
 */
export async function loadConsumer(modulePath: string, exportName: string | undefined, context: RunContext): Promise<LoadedConsumer> {
  const path = resolve(modulePath);
  if (!existsSync(path))
    throw new CliError(
      'CLI_MODULE_NOT_FOUND',
      `No consumer module at ${path}; check the path (relative paths start from ${process.cwd()})`,
    );
  let exports: Record<string, unknown>;
  try {
    // A module compiled to CommonJS puts its `export default` under `default.default`: moduleExports() unwraps it.
    exports = moduleExports((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (error) {
    throw new CliError('CLI_MODULE_FAILED', `Consumer module ${modulePath} failed to load: ${oneLine(error)}`, { cause: error });
  }
  const names = exportName === undefined ? ['default', 'consumer'] : [exportName];
  const name = names.find((candidate) => exports[candidate] !== undefined);
  const found = name === undefined ? undefined : exports[name];
  if (found === undefined) {
    const available = Object.keys(exports);
    throw new CliError(
      'CLI_NOT_A_CONSUMER',
      `${modulePath} has no ${names.map((candidate) => `\`${candidate}\``).join(' or ')} export: export default a Consumer or a function returning one` +
        ` (its exports: ${available.length === 0 ? 'none' : available.join(', ')})`,
    );
  }
  if (isConsumer(found)) return { consumer: found, fromFactory: false };
  if (typeof found !== 'function') {
    throw new CliError(
      'CLI_NOT_A_CONSUMER',
      `The \`${name}\` export of ${modulePath} is a ${describe(found)}, not a Consumer or a function returning one`,
    );
  }
  let built: unknown;
  try {
    built = await (found as (context: RunContext) => unknown)(context);
  } catch (error) {
    throw new CliError('CLI_MODULE_FAILED', `The consumer factory \`${name}\` of ${modulePath} threw: ${oneLine(error)}`, { cause: error });
  }
  if (!isConsumer(built)) {
    throw new CliError('CLI_NOT_A_CONSUMER', `The \`${name}\` export of ${modulePath} returned a ${describe(built)}, not a Consumer`);
  }
  return { consumer: built, fromFactory: true };
}

/** Duck-typed: the module may have its own copy of @conveyor/core, so `instanceof` would lie. */
function isConsumer(value: unknown): value is Consumer<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.start === 'function' &&
    typeof candidate.shutdown === 'function' &&
    typeof candidate.on === 'function' &&
    typeof candidate.stats === 'object'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `${(value as { constructor?: { name?: string } }).constructor?.name ?? 'plain'} object`;
  return typeof value;
}
