import type { Redis } from 'ioredis';
import type {
  BatchFailure,
  BatchRef,
  DeadLetter,
  Peeked,
  PromoteResult,
  SettleResult,
  Storage,
  StorageEncoding,
  StorageIndex,
  TubeAddress,
} from '@conveyor/sharded';
import { checkClient, deleteByPrefix } from './check-client.js';
import { LuaScript } from './lua-script.js';
import type { RedriveOptions } from './redrive-options.js';
import { redriveInSteps } from './redrive-options.js';
import type { RedisStorageOptions } from './redis-storage-options.js';
import { resolveRedisStorageOptions } from './redis-storage-options.js';

// Messages per append script call: big enough to amortise the call, small enough not to block Redis long.
const appendSlice = 10_000;

const scripts = {
  append: 'append-3.lua',
  peek: 'peek-4.lua',
  settle: 'settle-6.lua',
  schedule: 'schedule-3.lua',
  promoteDeferred: 'promote-deferred-3.lua',
  setRecurrent: 'set-recurrent-3.lua',
  unsetRecurrent: 'unset-recurrent-2.lua',
  promoteRecurrent: 'promote-recurrent-3.lua',
  redrive: 'redrive-dead-2.lua',
} as const;

type Scripts = { readonly [K in keyof typeof scripts]: LuaScript };

/**
 * Sharded-queue storage on Redis. Keys (all under `prefix`):
 * `q:<tube>` list of messages, `p:<thread>` zset of the thread's non-empty
 * tubes by rank, `threads` set of non-empty threads (claimers sample it: no
 * KEYS scans), `offsets` and `failures` hashes, `dead` list,
 * `deferred` / `recurrent` zsets by due time. Every operation is one Lua script.
 */
export class RedisStorage implements Storage<string> {
  /** Redis keeps the serialized strings of the queue's serializer. */
  readonly encoding: StorageEncoding = 'text';
  readonly redis: Redis;
  readonly prefix: string;
  readonly #scripts: Scripts;
  readonly #threads: string;
  readonly #offsets: string;
  readonly #failures: string;
  readonly #dead: string;
  readonly #deferred: string;
  readonly #recurrent: string;

  constructor(redis: Redis, options?: RedisStorageOptions) {
    checkClient(redis);
    this.redis = redis;
    this.prefix = resolveRedisStorageOptions(options).prefix;
    this.#scripts = Object.fromEntries(Object.entries(scripts).map(([name, file]) => [name, LuaScript.load(file)])) as Scripts;
    this.#threads = `${this.prefix}threads`;
    this.#offsets = `${this.prefix}offsets`;
    this.#failures = `${this.prefix}failures`;
    this.#dead = `${this.prefix}dead`;
    this.#deferred = `${this.prefix}deferred`;
    this.#recurrent = `${this.prefix}recurrent`;
  }

