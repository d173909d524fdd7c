import type { Handler } from '../bulk/handler.js';
import { InvalidSourceError } from '../errors/invalid-source-error.js';
import type { ModuleSpec } from '../sources/source-module.js';
import { isSourceModule } from '../sources/source-module.js';
import type { Source, SourceModule } from '../sources/source.js';
import { moduleUrl } from './module-url.js';

/**
 * What the consumer was given as its source, checked at construction: an
 * object to poll as is, or a module to build the source from at `start()`
 * (once here, or once in each poller thread).
 */
export type SourcePlan<M> =
  | { readonly kind: 'object'; readonly source: Source<M>; readonly handler: Handler<M> | undefined }
  | { readonly kind: 'module'; readonly module: ModuleSpec };

/** Checks a source (object or module) against the Source contract; throws `InvalidSourceError`. */
export function planSource<M>(source: Source<M> | SourceModule): SourcePlan<M> {
  if (isSourceModule(source)) {
    const exportName = source.export ?? 'default';
    if (typeof exportName !== 'string' || exportName === '')
      throw new InvalidSourceError("A source module's `export` must be a non-empty string");
    return {
      kind: 'module',
      module: { module: moduleUrl('source.module', source.module).href, export: exportName, options: source.options },
    };
  }
  if (source === null || typeof source !== 'object' || typeof source.get !== 'function') {
    throw new InvalidSourceError(
      `A source must be an object with a get(signal) method returning a bulk of messages; got ${source === null ? 'null' : typeof source}`,
    );
  }
  for (const method of ['cleanup', 'release', 'close'] as const) {
    if (source[method] !== undefined && typeof source[method] !== 'function') {
      throw new InvalidSourceError(`source.${method} must be a function when present; got ${typeof source[method]}`);
    }
  }
  const handler = typeof source.handler === 'function' ? source.handler.bind(source) : undefined;
  return { kind: 'object', source, handler };
}
