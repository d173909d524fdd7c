import { ConveyorError } from '../errors/conveyor-error.js';

/** The first Node.js that runs `.ts` handler modules without flags (type stripping on by default). */
export const minimumNode = '22.18.0';

/** True when `version` (like `process.versions.node`) is at least `minimumNode`. */
export function supportsNode(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [wantMajor = 0, wantMinor = 0] = minimumNode.split('.').map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** Throws a one-line `ConveyorError` (code `NODE_VERSION`) below `minimumNode`. */
export function checkNodeVersion(version = process.versions.node): void {
  if (supportsNode(version)) return;
  throw new ConveyorError(
    'NODE_VERSION',
    `Conveyor needs Node.js ${minimumNode} or newer (the first that runs .ts handlers without flags); this is Node.js ${version}`,
  );
}
