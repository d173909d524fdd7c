// A plain JavaScript CommonJS program: require() of the installed packages, no TypeScript.
'use strict';
const { Consumer, MemorySource, silentLogger } = require('@conveyor/core');
const { RedisListSource } = require('@conveyor/redis');
const { Redis } = require('ioredis');

async function main() {
  const [url = 'redis://127.0.0.1:6379', key = 'conveyor:pack-install'] = process.argv.slice(2);
  const memorySource = new MemorySource();
  memorySource.sendMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const memory = [];
  const onThreads = new Consumer(memorySource, { handlerModule: `${__dirname}/plain-handler.cjs`, maxHandlers: 1, logger: silentLogger });
  onThreads.on('consumed', (messages) => memory.push(...messages.map((message) => message.body.n)));
  await onThreads.start();
  await memorySource.drained();
  await onThreads.shutdown();

  const client = new Redis(url);
  const listSource = new RedisListSource(client, { key, bodyFormat: 'json', waitTime: 50 });
  await listSource.send(...[1, 2, 3, 4].map((n) => JSON.stringify({ n })));
  const redis = [];
  const inline = new Consumer(listSource, {
    handler(bulk) {
      for (const message of bulk) redis.push(message.body.n);
    },
    logger: silentLogger,
  });
  await inline.start();
  const deadline = Date.now() + 20_000;
  while (redis.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await inline.shutdown();
  await listSource.clear();
  await client.quit();
  const names = [
    'cli',
    'core',
    'core/kit',
    'file',
    'nats',
    'opentelemetry',
    'postgres',
    'prometheus',
    'rabbitmq',
    'redis',
    'sharded',
    'sqs',
  ];
  const packages = names
    .filter((name) => Object.keys(require(`@conveyor/${name}`)).length > 0)
    .map((name) => name.replace('core/kit', 'kit'));
  console.log(JSON.stringify({ memory: memory.sort(), redis: redis.sort(), packages }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
