// The Redis editor and reader of the allowlists against a real standalone redis-server: the
// shared suite (redis-allowlist-suite.ts; test/store/redis-cluster.test.ts and
// redis-sentinel.test.ts run it against a 3-master Cluster and a Sentinel setup), and a call
// while Redis is away failing fast with StoreUnavailableError.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import type { RedisStoreSettings } from '../../src/store/index.js';
import { StoreUnavailableError } from '../../src/store/store.js';
import { type RedisServer, standalone, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { runRedisAllowlistSuite } from './redis-allowlist-suite.js';

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(() => server?.stop());

runRedisAllowlistSuite('standalone', () => standalone(server));

const staff = { kind: 'list', name: 'staff' } as const;

test('while Redis is away, calls fail fast with StoreUnavailableError; they work once it is back', async () => {
  const redis = await startRedisServer();
  const editor = createRedisAllowlistEditor({
    type: 'redis',
    url: redis.url,
    prefix: 'away:',
    command_timeout: 300,
  } as RedisStoreSettings);
  try {
    // The 300 ms deadline is for the calls made while Redis is paused; on a loaded machine a
    // first call can miss it with Redis up, so the set-up write is retried until it lands.
    await waitFor('the first write', () =>
      editor.add(staff, { cidr: '10.0.0.0/8' }).then(
        () => true,
        () => false,
      ),
    );
    redis.pause();
    await assert.rejects(editor.read(), StoreUnavailableError);
    await assert.rejects(editor.add(staff, { cidr: '10.0.0.1' }), StoreUnavailableError);
    redis.resume();
    await waitFor('Redis to answer again', async () => {
      try {
        await editor.read();
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    redis.resume();
    await editor.close();
    await redis.stop();
  }
});
