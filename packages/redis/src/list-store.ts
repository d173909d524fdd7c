import type { TraceCarrier } from '@conveyor/core';
import { sleep } from '@conveyor/core/kit';
import type { Cluster, Redis } from 'ioredis';
import { isCluster } from './check-client.js';
import { isRedirectOrOutage, masterConnection } from './master-connection.js';
import { RedisReplicationError } from './redis-replication-error.js';
import { LuaScript } from './lua-script.js';
import type { RedisListKeys } from './redis-list-keys.js';
import type { RedisListDeadLetter } from './redis-list-message.js';
import { parseDeadLetter } from './redis-list-message.js';

/** One delivery (one `get()`), before its bodies are decoded; index `i` is position `i`. */
export interface DeliveryBatch {
  readonly delivery: string;
  readonly ids: readonly string[];
  /** Receive counts; undefined when every one is 1. */
  readonly receiveCounts: readonly number[] | undefined;
  /** Trace contexts as stored (`encodeTraceContext`, '' for none); undefined when the list never had one. */
  readonly traceContexts: readonly string[] | undefined;
  readonly bodies: EncodedBodies;
}

/**
 * The bodies' bytes: small ones one after the other in one blob (body `i` is
 * `blob[starts[i], starts[i + 1])`), large ones a buffer each.
 */
export type EncodedBodies = { readonly blob: Buffer; readonly starts: readonly number[] } | { readonly each: readonly Buffer[] };

/** `durableSend` as the store takes it: replicas that must confirm a send, and how long to wait for them. */
export type DurableSend = false | { readonly replicas: number; readonly timeoutMs: number };

/** How `settleFailed()` treats the deliveries: see `lua/list-release-5.lua`. */
export type FailureMode = 'charged' | 'uncharged' | 'dead';

/** The depth of a list source's queue. */
export interface ListDepth {
  /** Entries in the list, ready to be delivered. */
  readonly ready: number;
  /** Released messages waiting for their backoff. */
  readonly delayed: number;
  readonly inFlight: number;
  readonly deadLetters: number;
}

// Most bodies and bytes one send call carries (ARGV stays small, the server is never blocked long).
const sendBatchCount = 1000;
const sendBatchBytes = 4 * 1024 * 1024;
// Most bytes of bodies one delivery holds: its lease keeps them as one value (list-get-8.lua).
const maxDeliveryBytes = 64 * 1024 * 1024;
// A durable send through a failover: tries, and the pause between them (about cluster-node-timeout in all).
const durableRetries = 50;
const durableRetryDelayMs = 100;

/**
 * The storage layout of a Redis list source and the only code that speaks to
 * Redis for it: each operation is one Lua script call (`lua/list-*.lua`) or
 * one pipeline, with bodies as bytes both ways. Why this layout: docs/adr/0008-redis-list-layout.md.
 */
export class ListStore {
  readonly #redis: Redis | Cluster;
  readonly #keys: RedisListKeys;
  readonly #getKeys: readonly string[];
  readonly #releaseKeys: readonly string[];
  readonly #sendKeys: readonly string[];
  readonly #cleanupKeys: readonly string[];
  readonly #send = LuaScript.load('list-send-3.lua');
  readonly #get = LuaScript.load('list-get-8.lua');
  readonly #cleanup = LuaScript.load('list-cleanup-3.lua');
  readonly #release = LuaScript.load('list-release-7.lua');
  readonly #extend = LuaScript.load('list-extend-1.lua');
  readonly #redrive = LuaScript.load('list-redrive-3.lua');

  constructor(redis: Redis | Cluster, keys: RedisListKeys) {
    this.#redis = redis;
    this.#keys = keys;
    this.#sendKeys = [keys.list, keys.bodies, keys.meta];
    this.#getKeys = [keys.list, keys.bodies, keys.processing, keys.leases, keys.delayed, keys.meta, keys.dead, keys.leased];
    this.#cleanupKeys = [keys.leases, keys.leased, keys.meta];
    this.#releaseKeys = [keys.list, keys.bodies, keys.leases, keys.leased, keys.delayed, keys.meta, keys.dead];
  }

