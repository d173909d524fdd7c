/**
 * The exports of a module loaded with `import()`, as its author wrote them.
 * A CommonJS module compiled from ES module syntax (TypeScript with `module:
 * commonjs`/`node16`, Babel) marks itself with `exports.__esModule`; Node's
 * `import()` hands it over as `{ default: module.exports, ... }`, so what its
 * author wrote as `export default` would be `default.default`. For such a
 * module this returns `module.exports` itself, as TypeScript's own interop
 * (`__importDefault`) does; any other module's namespace is returned as it is.
 */
export function moduleExports(namespace: Record<string, unknown>): Record<string, unknown> {
  if (namespace['__esModule'] !== true) return namespace;
  const commonJs = namespace['default'];
  return commonJs !== null && typeof commonJs === 'object' ? (commonJs as Record<string, unknown>) : namespace;
}
