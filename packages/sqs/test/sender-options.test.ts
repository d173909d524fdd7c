import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { ManualClock, systemClock } from '@conveyor/core/kit';
import { SqsSender, sqsSenderDefaults } from '../src/index.js';
import type { SqsSenderOptions } from '../src/index.js';

const base = { queueUrl: 'http://127.0.0.1:1/000000000000/q', clientConfig: { region: 'us-east-1' } };

function rejects(options: unknown, option: string, quoted: string): void {
  let thrown: unknown;
  try {
    new SqsSender(options as SqsSenderOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).option).toBe(option);
  expect((thrown as InvalidOptionError).message).toContain(quoted);
}

describe('SqsSender options', () => {
  it('applies the defaults; a FIFO queue gets one call at a time', async () => {
    const sender = new SqsSender(base);
    expect(sender.options).toMatchObject({ bodyFormat: 'text', fifo: false, maxConcurrentBatches: 10, entryAttempts: 3 });
    expect(sender.options.retryBackoff).toEqual(sqsSenderDefaults.retryBackoff);
    expect(sender.options.clock).toBe(systemClock);
    expect(Object.isFrozen(sender.options)).toBe(true);
    expect(new SqsSender({ ...base, queueUrl: `${base.queueUrl}.fifo` }).options).toMatchObject({ fifo: true, maxConcurrentBatches: 1 });
    expect(new SqsSender({ clientConfig: {}, queueName: 'q.fifo', maxConcurrentBatches: 4 }).options.maxConcurrentBatches).toBe(4);
    const clock = new ManualClock();
    expect(new SqsSender({ ...base, clock, retryBackoff: false }).options).toMatchObject({ clock, retryBackoff: { baseMs: 0 } });
    await sender.close();
  });

  it('rejects bad values, naming the option and quoting the value', () => {
    rejects({ ...base, bodyFormat: 'xml' }, 'bodyFormat', '`"xml"` (string)');
    rejects({ ...base, delaySeconds: 901 }, 'delaySeconds', '`901` (number)');
    rejects({ ...base, groupId: '' }, 'groupId', '`""` (string)');
    rejects({ ...base, groupId: 5 }, 'groupId', '`5` (number)');
    rejects({ ...base, deduplicationId: 'fixed' }, 'deduplicationId', '`"fixed"` (string)');
    rejects({ ...base, maxConcurrentBatches: 0 }, 'maxConcurrentBatches', '`0` (number)');
    rejects({ ...base, entryAttempts: 0 }, 'entryAttempts', '`0` (number)');
    rejects({ ...base, retryBackoff: { baseMs: -1 } }, 'retryBackoff.baseMs', '`-1` (number)');
    rejects({ clientConfig: {} }, 'queueUrl', '`undefined`');
    rejects({ ...base, queueName: 'q' }, 'queueUrl', base.queueUrl);
    rejects({ ...base, client: { send: () => {} } }, 'clientConfig', '(object)');
    rejects(null, 'options', '`null` (null)');
  });

  it('answers the names of sqs-producer and of the AWS API with its own', () => {
    rejects({ ...base, sqs: {} }, 'sqs', 'did you mean `client`?');
    rejects({ ...base, region: 'eu-west-1' }, 'region', 'give `clientConfig: { region }`');
    rejects({ ...base, batchSize: 10 }, 'batchSize', '`maxConcurrentBatches`');
    rejects({ ...base, MessageGroupId: 'g' }, 'MessageGroupId', 'did you mean `groupId`?');
    rejects({ ...base, delaySecond: 1 }, 'delaySecond', 'did you mean `delaySeconds`?');
  });

  it('send() and sendMessages() take arrays', async () => {
    const sender = new SqsSender(base);
    await expect(sender.send('one' as unknown as string[])).rejects.toThrow(TypeError);
    await expect(sender.sendMessages({ body: 'one' } as unknown as [])).rejects.toThrow(TypeError);
    expect(await sender.send([])).toEqual([]);
    await sender.close();
    await expect(sender.send(['late'])).rejects.toThrow('closed');
  });
});
