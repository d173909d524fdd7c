// Notifications sharded by user: the notifications of one user are sent in order (urgent
// ones first), different users in parallel, by workers that may live in many processes.
import { RequestHandler, MemoryLock, MemoryStorage, Queue, Route, Worker } from '@conveyor/sharded';
import type { Lock, Storage } from '@conveyor/sharded';

export interface Notification {
  readonly userId: number;
  readonly text: string;
  readonly urgent?: boolean;
}

/** Where sent notifications go: stands for a mail or push gateway. */
export type Outbox = (userId: number, texts: string[]) => Promise<void> | void;

let outbox: Outbox = () => {};

export class NotifyHandler extends RequestHandler<Notification> {
  // Urgent first, then normal.
  static override priorities = [1, 0];
  readonly #send: Outbox;

  constructor(send: Outbox) {
    super();
    this.#send = send;
  }

  static override route(...requests: Notification[]): Route[] {
    return requests.map((request) => new Route(request.userId % 4, request.urgent === true ? 1 : 0));
  }

  // The factory injects dependencies; the worker calls it once per thread it binds.
  static override create(): NotifyHandler {
    return new NotifyHandler(outbox);
  }

  async handle(...requests: Notification[]): Promise<void> {
    // One gateway call per user and batch instead of one per notification.
    const byUser = new Map<number, string[]>();
    for (const request of requests) byUser.set(request.userId, [...(byUser.get(request.userId) ?? []), request.text]);
    for (const [userId, texts] of byUser) await this.#send(userId, texts);
  }
}

export interface ExampleOptions {
  readonly storage?: Storage<unknown>;
  readonly lock?: Lock;
  readonly users?: number;
  readonly perUser?: number;
  readonly send?: Outbox;
}

/** Registers notifications (and a deferred reminder per user), runs 4 workers until all are sent. */
export async function runNotifications(options: ExampleOptions = {}): Promise<number> {
  const users = options.users ?? 8;
  const perUser = options.perUser ?? 5;
  outbox = options.send ?? ((userId, texts) => console.log(`user ${userId}: ${texts.join(' | ')}`));
  const queue = new Queue(options.storage ?? new MemoryStorage());
  const lock = options.lock ?? new MemoryLock();

  const notifications: Notification[] = [];
  for (let index = 0; index < perUser; index++) {
    for (let userId = 0; userId < users; userId++) notifications.push({ userId, text: `update #${index}` });
  }
  await queue.registerMany(NotifyHandler, notifications);
  await queue.registerMany(
    NotifyHandler,
    Array.from({ length: users }, (_, userId) => ({ userId, text: 'security alert', urgent: true })),
  );
  await queue.registerMany(
    NotifyHandler,
    Array.from({ length: users }, (_, userId) => ({ userId, text: 'reminder' })),
    { defer: { milliseconds: 200 } },
  );

  const total = users * (perUser + 2);
  const workers = Array.from(
    { length: 4 },
    () => new Worker(lock, queue, { batchSize: 16, emptyPause: 10, emptyLimit: 2, acquireDelay: 50 }),
  );
  const shares = workers.map((_, index) => Math.floor(total / 4) + (index < total % 4 ? 1 : 0));
  const sent = await Promise.all(workers.map((worker, index) => worker.loop(shares[index])));
  return sent.reduce((sum, count) => sum + count, 0);
}
