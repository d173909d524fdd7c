import type { Logger } from '../kit/logger.js';
import type { LeaseKeeperHooks } from '../pipeline/lease-keeper.js';
import type { OrderingKey } from '../pipeline/lane-queue.js';
import type { SettlerHooks } from '../pipeline/settler.js';
import type { SupervisorHooks } from '../pipeline/supervisor.js';
import type { AssemblyHooks } from './assemble.js';
import type { ConsumerEvents } from './consumer-events.js';
import type { ConsumerMetrics } from './consumer-metrics.js';

/** Emits one of the consumer's events. */
export type Emit<M> = <E extends keyof ConsumerEvents<M>>(event: E, ...args: ConsumerEvents<M>[E]) => void;

/** How the parts of a consumer report what happens to them: one place that logs, counts and emits. */
export interface ConsumerReports<M> {
  readonly assembly: AssemblyHooks;
  readonly settler: SettlerHooks<M>;
  readonly supervisor: Omit<SupervisorHooks, 'startPoller'>;
  readonly leases: Omit<LeaseKeeperHooks, 'held'>;
  readonly onHoldExpired: (key: OrderingKey, blockedBy: unknown) => void;
  /** The source object's own handler runs inline without the user asking: say once how to use every core. */
  readonly inlineSourceHandler: () => void;
}

export function consumerReports<M>(emit: Emit<M>, logger: Logger, metrics: () => ConsumerMetrics | undefined): ConsumerReports<M> {
  return {
    assembly: {
      onThreadDied: (error) => {
        logger.warn({ err: error }, 'pool thread died; its bulk goes back to the source');
        emit('threadDied', { error });
      },
      onThreadCreated: (threadId) => emit('threadRevived', { threadId }),
      onPoolError: (error) => logger.error({ err: error }, 'pool error'),
      onThreadRecycled: (threadId, reason) => {
        logger.info({ threadId, reason }, 'pool thread recycled');
        emit('threadRecycled', { threadId, reason });
      },
      onStrayError: (error, threadId) => {
        logger.warn({ err: error, threadId }, 'an uncaught error escaped work a handler left running after its bulk was settled');
        emit('strayError', { error, threadId });
      },
    },
    settler: {
      onCleanupError: (info) => {
        metrics()?.settleError('cleanup');
        emit('cleanupError', info);
      },
      onReleaseError: (info) => {
        metrics()?.settleError('release');
        emit('releaseError', info);
      },
    },
    supervisor: {
      onDied: (index, error) => {
        logger.warn({ err: error, poller: index }, 'poller died; the supervisor revives it');
        emit('pollerDied', { poller: index, error });
      },
      onRevived: (index, restarts) => {
        logger.info({ poller: index, restarts }, 'poller revived');
        emit('pollerRevived', { poller: index, restarts });
      },
    },
    leases: {
      onExtendError: (error, messages) => {
        logger.warn({ err: error, messages }, 'source.extend() failed; these leases may lapse and the messages be delivered again');
        emit('extendError', { error, messages });
      },
    },
    inlineSourceHandler: () =>
      logger.warn(
        {},
        "the source's handler runs inline on the main thread; to run it on every core, give the source as a module " +
          "(new Consumer({ module: new URL('./my-queue.js', import.meta.url), export: 'MyQueue', options })), or pass executor: 'inline' to keep it here",
      ),
    onHoldExpired: (key, blockedBy) => {
      logger.warn({ key, blockedBy }, 'a key waited orderingHoldTimeout for its failed message to come back; it moves on without it');
      emit('orderingHoldExpired', { key, messageId: blockedBy });
    },
  };
}
