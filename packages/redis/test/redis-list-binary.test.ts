import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisBodyDecodeError } from '@conveyor/redis';
import type { Logger } from '@conveyor/core';
import { ListSources, neverAborted } from './list-source-helpers.js';
import { connect } from './redis-test-client.js';

const redis = connect();
const sources = new ListSources(redis);
afterEach(() => sources.clear());
afterAll(async () => {
  await redis.quit();
});

/** A logger that keeps what is warned. */
function capturingLogger(): Logger & { warnings: { context: object; message: string }[] } {
  const warnings: { context: object; message: string }[] = [];
  const ignore = (): void => {};
  return { debug: ignore, info: ignore, error: ignore, warn: (context, message) => warnings.push({ context, message }), warnings };
}

const invalidUtf8 = Buffer.from([0xff, 0xfe]);

describe('RedisListSource bodies are bytes, decoded on the consumer side', () => {
  it("a raw RPUSH of bytes that are not UTF-8 ('text') is dead-lettered at once with RedisBodyDecodeError, never redelivered", async () => {
    const logger = capturingLogger();
    const source = sources.open({ logger });
    await redis.rpush(source.key, invalidUtf8, 'fine');
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => message.body)).toEqual(['fine']);
    await source.cleanup(delivered);
    for (let attempt = 0; attempt < 3; attempt++) expect(await source.get(neverAborted)).toEqual([]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 1 });
    const [letter] = await source.deadLetters();
    expect(letter?.body).toEqual(invalidUtf8);
    expect(letter?.receiveCount).toBe(1);
    expect(letter?.error).toMatch(/^RedisBodyDecodeError: .* is not valid UTF-8/);
    expect(logger.warnings).toHaveLength(1);
    const warned = (logger.warnings[0]?.context as { err?: unknown }).err;
    expect(warned).toBeInstanceOf(RedisBodyDecodeError);
    expect(warned).toMatchObject({ code: 'REDIS_BODY_DECODE', bodyFormat: 'text', messageId: letter?.id });
  });

  it("with bodyFormat 'buffer' the same raw bytes arrive byte for byte and are acknowledged", async () => {
    const source = sources.open<Buffer>({ bodyFormat: 'buffer' });
    await redis.rpush(source.key, invalidUtf8);
    const [message] = await source.get(neverAborted);
    expect(Buffer.isBuffer(message?.body)).toBe(true);
    expect(message?.body).toEqual(invalidUtf8);
    await source.cleanup([message!]);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it('Buffer bodies sent with send() round-trip exactly, whatever their bytes', async () => {
    const source = sources.open<Buffer>({ bodyFormat: 'buffer' });
    const every = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
    const bodies = [every, Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0x31, 0x32]), invalidUtf8, new Uint8Array([1, 2, 3])];
    await source.send(...bodies);
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => Buffer.compare(message.body, Buffer.from(bodies[delivered.indexOf(message)]!)))).toEqual(
      bodies.map(() => 0),
    );
    await source.cleanup(delivered);
    expect(await source.inspect()).toEqual({ waiting: 0, inFlight: 0, deadLetters: 0 });
  });

  it("text round-trips as UTF-8 ('text' is the default)", async () => {
    const source = sources.open();
    const texts = ['plain', 'é ü ß', '日本語', '🙂 emoji', '', '\u0000 starts with NUL through send()'];
    await source.send(...texts);
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => message.body)).toEqual(texts);
    await source.cleanup(delivered);
  });

  it('small and large bodies, ASCII or not, arrive exactly in one delivery or many', async () => {
    const source = sources.open({ maxMessagesPerGet: 1000 });
    const small = Array.from({ length: 50 }, (_, n) => (n % 7 === 3 ? `é-${n}` : `ascii-${n}`));
    const large = ['L'.repeat(300_000), `ü${'x'.repeat(200_000)}`];
    await source.send(...small.slice(0, 25), ...large, ...small.slice(25));
    const bodies: string[] = [];
    while (bodies.length < 52) {
      const delivered = await source.get(neverAborted, { maxMessages: 30 });
      bodies.push(...delivered.map((message) => message.body));
      await source.cleanup(delivered);
    }
    expect(bodies).toEqual([...small.slice(0, 25), ...large, ...small.slice(25)]);
    const asBuffers = sources.open<Buffer>({ bodyFormat: 'buffer', key: source.key });
    await source.send('a', 'é');
    expect((await asBuffers.get(neverAborted, { maxMessages: 5 })).map((message) => message.body)).toEqual([
      Buffer.from('a'),
      Buffer.from('é'),
    ]);
  });

  it("'json' parses bodies; one that is not JSON is dead-lettered with RedisBodyDecodeError", async () => {
    const source = sources.open<unknown>({ bodyFormat: 'json' });
    await source.send(JSON.stringify({ n: 1 }), '{oops', JSON.stringify([2]));
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => message.body)).toEqual([{ n: 1 }, [2]]);
    await source.cleanup(delivered);
    const [letter] = await source.deadLetters();
    expect(letter?.body.toString()).toBe('{oops');
    expect(letter?.error).toMatch(/^RedisBodyDecodeError: .* is not valid JSON/);
    expect(await source.get(neverAborted)).toEqual([]);
  });

  it('a raw entry that starts with 0x00 (the mark of an id) but names no stored body is dead-lettered, not delivered', async () => {
    const source = sources.open<Buffer>({ bodyFormat: 'buffer' });
    await source.send('real');
    const forged = Buffer.from([0, 0x39, 0x39, 0x39]); // "\0999": looks like id 999, which does not exist
    await redis.rpush(source.key, forged);
    const delivered = await source.get(neverAborted, { maxMessages: 10 });
    expect(delivered.map((message) => message.body.toString())).toEqual(['real']);
    await source.cleanup(delivered);
    const [letter] = await source.deadLetters();
    expect(letter?.body).toEqual(forged);
    expect(letter?.error).toMatch(/no body is stored/);
  });

  it('dead letters keep binary bodies exactly', async () => {
    const source = sources.open<Buffer>({ bodyFormat: 'buffer', maxReceiveCount: 1 });
    const body = Buffer.from([0xff, 0x00, 0x0a, 0x80, 0x7b]);
    await source.send(body);
    const [message] = await source.get(neverAborted);
    await source.release([message!], new Error('handler failed\nwith two lines'));
    const [letter] = await source.deadLetters();
    expect(letter).toMatchObject({ id: message?.id, body, error: 'Error: handler failed\nwith two lines', receiveCount: 1 });
    expect(typeof letter?.at).toBe('number');
  });
});
