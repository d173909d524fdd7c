import { age } from '../run/format.js';
import type { DeadLetterView } from './dead-letter-tool.js';

const number = new Intl.NumberFormat('en-US');
// Longest body and error shown on a line; --json prints them whole.
const maxBody = 200;
const maxError = 300;

/** What `conveyor dlq` lists. */
export interface DeadLetterListing {
  readonly source: string;
  readonly where: string;
  readonly count: number | undefined;
  readonly letters: readonly DeadLetterView[];
  readonly notes: readonly string[];
}

/** The human view of `conveyor dlq`: a title line, then each dead letter (id, receives, age, last error) and its body. */
export function formatDeadLetters(listing: DeadLetterListing): string {
  const total = listing.count === undefined ? `${listing.letters.length}+` : number.format(listing.count);
  const lines = [`${total} dead letter${listing.count === 1 ? '' : 's'} in ${listing.where}  (${listing.source})`];
  if (listing.count !== undefined && listing.letters.length < listing.count)
    lines.push(`  the oldest ${listing.letters.length} (--limit N for more):`);
  for (const letter of listing.letters) {
    const facts = [
      letter.receiveCount === undefined ? undefined : `received ${letter.receiveCount}×`,
      letter.ageMs === undefined ? undefined : `${age(letter.ageMs)} ago`,
    ].filter((fact) => fact !== undefined);
    lines.push(
      '',
      `  ${letter.id}${facts.length === 0 ? '' : `  ${facts.join(', ')}`}`,
      `    error  ${letter.lastError === undefined ? '-' : clip(letter.lastError, maxError)}`,
      `    body   ${clip(letter.body, maxBody)}`,
    );
  }
  for (const note of listing.notes) lines.push('', `  note: ${note}`);
  if (listing.letters.length > 0) lines.push('', `send them back with: conveyor dlq <url> --redrive [--limit N]`);
  return lines.join('\n');
}

/** One line, at most `max` characters. */
function clip(text: string, max: number): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
