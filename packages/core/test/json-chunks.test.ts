import { describe, expect, it } from 'vitest';
import { MemorySource } from '@conveyor/core';
import { jsonBytesInChunks, parseJsonChunks, stringifyInChunks } from '../src/threads/json-chunks.js';
import { decodePayload, decodeParcel, encodeParcel, encodePayload } from '../src/threads/wire-format.js';
import { describeShape } from './fixtures/describe-shape.js';
import { drainFailures, fixture } from './helpers.js';

/** A delivery with a body of about `bytes` bytes of JSON. */
function delivery(id: number, bytes: number): { id: number; body: unknown; receiveCount: number } {
  return { id, body: { id, note: 'é'.repeat(Math.max(0, bytes - 40) / 2), list: [id, null, true] }, receiveCount: 1 };
}

describe("a parcel's JSON in chunks", () => {
  it('few messages are one string; many are chunks under 128 KB that parse back to the same array, in order', () => {
    expect(typeof stringifyInChunks([delivery(1, 100)])).toBe('string');
    expect(parseJsonChunks(stringifyInChunks([]))).toEqual([]);
    for (const [count, bytes] of [
      [17, 100],
      [2048, 300],
      [2048, 40],
      [500, 5_000],
    ] as const) {
      const values = Array.from({ length: count }, (_, id) => delivery(id, bytes));
      const payload = stringifyInChunks(values);
      expect(Array.isArray(payload)).toBe(true);
      for (const chunk of payload) expect(chunk.length).toBeLessThan(128 * 1024);
      expect(parseJsonChunks(payload)).toEqual(values);
    }
  });

  it('a message longer than a chunk goes in a chunk of its own', () => {
    const values = [
      delivery(0, 100),
      ...Array.from({ length: 20 }, (_, id) => delivery(id + 1, 100)),
      delivery(99, 300_000),
      delivery(100, 100),
    ];
    const payload = stringifyInChunks(values);
    expect(parseJsonChunks(payload)).toEqual(values);
  });

  it('a large parcel crosses in chunks and decodes to its messages and bulks', () => {
    const messages = Array.from({ length: 2048 }, (_, id) => delivery(id, 400));
    const wire = encodeParcel({ messages, bulkSizes: Array.from({ length: 16 }, () => 128) }, false);
    expect(wire.kind === 'json' && Array.isArray(wire.payload) && wire.payload.length).toBeGreaterThan(4);
    const decoded = decodeParcel(structuredClone(wire));
    expect(decoded.messages).toEqual(messages);
    expect(Array.from(decoded.bulkSizes)).toEqual(Array.from({ length: 16 }, () => 128));
  });

  it('through the Consumer, mid-size bodies in large parcels reach the pool thread unchanged', async () => {
    const source = new MemorySource<{ value: unknown; expected: string }>({ waitTime: 5, maxReceiveCount: 2 });
    const count = 6_000;
    source.sendMany(
      Array.from({ length: count }, (_, id) => {
        const value = { id, note: 'ü'.repeat(150), list: [id, 'x'.repeat(id % 50)] };
        return { value, expected: describeShape(value) };
      }),
    );
    expect(await drainFailures(source, { handlerModule: fixture('body-probe-handler.js'), maxHandlers: 2, bulkSize: 64 })).toEqual([]);
    expect(source.consumedCount).toBe(count);
  });

  it("as bytes (a poller thread's bulk): the chunks joined into one JSON array, whatever their sizes", () => {
    const decoder = new TextDecoder();
    for (const [count, bytes] of [
      [1, 100],
      [17, 100],
      [300, 1_000],
      [40, 9_000],
      [20, 60_000],
    ] as const) {
      const values = Array.from({ length: count }, (_, id) => delivery(id, bytes));
      expect(JSON.parse(decoder.decode(jsonBytesInChunks(values)))).toEqual(values);
      // One value a chunk in the middle (each longer than a chunk): still commas between them.
      const payload = encodePayload(values, false);
      expect(payload.format).toBe('json');
      expect(decodePayload(payload.bytes, payload.format)).toEqual(values);
    }
    const huge = [delivery(0, 100), delivery(1, 200_000), delivery(2, 200_000), delivery(3, 100)];
    expect(JSON.parse(decoder.decode(jsonBytesInChunks(huge)))).toEqual(huge);
  });
});
