import { describe, expect, it } from 'vitest';
import { ManualClock } from '@conveyor/core/kit';
import { FileQueueWriter, FileSource, inspectQueueFolder, listDeadLetters } from '@conveyor/file';
import type { FileMessage } from '@conveyor/file';
import { quiet, until, useTempQueues, namesStartingWith } from './helpers.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('file queue rows and telemetry', () => {
  const queue = useTempQueues();
  const signal = new AbortController().signal;

  it('stores the trace context a row was added in, and keeps it when the row is written again (retry, dead letters)', async () => {
    const directory = queue();
    let current: { traceparent: string; tracestate?: string } | undefined = { traceparent, tracestate: 'v=1' };
    const writer = new FileQueueWriter<string>({ directory, ...quiet, traceContext: () => current });
    void writer.add('traced');
    current = undefined;
    void writer.add('untraced');
    writer.close();
    const clock = new ManualClock();
    const source = new FileSource<string>({ directory, waitTime: 0, clock, maxReceiveCount: 2, retryBackoff: false, ...quiet });
    expect(source.describe()).toEqual({ system: 'sqlite', destination: directory });
    const first = await source.get(signal, { maxMessages: 10 });
    expect(first.map((message) => [message.body, source.traceContext(message)])).toEqual([
      ['traced', { traceparent, tracestate: 'v=1' }],
      ['untraced', undefined],
    ]);
    source.cleanup(first.slice(1));
    source.release(first.slice(0, 1), new Error('once'));
    await until(() => namesStartingWith(directory, 'assigned_').length === 0, 10_000, 'the first batch settled');
    let again: FileMessage<string>[] = [];
    await until(async () => (again = await source.get(signal, { maxMessages: 10 })).length > 0, 10_000, 'the retry');
    expect(again.map((message) => [message.body, message.receiveCount, source.traceContext(message)])).toEqual([
      ['traced', 2, { traceparent, tracestate: 'v=1' }],
    ]);
    source.release(again, new Error('twice'));
    source.close();
    const dead = listDeadLetters(directory);
    expect(dead.map((letter) => letter.body)).toEqual(['traced']);
  });

  it("tells the age of the oldest ready batch (its key's time)", () => {
    const directory = queue();
    expect(inspectQueueFolder(directory).oldestAgeMs).toBe(0);
    const writer = new FileQueueWriter<string>({ directory, ...quiet });
    void writer.add('a');
    writer.close();
    const age = inspectQueueFolder(directory).oldestAgeMs;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60_000);
    const source = new FileSource<string>({ directory, waitTime: 0, ...quiet });
    const depth = source.inspect();
    expect(depth.waiting).toBe(1);
    expect(depth.oldestAgeMs).toBeGreaterThanOrEqual(age);
    source.close();
  });
});
