import { describe, expect, it } from 'vitest';
import { Consumer, MemorySource } from '@conveyor/core';
import type { MemoryMessage } from '@conveyor/core';
import { moduleExports } from '@conveyor/core/kit';
import { fixture, quiet, until } from './helpers.js';

// A CommonJS TypeScript project compiles `export default` to `exports.default` with
// `exports.__esModule`; import() hands such a module over as { default: module.exports }.
describe('modules of a CommonJS TypeScript project', () => {
  it('a handler module and a pool initializer: what they wrote as `export default` runs', async () => {
    const source = new MemorySource<{ n: number }>();
    source.sendMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const consumer = new Consumer(source, {
      ...quiet,
      handlerModule: fixture('commonjs-handler.cjs'),
      poolInitializer: fixture('commonjs-initializer.cjs'),
      maxHandlers: 1,
    });
    const consumed: number[] = [];
    const failed: unknown[] = [];
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body.n)));
    consumer.on('failed', (_messages, error) => failed.push(error));
    await consumer.start();
    await source.drained();
    await consumer.shutdown();
    expect(failed).toEqual([]);
    expect(consumed.sort()).toEqual([1, 2, 3]);
  });

  it('a source module whose `export default` is a class', async () => {
    const consumer = new Consumer<MemoryMessage<{ n: number }>>(
      { module: fixture('commonjs-source-module.cjs'), options: { count: 5 } },
      { ...quiet, maxHandlers: 1 },
    );
    const consumed: number[] = [];
    consumer.on('consumed', (messages) => consumed.push(...messages.map((message) => message.body.n)));
    await consumer.start();
    await until(() => consumed.length === 5);
    await consumer.shutdown();
    expect(consumed.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('moduleExports() unwraps only a module marked __esModule', () => {
    const handler = (): void => {};
    const commonJs = { __esModule: true, default: { default: handler } };
    expect(moduleExports(commonJs)).toEqual({ default: handler });
    const esModule = { default: handler, named: 1 };
    expect(moduleExports(esModule)).toBe(esModule);
    const plainCommonJs = { default: handler, 'module.exports': handler }; // module.exports = function
    expect(moduleExports(plainCommonJs)).toBe(plainCommonJs);
  });
});
