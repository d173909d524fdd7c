import { InvalidOptionError } from '@conveyor/core';
import type { AnyRequestHandlerClass } from './request-handler.js';

/**
 * The request handler classes a Worker loop or a ShardedSource is limited to
 * (one class or a list), as a set; `undefined` for every registered one.
 */
export function requestHandlerFilter(name: string, value: unknown): ReadonlySet<AnyRequestHandlerClass> | undefined {
  if (value === undefined) return undefined;
  const classes: unknown[] = Array.isArray(value) ? value : [value];
  for (const candidate of classes) {
    const routable = candidate as { create?: unknown; route?: unknown } | null;
    if (typeof candidate !== 'function' || typeof routable?.create !== 'function' || typeof routable.route !== 'function') {
      throw new InvalidOptionError(name, 'a RequestHandler class or a list of them', value);
    }
  }
  return new Set(classes as AnyRequestHandlerClass[]);
}
