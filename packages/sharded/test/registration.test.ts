import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@conveyor/core';
import {
  RequestHandler,
  RequestHandlerNameConflictError,
  InvalidRequestError,
  InvalidRouteError,
  MemoryStorage,
  Queue,
  Route,
} from '@conveyor/sharded';

class Plain extends RequestHandler<unknown> {
  handle(): void {}
}

describe('registration', () => {
  it('routes to handler/thread/priority tubes; a route object works like a Route', async () => {
    class ByKey extends RequestHandler<{ key: string; urgent?: boolean }> {
      static override route(...requests: { key: string; urgent?: boolean }[]) {
        return requests.map((request) => ({ thread: request.key, priority: request.urgent === true ? 1 : 0 }));
      }
      handle(): void {}
    }
    const queue = new Queue(new MemoryStorage());
    await queue.register(ByKey, { key: 'a' }, { key: 'a', urgent: true }, { key: 'b' });
    expect(queue.tube(ByKey, new Route('a', 1))).toMatchObject({ handlerName: 'ByKey', thread: 'ByKey/a', tube: 'ByKey/a/1', rank: 1 });
    expect(await queue.length(ByKey, new Route('a', 1))).toBe(1);
    expect(await queue.length(ByKey, new Route('a'))).toBe(1);
    expect(await queue.length(ByKey, new Route('b'))).toBe(1);
  });

  it('rejects bad routes, undeclared priorities and unserializable requests', async () => {
    class Declared extends RequestHandler<number> {
      static override priorities = [2, 1];
      static override route(...requests: number[]) {
        return requests.map((priority) => new Route(0, priority));
      }
      handle(): void {}
    }
    class Short extends RequestHandler<number> {
      static override route() {
        return [new Route()];
      }
      handle(): void {}
    }
    const queue = new Queue(new MemoryStorage());
    await expect(queue.register(Declared, 3)).rejects.toThrow(InvalidRouteError);
    await expect(queue.register(Short, 1, 2)).rejects.toThrow(/one route per request/);
    await expect(queue.register(Plain, undefined)).rejects.toThrow(InvalidRequestError);
    expect(() => new Route('a/b')).toThrow(InvalidRouteError);
    expect(() => new Route(0, 1.5)).toThrow(InvalidRouteError);
    expect(queue.tube(Declared, new Route(0, 2)).rank).toBeGreaterThan(queue.tube(Declared, new Route(0, 1)).rank);
  });

  it('tells options from requests only for plain objects with option keys; registerMany never guesses', async () => {
    const storage = new MemoryStorage();
    const queue = new Queue(storage);
    expect(await queue.register(Plain, { defer: 'not an option here', other: 1 })).toBe(1);
    expect(await queue.register(Plain, { ifNotExists: true })).toBe(0); // read as options, with no request
    expect(await queue.registerMany(Plain, [{ ifNotExists: true }])).toBe(1);
    expect(await queue.length(Plain)).toBe(2);
    await expect(queue.register(Plain, 1, { defer: -1 })).rejects.toThrow(InvalidOptionError);
    await expect(queue.register(Plain, 1, { recurrent: 0 })).rejects.toThrow(/recurrent/);
    await expect(queue.registerMany(Plain, [1], { defer: 1, recurrent: 1 })).rejects.toThrow(/defer/);
    await expect(queue.registerMany(Plain, [1], { defer: { weeks: 1 } as never })).rejects.toThrow(/defer/);
    expect(await queue.register(Plain, 1, { defer: new Date(Date.now() + 60_000) })).toBe(1);
    expect(await storage.count('deferred')).toBe(1);
  });

  it('registers 100k requests in one call (no argument-count limit)', async () => {
    const queue = new Queue(new MemoryStorage());
    expect(
      await queue.registerMany(
        Plain,
        Array.from({ length: 100_000 }, (_, n) => n),
      ),
    ).toBe(100_000);
    expect(await queue.length(Plain)).toBe(100_000);
  });

  it('keeps one class per handler name', () => {
    const queue = new Queue(new MemoryStorage(), { requestHandlers: [Plain] });
    const Impostor = class extends RequestHandler<unknown> {
      static override handlerName = 'Plain';
      handle(): void {}
    };
    expect(() => queue.requestHandlers.add(Impostor)).toThrow(RequestHandlerNameConflictError);
    // The old option name is refused with the new one in the message.
    expect(() => new Queue(new MemoryStorage(), { handlers: [Plain] } as never)).toThrow(/renamed `requestHandlers`/);
    expect(queue.requestHandlers.get('Plain')).toBe(Plain);
    expect(() =>
      queue.requestHandlers.add(
        class extends RequestHandler<unknown> {
          static override handlerName = 'bad/name';
          handle(): void {}
        },
      ),
    ).toThrow(InvalidOptionError);
  });
});
