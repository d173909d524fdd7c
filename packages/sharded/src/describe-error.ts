/** An error as a dead-letter reason: `Name: message` (never empty: an empty reason would not count as a failure on Redis). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text === '' ? 'failed' : text;
}
