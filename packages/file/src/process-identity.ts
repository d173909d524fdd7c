import { readFileSync } from 'node:fs';

/**
 * Who owns a `loading_` or `assigned_` file: `<pid>-<start>`, where start is the
 * process start time in clock ticks from /proc (0 where /proc is missing). The
 * start time tells a dead owner from a new process that got the same pid.
 * Every process sharing a folder must share one pid namespace (one host, one container).
 */
let current: string | undefined;

/** The owner token of this process. */
export function currentOwner(): string {
  current ??= `${process.pid}-${startTicks(process.pid) ?? 0}`;
  return current;
}

/** Whether the process that wrote `owner` still runs. Never false for a live owner. */
export function isOwnerAlive(owner: string): boolean {
  if (owner === currentOwner()) return true;
  const dash = owner.indexOf('-');
  const pid = Number(owner.slice(0, dash));
  const start = owner.slice(dash + 1);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const ticks = startTicks(pid);
  if (ticks !== undefined) return start === '0' || String(ticks) === start;
  if (procAvailable()) return false; // /proc exists but has no such pid: gone
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let hasProc: boolean | undefined;

function procAvailable(): boolean {
  hasProc ??= startTicks(process.pid) !== undefined;
  return hasProc;
}

/** Field 22 of /proc/<pid>/stat, read after the command name (which may hold spaces and parentheses). */
function startTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A killed process its parent has not reaped yet is a zombie: it will never release its files.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  // Fields after the name start at field 3 (state), so field 22 is at index 19.
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}
