// The poison-mix scenario of the message-integrity issue, shared by each source's run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, silentLogger } from '@conveyor/core';
import type { Source } from '@conveyor/core';

export const poisonKinds = ['exit', 'uncaught', 'throw', 'oom'] as const;
export type PoisonKind = (typeof poisonKinds)[number];

/** A body of the mix: good ones are `{ n }`; 17 poison ones carry their kind. */
export interface MixBody {
  readonly n: number;
  readonly poison?: PoisonKind;
}

/** 3,000 good messages and 17 poison ones (every kind), spread through the queue. */
export function poisonMix(good = 3_000, poison = 17): MixBody[] {
  const bodies: MixBody[] = Array.from({ length: good }, (_, n) => ({ n }));
  const step = Math.floor(good / poison);
  for (let index = 0; index < poison; index++) {
    bodies.splice(index * (step + 1) + Math.floor(step / 2), 0, {
      n: good + index,
      poison: poisonKinds[index % poisonKinds.length] as PoisonKind,
    });
  }
  return bodies;
}

/** What a run of the mix left behind. */
export interface MixOutcome {
  /** How often each good message was handled (by n). */
  readonly handled: Map<number, number>;
  readonly threadDeaths: number;
}

/**
 * Drains a source holding the mix with a Consumer on 2 pool threads, until
 * `done()` says every message was consumed or dead-lettered.
 */
export async function drainMix<M>(
  source: Source<M>,
  bulkSize: number,
  done: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<MixOutcome> {
  const folder = mkdtempSync(join(tmpdir(), 'conveyor-poison-'));
  const log = join(folder, 'handled.log');
  process.env.POISON_LOG = log;
  const consumer = new Consumer(source, {
    logger: silentLogger,
    handlerModule: new URL('../fixtures/poison-handler.js', import.meta.url),
    maxHandlers: 2,
    maxPollers: 2,
    bulkSize,
    poolResourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
  });
  let threadDeaths = 0;
  consumer.on('threadDied', () => threadDeaths++);
  try {
    await consumer.start();
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`the mix did not drain within ${timeoutMs} ms (bulkSize ${bulkSize})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await consumer.shutdown();
    const handled = new Map<number, number>();
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (line !== '') handled.set(Number(line), (handled.get(Number(line)) ?? 0) + 1);
    }
    return { handled, threadDeaths };
  } finally {
    await consumer.shutdown();
    delete process.env.POISON_LOG;
    rmSync(folder, { recursive: true, force: true });
  }
}
