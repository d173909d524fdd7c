import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ExitCode } from './exit-codes.js';
import { exitCodes } from './exit-codes.js';

/** The command line's definition; `result.exitCode` holds the finished action's code. */
export interface Program {
  readonly command: Command;
  readonly result: { exitCode: ExitCode };
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || parsed < min || parsed > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    return parsed;
  };
}

/** Builds the `conveyor` command with commander: errors are thrown (exitOverride), not printed, so `main` reports them as one line. */
export function createProgram(): Program {
  const result: { exitCode: ExitCode } = { exitCode: exitCodes.ok };
  const program = new Command('conveyor')
    .description('Run Conveyor consumers and look at their queues.')
    .version(version, '-V, --version')
    .option('-v, --verbose', 'print stack traces of errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText(
      'after',
      `
Source URLs:
  sqs://host[:port]/<account>/<queue>   (?region=, ?tls=false, ?dlq=<queue>, ?group=<fifo group>)
  redis://[user:pass@]host[:port]/<list key or sharded prefix>   (?db=, ?kind=list|sharded, ?lockPrefix=)
  redis+cluster://host:port[,host:port...]/<key or prefix>   (a Redis Cluster from its seeds; ?partitions=N)
  amqp://[user:pass@]host[:port]/<vhost>?queue=<name>   (or /<vhost>/<queue>; the default vhost is %2F; ?dlq=)
  file:///absolute/path/to/queue/folder
  postgres://[user:pass@]host[:port]/<database>?table=jobs   (or postgresql://; ?schema=, ?keyField=<send key field>)
  nats://[user:pass@]host[:port]/<stream>[/<consumer>]   (?subject=<send subject>, ?dlq=<dead-letter subject>)

Dead letters: conveyor dlq <url> lists them; conveyor dlq <url> --redrive [--limit N] sends them back.

Exit codes: 0 ok, 1 failure, 2 usage or bad URL, 3 consumer module, 4 queue or server unavailable, 5 bad input, 130 aborted.`,
    );

  program
    .command('run')
    .description('start a consumer module and show what it does until SIGINT/SIGTERM (a second SIGINT aborts)')
    .argument('<module>', 'module exporting a Consumer, or a function (context) => Consumer')
    .argument('[args...]', 'arguments for the module, given to its factory as context.args (put them after --)')
    .option('-e, --export <name>', 'the export holding the Consumer or its factory (default: default, then consumer)')
    .option('-i, --interval <ms>', 'milliseconds between two redraws or log lines', integer('--interval', 50), 1000)
    .option('--lag <source-url>', "show this queue's depth (waiting, in flight, dead) as the consumer's lag")
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on http://host:port/metrics, and /healthz, /readyz',
      integer('--metrics-port', 0, 65_535),
    )
    .option(
      '--metrics-host <host>',
      'interface for --metrics-port (0.0.0.0: every interface; the endpoint has no authentication)',
      '127.0.0.1',
    )
    .option('--log', 'print a line per interval even on a terminal')
    .option('--json', 'print the lines as JSON objects (implies --log)')
    .action(
      async (
        module: string,
        args: string[],
        options: { export?: string; interval: number; lag?: string; metricsPort?: number; metricsHost: string; log?: true; json?: true },
      ) => {
        // Commands load on use: `run` never pays for the AWS SDK, `stats` never for the pool.
        const { runCommand } = await import('./commands/run-command.js');
        result.exitCode = await runCommand(module, args, {
          export: options.export,
          interval: options.interval,
          lag: options.lag,
          metricsPort: options.metricsPort,
          metricsHost: options.metricsHost,
          log: options.log === true,
          json: options.json === true,
        });
      },
    );

  program
    .command('stats')
    .description('one look at a queue without consuming: waiting, in flight, dead letters, sharded threads')
    .argument('<source-url>', 'sqs://…, redis://…/<key or prefix>, redis+cluster://…, file:///path, postgres://…, amqp://…, nats://…')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--threads <n>', 'sharded queues: threads to list').argParser(integer('--threads', 0)).default(20))
    .action(async (url: string, options: { json?: true; threads: number }) => {
      const { statsCommand } = await import('./commands/stats-command.js');
      result.exitCode = await statsCommand(url, { json: options.json === true, threads: options.threads });
    });

  program
    .command('send')
    .description('read JSON lines from stdin and send one message per line')
    .argument('<source-url>', 'sqs://…, redis://…/<list key>, redis+cluster://…, file:///path, postgres://…, amqp://…, nats://…')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (url: string, options: { progress: boolean }) => {
      const { sendCommand } = await import('./commands/send-command.js');
      result.exitCode = await sendCommand(url, { progress: options.progress });
    });

  program
    .command('dlq')
    .description("list a queue's dead letters with their last error, or send them back to the queue (--redrive)")
    .argument(
      '<source-url>',
      'sqs://…, redis://…/<key or prefix>, redis+cluster://…, file:///path, postgres://…, amqp://…, nats://…/<stream>/<consumer>',
    )
    .option('--redrive', 'send the dead letters back to the queue (all of them, or --limit N, the oldest first)')
    .option('-n, --limit <n>', 'dead letters to list (default 20) or to send back (default all)', integer('--limit', 0))
    .option('--json', 'print one JSON object')
    .action(async (url: string, options: { redrive?: true; limit?: number; json?: true }) => {
      const { dlqCommand } = await import('./commands/dlq-command.js');
      result.exitCode = await dlqCommand(url, { redrive: options.redrive === true, limit: options.limit, json: options.json === true });
    });

  return { command: program, result };
}
