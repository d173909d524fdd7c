// Decides, before a message is sent to a pool thread, whether it can cross
// unchanged: as JSON (the fast path), only as structured data (v8
// serialization keeps Map, Set, Date, bytes, BigInt, NaN, -0, undefined), or
// not at all (functions, symbols, class instances) — never silently altered.
// See docs/adr/0003-the-json-hop.md.
import { MessageEncodingError } from '../errors/message-encoding-error.js';

/** How a message can cross to a pool thread. */
export type WireVerdict = 'json' | 'structured' | MessageEncodingError;

const JSON_SAFE = 0;
const STRUCTURED = 1;
// Past this depth the walk tracks the objects it has seen, so a cycle ends the walk.
const trackCyclesBelow = 32;

/** Thrown inside the walk to stop it at the first value that cannot cross. */
class Unencodable extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/** The verdict for one message (its own enumerable string-keyed properties, as both encodings see them). */
export function wireVerdict(message: unknown): WireVerdict {
  try {
    return walk(message, 0, undefined) === JSON_SAFE ? 'json' : 'structured';
  } catch (error) {
    if (!(error instanceof Unencodable)) throw error;
    // The path is built only on this slow path: walk again, naming where it failed.
    return new MessageEncodingError(locate(message, 'message') ?? 'message', error.reason);
  }
}

function walk(value: unknown, depth: number, seen: Set<object> | undefined): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON_SAFE;
    case 'number':
      return isJsonNumber(value) ? JSON_SAFE : STRUCTURED;
    case 'undefined':
    case 'bigint':
      return STRUCTURED;
    case 'function':
      throw new Unencodable('a function');
    case 'symbol':
      throw new Unencodable('a symbol');
    case 'object':
      break;
  }
  if (value === null) return JSON_SAFE;
  const object = value;
  if (depth >= trackCyclesBelow) {
    seen ??= new Set();
    if (seen.has(object)) return STRUCTURED;
    seen.add(object);
  }
  const prototype: unknown = Object.getPrototypeOf(object);
  if (prototype === Object.prototype || prototype === null) {
    let level = JSON_SAFE;
    for (const key in object) {
      const item = (object as Record<string, unknown>)[key];
      // The common leaves are settled here, without a call: most of a message is strings and numbers.
      if (!isJsonLeaf(item)) level |= walk(item, depth + 1, seen);
    }
    return level;
  }
  if (prototype === Array.prototype) {
    const array = object as unknown[];
    let level = JSON_SAFE;
    for (let index = 0; index < array.length; index++) {
      const item = array[index];
      // A hole or undefined becomes null in JSON.
      if (item === undefined) level |= STRUCTURED;
      else if (!isJsonLeaf(item)) level |= walk(item, depth + 1, seen);
    }
    return level;
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer || object instanceof Date || object instanceof RegExp) return STRUCTURED;
  if (object instanceof Map) {
    for (const [key, item] of object) {
      walk(key, depth + 1, seen);
      walk(item, depth + 1, seen);
    }
    return STRUCTURED;
  }
  if (object instanceof Set) {
    for (const item of object) walk(item, depth + 1, seen);
    return STRUCTURED;
  }
  const name = (prototype as { constructor?: { name?: string } }).constructor?.name;
  throw new Unencodable(`an instance of ${name !== undefined && name !== '' ? name : 'a class'} (its prototype would be lost)`);
}

/** A string, a boolean or a number JSON keeps as it is (finite, not -0): what `walk` would call JSON_SAFE without looking further. */
function isJsonLeaf(value: unknown): boolean {
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return true;
  return type === 'number' && isJsonNumber(value as number);
}

/** NaN and ±Infinity become null in JSON, -0 becomes 0: every other number crosses as it is. */
function isJsonNumber(value: number): boolean {
  return Number.isFinite(value) && !(value === 0 && 1 / value < 0);
}

/** Finds the path of the first value that cannot cross (for the error message). */
function locate(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > 64) return undefined;
  try {
    walk(value, 0, undefined);
    return undefined;
  } catch {
    // This value or something below it cannot cross: look deeper.
  }
  if (value === null || typeof value !== 'object') return path;
  const children: Array<[string, unknown]> =
    value instanceof Map
      ? [...value].map(([key, item], index) => [`${path}.get(${index < 20 ? JSON.stringify(String(key)) : '…'})`, item])
      : value instanceof Set
        ? [...value].map((item, index) => [`${path}[set item ${index}]`, item])
        : Object.keys(value).map((key) => [
            Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
            (value as Record<string, unknown>)[key],
          ]);
  for (const [childPath, child] of children) {
    const found = locate(child, childPath, depth + 1);
    if (found !== undefined) return found;
  }
  return path;
}
