// The Redis store and the Redis allowlists against a real 3-master Redis Cluster (issue 14):
// the store contract and the allowlists' suite, with the keys of one deployment spread over
// the masters, so that a call reaches the node owning its slot after a MOVED answer. A
// multi-key write or script works only when its keys share a slot: the store's writes of one
// user carry a {hash tag}, the allowlists' keys the tag {allowlist}; a write across slots is
// refused whole.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { redisOptionsOf } from '../../src/store/index.js';
import { createRedisStore } from '../../src/store/redis.js';
import { type Store, StoreUnavailableError } from '../../src/store/store.js';
import { runRedisAllowlistSuite } from '../allowlist/redis-allowlist-suite.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { askRedis } from '../helpers/redis-server.js';
import { runStoreContract } from './contract.js';

/**
 * Room for a loaded machine (the contract's tests run at once, each with its own client): a
 * call's deadline and the contract's TTL are not what these tests are about (the outage tests
 * in redis.test.ts are).
 */
const CALL_TIMEOUT_MS = 10_000;
const CONTRACT_TTL_MS = 6_000;

let cluster: RedisCluster;
before(async () => {
  cluster = await startRedisCluster(3);
});
after(() => cluster?.stop());

/** A store on the cluster whose keys no other test shares. */
function clusterStore(prefix = `cluster:${randomUUID()}:`): Store {
  return createRedisStore(
    redisOptionsOf({ type: 'redis', ...cluster.settings, prefix, command_timeout: CALL_TIMEOUT_MS }),
  );
}

runStoreContract('redis cluster, 3 masters', async () => {
  const store = clusterStore();
  return { store, realTtlMs: CONTRACT_TTL_MS, cleanup: () => store.close() };
});

runRedisAllowlistSuite('redis cluster, 3 masters', () => cluster);

test("one deployment's keys are spread over every master, and each is read back from its node", async () => {
  const prefix = `spread:${randomUUID()}:`;
  const store = clusterStore(prefix);
  try {
    const names = Array.from({ length: 30 }, (_, i) => `session:${i}`);
    for (const name of names) await store.set(name, name);
    for (const name of names) assert.equal(await store.get(name), name);
    const perNode = await Promise.all(
      cluster.nodes.map(async (node) => ((await askRedis(node.port, 'KEYS', `${prefix}*`)) as string[]).length),
    );
    assert.ok(
      perNode.every((count) => count > 0),
      `every master holds some of the keys (${perNode.join(', ')})`,
    );
    assert.equal(
      perNode.reduce((sum, count) => sum + count, 0),
      names.length,
    );
  } finally {
    await store.close();
  }
});

test('a multi-key write across hash slots is refused whole, and writes nothing', async () => {
  const prefix = `slots:${randomUUID()}:`;
  const store = clusterStore(prefix);
  try {
    await assert.rejects(
      store.writeAll([
        { op: 'set', key: '{alice}:a', value: 'v' },
        { op: 'set', key: '{bob}:b', value: 'v' },
      ]),
      StoreUnavailableError,
    );
    assert.deepEqual(await cluster.keys(`${prefix}*`), []);
  } finally {
    await store.close();
  }
});
