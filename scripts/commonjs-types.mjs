// Writes a CommonJS twin (`.d.cts`) of every declaration file in a package's dist/,
// for the `require` condition of its exports map. The packages are ES modules, and
// Node >= 22.12 loads them with require() (require(esm)); what CommonJS TypeScript
// projects lack is typings TypeScript accepts from a CommonJS file: under
// `module: node16` it refuses to import an ES module's .d.ts (TS1479). The twin
// declares the same API as CommonJS, which is what require() returns on the Node
// versions Conveyor supports. See docs/adr/0010-commonjs-typings.md.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `from './x.js'`, `import('./x.js')`: relative specifiers point at the twins. */
const relative = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.js\2/g;
/** `import { A } from 'ioredis'` or `import type { A } from 'pg'`: an import of another package (not Conveyor's, not Node's). */
const packageImport = /^import (?:type )?\{([^}]*)\} from (['"])((?!\.|node:|@conveyor\/)[^'"]+)\2;$/gm;

/**
 * Rewrites one declaration file as its CommonJS twin. Imports of other packages
 * become type-only (a declaration file uses them as types only); those of a
 * package that is an ES module only (`isEsModule(name)`, commander) are resolved
 * as imports (`resolution-mode`), as TypeScript requires from a CommonJS file.
 */
export function toCommonJsDeclaration(text, isEsModule = () => false) {
  return text
    .replace(relative, (_match, head, quote, path) => `${head}${quote}${path}.cjs${quote}`)
    .replace(packageImport, (_match, names, quote, specifier) => {
      const esModule = isEsModule(packageName(specifier)) ? ` with { 'resolution-mode': 'import' }` : '';
      return `import type {${names}} from ${quote}${specifier}${quote}${esModule};`;
    });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** True when the package `name`, as installed for the package in `root`, is an ES module with no `require` entry. */
function esModuleOnly(name, root) {
  for (let folder = resolve(root); ; folder = dirname(folder)) {
    const manifestPath = join(folder, 'node_modules', name, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      return manifest.type === 'module' && !JSON.stringify(manifest.exports ?? {}).includes('"require"');
    }
    if (dirname(folder) === folder) return false;
  }
}

/** Replaces every `.d.cts` under `folder` (a package's dist/) with a fresh twin of each `.d.ts`. */
export function writeCommonJsTypes(folder, isEsModule = memoized((name) => esModuleOnly(name, dirname(resolve(folder))))) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) writeCommonJsTypes(path, isEsModule);
    else if (entry.name.endsWith('.d.cts')) rmSync(path);
    else if (entry.name.endsWith('.d.ts')) {
      writeFileSync(path.slice(0, -'.d.ts'.length) + '.d.cts', toCommonJsDeclaration(readFileSync(path, 'utf8'), isEsModule));
    }
  }
}

function memoized(find) {
  const known = new Map();
  return (name) => {
    if (!known.has(name)) known.set(name, find(name));
    return known.get(name);
  };
}

// `node scripts/commonjs-types.mjs <dist folder>...`: what a package's own `build` script runs after tsc.
if (import.meta.filename === process.argv[1]) for (const folder of process.argv.slice(2)) writeCommonJsTypes(folder);
