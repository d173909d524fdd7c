import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { ManualClock, systemClock } from '@conveyor/core/kit';
import { RabbitMqSender, RabbitMqSource } from '../src/index.js';
import type { RabbitMqSenderOptions, RabbitMqSourceOptions } from '../src/index.js';

const base = { url: 'amqp://guest:s3cret@127.0.0.1:5672', queue: 'jobs' };

function rejects(
  options: unknown,
  option: string,
  quoted: string,
  make: (given: unknown) => unknown = (given) => new RabbitMqSource(given as RabbitMqSourceOptions),
): InvalidOptionError {
  let thrown: unknown;
  try {
    make(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).option).toBe(option);
  expect((thrown as InvalidOptionError).message).toContain(quoted);
  expect((thrown as InvalidOptionError).message).not.toContain('s3cret');
  return thrown as InvalidOptionError;
}

describe('RabbitMqSource options', () => {
  it('applies the defaults', () => {
    const source = new RabbitMqSource(base);
    expect(source.options).toMatchObject({
      queueType: 'quorum',
      queueArguments: {},
      singleActiveConsumer: false,
      orderingKey: undefined,
      prefetch: 'auto',
      bodyFormat: 'text',
      maxReceiveCount: 10,
      retryBackoff: { baseMs: 500, capMs: 60_000, jitter: 'equal' },
      deadLetterExchange: 'jobs.dead-letter',
      deadLetterExchangeType: 'fanout',
      deadLetterQueue: 'jobs.dead',
      deadLetterRoutingKey: 'jobs',
      waitTime: 20_000,
      reconnectBackoff: { baseMs: 100, capMs: 5_000, jitter: 'equal' },
      connectionName: 'conveyor jobs',
    });
    expect(source.options.clock).toBe(systemClock);
    expect(Object.isFrozen(source.options)).toBe(true);
    expect(source.prefetch).toBeUndefined();
  });

  it('ordered mode declares a single active consumer unless told otherwise', () => {
    expect(new RabbitMqSource({ ...base, orderingKey: 'queue' }).options.singleActiveConsumer).toBe(true);
    expect(
      new RabbitMqSource({ ...base, orderingKey: { header: 'customer' }, singleActiveConsumer: false }).options.singleActiveConsumer,
    ).toBe(false);
    expect(new RabbitMqSource({ ...base, deadLetterQueue: false }).options.deadLetterQueue).toBeUndefined();
    const clock = new ManualClock();
    expect(new RabbitMqSource({ ...base, clock, prefetch: 64, maxReceiveCount: Infinity }).options).toMatchObject({
      clock,
      prefetch: 64,
      maxReceiveCount: Infinity,
    });
  });

  it('rejects bad values, naming the option and quoting the value, never the password', () => {
    rejects({ ...base, queue: '' }, 'queue', '`""` (string)');
    rejects({ ...base, queueType: 'stream' }, 'queueType', '`"stream"` (string)');
    rejects({ ...base, prefetch: 0 }, 'prefetch', '`0` (number)');
    rejects({ ...base, prefetch: 70_000 }, 'prefetch', "'auto' or an integer from 1 to 65535");
    rejects({ ...base, bodyFormat: 'xml' }, 'bodyFormat', '`"xml"` (string)');
    rejects({ ...base, maxReceiveCount: 0 }, 'maxReceiveCount', '`0` (number)');
    rejects({ ...base, retryBackoff: { baseMs: -1 } }, 'retryBackoff.baseMs', '`-1` (number)');
    rejects({ ...base, waitTime: -1 }, 'waitTime', '`-1` (number)');
    rejects({ ...base, orderingKey: 'message' }, 'orderingKey', '`"message"` (string)');
    rejects({ ...base, orderingKey: { header: '' } }, 'orderingKey.header', '`""` (string)');
    rejects({ ...base, queueArguments: [] }, 'queueArguments', '(array)');
    rejects({ ...base, deadLetterExchangeType: 'x-delayed-message' }, 'deadLetterExchangeType', '`"x-delayed-message"`');
    rejects({ ...base, logger: {} }, 'logger', '(object)');
    rejects({ ...base, url: 'http://guest:s3cret@127.0.0.1' }, 'url', 'an amqp:// or amqps:// URL');
    rejects({ queue: 'jobs' }, 'url', '`undefined`');
  });

  it('refuses queue arguments that an option sets, and says which', () => {
    const error = rejects({ ...base, queueArguments: { 'x-queue-type': 'classic' } }, 'queueArguments.x-queue-type', '`queueType`');
    expect(error.message).toContain('absent');
    rejects(
      { ...base, queueArguments: { 'x-single-active-consumer': true } },
      'queueArguments.x-single-active-consumer',
      '`singleActiveConsumer`',
    );
  });

  it("answers amqplib users' names with Conveyor's, and never quotes a password under a misspelt key", () => {
    expect(rejects({ ...base, prefetchCount: 10 }, 'prefetchCount', '`10`').message).toContain('did you mean `prefetch`?');
    expect(rejects({ ...base, noAck: true }, 'noAck', '`true`').message).toContain('manual acks only');
    expect(rejects({ ...base, arguments: {} }, 'arguments', '(object)').message).toContain('`queueArguments`');
    expect(rejects({ ...base, queu: 'x' }, 'queu', '`"x"`').message).toContain('did you mean `queue`?');
    const misspelt = rejects({ queue: 'jobs', uri: 'amqp://guest:s3cret@127.0.0.1:5672/' }, 'uri', 'amqp://guest:***@127.0.0.1:5672/');
    expect(misspelt.message).toContain('did you mean `url`?');
  });
});

describe('RabbitMqSender options', () => {
  const sender = (given: unknown): RabbitMqSender => new RabbitMqSender(given as RabbitMqSenderOptions);

  it('publishes to a queue through the default exchange, persistent and mandatory', () => {
    expect(sender({ url: base.url, queue: 'jobs' }).options).toMatchObject({
      exchange: '',
      routingKey: 'jobs',
      persistent: true,
      mandatory: true,
    });
    expect(sender({ url: base.url, exchange: 'events', routingKey: 'a.b' }).options).toMatchObject({
      exchange: 'events',
      routingKey: 'a.b',
    });
    expect(sender({ url: base.url, queue: 'jobs' }).target).toBe('amqp://guest:***@127.0.0.1:5672');
  });

  it('rejects bad values', () => {
    rejects({ url: base.url, queue: 'jobs', exchange: 'events' }, 'exchange', '`"events"`', sender);
    rejects({ url: base.url, persistent: 'yes' }, 'persistent', '`"yes"`', sender);
    rejects({ url: base.url, confirm: true }, 'confirm', '`true`', sender);
    rejects({ url: 42 }, 'url', 'number', sender);
  });
});
