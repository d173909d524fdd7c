const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 12345 → `12,345`. */
export function count(value: number): string {
  return integer.format(value);
}

/** A per-second rate: `1,234/s`, or `0.5/s` for slow ones. */
export function rate(value: number): string {
  return `${value >= 100 ? integer.format(value) : decimal.format(value)}/s`;
}

/** Milliseconds as `hh:mm:ss`. */
export function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Milliseconds with a sensible precision: `0.42 ms`, `12 ms`, `3.1 s`. */
export function duration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** An age or a wait, coarse: `45 s`, `12 min`, `3.5 h`, `2.1 d`. */
export function age(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
