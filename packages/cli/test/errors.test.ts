import { describe, expect, it } from 'vitest';
import { cli, fixture } from './helpers.js';

/** A promised error: exactly one line on stderr starting with `conveyor: `, no stack. */
function expectOneLine(stderr: string, includes: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^conveyor: /);
  expect(lines[0]).toContain(includes);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('errors are one line with a distinct exit code', () => {
  it('exit 2 for an unknown command, option, or a bad option value', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expectOneLine(unknown.stderr, "unknown command 'frobnicate'");
    const option = await cli(['stats', '--frob', 'redis://127.0.0.1/x']);
    expect(option.code).toBe(2);
    expectOneLine(option.stderr, "unknown option '--frob'");
    const value = await cli(['run', fixture('memory-consumer.js'), '--interval', 'soon']);
    expect(value.code).toBe(2);
    expectOneLine(value.stderr, '--interval must be an integer');
    const missing = await cli(['send']);
    expect(missing.code).toBe(2);
    expectOneLine(missing.stderr, "missing required argument 'source-url'");
  });

  it('exit 2 for bad source URLs, saying what a good one looks like', async () => {
    const cases: [string, string][] = [
      ['ftp://example.com/q', 'Unsupported source URL scheme "ftp:"'],
      ['not a url', 'Not a source URL'],
      ['redis://127.0.0.1:6379/', 'names no key'],
      ['redis://127.0.0.1:6379/jobs?kind=stack', '?kind= must be list or sharded'],
      ['sqs://127.0.0.1:9324/', 'must name a queue'],
      ['file:queue', 'not an absolute file URL'],
    ];
    for (const [url, message] of cases) {
      const result = await cli(['stats', url]);
      expect(result.code, url).toBe(2);
      expectOneLine(result.stderr, message);
    }
  });

  it('exit 4 when the server is unreachable or the queue missing', async () => {
    const redis = await cli(['stats', 'redis://127.0.0.1:1/jobs']);
    expect(redis.code).toBe(4);
    expectOneLine(redis.stderr, 'Cannot reach Redis at 127.0.0.1:1 (ECONNREFUSED); is it running?');
    const sqs = await cli(['stats', 'sqs://127.0.0.1:1/000000000000/orders']);
    expect(sqs.code).toBe(4);
    expectOneLine(sqs.stderr, 'Cannot reach SQS at http://127.0.0.1:1 (ECONNREFUSED)');
    const folder = await cli(['send', 'file:///nonexistent/conveyor/queue'], { input: '{}\n' });
    expect(folder.code).toBe(4);
    expectOneLine(folder.stderr, 'No file queue folder at /nonexistent/conveyor/queue');
  });

  it('exit 3 for consumer modules that are missing, throw, or export no Consumer', async () => {
    const missing = await cli(['run', 'no/such/consumer.js']);
    expect(missing.code).toBe(3);
    expectOneLine(missing.stderr, 'No consumer module at');
    const throwing = await cli(['run', fixture('throws-on-import.js')]);
    expect(throwing.code).toBe(3);
    expectOneLine(throwing.stderr, 'failed to load: the database password is not set');
    const none = await cli(['run', fixture('no-consumer.js')]);
    expect(none.code).toBe(3);
    expectOneLine(none.stderr, 'has no `default` or `consumer` export');
    expect(none.stderr).toContain('its exports: answer, helper');
    const notFunction = await cli(['run', fixture('no-consumer.js'), '--export', 'answer']);
    expect(notFunction.code).toBe(3);
    expectOneLine(notFunction.stderr, 'The `answer` export of');
  });

  it('exit 1 when the consumer fails to start', async () => {
    const result = await cli(['run', fixture('starts-badly.js')]);
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, 'The consumer failed to start:');
  });

  it('--verbose adds the stack and causes', async () => {
    const result = await cli(['--verbose', 'run', fixture('throws-on-import.js')]);
    expect(result.code).toBe(3);
    expect(result.stderr.split('\n')[0]).toContain('failed to load');
    expect(result.stderr).toMatch(/^\s+at /m);
    expect(result.stderr).toContain('caused by:');
  });
});
