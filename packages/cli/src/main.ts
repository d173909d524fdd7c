import { CommanderError } from 'commander';
import { inspect } from 'node:util';
import { describeError } from './describe-error.js';
import { redact, rememberSecrets } from './redact.js';
import type { ExitCode } from './exit-codes.js';
import { exitCodes } from './exit-codes.js';
import { createProgram } from './program.js';

/**
 * Runs the `conveyor` command line on `argv` (as `process.argv`: node, script,
 * arguments) and resolves to its exit code. Errors are one line on stderr,
 * `conveyor: <what to fix>`; `--verbose` adds the stack and causes.
 */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const { command, result } = createProgram();
  // Read before parsing: a parse error must honour it too.
  const verbose = argv.slice(2).some((arg) => arg === '--verbose' || arg === '-v');
  // Every URL given (a source, --lag): its password is hidden wherever it shows up, even in a usage error.
  for (const arg of argv.slice(2)) rememberSecrets(arg);
  try {
    await command.parseAsync(argv);
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')
        return exitCodes.ok;
      const message = error.message.replace(/^error: /, '').split('\n', 1)[0] ?? error.message;
      process.stderr.write(`conveyor: ${redact(message)} (see conveyor --help)\n`);
      return exitCodes.usage;
    }
    const report = describeError(error);
    process.stderr.write(`conveyor: ${redact(report.message)}\n`);
    if (verbose) process.stderr.write(`${redact(stackOf(error))}\n`);
    return report.exitCode;
  }
}

/** The stack of an error and of each of its causes. */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : inspect(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
