// The CPU-heavy work of the broker benchmarks: SHA-256 over some bytes. Native code, so it
// costs the same in every process and thread. A short hot JavaScript loop does not: V8 runs
// it either in its mid tier (Maglev) or its top tier (TurboFan), 4x apart, and which one a
// thread gets varies (measured: the same 0.2 ms loop took 190 or 770 µs; in pool threads it
// ran 4x slower than in the main thread that calibrated it), which made a single loop look
// faster than two pool threads.
import { createHash } from 'node:crypto';

const block = Buffer.alloc(4 * 1024 * 1024, 7);

/** Hashes `bytes` bytes (0: nothing); returns a byte of the digest, so the work cannot be skipped. */
export function burn(bytes: number, seed: number): number {
  if (bytes <= 0) return seed;
  const offset = Math.abs(seed | 0) % 64;
  return createHash('sha256')
    .update(block.subarray(offset, offset + bytes))
    .digest()[0] as number;
}

/** Bytes of hashing that take about `ms` on this machine (warmed up, a low quartile of timings). */
export function calibrate(ms: number): number {
  const probe = 256 * 1024;
  const timings: number[] = [];
  let sink = 0;
  for (let sample = 0; sample < 17; sample++) {
    const started = performance.now();
    for (let call = 0; call < 10; call++) sink ^= burn(probe, call);
    if (sample >= 10) timings.push((performance.now() - started) / 10);
  }
  timings.sort((a, b) => a - b);
  if (sink === 0.5) console.log(sink); // never: keeps the work observable
  return Math.min(block.length - 64, Math.max(1, Math.round((probe * ms) / (timings[3] as number))));
}
