/**
 * The options of sqs-consumer's `Consumer.create()` (and Conveyor's millisecond
 * names for what SQS counts in seconds) given to `new SqsSource()`: each is
 * rejected with what to write instead. A bare name reads "did you mean `name`?".
 * The consumer's own list is in `@conveyor/core` (`consumer/migration-hints.ts`);
 * see docs/migrating.md.
 */
export const sqsSourceMigrationHints: Readonly<Record<string, string>> = Object.freeze({
  batchSize: 'did you mean `maxMessages`? (most messages per get(); the consumer’s `bulkSize` sets how many a handler call gets)',
  visibilityTimeout: 'did you mean `visibilityTimeoutSeconds`? (SQS settings are in seconds, as in sqs-consumer)',
  waitTime: 'did you mean `waitTimeSeconds`? (SQS settings are in seconds)',
  sqs: 'client',
  region: 'give `clientConfig: { region }`',
  useQueueUrlAsEndpoint: 'this is a setting of the SQS client: give `clientConfig: { useQueueUrlAsEndpoint }`',
  handleMessage: 'this is the consumer’s `handler`: new Consumer(source, { handler(bulk) { for (const message of bulk) ... } })',
  handleMessageBatch: 'this is the consumer’s `handler`: new Consumer(source, { handler(bulk) { ... bulk.all() ... } }) (all or nothing)',
  handleMessageTimeout: 'this is the consumer’s `handlerTimeout` (milliseconds)',
  pollingWaitTimeMs: 'this is the consumer’s `pollInterval`',
  pollingCompleteWaitTimeMs: 'this is the consumer’s `shutdownTimeout`',
  authenticationErrorTimeout:
    'not needed: an error retrying cannot fix rejects get(), and the consumer’s supervisor revives the poller with back-off (`maxPollBackoff`)',
  terminateVisibilityTimeout: 'failed messages are released by `retryDelaySeconds` (seconds, or { baseSeconds, maxSeconds })',
  attributeNames: 'not needed: SqsSource receives every system attribute (`message.attributes`, `receiveCount`, `groupId`...)',
  messageSystemAttributeNames: 'not needed: SqsSource receives every system attribute (`message.attributes`, `receiveCount`, `groupId`...)',
  shouldDeleteMessages: 'not needed: consumed messages are always deleted, failed ones never',
  alwaysAcknowledge: 'not needed: consumed messages are always deleted, failed ones never',
  strictReturn: 'not needed: what the handler took from its bulk decides what is deleted, not what it returns',
  preReceiveMessageCallback: 'add a middleware to your own `client` (client.middlewareStack), or listen to the consumer’s `received` event',
  postReceiveMessageCallback:
    'add a middleware to your own `client` (client.middlewareStack), or listen to the consumer’s `received` event',
  extendedAWSErrors: 'not needed: an `SqsError` carries `awsCode`, `statusCode` and the AWS error as `cause`',
  suppressFifoWarning: 'not needed: FIFO queues are supported (a message is deleted only after the earlier ones of its group)',
});
