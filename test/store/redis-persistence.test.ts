// At start with the Redis store the gateway reads Redis' persistence settings and warns loudly
// when neither AOF nor RDB snapshots are on (a restart would lose every enrollment), or when
// it cannot read them (issue 13).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { warnIfNotPersistent } from '../../src/create-services.js';
import { createLogger } from '../../src/ops/logger.js';
import { persistenceOf } from '../../src/store/redis-persistence.js';
import type { StoreSettings } from '../../src/store/settings.js';
import { memoryLog } from '../helpers/gateway.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(() => server?.stop());

const settings = (url: string) =>
  ({ type: 'redis', url, prefix: 'gateway:', command_timeout: 1_000 }) as unknown as StoreSettings;

/** The events warnIfNotPersistent logs for the Redis at `url`. */
async function warnings(url: string): Promise<string[]> {
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  await warnIfNotPersistent(settings(url), logger);
  // A stream destination is written synchronously: every line is there.
  return log
    .text()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { event: string; level: string }).event);
}

test('persistence read from CONFIG GET answers', () => {
  assert.deepEqual(persistenceOf(['appendonly', 'no', 'save', '']), { known: true, aof: false, rdb: false });
  assert.deepEqual(persistenceOf(['appendonly', 'yes', 'save', '']), { known: true, aof: true, rdb: false });
  assert.deepEqual(persistenceOf(['appendonly', 'no', 'save', '3600 1 300 100']), {
    known: true,
    aof: false,
    rdb: true,
  });
  assert.equal(persistenceOf([]).known, false);
});

test('a Redis without AOF or RDB is warned about; one with AOF is not', async () => {
  assert.deepEqual(await warnings(server.url), ['store.redis_not_persistent']);
  const raw = new Redis(server.url);
  try {
    await raw.config('SET', 'appendonly', 'yes');
    assert.deepEqual(await warnings(server.url), []);
    await raw.config('SET', 'appendonly', 'no');
    await raw.config('SET', 'save', '3600 1');
    assert.deepEqual(await warnings(server.url), []);
  } finally {
    await raw.config('SET', 'save', '');
    raw.disconnect();
  }
});

test('a Redis whose settings cannot be read is warned about too', async () => {
  assert.deepEqual(await warnings('redis://127.0.0.1:1/0'), ['store.redis_persistence_unknown']);
});
