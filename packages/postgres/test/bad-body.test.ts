import { describe, expect, it } from 'vitest';
import { silentLogger } from '@conveyor/core';
import { PostgresBodyDecodeError, PostgresBodyEncodeError } from '../src/index.js';
import { never, openQueue, until } from './helpers.js';

describe('bodies that do not decode', () => {
  it('json over a text column: a row that does not parse is dead-lettered at once with a typed error, its neighbours delivered', async () => {
    // A text column keeps JSON byte for byte, and lets a producer write anything: the source parses.
    const queue = await openQueue({ bodyFormat: 'json', bodyType: 'text' });
    await queue.pool.query(`INSERT INTO "${queue.schema}".jobs (body) VALUES ('{"n":1}'), ('{oops'), ('{"n":3}'), (''), ('[4]')`);
    const source = queue.source({ waitTime: 0, logger: silentLogger });
    const events: Array<{ ids: readonly string[]; reason: string }> = [];
    source.on('deadLettered', (ids, reason) => events.push({ ids, reason }));

    const delivered = await source.get(never, { maxMessages: 10 });
    expect(delivered.map((message) => message.body)).toEqual([{ n: 1 }, { n: 3 }, [4]]);
    await source.cleanup(delivered);
    await until(() => events.length === 2, 5_000, 'both bad rows dead-lettered');
    expect(await source.get(never, { maxMessages: 10 })).toEqual([]);

    const dead = await queue.deadLetters();
    expect(dead.map((row) => row.id)).toEqual(['2', '4']);
    for (const row of dead) expect(row.last_error).toMatch(/^PostgresBodyDecodeError: The body of row \d cannot be decoded as json: /);
    expect(dead.map((row) => row.attempts)).toEqual([1, 1]);
    // Nothing lost: 3 consumed, 2 dead, none left.
    expect(await queue.rows()).toEqual([]);
    const letters = await source.deadLetters();
    expect(letters.map((letter) => letter.body)).toEqual(['{oops', '']); // kept raw, as stored
  });

  it('text over a bytea column: bytes that are not UTF-8 are dead-lettered, never handed out', async () => {
    const queue = await openQueue({ bodyFormat: 'buffer' });
    await queue.pool.query(`INSERT INTO "${queue.schema}".jobs (body) VALUES (convert_to('héllo', 'UTF8')), ('\\xff00fe'::bytea)`);
    const source = queue.source<string>({ bodyFormat: 'text', waitTime: 0, logger: silentLogger });
    const delivered = await source.get(never, { maxMessages: 10 });
    expect(delivered.map((message) => message.body)).toEqual(['héllo']);
    await source.cleanup(delivered);
    await until(async () => (await queue.deadLetters()).length === 1, 5_000, 'the bad row dead-lettered');
    expect((await queue.deadLetters())[0]?.last_error).toMatch(/^PostgresBodyDecodeError: .* cannot be decoded as text/);
    expect(await queue.rows()).toEqual([]);
  });

  it('the typed error names the row and the format', () => {
    const error = new PostgresBodyDecodeError('42', 'json', new SyntaxError('Unexpected token'));
    expect(error).toMatchObject({ code: 'POSTGRES_BODY_DECODE', messageId: '42', bodyFormat: 'json' });
  });

  it('the sender refuses a body its format cannot store, writing nothing of that send', async () => {
    const queue = await openQueue({ bodyFormat: 'text' });
    const sender = queue.sender<unknown>({ bodyFormat: 'text' });
    await expect(sender.sendBodies(['fine', 42])).rejects.toThrow(PostgresBodyEncodeError);
    await expect(queue.sender({ bodyFormat: 'buffer' }).sendBodies([Buffer.from('x')])).rejects.toThrow(
      /cannot be stored in the text body column/,
    );
    await expect(queue.sender({ bodyFormat: 'json' }).sendBodies([() => 1])).rejects.toThrow(/JSON cannot represent function/);
    expect(await queue.rows()).toEqual([]);
  });
});
