import { EventEmitter } from 'node:events';

/** A map from event name to its listener's arguments. */
export type EventMap<T> = { [K in keyof T]: unknown[] };

/**
 * An EventEmitter whose events and arguments are typed. A listener that throws
 * never breaks the emitter's caller (a poller, a settle loop): its error is
 * re-emitted as 'listenerError' or handed to `onListenerError`.
 */
export class TypedEmitter<Events extends EventMap<Events>> {
  readonly #emitter = new EventEmitter();
  readonly #onListenerError: (error: unknown, event: string) => void;

  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
    this.#emitter.setMaxListeners(0);
  }

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** True when someone listens: lets hot paths skip building event payloads. */
  listens(event: keyof Events & string): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  /** Emits to every listener; a throwing listener is reported, the others still run. */
  protected emit<E extends keyof Events & string>(event: E, ...args: Events[E]): void {
    const listeners = this.#emitter.rawListeners(event);
    for (const listener of listeners) {
      try {
        // A `once` wrapper removes itself when called.
        (listener as (...args: unknown[]) => void).apply(this, args);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
