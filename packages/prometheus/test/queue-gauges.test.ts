import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource, silentLogger } from '@conveyor/core';
import type { ConsumerStats, SourceDepth } from '@conveyor/core';
import { ManualClock } from '@conveyor/core/kit';
import { PrometheusMetrics } from '@conveyor/prometheus';

function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics queue gauges and counters', () => {
  it("scrapes the source's depth and the age of its oldest message (read at scrape time, on the source's clock)", async () => {
    const clock = new ManualClock();
    const source = new MemorySource<number>({ clock, waitTime: 0 });
    source.sendMany([1, 2, 3]);
    await clock.advance(30_000);
    source.sendMany([4, 5]);
    const metrics = new PrometheusMetrics({ labels: { consumer: 'jobs' } });
    const consumer = new Consumer(source, { handler: () => {}, metrics, logger: silentLogger, clock });
    metrics.watch(consumer);
    let text = await metrics.registry.metrics();
    expect(valueOf(text, 'conveyor_queue_waiting_messages{consumer="jobs"}')).toBe(5);
    expect(valueOf(text, 'conveyor_queue_in_flight_messages{consumer="jobs"}')).toBe(0);
    expect(valueOf(text, 'conveyor_queue_dead_letter_messages{consumer="jobs"}')).toBe(0);
    expect(valueOf(text, 'conveyor_queue_oldest_message_age_seconds{consumer="jobs"}')).toBe(30);
    // The oldest ones delivered: the age is that of the oldest still waiting.
    const delivered = await source.get(new AbortController().signal, { maxMessages: 3 });
    await clock.advance(5_000);
    text = await metrics.registry.metrics();
    expect(valueOf(text, 'conveyor_queue_waiting_messages{consumer="jobs"}')).toBe(2);
    expect(valueOf(text, 'conveyor_queue_in_flight_messages{consumer="jobs"}')).toBe(3);
    expect(valueOf(text, 'conveyor_queue_oldest_message_age_seconds{consumer="jobs"}')).toBe(5);
    source.cleanup(delivered);
  });

  it('reads the depth once per scrape, and leaves the gauges out when the source fails or cannot tell', async () => {
    let reads = 0;
    let failing = false;
    const depth: SourceDepth = { waiting: 4 };
    const watched = {
      stats: stats(0),
      inspectSource: async (): Promise<SourceDepth | undefined> => {
        reads++;
        if (failing) throw new Error('broker down');
        return depth;
      },
    };
    const metrics = new PrometheusMetrics();
    metrics.watch(watched);
    let text = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(valueOf(text, 'conveyor_queue_waiting_messages')).toBe(4);
    // What the source does not tell has no series (not a zero that would look true).
    expect(valueOf(text, 'conveyor_queue_dead_letter_messages')).toBeUndefined();
    expect(valueOf(text, 'conveyor_queue_oldest_message_age_seconds')).toBeUndefined();
    failing = true;
    text = await metrics.registry.metrics();
    expect(reads).toBe(2);
    expect(valueOf(text, 'conveyor_queue_waiting_messages')).toBeUndefined();
    expect(valueOf(text, 'conveyor_pollers_alive')).toBe(1); // the rest of the scrape is served

    const quiet = new PrometheusMetrics({ queueGauges: false });
    quiet.watch({ ...watched, stats: stats(0) });
    const before = reads;
    expect(await quiet.registry.metrics()).not.toContain('queue_waiting_messages');
    expect(reads).toBe(before);
  });

  it('exposes poller restarts as a counter named _total that follows the consumer', async () => {
    const watched = { stats: stats(0) };
    const metrics = new PrometheusMetrics();
    metrics.watch(watched);
    let text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE conveyor_poller_restarts_total counter');
    expect(valueOf(text, 'conveyor_poller_restarts_total')).toBe(0);
    expect(text).not.toMatch(/^conveyor_poller_restarts /m);
    watched.stats = stats(3);
    text = await metrics.registry.metrics();
    expect(valueOf(text, 'conveyor_poller_restarts_total')).toBe(3);
    text = await metrics.registry.metrics();
    expect(valueOf(text, 'conveyor_poller_restarts_total')).toBe(3);
  });
});

/** A stats snapshot with `restarts` poller restarts. */
function stats(restarts: number): ConsumerStats {
  return {
    state: 'running',
    paused: false,
    inFlight: 0,
    inFlightLimit: 1024,
    pendingBulks: 0,
    pollersAlive: 1,
    pollerRestarts: restarts,
    poolThreads: 0,
    received: 0,
    consumed: 0,
    failed: 0,
  };
}
