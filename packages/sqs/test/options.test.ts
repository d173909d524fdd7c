import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import { ManualClock, systemClock } from '@conveyor/core/kit';
import { SqsSource } from '../src/index.js';
import type { SqsSourceOptions } from '../src/index.js';

const base = { queueUrl: 'http://127.0.0.1:1/000000000000/q', clientConfig: { region: 'us-east-1' } };

function rejects(options: unknown, option: string, quoted: string): void {
  let thrown: unknown;
  try {
    new SqsSource(options as SqsSourceOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as InvalidOptionError).option).toBe(option);
  expect((thrown as InvalidOptionError).message).toContain(quoted);
}

describe('SqsSource options', () => {
  it('applies the defaults', () => {
    const source = new SqsSource(base);
    expect(source.options).toMatchObject({
      waitTimeSeconds: 20,
      maxMessages: 10,
      retryDelaySeconds: 0,
      bodyFormat: 'text',
      fifo: false,
      entryAttempts: 3,
    });
    expect(source.options.clock).toBe(systemClock);
    expect(Object.isFrozen(source.options)).toBe(true);
    expect(source.queueUrl).toBe(base.queueUrl);
  });

  it('knows a FIFO queue by its name', () => {
    expect(new SqsSource({ ...base, queueUrl: `${base.queueUrl}.fifo` }).options.fifo).toBe(true);
    expect(new SqsSource({ clientConfig: {}, queueName: 'orders.fifo' }).options.fifo).toBe(true);
  });

  it('rejects bad values, naming the option and quoting the value', () => {
    rejects({ ...base, waitTimeSeconds: 21 }, 'waitTimeSeconds', '`21` (number)');
    rejects({ ...base, maxMessages: 0 }, 'maxMessages', '`0` (number)');
    rejects({ ...base, visibilityTimeoutSeconds: 1.5 }, 'visibilityTimeoutSeconds', '`1.5` (number)');
    rejects({ ...base, bodyFormat: 'xml' }, 'bodyFormat', '`"xml"` (string)');
    rejects({ ...base, retryDelaySeconds: -1 }, 'retryDelaySeconds', '`-1` (number)');
    rejects({ ...base, retryDelaySeconds: { baseSeconds: 0 } }, 'retryDelaySeconds.baseSeconds', '`0` (number)');
    rejects({ ...base, heartbeatInterval: -5 }, 'heartbeatInterval', '`-5` (number)');
    rejects({ ...base, visibilityTimeoutSeconds: 2, heartbeatInterval: 1500 }, 'heartbeatInterval', '`1500` (number)');
    rejects({ ...base, deadLetter: { queueName: 'dlq' } }, 'deadLetter.maxReceiveCount', '`undefined`');
    rejects({ ...base, deadLetter: { maxReceiveCount: 3 } }, 'deadLetter.queueUrl', '`undefined`');
    rejects({ ...base, messageAttributeNames: 'All' }, 'messageAttributeNames', '`"All"` (string)');
    rejects({ ...base, logger: {} }, 'logger', '(object)');
    rejects({ ...base, clock: { now: () => 0 } }, 'clock', '(object)');
    rejects({ ...base, maxErrorBackoff: Number.NaN }, 'maxErrorBackoff', '`NaN` (number)');
    rejects({ ...base, retryDelaySeconds: { baseSeconds: 2, maxSeconds: 1 } }, 'retryDelaySeconds.maxSeconds', '`1` (number)');
    rejects({ ...base, wait: 3 }, 'wait', '`3` (number)');
  });

  it('wants exactly one of queueUrl and queueName, and one of client and clientConfig', () => {
    rejects({ clientConfig: {} }, 'queueUrl', '`undefined`');
    rejects({ ...base, queueName: 'q' }, 'queueUrl', base.queueUrl);
    rejects({ ...base, client: { send: () => {} } }, 'clientConfig', '(object)');
    rejects({ queueUrl: base.queueUrl, client: {} }, 'client', '`{}` (object)');
    rejects(null, 'options', '`null` (null)');
  });

  it('takes a clock (a ManualClock in tests)', () => {
    const clock = new ManualClock();
    expect(new SqsSource({ ...base, clock }).options.clock).toBe(clock);
  });

  it('names the option meant by a misspelt or foreign one ("did you mean")', () => {
    rejects({ ...base, waitTimeSecond: 5 }, 'waitTimeSecond', 'did you mean `waitTimeSeconds`?');
    rejects({ ...base, visiblityTimeoutSeconds: 30 }, 'visiblityTimeoutSeconds', 'did you mean `visibilityTimeoutSeconds`?');
    rejects({ ...base, heartbeatIntervall: 1000 }, 'heartbeatIntervall', 'did you mean `heartbeatInterval`?');
    rejects(
      { ...base, deadLetter: { queueName: 'dlq', maxRecieveCount: 3 } },
      'deadLetter.maxRecieveCount',
      'did you mean `deadLetter.maxReceiveCount`?',
    );
    rejects(
      { ...base, retryDelaySeconds: { baseSecond: 1 } },
      'retryDelaySeconds.baseSecond',
      'did you mean `retryDelaySeconds.baseSeconds`?',
    );
    // Names of sqs-consumer, and Conveyor's millisecond names for what SQS counts in seconds.
    rejects({ ...base, batchSize: 10 }, 'batchSize', 'did you mean `maxMessages`?');
    rejects(
      { ...base, visibilityTimeout: 30_000 },
      'visibilityTimeout',
      'did you mean `visibilityTimeoutSeconds`? (SQS settings are in seconds',
    );
    rejects({ ...base, region: 'eu-west-1' }, 'region', 'give `clientConfig: { region }`');
  });

  // Every option of sqs-consumer's Consumer.create() that SqsSource does not share is answered with Conveyor's word for it.
  it.each([
    ['visibilityTimeout', 30, 'did you mean `visibilityTimeoutSeconds`?'],
    ['batchSize', 10, 'did you mean `maxMessages`?'],
    ['handleMessage', () => undefined, 'this is the consumer’s `handler`'],
    ['handleMessageBatch', () => undefined, 'this is the consumer’s `handler`'],
    ['handleMessageTimeout', 5000, 'this is the consumer’s `handlerTimeout`'],
    ['sqs', {}, 'did you mean `client`?'],
    ['region', 'eu-west-1', 'give `clientConfig: { region }`'],
    ['useQueueUrlAsEndpoint', false, 'clientConfig: { useQueueUrlAsEndpoint }'],
    ['attributeNames', ['All'], 'SqsSource receives every system attribute'],
    ['messageSystemAttributeNames', ['All'], 'SqsSource receives every system attribute'],
    ['terminateVisibilityTimeout', true, '`retryDelaySeconds`'],
    ['pollingWaitTimeMs', 100, 'this is the consumer’s `pollInterval`'],
    ['pollingCompleteWaitTimeMs', 1000, 'this is the consumer’s `shutdownTimeout`'],
    ['authenticationErrorTimeout', 10_000, '`maxPollBackoff`'],
    ['shouldDeleteMessages', false, 'consumed messages are always deleted'],
    ['alwaysAcknowledge', true, 'consumed messages are always deleted'],
    ['strictReturn', true, 'not what it returns'],
    ['preReceiveMessageCallback', () => undefined, 'client.middlewareStack'],
    ['postReceiveMessageCallback', () => undefined, 'client.middlewareStack'],
    ['extendedAWSErrors', true, '`awsCode`'],
    ['suppressFifoWarning', true, 'FIFO queues are supported'],
  ])('answers sqs-consumer’s `%s` with the Conveyor name', (name, value, hint) => {
    rejects({ ...base, [name]: value }, name, hint);
  });

  it("rejects a heartbeatInterval under a second: sqs-consumer's is in seconds", () => {
    rejects({ ...base, heartbeatInterval: 20 }, 'heartbeatInterval', 'it looks like seconds');
    rejects({ ...base, heartbeatInterval: 20 }, 'heartbeatInterval', 'write 20000 for 20 s');
    rejects({ ...base, heartbeatInterval: 999 }, 'heartbeatInterval', '0 (off) or at least 1000 milliseconds');
    rejects({ ...base, heartbeatInterval: 0.5 }, 'heartbeatInterval', 'write 500 for 0.5 s');
    // 0 turns it off; a second and more are milliseconds.
    expect(new SqsSource({ ...base, heartbeatInterval: 0 }).options.heartbeatInterval).toBe(0);
    expect(new SqsSource({ ...base, heartbeatInterval: 1000 }).options.heartbeatInterval).toBe(1000);
    expect(new SqsSource({ ...base, visibilityTimeoutSeconds: 60, heartbeatInterval: 20_000 }).options.heartbeatInterval).toBe(20_000);
    // The other checks hold: not negative, at most half of the visibility timeout.
    rejects({ ...base, heartbeatInterval: Number.POSITIVE_INFINITY }, 'heartbeatInterval', '`Infinity` (number)');
    rejects({ ...base, visibilityTimeoutSeconds: 30, heartbeatInterval: 20_000 }, 'heartbeatInterval', 'at most half of');
  });
});
