import type { Settlement } from '../bulk/bulk-report.js';
import type { BackoffPolicy } from '../kit/backoff.js';
import { backoffDelay } from '../kit/backoff.js';
import type { Logger } from '../kit/logger.js';
import { sleep } from '../kit/sleep.js';
import type { Source } from '../sources/source.js';

export interface SettlerHooks<M> {
  readonly onCleanupError: (info: { error: unknown; messages: readonly M[]; attempt: number; willRetry: boolean }) => void;
  readonly onReleaseError: (info: { error: unknown; messages: readonly M[]; attempt: number; willRetry: boolean }) => void;
}

const retryBackoff: BackoffPolicy = { baseMs: 100, capMs: 5_000 };

/**
 * Hands consumed messages to `source.cleanup` and failed ones to `source.release`,
 * retrying a throwing call with backoff: a flaky broker never kills the consumer,
 * and a message whose cleanup is given up is merely delivered again later.
 */
export class Settler<M> {
  readonly #source: Source<M>;
  readonly #attempts: number;
  readonly #hooks: SettlerHooks<M>;
  readonly #logger: Logger;

  constructor(source: Source<M>, attempts: number, hooks: SettlerHooks<M>, logger: Logger) {
    this.#source = source;
    this.#attempts = attempts;
    this.#hooks = hooks;
    this.#logger = logger;
  }

  /** Hands the settlement to the source; resolves with the messages the source says it dead-lettered. */
  async settle(settlement: Settlement<M>): Promise<readonly M[]> {
    const deadLettered: M[] = [];
    const calls: Promise<void>[] = [];
    if (settlement.consumed.length > 0 && this.#source.cleanup !== undefined) {
      calls.push(this.#withRetries('cleanup', settlement.consumed, undefined));
    }
    if (this.#source.release !== undefined) {
      for (const group of settlement.failed) calls.push(this.#withRetries('release', group.messages, group.error, deadLettered));
    }
    if (calls.length === 1) await calls[0];
    else if (calls.length > 1) await Promise.all(calls);
    return deadLettered;
  }

  /** Tells the source to let go of messages it will deliver again (`Source.forget`); a throw is only logged. */
  #forget(messages: M[]): void {
    try {
      this.#source.forget?.(messages);
    } catch (error) {
      this.#logger.error({ err: error, messages: messages.length }, 'source.forget() threw');
    }
  }

  async #withRetries(kind: 'cleanup' | 'release', messages: M[], reason: unknown, deadLettered?: M[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (kind === 'cleanup') await this.#source.cleanup?.(messages);
        else {
          const report = await this.#source.release?.(messages, reason);
          const reported: readonly M[] | undefined = report?.deadLettered;
          if (Array.isArray(reported)) for (const message of reported as readonly M[]) deadLettered?.push(message);
        }
        return;
      } catch (error) {
        const willRetry = attempt < this.#attempts;
        const info = { error, messages, attempt, willRetry };
        if (kind === 'cleanup') this.#hooks.onCleanupError(info);
        else this.#hooks.onReleaseError(info);
        if (!willRetry) {
          this.#logger.error(
            { err: error, messages: messages.length, attempts: attempt },
            `source.${kind}() kept failing; the source will deliver these messages again`,
          );
          this.#forget(messages);
          return;
        }
        this.#logger.warn({ err: error, messages: messages.length, attempt }, `source.${kind}() failed; retrying`);
        await sleep(backoffDelay(attempt, retryBackoff));
      }
    }
  }
}
