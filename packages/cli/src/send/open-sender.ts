import type { SourceLocation } from '../source-url.js';
import type { Sender } from './sender.js';

/** Opens the sender for the kind of queue a source URL names (loading only that driver). */
export async function openSender(location: SourceLocation): Promise<Sender> {
  switch (location.kind) {
    case 'sqs':
      return (await import('./sqs-sender.js')).openSqsSender(location);
    case 'redis':
      return (await import('./redis-sender.js')).openRedisSender(location);
    case 'file':
      return (await import('./file-sender.js')).openFileSender(location);
    case 'rabbitmq':
      return (await import('./rabbitmq-sender.js')).openRabbitMqSender(location);
    case 'nats':
      return (await import('./nats-sender.js')).openNatsSender(location);
    case 'postgres':
      return (await import('./postgres-sender.js')).openPostgresSender(location);
  }
}
