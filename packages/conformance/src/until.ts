/**
 * Resolves when `predicate` holds, polling every `intervalMs`; rejects after
 * `timeoutMs` with an error naming `what` (so a failing test says what it waited for).
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves after `ms` real milliseconds (for tests of real-time behaviour only; prefer a ManualClock). */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
