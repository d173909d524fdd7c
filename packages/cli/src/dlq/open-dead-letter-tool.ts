import type { SourceLocation } from '../source-url.js';
import type { DeadLetterTool } from './dead-letter-tool.js';

/** Opens the dead-letter tool for the kind of queue a source URL names (loading only that driver). */
export async function openDeadLetterTool(location: SourceLocation): Promise<DeadLetterTool> {
  switch (location.kind) {
    case 'sqs':
      return (await import('./sqs-dead-letters.js')).openSqsDeadLetters(location);
    case 'redis':
      return (await import('./redis-dead-letters.js')).openRedisDeadLetters(location);
    case 'file':
      return (await import('./file-dead-letters.js')).openFileDeadLetters(location);
    case 'postgres':
      return (await import('./postgres-dead-letters.js')).openPostgresDeadLetters(location);
    case 'rabbitmq':
      return (await import('./rabbitmq-dead-letters.js')).openRabbitMqDeadLetters(location);
    case 'nats':
      return (await import('./nats-dead-letters.js')).openNatsDeadLetters(location);
  }
}
