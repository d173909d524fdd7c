/**
 * The CPU-heavy unit of work of the demo: count the primes below `limit` by trial
 * division, starting from a per-message offset so no two messages are alike.
 * Pure JavaScript on purpose: it scales with threads (node:crypto's hashing here did not).
 */
export function countPrimes(offset: number, limit: number): number {
  let count = 0;
  for (let candidate = offset + 2; candidate < offset + limit; candidate++) {
    let prime = true;
    for (let divisor = 2; divisor * divisor <= candidate; divisor++) {
      if (candidate % divisor === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
