import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, ClockTimer } from '@conveyor/core/kit';
import type { BatchKeyGenerator } from './batch-key-generator.js';
import { availName, loadingName } from './batch-name.js';
import { syncDirectory } from './queue-folder.js';
import { SqliteBatchWriter } from './sqlite-batch.js';
import type { Synchronous } from './synchronous-option.js';

/** What an open batch needs from its writer. */
export interface OpenBatchSettings {
  readonly directory: string;
  readonly owner: string;
  readonly keys: BatchKeyGenerator;
  readonly synchronous: Synchronous;
  readonly maxBatchAge: number;
  readonly clock: Clock;
}

/**
 * The batch a writer is filling: `loading_<owner>_<key>.db`, one SQLite
 * transaction from its first row, so nothing of it is visible (or survives a
 * kill) before it rolls. Rolling commits it and renames it `avail_<key>.db`:
 * atomic, so readers never see it half written. `maxBatchAge` after its first
 * row it is *aged*: `onAged` runs, so a slow trickle of items still flows.
 */
export class OpenBatch {
  readonly #settings: OpenBatchSettings;
  readonly #onAged: () => void;
  #file: SqliteBatchWriter | undefined;
  #key = '';
  #ageTimer: ClockTimer | undefined;
  #aged = false;

  constructor(settings: OpenBatchSettings, onAged: () => void) {
    this.#settings = settings;
    this.#onAged = onAged;
  }

  /** Rows in the open batch (0 when none is open). */
  get rows(): number {
    return this.#file?.rows ?? 0;
  }

  /** True once the open batch is older than `maxBatchAge` (it rolls as soon as the writer lets it). */
  get aged(): boolean {
    return this.#aged;
  }

  /** Appends one row of JSON text (and its trace context, as JSON), opening a batch first if none is open; returns the rows in the batch. */
  append(body: string, traceContext: string | null = null): number {
    const file = this.#file ?? this.#open();
    file.insert(body, traceContext);
    return file.rows;
  }

  /** Commits the open batch and renames it available; returns its rows (0 when none was open). */
  roll(): number {
    const file = this.#file;
    if (file === undefined) return 0;
    this.#file = undefined;
    this.#stopAgeTimer();
    this.#aged = false;
    const { directory, synchronous } = this.#settings;
    file.commit();
    renameSync(file.path, join(directory, availName(this.#key)));
    if (synchronous === 'full') syncDirectory(directory);
    return file.rows;
  }

  /** Stops the age timer (the writer rolls the batch itself before it closes). */
  close(): void {
    this.#stopAgeTimer();
  }

  #open(): SqliteBatchWriter {
    const { directory, owner, keys, synchronous, maxBatchAge, clock } = this.#settings;
    const key = keys.next();
    this.#key = key;
    const file = new SqliteBatchWriter(join(directory, loadingName(owner, key)), synchronous);
    this.#file = file;
    this.#aged = false;
    // Unref'd: a pending age flush must not keep a process alive; the exit hook flushes instead.
    this.#ageTimer = clock
      .setTimeout(() => {
        this.#ageTimer = undefined;
        this.#aged = true;
        this.#onAged();
      }, maxBatchAge)
      .unref();
    return file;
  }

  #stopAgeTimer(): void {
    this.#ageTimer?.clear();
    this.#ageTimer = undefined;
  }
}
