// About 0.2 ms of CPU a message, the same in every thread and process: native SHA-256 rounds.
import { createHash } from 'node:crypto';

const block = Buffer.alloc(64 * 1024, 7);

export default function hashHandler(bulk) {
  for (const message of bulk) {
    let digest = block;
    for (let round = 0; round < 4; round++) digest = createHash('sha256').update(digest).update(String(message.id)).digest();
    if (digest.length === 0) throw new Error('unreachable');
  }
}
