import { randomUUID } from 'node:crypto';

/**
 * A name no other test or run uses: `<prefix>-<8 hex>`, with `suffix` appended
 * (`.fifo` for an SQS FIFO queue, `:` for a Redis key prefix).
 */
export function uniqueName(prefix: string, suffix = ''): string {
  return `${prefix}-${randomUUID().slice(0, 8)}${suffix}`;
}
