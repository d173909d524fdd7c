// A PostgreSQL cluster of the test's own (initdb in a temporary folder, on a free port),
// for the restart test: the shared server on 5432 is never stopped.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@conveyor/conformance';

/** A cluster started by the test. */
export interface OwnPostgres {
  readonly url: string;
  readonly port: number;
  /** Stops it like a crash (`pg_ctl stop -m immediate`: no checkpoint, connections cut). */
  crash(): void;
  /** Starts it again on the same port and data folder (crash recovery replays the WAL). */
  start(): void;
  /** Stops it and removes its folder. */
  dispose(): void;
}

/** Where the server's programs are: PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
function binDir(): string {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN;
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) throw new Error('no PostgreSQL server in /usr/lib/postgresql (set PG_BIN)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** initdb refuses to run as root: run the server programs as the `postgres` user then. */
function run(program: string, args: readonly string[], asPostgres: boolean): void {
  const command = join(binDir(), program);
  if (asPostgres) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
  else execFileSync(command, [...args], { stdio: 'pipe' });
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'conveyor-pg-'));
  const data = join(folder, 'data');
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) {
    chmodSync(folder, 0o755);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(folder, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], asPostgres);
  // fsync off: an immediate stop loses nothing the OS has, and the test runs faster.
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const start = (): void => run('pg_ctl', ['-D', data, '-o', options, '-l', join(folder, 'log'), '-w', 'start'], asPostgres);
  const stop = (mode: string): void => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'], asPostgres);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    crash: () => stop('immediate'),
    start,
    dispose() {
      try {
        stop('immediate');
      } catch {
        // Already stopped.
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
