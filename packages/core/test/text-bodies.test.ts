import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import { decodePayload, decodeParcel, encodeParcel, encodePayload, transferListOf } from '../src/threads/wire-format.js';
import { textBody, texts } from './fixtures/text-bodies.js';
import { drainFailures, fixture, quiet, until } from './helpers.js';

/** A parcel's messages as a source hands them out, string bodies and others mixed. */
function deliveries(count: number): Array<{ id: number; body: unknown; receiveCount: number; receipt: string }> {
  return Array.from({ length: count }, (_, index) => ({
    id: index,
    body: index % 5 === 4 ? { object: true, text: textBody(index) } : textBody(index),
    receiveCount: 1,
    receipt: `r${index}`,
  }));
}

describe('text bodies beside the JSON', () => {
  it('string bodies that are JSON text cross as bytes beside the parcel, and decode to exactly what was sent', () => {
    const messages = deliveries(40);
    const before = structuredClone(messages);
    const wire = encodeParcel({ messages, bulkSizes: [16, 16, 8] }, false);
    expect(wire.kind).toBe('json');
    if (wire.kind !== 'json') return;
    // Taken out: every string body but the ill-formed one; object bodies stay in the JSON.
    const taken = Array.from(wire.texts?.lengths ?? [], (length) => length >= 0);
    const takable = messages.map((message) => typeof message.body === 'string' && !message.body.includes('\uD800'));
    expect(taken).toEqual(takable);
    expect([wire.payload].flat().join('').length).toBeLessThan(JSON.stringify(messages).length / 2);
    expect(transferListOf(wire)).toEqual([wire.texts?.bytes.buffer]);
    // What a pool thread gets: the task as structured cloning delivers it.
    const decoded = decodeParcel(structuredClone(wire, { transfer: transferListOf(wire) ?? [] }));
    expect(decoded.messages).toEqual(before);
    for (let index = 0; index < messages.length; index++) expect(decoded.messages[index]).toStrictEqual(before[index]);
    // The source's messages were not touched.
    expect(messages).toEqual(before);
  });

  it('a body with a lone surrogate stays in the JSON (UTF-8 would replace it) and arrives unchanged', () => {
    const body = '"\uD800"';
    const messages = [
      { id: 1, body, receiveCount: 1 },
      { id: 2, body: '"ok"', receiveCount: 1 },
    ];
    const wire = encodeParcel({ messages, bulkSizes: [2] }, false);
    if (wire.kind !== 'json') throw new Error('expected JSON');
    expect(Array.from(wire.texts?.lengths ?? [])).toEqual([-1, 4]);
    const decoded = decodeParcel(wire).messages as Array<{ body: string }>;
    expect(decoded[0]?.body).toBe(body);
    expect(decoded[0]?.body.charCodeAt(1)).toBe(0xd800);
    expect(decoded[1]?.body).toBe('"ok"');
  });

  it('bodies without quotes stay in the JSON: nothing to escape, nothing to gain', () => {
    const wire = encodeParcel({ messages: [{ id: 1, body: 'plain text', receiveCount: 1 }], bulkSizes: [1] }, false);
    expect(wire.kind === 'json' && wire.texts).toBeFalsy();
  });

  it('through the Consumer, every text body reaches the pool thread exactly as sent', async () => {
    // An altered body fails its message, which is dead-lettered at its second receive: the test ends either way.
    const source = new MemorySource<string>({ waitTime: 5, maxReceiveCount: 2 });
    const count = texts.length * 25;
    source.sendMany(Array.from({ length: count }, (_, index) => textBody(index)));
    expect(await drainFailures(source, { handlerModule: fixture('text-body-probe-handler.js'), maxHandlers: 2, bulkSize: 7 })).toEqual([]);
    expect(source.consumedCount).toBe(count);
  });

  it('a poller thread sends a bulk of text bodies beside its JSON, in one buffer, decoded to exactly what was sent', () => {
    const messages = deliveries(30);
    const before = structuredClone(messages);
    const payload = encodePayload(messages, false);
    expect(payload.format).toBe('json-texts');
    expect(payload.bytes.byteOffset).toBe(0);
    expect(decodePayload(structuredClone(payload.bytes), payload.format)).toStrictEqual(before);
    expect(messages).toEqual(before);
    // Bodies without quotes: plain JSON, as before.
    expect(encodePayload([{ id: 1, body: 'plain', receiveCount: 1 }], false).format).toBe('json');
  });

  it('with poller threads, every text body reaches the pool thread exactly as sent', async () => {
    const count = texts.length * 25;
    const failed: unknown[] = [];
    const consumer = new Consumer(
      { module: fixture('text-body-source.js'), options: { count } },
      { ...quiet, pollerThreads: true, maxPollers: 2, handlerModule: fixture('text-body-probe-handler.js'), maxHandlers: 2, bulkSize: 7 },
    );
    consumer.on('failed', (_messages, error) => failed.push(error));
    await consumer.start();
    // Each of the 2 poller threads builds its own source, with `count` messages.
    await until(() => consumer.stats.consumed + consumer.stats.failed >= 2 * count, 20_000, 'every message settled');
    await consumer.shutdown();
    expect(failed).toEqual([]);
    expect(consumer.stats.consumed).toBe(2 * count);
  });

  it('after a pool thread dies, suspects handled alone still get their text bodies unchanged', async () => {
    const source = new MemorySource<string>({ waitTime: 5, maxReceiveCount: 4 });
    const count = 300;
    source.sendMany(Array.from({ length: count }, (_, index) => textBody(index)));
    const altered: unknown[] = [];
    const consumer = new Consumer(source, { ...quiet, handlerModule: fixture('text-body-killer-handler.js'), maxHandlers: 2, bulkSize: 8 });
    consumer.on('failed', (_messages, error) => {
      if (String(error).includes('altered')) altered.push(error);
    });
    const died: unknown[] = [];
    consumer.on('threadDied', ({ error }) => died.push(error));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(died.length).toBeGreaterThan(0);
    expect(altered).toEqual([]);
    expect(source.consumedCount).toBe(count);
  });
});