  async append(address: TubeAddress, messages: readonly string[], ifNotExists: boolean): Promise<number> {
    const keys = [this.#tubeKey(address.tube), this.#prioritiesKey(address.thread), this.#threads];
    const head = [address.tube, address.thread, address.rank, ifNotExists ? '1' : '0'];
    if (messages.length <= appendSlice || ifNotExists) {
      return (await this.#scripts.append.run(this.redis, keys, [...head, ...messages])) as number;
    }
    // Slices go out back to back on one connection, so they land in order.
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < messages.length; start += appendSlice) {
      calls.push(this.#scripts.append.run(this.redis, keys, head.concat(messages.slice(start, start + appendSlice))));
    }
    return (await Promise.all(calls)).reduce<number>((sum, added) => sum + (added as number), 0);
  }

  async threads(max: number): Promise<string[]> {
    return shuffle(await this.redis.srandmember(this.#threads, max));
  }

  async peek(thread: string, max: number): Promise<Peeked | undefined> {
    const result = (await this.#scripts.peek.run(
      this.redis,
      [this.#prioritiesKey(thread), this.#offsets, this.#threads, this.#failures],
      [this.prefix, thread, max],
    )) as [string, number, string[], number] | null;
    if (result === null) return undefined;
    return { tube: result[0], thread, offset: result[1], messages: result[2], failures: result[3] };
  }

  async settle(batch: BatchRef, failed: readonly number[] = [], failure?: BatchFailure): Promise<SettleResult> {
    // The script takes 0 for "never dead-letter", and the charged indexes after the failed ones.
    const maxFailures = failure === undefined || failure.maxFailures === Number.POSITIVE_INFINITY ? 0 : failure.maxFailures;
    const charged = failure === undefined ? [] : (failure.charged ?? failed);
    const [stale, removed, failures, deadLettered] = (await this.#scripts.settle.run(
      this.redis,
      [this.#tubeKey(batch.tube), this.#offsets, this.#prioritiesKey(batch.thread), this.#threads, this.#failures, this.#dead],
      [batch.tube, batch.thread, batch.offset, batch.count, failure?.reason ?? '', maxFailures, failed.length, ...failed, ...charged],
    )) as [number, number, number, number];
    return { stale: stale === 1, removed, failures, deadLettered };
  }

  async length(tube: string): Promise<number> {
    return this.redis.llen(this.#tubeKey(tube));
  }

  async contains(tube: string, message: string): Promise<boolean> {
    return (await this.redis.lpos(this.#tubeKey(tube), message)) !== null;
  }

  async schedule(address: TubeAddress, messages: readonly string[], delayMs: number, ifNotExists: boolean): Promise<number> {
    return (await this.#scripts.schedule.run(
      this.redis,
      [this.#deferred, `${this.#deferred}:seq`, `${this.#deferred}:keys`],
      [Math.round(delayMs), ifNotExists ? '1' : '0', address.rank, address.tube, ...messages],
    )) as number;
  }

  async promoteDeferred(max: number): Promise<PromoteResult> {
    const [due, nextIn] = (await this.#scripts.promoteDeferred.run(
      this.redis,
      [this.#deferred, `${this.#deferred}:keys`, this.#threads],
      [this.prefix, max],
    )) as [number, number];
    return { due, nextDueIn: nextIn < 0 ? undefined : nextIn };
  }

  async setRecurrent(address: TubeAddress, messages: readonly string[], intervalMs: number): Promise<number> {
    return (await this.#scripts.setRecurrent.run(
      this.redis,
      [this.#recurrent, `${this.#recurrent}:intervals`, this.#threads],
      [this.prefix, Math.round(intervalMs), address.rank, address.tube, ...messages],
    )) as number;
  }

  async unsetRecurrent(address: TubeAddress, messages: readonly string[]): Promise<number> {
    return (await this.#scripts.unsetRecurrent.run(
      this.redis,
      [this.#recurrent, `${this.#recurrent}:intervals`],
      [address.rank, address.tube, ...messages],
    )) as number;
  }

  async promoteRecurrent(max: number): Promise<PromoteResult> {
    const [due, nextIn] = (await this.#scripts.promoteRecurrent.run(
      this.redis,
      [this.#recurrent, `${this.#recurrent}:intervals`, this.#threads],
      [this.prefix, max],
    )) as [number, number];
    return { due, nextDueIn: nextIn < 0 ? undefined : nextIn };
  }

  async deadLetters(max: number): Promise<DeadLetter[]> {
    const entries = await this.redis.lrange(this.#dead, 0, max - 1);
    return entries.map((entry) => JSON.parse(entry) as DeadLetter);
  }

  /**
   * Sends dead letters back to the tails of the tubes they died in, oldest
   * first: all of them, or the oldest `limit`. They move in atomic steps of
   * `batchSize` (one script call each), so an interrupted redrive loses nothing
   * and moves nothing twice. Returns how many moved.
   */
  redriveDeadLetters(options: RedriveOptions = {}): Promise<number> {
    return redriveInSteps(
      options,
      async (max) => (await this.#scripts.redrive.run(this.redis, [this.#dead, this.#threads], [this.prefix, max])) as number,
    );
  }

  async count(index: StorageIndex): Promise<number> {
    switch (index) {
      case 'deferred':
        return this.redis.zcard(this.#deferred);
      case 'recurrent':
        return this.redis.zcard(this.#recurrent);
      case 'dead':
        return this.redis.llen(this.#dead);
    }
  }

  /** Deletes every key under `prefix` (SCAN and UNLINK). */
  async clear(): Promise<void> {
    await deleteByPrefix(this.redis, this.prefix);
  }

  #tubeKey(tube: string): string {
    return `${this.prefix}q:${tube}`;
  }

  #prioritiesKey(thread: string): string {
    return `${this.prefix}p:${thread}`;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    const swap = items[index] as T;
    items[index] = items[other] as T;
    items[other] = swap;
  }
  return items;
}
