import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * How many of `targets` are still reachable after full collections, for tests
 * that a component lets go of what it handed out. Each collection runs in a turn
 * of its own: `deref()` (and `new WeakRef()`) keep a target alive until the end
 * of the turn they ran in.
 */
export async function stillReachable(targets: readonly WeakRef<object>[], attempts = 5): Promise<number> {
  let left = targets.length;
  for (let attempt = 0; attempt < attempts && left > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    left = targets.filter((target) => target.deref() !== undefined).length;
  }
  return left;
}