  /**
   * Appends bodies at the tail of the list, in order, with the trace context they
   * were sent in; returns their ids. With `durable`, resolves once that many
   * replicas confirmed them (`WAIT`).
   */
  async append(bodies: readonly (string | Buffer)[], traceContext?: TraceCarrier, durable: DurableSend = false): Promise<string[]> {
    const batches: (string | Buffer)[][] = [];
    let batch: (string | Buffer)[] = [];
    let bytes = 0;
    for (const body of bodies) {
      const size = typeof body === 'string' ? body.length * 3 : body.length;
      if (batch.length > 0 && (batch.length >= sendBatchCount || bytes + size > sendBatchBytes)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(body);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
    for (const each of batches) each.unshift(encodeTraceContext(traceContext));
    const keys = this.#sendKeys;
    let firsts: number[] = [];
    if (durable !== false) firsts = await this.#appendDurably(batches, durable);
    else {
      // The first call loads the script; the others are pipelined on the connection, which keeps their order.
      if (batches.length > 0) firsts.push((await this.#send.runBuffer(this.#redis, keys, batches[0] as (string | Buffer)[])) as number);
      firsts.push(...((await Promise.all(batches.slice(1).map((rest) => this.#send.runBuffer(this.#redis, keys, rest)))) as number[]));
    }
    const ids: string[] = [];
    for (let index = 0; index < batches.length; index++) {
      const first = firsts[index] as number;
      // Each batch starts with its trace context, then its bodies.
      for (let offset = 0; offset < (batches[index] as unknown[]).length - 1; offset++) ids.push(String(first + offset));
    }
    return ids;
  }

  /**
   * The send scripts and a `WAIT` after them on the connection of the list's
   * master. Through a failover (the master gone, the slot moved) the whole
   * send is tried again on the new master, for up to `durableRetries` tries: a
   * message may then be stored twice (at least once), never acknowledged unreplicated.
   */
  async #appendDurably(batches: readonly (string | Buffer)[][], durable: Exclude<DurableSend, false>): Promise<number[]> {
    for (let attempt = 1; ; attempt++) {
      const master = await masterConnection(this.#redis, this.#keys.list);
      const firsts: number[] = [];
      try {
        for (const batch of batches) firsts.push((await this.#send.runBuffer(master, this.#sendKeys, batch)) as number);
      } catch (error) {
        if (!isCluster(this.#redis) || attempt >= durableRetries || !isRedirectOrOutage(error)) throw error;
        this.#redis.refreshSlotsCache(); // the slot may have a new master: ask the cluster rather than wait for a redirection
        await sleep(durableRetryDelayMs);
        continue;
      }
      const confirmed = Number(await master.call('WAIT', durable.replicas, Math.ceil(durable.timeoutMs)));
      if (confirmed < durable.replicas) {
        throw new RedisReplicationError(
          confirmed,
          durable.replicas,
          durable.timeoutMs,
          batches.reduce((sum, batch) => sum + batch.length, 0),
        );
      }
      return firsts;
    }
  }

  /** Delivers up to `max` messages as one delivery (recovering lapsed deliveries and promoting due retries first). */
  async take(max: number, visibilityTimeout: number, maxReceiveCount: number): Promise<DeliveryBatch | undefined> {
    const reply = (await this.#get.runBuffer(this.#redis, this.#getKeys, [visibilityTimeout, max, maxReceiveCount, maxDeliveryBytes])) as (
      number | Buffer
    )[];
    if (reply.length === 0) return undefined;
    const [delivery, ids, receiveCounts, lengths, traces] = reply as [number, Buffer, Buffer, Buffer, Buffer];
    let bodies: EncodedBodies;
    if (lengths.length === 0) bodies = { each: reply.slice(5) as Buffer[] };
    else {
      const sizes = lengths.toString('latin1').split(',');
      const starts = new Array<number>(sizes.length + 1);
      let offset = 0;
      starts[0] = 0;
      for (let index = 0; index < sizes.length; index++) starts[index + 1] = offset += Number(sizes[index]);
      bodies = { blob: reply[5] as Buffer, starts };
    }
    return {
      delivery: String(delivery),
      ids: ids.toString('latin1').split(','),
      receiveCounts: receiveCounts.length === 0 ? undefined : receiveCounts.toString('latin1').split(',').map(Number),
      traceContexts: traces.length === 0 ? undefined : traces.toString('latin1').split('\n'),
      bodies,
    };
  }

  /** Acknowledges deliveries (one script call); stale receipts are ignored. */
  async acknowledge(receipts: readonly string[]): Promise<number> {
    const groups = positionMasks(receipts);
    if (groups.length === 0) return 0;
    return (await this.#cleanup.runBuffer(this.#redis, this.#cleanupKeys, groups)) as number;
  }

  /** Settles failed deliveries; `delays[i]` is the backoff of `failed[i]` in `'charged'` mode. */
  async settleFailed(
    mode: FailureMode,
    receipts: readonly string[],
    delays: readonly number[],
    maxReceiveCount: number,
    error: string,
  ): Promise<void> {
    // One group per delivery: the delivery, n, then n pairs of position and backoff delay.
    const args: (string | number)[] = [mode, maxReceiveCount, error];
    for (const [delivery, { positions, indexes }] of byDelivery(receipts)) {
      args.push(delivery, positions.length);
      for (let k = 0; k < positions.length; k++) args.push(positions[k] as number, delays[indexes[k] as number] ?? 0);
    }
    await this.#release.runBuffer(this.#redis, this.#releaseKeys, args);
  }

  /** Renews the visibility of the deliveries these receipts belong to (one script call); settled or lapsed ones are skipped. */
  async renew(receipts: readonly string[], visibilityTimeout: number): Promise<number> {
    const deliveries = new Set<string>();
    for (const receipt of receipts) {
      const end = receipt.indexOf(':');
      if (end > 0) deliveries.add(receipt.slice(0, end));
    }
    if (deliveries.size === 0) return 0;
    return (await this.#extend.runBuffer(this.#redis, [this.#keys.leased], [visibilityTimeout, ...deliveries])) as number;
  }

  /** The depth, in one round trip. */
  async depth(): Promise<ListDepth> {
    const replies = await this.#redis
      .pipeline()
      .llen(this.#keys.list)
      .zcard(this.#keys.delayed)
      .hget(this.#keys.meta, 'inflight')
      .llen(this.#keys.dead)
      .exec();
    const [ready, delayed, inFlight, deadLetters] = (replies ?? []).map(([error, value]) => {
      if (error !== null) throw error;
      return Number(value ?? 0);
    });
    return { ready: ready ?? 0, delayed: delayed ?? 0, inFlight: inFlight ?? 0, deadLetters: deadLetters ?? 0 };
  }

  /** The oldest `max` dead letters. */
  async deadLetters(max: number): Promise<RedisListDeadLetter[]> {
    return (await this.#redis.lrangeBuffer(this.#keys.dead, 0, max - 1)).map(parseDeadLetter);
  }

  /** Moves up to `max` dead letters, oldest first, back to the tail of the list in one atomic call; returns how many moved. */
  async redrive(max: number): Promise<number> {
    return (await this.#redrive.runBuffer(this.#redis, [this.#keys.dead, this.#keys.list, this.#keys.bodies], [max])) as number;
  }

  /** Deletes the list and every side key. */
  async clear(): Promise<void> {
    const keys = this.#keys;
    await this.#redis.unlink(keys.list, keys.bodies, keys.leased, keys.processing, keys.leases, keys.delayed, keys.meta, keys.dead);
  }
}

/**
 * Receipts (`<delivery>:<position>:<id>`) grouped by delivery, in first-seen order:
 * each one's position and its index in `receipts`. A string that is not a receipt of
 * this source (no decimal position) is left out: nothing to settle.
 */
function byDelivery(receipts: readonly string[]): Map<string, { positions: number[]; indexes: number[] }> {
  const groups = new Map<string, { positions: number[]; indexes: number[] }>();
  let delivery = '';
  let group: { positions: number[]; indexes: number[] } | undefined;
  for (let index = 0; index < receipts.length; index++) {
    const receipt = receipts[index] as string;
    const first = receipt.indexOf(':');
    const last = receipt.indexOf(':', first + 1);
    if (first <= 0 || last < 0) continue;
    const position = positionOf(receipt, first + 1, last);
    if (position < 0) continue;
    // Receipts of one delivery mostly come together: compare with the last one's before a lookup.
    if (group === undefined || first !== delivery.length || !receipt.startsWith(delivery)) {
      delivery = receipt.slice(0, first);
      group = groups.get(delivery);
      if (group === undefined) groups.set(delivery, (group = { positions: [], indexes: [] }));
    }
    group.positions.push(position);
    group.indexes.push(index);
  }
  return groups;
}

/** A trace context as the send script stores it: `<traceparent>` or `<traceparent>\t<tracestate>`; '' for none. */
export function encodeTraceContext(traceContext: TraceCarrier | undefined): string {
  const traceparent = traceContext?.traceparent;
  if (traceparent === undefined || traceparent === '' || /[\t\n]/.test(traceparent)) return '';
  const tracestate = traceContext?.tracestate;
  return tracestate === undefined || tracestate === '' || /[\t\n]/.test(tracestate) ? traceparent : `${traceparent}\t${tracestate}`;
}

/** The trace context the send script stored ('' for none). */
export function decodeTraceContext(stored: string | undefined): TraceCarrier | undefined {
  if (stored === undefined || stored === '') return undefined;
  const tab = stored.indexOf('\t');
  return tab < 0 ? { traceparent: stored } : { traceparent: stored.slice(0, tab), tracestate: stored.slice(tab + 1) };
}

/**
 * The cleanup script's arguments for `receipts` (`<delivery>:<position>:<id>`): per
 * delivery, in first-seen order, the delivery, how many positions, and the positions
 * as a bitmap (bit p of byte p >> 3, from the least significant): the script then
 * settles a delivery a byte at a time, with nothing to parse per message. A receipt
 * given twice counts once; one that is not a receipt of this source settles nothing.
 */
function positionMasks(receipts: readonly string[]): (string | number | Buffer)[] {
  const args: (string | number | Buffer)[] = [];
  for (const [delivery, { positions }] of byDelivery(receipts)) {
    let highest = 0;
    for (const position of positions) if (position > highest) highest = position;
    const mask = Buffer.alloc((highest >> 3) + 1);
    let count = 0;
    for (const position of positions) {
      const bit = 1 << (position & 7);
      const at = position >> 3;
      if (((mask[at] as number) & bit) === 0) {
        mask[at] = (mask[at] as number) | bit;
        count++;
      }
    }
    args.push(delivery, count, mask);
  }
  return args;
}

/** The decimal position in `receipt[start, end)`, or -1 when it is not one (a delivery holds at most 10,000). */
function positionOf(receipt: string, start: number, end: number): number {
  if (end <= start || end - start > 5) return -1;
  let position = 0;
  for (let index = start; index < end; index++) {
    const digit = receipt.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    position = position * 10 + digit;
  }
  return position;
}
