import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connectNats, natsFailure } from '../nats-connection.js';
import type { NatsLocation } from '../nats-url.js';
import type { QueueInspector, QueueStats } from './queue-stats.js';

/**
 * Reads a JetStream stream (messages stored) and, when the URL names one, its
 * durable consumer (`num_pending` waiting, `num_ack_pending` in flight,
 * redelivered) and the dead-letter subject's count. Read-only: info requests only.
 */
export async function openNatsInspector(location: NatsLocation): Promise<QueueInspector> {
  const connection = await connectNats(location);
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(connection);
  } catch (error) {
    await connection.close();
    throw natsFailure(error, location);
  }
  return {
    async read(): Promise<QueueStats> {
      try {
        const stream = await jsm.streams.info(location.stream);
        const details: Record<string, number | string> = {
          stored: stream.state.messages,
          subjects: stream.config.subjects?.join(' ') ?? '',
        };
        let waiting = stream.state.messages;
        let inFlight: number | undefined;
        if (location.consumer !== undefined) {
          const consumer = await jsm.consumers.info(location.stream, location.consumer);
          waiting = consumer.num_pending;
          inFlight = consumer.num_ack_pending;
          details.redelivered = consumer.num_redelivered;
          details.ackWaitMs = Math.round((consumer.config.ack_wait ?? 0) / 1e6);
        }
        return {
          source: location.display,
          kind: 'nats',
          waiting,
          inFlight,
          deadLetters: await deadLetters(jsm, location),
          oldestAgeMs: oldestAge(stream.config.retention, stream.state, location.consumer !== undefined),
          details,
        };
      } catch (error) {
        throw natsFailure(error, location, `JetStream stream ${location.stream}`);
      }
    },
    close: () => connection.close(),
  };
}

/**
 * The age of the stream's first message, when that is the oldest one waiting:
 * a work-queue stream deletes what its consumer acknowledged, and without a
 * consumer the stream's messages are what is counted. (A limits stream read by
 * a consumer keeps consumed messages: its first one says nothing of the backlog.)
 */
function oldestAge(retention: string, state: { messages: number; first_ts: string }, withConsumer: boolean): number | undefined {
  if (state.messages === 0 || (withConsumer && retention !== 'workqueue')) return undefined;
  const first = Date.parse(state.first_ts);
  return Number.isFinite(first) ? Math.max(0, Date.now() - first) : undefined;
}

async function deadLetters(jsm: JetStreamManager, location: NatsLocation): Promise<number | undefined> {
  const subject = location.deadLetterSubject;
  if (subject === undefined) return undefined;
  let stream: string;
  try {
    stream = await jsm.streams.find(subject);
  } catch {
    return undefined; // no dead-letter stream (yet)
  }
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}
