export { RabbitMqSource } from './rabbitmq-source.js';
export type {
  RabbitMqSourceOptions,
  ResolvedRabbitMqSourceOptions,
  QueueType,
  BodyFormat,
  OrderingKeyOption,
} from './rabbitmq-source-options.js';
export { rabbitMqSourceDefaults } from './rabbitmq-source-options.js';
export type { RabbitMqMessage, RabbitMqReceipt, RabbitMqProperties } from './rabbitmq-message.js';
export type { RabbitMqSourceEvents, SettledMessage } from './rabbitmq-source-events.js';
export { conveyorHeaders } from './conveyor-headers.js';
export type { DeadLetterReason } from './conveyor-headers.js';
export { delayQueueName } from './topology.js';
export { RabbitMqError } from './errors/rabbitmq-error.js';
export type { RabbitMqErrorCode } from './errors/rabbitmq-error.js';
export { RabbitMqDeclarationError } from './errors/rabbitmq-declaration-error.js';
export type { DeclarationDifference } from './errors/rabbitmq-declaration-error.js';
export { RabbitMqBodyError } from './errors/rabbitmq-body-error.js';
export { RabbitMqSender } from './rabbitmq-sender.js';
export type { SendOptions } from './rabbitmq-sender.js';
export type { RabbitMqSenderOptions, ResolvedRabbitMqSenderOptions } from './rabbitmq-sender-options.js';
export { RabbitMqDeadLetterQueue } from './rabbitmq-dead-letter-queue.js';
export type { RabbitMqDeadLetterQueueOptions, RabbitMqDeadLetter } from './rabbitmq-dead-letter-queue.js';
