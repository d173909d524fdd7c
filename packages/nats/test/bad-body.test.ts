import { expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { NatsBodyDecodeError, NatsSender, NatsSource } from '../src/index.js';
import type { NatsMessage } from '../src/index.js';
import { connectNats, deadLetterBodies, deleteStreams, uniqueName, until } from './helpers.js';

it.each(['json', 'text'] as const)(
  "bodies that do not decode (bodyFormat '%s') are dead-lettered at once with a typed error; nothing is lost, no handler sees them",
  async (bodyFormat) => {
    const connection = await connectNats();
    const stream = uniqueName('badbody');
    const source = new NatsSource<unknown>({ connection, stream, consumer: 'workers', bodyFormat, maxWait: 1000, logger: silentLogger });
    await source.bind();
    const sender = new NatsSender({ connection, subject: `${stream}.jobs` });
    const broken = bodyFormat === 'json' ? '{"half":' : new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]); // not UTF-8
    await sender.sendBatch(['{"n":1}', broken, '{"n":2}', '{"n":3}']);

    const invalid: { id: number; error: unknown }[] = [];
    source.on('invalidBody', (message, error) => invalid.push({ id: message.id, error }));
    const delivered: NatsMessage<unknown>[] = [];
    const never = new AbortController().signal;
    await until(
      async () => {
        const bulk = await source.get(never, { maxMessages: 10 });
        delivered.push(...bulk);
        await source.cleanup(bulk);
        return delivered.length === 3 && invalid.length === 1;
      },
      10_000,
      'three good bodies and one bad',
    );
    const expected = bodyFormat === 'json' ? [{ n: 1 }, { n: 2 }, { n: 3 }] : ['{"n":1}', '{"n":2}', '{"n":3}'];
    expect(delivered.map((message) => message.body)).toEqual(expected);
    expect(invalid[0]?.id).toBe(2);
    expect(invalid[0]?.error).toBeInstanceOf(NatsBodyDecodeError);
    expect((invalid[0]?.error as NatsBodyDecodeError).code).toBe('NATS_BODY_DECODE');
    await until(async () => (await source.deadLetterCount()) === 1, 5000, 'the dead-letter copy');
    const [letter] = await deadLetterBodies(connection, source.options.deadLetter.stream);
    expect(letter?.headers['Conveyor-Error']).toContain('NatsBodyDecodeError');
    expect(await source.get(never, { maxMessages: 10 })).toEqual([]);
    await source.close();
    await deleteStreams(connection, stream, source.options.deadLetter.stream);
    await connection.close();
  },
);
