import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * Turns a module path or URL into a file URL and checks the file exists, so a
 * typo fails at construction. A relative path resolves from the working directory.
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
  if (!existsSync(fileURLToPath(url))) throw new InvalidOptionError(name, 'the path of an existing module file', String(value));
  return url;
}
