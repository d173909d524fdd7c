// Measures better-sqlite3 against node:sqlite on what the file queue does: write a
// batch file in one transaction, read it back whole, and open/close many small files.
// better-sqlite3 is not a dependency (the package uses node:sqlite); to re-run the comparison:
//   pnpm --filter @conveyor/file add -D better-sqlite3 @types/better-sqlite3 && node packages/file/scripts/measure-sqlite-drivers.ts
// (and remove them again before committing).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const require = createRequire(import.meta.url);
const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');

const rows = Number(process.env.MEASURE_ROWS ?? 200_000);
const filesRows = 1000;
const files = Number(process.env.MEASURE_FILES ?? 200);
const body = JSON.stringify({ id: 123456, kind: 'measure', payload: 'x'.repeat(60), at: 1732700000000 });
const directory = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-measure-'));

interface Driver {
  name: string;
  open(path: string, readonly: boolean): { exec(sql: string): void; insert(): (text: string) => void; all(): unknown[]; close(): void };
}

const better: Driver = {
  name: 'better-sqlite3',
  open(path, readonly) {
    const db = new BetterSqlite3(path, { readonly });
    return {
      exec: (sql) => void db.exec(sql),
      insert: () => {
        const statement = db.prepare('INSERT INTO rows (body) VALUES (?)');
        return (text) => void statement.run(text);
      },
      all: () => db.prepare('SELECT id, body FROM rows ORDER BY id').raw().all(),
      close: () => db.close(),
    };
  },
};

const builtin: Driver = {
  name: 'node:sqlite',
  open(path, readonly) {
    const db = new DatabaseSync(path, { readOnly: readonly });
    return {
      exec: (sql) => db.exec(sql),
      insert: () => {
        const statement = db.prepare('INSERT INTO rows (body) VALUES (?)');
        return (text) => void statement.run(text);
      },
      all: () => {
        const statement = db.prepare('SELECT id, body FROM rows ORDER BY id');
        statement.setReturnArrays?.(true);
        return statement.all();
      },
      close: () => db.close(),
    };
  },
};

function writeFile(driver: Driver, path: string, count: number): void {
  const db = driver.open(path, false);
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.insert();
  db.exec('BEGIN');
  for (let index = 0; index < count; index++) insert(body);
  db.exec('COMMIT');
  db.close();
}

function measure(driver: Driver): Record<string, number> {
  const big = join(directory, `${driver.name.replace(/\W/g, '')}-big.db`);
  let started = performance.now();
  writeFile(driver, big, rows);
  const writeRate = rows / ((performance.now() - started) / 1000);
  started = performance.now();
  const db = driver.open(big, true);
  const read = db.all();
  db.close();
  const readRate = read.length / ((performance.now() - started) / 1000);
  unlinkSync(big);
  started = performance.now();
  for (let index = 0; index < files; index++) {
    const path = join(directory, `${driver.name.replace(/\W/g, '')}-${index}.db`);
    writeFile(driver, path, filesRows);
    const reader = driver.open(path, true);
    reader.all();
    reader.close();
    unlinkSync(path);
  }
  const smallFilesRate = (files * filesRows) / ((performance.now() - started) / 1000);
  return {
    writeRowsPerSecond: Math.round(writeRate),
    readRowsPerSecond: Math.round(readRate),
    batchFilesRowsPerSecond: Math.round(smallFilesRate),
  };
}

try {
  for (let round = 0; round < 2; round++) {
    for (const driver of [better, builtin]) console.log(round === 0 ? 'warm-up' : 'measured', driver.name, measure(driver));
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
