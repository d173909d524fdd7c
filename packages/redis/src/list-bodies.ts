import { InvalidOptionError } from '@conveyor/core';

/** Bodies as the list stores them: strings (sent as UTF-8) and Buffers; other bytes are wrapped, never copied. */
export function listBodies(bodies: readonly (string | Uint8Array)[]): (string | Buffer)[] {
  return bodies.map((body, index) => {
    if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
    if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    throw new InvalidOptionError(`bodies[${index}]`, 'a string or bytes (Buffer, Uint8Array)', body);
  });
}
