import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

// A module written as `./handler.ts` is `./handler.js` once compiled, and the
// other way round when run from sources: both are tried, and so are the usual
// extensions of an extensionless path.
const siblings: Readonly<Record<string, readonly string[]>> = {
  '.ts': ['.js'],
  '.mts': ['.mjs'],
  '.cts': ['.cjs'],
  '.js': ['.ts'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};
const bareExtensions = ['.js', '.ts', '.mjs', '.mts', '.cjs', '.cts', '/index.js', '/index.ts'];

/**
 * Turns a module path or URL into the file URL of a module that exists, so a
 * typo fails at construction, naming every path tried. A relative path resolves
 * from the working directory (prefer `new URL('./handler.ts', import.meta.url)`,
 * which resolves from the file that wrote it); a `.ts` path falls back to its
 * compiled `.js` sibling and back, and an extensionless path tries the usual extensions.
 */
export function moduleUrl(name: string, value: unknown): URL {
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && value !== '') {
    // A scheme of two letters or more is a URL; a bare path (or a Windows drive letter) is a path.
    url = /^[a-z][a-z0-9+.-]+:/i.test(value) ? new URL(value) : pathToFileURL(isAbsolute(value) ? value : resolve(value));
  } else {
    throw new InvalidOptionError(name, 'a module path or file URL', value);
  }
  if (url.protocol !== 'file:') throw new InvalidOptionError(name, 'a file path or file: URL', String(value));
  const path = fileURLToPath(url);
  const candidates = [path, ...alternativesOf(path)];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (found === undefined) {
    throw new InvalidOptionError(name, 'the path of an existing module file', String(value), `tried ${candidates.join(', ')}`);
  }
  return found === path ? url : pathToFileURL(found);
}

function alternativesOf(path: string): string[] {
  const extension = extname(path);
  const stem = path.slice(0, path.length - extension.length);
  const others = siblings[extension];
  if (others !== undefined) return others.map((other) => stem + other);
  return bareExtensions.map((suffix) => path + suffix);
}
