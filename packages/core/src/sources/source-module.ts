import { InvalidSourceError } from '../errors/invalid-source-error.js';
import { moduleExports } from '../kit/module-exports.js';
import type { Source, SourceModule } from './source.js';

/** A source module as the consumer keeps it: a file URL, the export's name, and the options to build it with. */
export interface ModuleSpec {
  readonly module: string;
  readonly export: string;
  readonly options: unknown;
}

/** True for `{ module, export?, options? }`: a source to construct from a module. */
export function isSourceModule(value: unknown): value is SourceModule {
  return value !== null && typeof value === 'object' && 'module' in value && typeof (value as { get?: unknown }).get !== 'function';
}

/**
 * Imports a source module and builds the source: the export may be a class
 * (`new Export(options)`) or a factory (`Export(options)`, possibly async).
 */
export async function loadSourceModule<M>(spec: ModuleSpec): Promise<Source<M>> {
  let loaded: Record<string, unknown>;
  try {
    loaded = moduleExports((await import(spec.module)) as Record<string, unknown>);
  } catch (error) {
    throw new InvalidSourceError(`Cannot import source module ${spec.module}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const exported = loaded[spec.export];
  if (typeof exported !== 'function') {
    throw new InvalidSourceError(
      `Source module ${spec.module} has no export \`${spec.export}\` that is a class or a factory (it exports: ${Object.keys(loaded).join(', ') || 'nothing'})`,
    );
  }
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exported));
  const source = isClass
    ? new (exported as new (options: unknown) => Source<M>)(spec.options)
    : await (exported as (options: unknown) => Source<M> | Promise<Source<M>>)(spec.options);
  if (source === null || typeof source !== 'object' || typeof source.get !== 'function') {
    throw new InvalidSourceError(
      `The export \`${spec.export}\` of ${spec.module} did not produce a source (an object with a get() method)`,
    );
  }
  return source;
}
