/** Sleeps `ms` milliseconds; resolves early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff: `base × 2^(attempt-1)`, capped. Attempt 0 means no wait. */
export function backoffDelay(attempt: number, base: number, cap: number): number {
  if (attempt <= 0) return 0;
  return Math.min(cap, base * 2 ** Math.min(attempt - 1, 30));
}
