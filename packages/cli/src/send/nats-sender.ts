import { jetstream } from '@nats-io/jetstream';
import { CliError } from '../cli-error.js';
import { connectNats, natsFailure } from '../nats-connection.js';
import type { NatsLocation } from '../nats-url.js';
import type { Sender } from './sender.js';

const encoder = new TextEncoder();

/** Publishes each line as one JetStream message on `?subject=`, up to a batch of acks awaited at once, in order of the lines. */
export async function openNatsSender(location: NatsLocation): Promise<Sender> {
  const connection = await connectNats(location);
  const js = jetstream(connection);
  return {
    batchSize: 256,
    async send(lines) {
      const acks = await Promise.allSettled(lines.map((line) => js.publish(location.subject, encoder.encode(line.text))));
      const index = acks.findIndex((ack) => ack.status === 'rejected');
      if (index === -1) return;
      const failure: unknown = (acks[index] as PromiseRejectedResult).reason;
      if (/no responders|no stream|jetstream is not enabled/i.test(String(failure))) {
        throw new CliError(
          'CLI_QUEUE_NOT_FOUND',
          `No JetStream stream captures ${location.subject}; give ?subject= a subject of stream ${location.stream}`,
        );
      }
      throw natsFailure(failure, location, `Publishing stdin line ${lines[index]?.lineNumber ?? '?'} to ${location.subject}`);
    },
    close: () => connection.close(),
  };
}
