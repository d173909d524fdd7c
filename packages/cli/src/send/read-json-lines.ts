import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CliError } from '../cli-error.js';
import { oneLine } from '../describe-error.js';
import type { JsonLine } from './json-line.js';

/**
 * Reads JSON lines in batches of up to `batchSize`, skipping blank lines.
 * A line that is not JSON ends the input with a `CliError` (exit 5) after the
 * batch of good lines before it has been yielded, so exactly the lines above it are sent.
 */
export async function* readJsonLines(
  input: Readable,
  batchSize: number,
  onBytes: (bytes: number) => void = () => {},
): AsyncGenerator<JsonLine[]> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let batch: JsonLine[] = [];
  let lineNumber = 0;
  let good = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      onBytes(Buffer.byteLength(raw) + 1);
      const text = raw.trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        if (batch.length > 0) yield batch;
        throw new CliError(
          'CLI_BAD_INPUT',
          `stdin line ${lineNumber} is not JSON (${oneLine(error)}); the ${good} messages before it were sent, nothing after it`,
          { cause: error },
        );
      }
      batch.push({ lineNumber, text, value });
      good++;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    lines.close();
  }
}
