/**
 * Options users bring from sqs-consumer and BullMQ, and what Conveyor calls
 * them: an unknown option that is one of these is rejected with this hint
 * (a bare name reads "did you mean `name`?"). See docs/migrating.md.
 */
export const consumerMigrationHints: Readonly<Record<string, string>> = Object.freeze({
  // sqs-consumer
  batchSize: 'bulkSize',
  handleMessage: 'handler',
  handleMessageBatch: 'did you mean `handler`? (to keep its all-or-nothing meaning, take the bulk with `bulk.all()`)',
  handleMessageTimeout: 'handlerTimeout',
  pollingWaitTimeMs: 'pollInterval',
  pollingCompleteWaitTimeMs: 'did you mean `shutdownTimeout`? (how long shutdown() waits for running bulks)',
  queueUrl: 'this is an option of the source: new SqsSource({ queueUrl })',
  sqs: 'this is an option of the source: new SqsSource({ client })',
  region: 'this is an option of the source: new SqsSource({ clientConfig: { region } })',
  waitTimeSeconds: 'this is an option of the source: new SqsSource({ waitTimeSeconds })',
  visibilityTimeout:
    'this is an option of the source: new SqsSource({ visibilityTimeoutSeconds }) (seconds) or visibilityTimeout (ms) on other sources',
  terminateVisibilityTimeout: 'not needed: failed messages go back through source.release() (SqsSource: retryDelaySeconds)',
  heartbeatInterval: 'this is an option of the source: new SqsSource({ heartbeatInterval }) (milliseconds)',
  attributeNames: 'not needed: SqsSource receives every system attribute (message.attributes)',
  messageAttributeNames: 'this is an option of the source: new SqsSource({ messageAttributeNames })',
  messageSystemAttributeNames: 'not needed: SqsSource receives every system attribute (message.attributes)',
  shouldDeleteMessages: 'not needed: consumed messages are always cleaned up, failed ones never',
  alwaysAcknowledge: 'not needed: consumed messages are always cleaned up, failed ones never',
  // BullMQ
  concurrency: 'maxHandlers',
  connection: 'this is an option of the source: new RedisListSource(redis, { key })',
  autorun: 'not needed: call start(), or supervise({ blocking: true }), which starts the consumer',
  lockDuration: 'this is an option of the source: its visibilityTimeout',
  maxStalledCount: 'this is an option of the source: its maxReceiveCount',
  attempts: 'this is an option of the source: its maxReceiveCount',
  backoff: 'this is an option of the source: its retryBackoff',
  removeOnComplete: 'not needed: consumed messages are removed; failed ones end in the source’s dead letters',
  removeOnFail: 'not needed: consumed messages are removed; failed ones end in the source’s dead letters',
  useWorkerThreads: "did you mean `handlerModule`? (handlers in a module run on the worker-thread pool; executor: 'threads')",
});
