// @conveyor/core/kit — for source drivers: one backoff, one clock, one option-validation
// kit, the typed emitter and the delivered-message shape, so drivers never write their own.
export type { BackoffPolicy } from './kit/backoff.js';
export { backoffDelay } from './kit/backoff.js';
export type { Clock, ClockTimer } from './kit/clock.js';
export { systemClock } from './kit/clock.js';
export { ManualClock } from './kit/manual-clock.js';
export { sleep } from './kit/sleep.js';
export { TypedEmitter } from './kit/typed-emitter.js';
export type { EventMap } from './kit/typed-emitter.js';
export type { DeliveredMessage } from './kit/delivered-message.js';
export type { Logger } from './kit/logger.js';
export { silentLogger, consoleLogger } from './kit/logger.js';
export {
  optionsObject,
  positiveInteger,
  integerIn,
  limit,
  nonNegativeNumber,
  milliseconds,
  oneOf,
  booleanOption,
  nonEmptyString,
  objectWithMethods,
  loggerOption,
  clockOption,
  signalOption,
} from './kit/validation.js';
export { describeValue } from './errors/describe-value.js';
export { errorMessage } from './errors/conveyor-error.js';
export { handleBulk } from './bulk/handle-bulk.js';
export type { Settlement, FailedGroup } from './bulk/bulk-report.js';
export type { RetryOptions, ResolvedRetryOptions, BackoffOptions } from './kit/retry-options.js';
export { resolveRetryOptions, retryDefaults, backoffOption } from './kit/retry-options.js';
export { isUncharged, isPoison } from './kit/release-reason.js';
export { checkNodeVersion, supportsNode, minimumNode } from './kit/node-version.js';
export { moduleExports } from './kit/module-exports.js';
export { BackgroundWork } from './kit/background-work.js';
export { FailureStreak } from './kit/failure-streak.js';
export { FaultBackoff } from './kit/fault-backoff.js';
export type { FaultBackoffOptions } from './kit/fault-backoff.js';
export { Wakeup } from './kit/wakeup.js';
export {
  traceHeaderNames,
  readTraceHeaders,
  headerText,
  traceHeaders,
  traceContextOption,
  traceContextToText,
  traceContextFromText,
} from './kit/trace-headers.js';
export type { TraceCarrier } from './sources/trace-carrier.js';
