import { InlineExecutor } from '../threads/inline-executor.js';
import type { Executor } from '../threads/executor.js';
import { PollerThreadGroup } from '../threads/poller-thread-group.js';
import { PoolExecutor } from '../threads/pool-executor.js';
import { loadSourceModule } from '../sources/source-module.js';
import type { Source } from '../sources/source.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import type { SourcePlan } from './source-plan.js';
import { HandlerModuleError } from '../errors/handler-module-error.js';
import type { HandlerSpec, RecycleReason } from '../threads/pool-protocol.js';

/** What a started consumer runs on: its sources, its executor, and how to close them. */
export interface ConsumerParts<M> {
  /** The source poller `i` polls (with poller threads, each poller has its own). */
  readonly pollerSource: (poller: number) => Source<M>;
  /** Settles (cleans up, releases) every message, whichever poller received it. */
  readonly settleSource: Source<M>;
  /** The one source that answers for the whole queue (`inspect()`); undefined with poller threads. */
  readonly queueSource: Source<M> | undefined;
  readonly executor: Executor<M>;
  /** Closes the source(s); the executor is closed by the shutdown sequence. */
  closeSources(): Promise<void>;
}

/** What the parts report back to the consumer. */
export interface AssemblyHooks {
  readonly onThreadDied: (error: unknown) => void;
  readonly onThreadCreated: (threadId: number) => void;
  readonly onPoolError: (error: unknown) => void;
  readonly onStrayError: (error: unknown, threadId: number) => void;
  readonly onThreadRecycled: (threadId: number, reason: RecycleReason) => void;
}

/**
 * The one assembly step of `start()`, for every kind of source: builds the
 * source (as given, from its module once, or in each poller thread) and the
 * executor, and starts them. Rejects (having closed what it opened) when a
 * source module or the handler module cannot be used.
 */
export async function assemble<M>(
  plan: SourcePlan<M>,
  options: ResolvedConsumerOptions<M>,
  hooks: AssemblyHooks,
): Promise<ConsumerParts<M>> {
  let pollerThreads: PollerThreadGroup | undefined;
  let source: Source<M> | undefined;
  let executor: Executor<M> | undefined;
  try {
    if (plan.kind === 'object') source = plan.source;
    else if (options.pollerThreads) {
      pollerThreads = new PollerThreadGroup({ ...plan.module, pollers: options.maxPollers, bulkSize: options.bulkSize });
      await pollerThreads.start();
    } else source = await loadSourceModule<M>(plan.module);
    executor = createExecutor(plan, options, hooks, pollerThreads, source);
    await executor.start();
  } catch (error) {
    await executor?.destroy().catch(() => {});
    await pollerThreads?.close().catch(() => {});
    // A source the consumer built from a module is the consumer's to close; one given as an object is closed by shutdown().
    if (plan.kind === 'module') await source?.close?.();
    throw error;
  }
  if (pollerThreads !== undefined) {
    // Messages are refs (numbers) here: they stay in the poller thread that received them.
    const group = pollerThreads;
    return {
      pollerSource: (poller) => group.threads[poller] as unknown as Source<M>,
      settleSource: group as unknown as Source<M>,
      queueSource: undefined,
      executor,
      closeSources: () => group.close(),
    };
  }
  const only = source as Source<M>;
  return {
    pollerSource: () => only,
    settleSource: only,
    queueSource: only,
    executor,
    closeSources: async () => {
      await only.close?.();
    },
  };
}

function createExecutor<M>(
  plan: SourcePlan<M>,
  options: ResolvedConsumerOptions<M>,
  hooks: AssemblyHooks,
  pollerThreads: PollerThreadGroup | undefined,
  source: Source<M> | undefined,
): Executor<M> {
  if (options.executor === 'inline') {
    // A source built from its module here brings its own handler.
    const handler = options.handler ?? source?.handler?.bind(source);
    if (handler === undefined) {
      const built = plan.kind === 'module' ? plan.module.module : 'the source object';
      throw new HandlerModuleError(`The source built from ${built} has no handler method; give \`handler\` or \`handlerModule\``);
    }
    return new InlineExecutor(handler, options.maxHandlers, options.handlerTimeout);
  }
  const handler: HandlerSpec =
    options.handlerFrom === 'source' && plan.kind === 'module'
      ? { kind: 'source', ...plan.module }
      : { kind: 'module', module: (options.handlerModule as URL).href, export: options.handlerExport };
  return new PoolExecutor<M>({
    handler,
    plainJsonMessages: source?.plainJsonMessages === true,
    initializer: options.poolInitializer,
    threads: options.maxHandlers,
    minThreads: options.minHandlers,
    idleTimeout: options.threadIdleTimeout,
    maxBulksPerThread: options.maxBulksPerThread,
    maxThreadHeapMb: options.maxThreadHeapMb,
    onThreadRecycled: hooks.onThreadRecycled,
    resourceLimits: options.poolResourceLimits,
    transfer: options.transfer,
    handlerTimeout: options.handlerTimeout,
    onLateUncaught: hooks.onStrayError,
    onThreadDied: hooks.onThreadDied,
    onThreadCreated: hooks.onThreadCreated,
    onPoolError: hooks.onPoolError,
    pollerPayloads:
      pollerThreads === undefined
        ? undefined
        : {
            take: (first, count) => pollerThreads.takePayload(first as unknown as number, count),
            encode: (messages) => pollerThreads.encode(messages as unknown as number[]),
          },
  });
}
