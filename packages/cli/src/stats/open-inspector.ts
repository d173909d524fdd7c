import type { SourceLocation } from '../source-url.js';
import type { QueueInspector } from './queue-stats.js';

/** Opens the inspector for the kind of queue a source URL names (loading only that driver). */
export async function openInspector(location: SourceLocation): Promise<QueueInspector> {
  switch (location.kind) {
    case 'sqs':
      return (await import('./sqs-inspector.js')).openSqsInspector(location);
    case 'redis':
      return (await import('./redis-inspector.js')).openRedisInspector(location);
    case 'file':
      return (await import('./file-inspector.js')).openFileInspector(location);
    case 'rabbitmq':
      return (await import('./rabbitmq-inspector.js')).openRabbitMqInspector(location);
    case 'nats':
      return (await import('./nats-inspector.js')).openNatsInspector(location);
    case 'postgres':
      return (await import('./postgres-inspector.js')).openPostgresInspector(location);
  }
}
