import { afterEach, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers.js';
import { cli, fixture, killLeftovers } from './helpers.js';

afterEach(killLeftovers);

const password = 'S3cretPW';
// Percent-encoded in the URL; a client may print it decoded.
const encoded = 'p%40ss%2Fw0rd%21';
const decoded = 'p@ss/w0rd!';

/** URLs carrying a password (or token) that fail in every way a command can fail: unparseable, refused, unreachable, wrong credentials. */
const secretUrls: readonly string[] = [
  `redis://alice:${password}@127.0.0.1:99999/jobs`, // does not parse (port)
  `redis://alice:${password}@127.0.0.1:1/jobs`, // unreachable
  `redis://alice:${password}@127.0.0.1:6379/jobs`, // the real Redis refuses the credentials
  `redis://:${encoded}@127.0.0.1:1/jobs`,
  `redis://127.0.0.1:1/jobs?password=${password}`,
  `file://user:${password}@host/q`,
  `file://user:${password}@/tmp/q`,
  `amqp://guest:${password}@127.0.0.1:5672/%2F?queue=conveyor-secret-test`, // ACCESS_REFUSED
  `amqp://guest:${encoded}@127.0.0.1:1/%2F?queue=q`,
  `postgres://postgres:${password}@127.0.0.1:1/test?table=jobs`,
  `postgresql://postgres:${password}@127.0.0.1:5432/test?table=conveyor_no_such_table`,
  `postgres://127.0.0.1:1/test?password=${password}&table=jobs`,
  `nats://${password}@127.0.0.1:1/stream`, // a token
  `nats://user:${password}@127.0.0.1:4222/conveyor_no_such_stream/consumer`,
  `sqs://AKIA:${password}@127.0.0.1:1/000000000000/orders`,
];

function expectNoSecret(result: CliResult, what: string, failed = true): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const secret of [password, encoded, decoded]) expect(output, `${what} printed a secret: ${output}`).not.toContain(secret);
  if (failed) {
    // It failed, and said so (a test that prints nothing would prove nothing).
    expect(result.code, what).not.toBe(0);
    expect(result.stderr, what).toMatch(/^conveyor: /m);
  } else {
    // It ran on (a lag queue that cannot be read does not stop a consumer) and talked about the URL, masked.
    expect(output, what).toMatch(/\*\*\*|^conveyor: |lagError=/m);
  }
}

/** Runs `check` for every URL, four commands at a time (each is a process of its own, mostly waiting on a refused connection). */
async function eachUrl(check: (url: string) => Promise<void>): Promise<void> {
  const queue = [...secretUrls];
  const worker = async (): Promise<void> => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) await check(url);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

// --verbose prints the stack and causes too: what a plain run prints is a part of it.
describe('no command prints a password', () => {
  it('stats', async () => {
    await eachUrl(async (url) => expectNoSecret(await cli(['--verbose', 'stats', url], { timeoutMs: 20_000 }), `stats ${url}`));
  }, 60_000);

  it('send', async () => {
    await eachUrl(async (url) =>
      expectNoSecret(await cli(['--verbose', 'send', url], { input: '{"n":1}\n', timeoutMs: 20_000 }), `send ${url}`),
    );
  }, 60_000);

  it('dlq, listing and --redrive', async () => {
    await eachUrl(async (url) => {
      expectNoSecret(await cli(['--verbose', 'dlq', url], { timeoutMs: 20_000 }), `dlq ${url}`);
      expectNoSecret(await cli(['dlq', url, '--redrive', '--limit', '1'], { timeoutMs: 20_000 }), `dlq --redrive ${url}`);
    });
  }, 60_000);

  it('run --lag', async () => {
    await eachUrl(async (url) => {
      const args = [
        '--verbose',
        'run',
        fixture('memory-consumer.js'),
        '--log',
        '--interval',
        '100',
        '--lag',
        url,
        '--',
        '--exit-when-drained',
      ];
      const result = await cli(args, { timeoutMs: 20_000 });
      expectNoSecret(result, `run --lag ${url}`, result.code !== 0);
    });
  }, 60_000);

  it('a usage error next to a URL', async () => {
    expectNoSecret(await cli(['stats', '--frob', `redis://alice:${password}@127.0.0.1/x`]), 'stats --frob');
    expectNoSecret(await cli(['stats', `redis://alice:${password}@127.0.0.1/x`, 'extra']), 'stats with an extra argument');
  });
});
