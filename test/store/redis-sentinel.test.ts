// The Redis store and the Redis allowlists through a real Sentinel setup (issue 14): one
// master, one replica, three sentinels with a quorum of 2. The store contract and the
// allowlists' suite run through the sentinels; then the master is killed, and once the
// sentinels have promoted the replica the same store and the same allowlist watcher follow
// it: what was written before the switch (and reached the replica) is still there, writes
// work again, and an allowlist change made after the switch reaches the watcher.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import { redisOptionsOf } from '../../src/store/index.js';
import { createRedisStore } from '../../src/store/redis.js';
import { type Store, StoreUnavailableError } from '../../src/store/store.js';
import { admits, allowlistSettings, runRedisAllowlistSuite, watcherOn } from '../allowlist/redis-allowlist-suite.js';
import { type RedisSentinelSetup, startRedisSentinel } from '../helpers/redis-sentinel.js';
import { waitFor } from '../helpers/wait.js';
import { runStoreContract } from './contract.js';

/**
 * Room for a loaded machine (the contract's tests run at once, each with its own client): a
 * call's deadline and the contract's TTL are not what these tests are about (the outage tests
 * in redis.test.ts are).
 */
const CALL_TIMEOUT_MS = 10_000;
const CONTRACT_TTL_MS = 6_000;

let setup: RedisSentinelSetup;
before(async () => {
  setup = await startRedisSentinel();
});
after(() => setup?.stop());

function sentinelStore(prefix = `sentinel:${randomUUID()}:`): Store {
  return createRedisStore(
    redisOptionsOf({ type: 'redis', ...setup.settings, prefix, command_timeout: CALL_TIMEOUT_MS }),
  );
}

const succeeds = (call: () => Promise<unknown>) => () =>
  call().then(
    () => true,
    () => false,
  );

runStoreContract('redis through sentinel', async () => {
  const store = sentinelStore();
  // Asking a sentinel for the master comes first: 22 stores at once on a busy machine may take
  // longer than one call's deadline to connect.
  await waitFor(
    'the store to find the master',
    succeeds(() => store.ping()),
  );
  return { store, realTtlMs: CONTRACT_TTL_MS, cleanup: () => store.close() };
});

runRedisAllowlistSuite('redis through sentinel', () => setup);

test('a rediss:// URL with sentinels speaks TLS to the master: a master without TLS is never spoken to in clear', async () => {
  const store = createRedisStore(
    redisOptionsOf({
      type: 'redis',
      ...setup.settings,
      url: 'rediss://sentinel-managed',
      prefix: `tls:${randomUUID()}:`,
      command_timeout: 1000,
    }),
  );
  try {
    // The sentinels answer in clear; the master (plain here) cannot complete a TLS handshake.
    await assert.rejects(store.set('k', 'in clear?'), StoreUnavailableError);
    assert.deepEqual(await setup.keys('tls:*'), []);
  } finally {
    await store.close();
  }
});

// Last: it kills the master.
test('after the master dies, the store and the allowlist watcher follow the promoted replica', async () => {
  const store = sentinelStore();
  const lists = allowlistSettings(setup);
  const editor = createRedisAllowlistEditor(lists);
  const { watcher, log } = watcherOn(lists, 100);
  try {
    await store.set('session', 'before the switch');
    await editor.add({ kind: 'list', name: 'staff' }, { cidr: '192.0.2.0/24' });
    await waitFor('the list before the switch', () => admits(watcher, '192.0.2.1'));
    const before = await setup.masterPort();
    await setup.replicaCaughtUp();

    await setup.killMaster();
    assert.notEqual(await setup.masterPort(), before, 'the sentinels name another master');
    assert.equal(admits(watcher, '192.0.2.1'), true, 'the last good lists stay in force throughout');

    await waitFor(
      'the store to write to the new master',
      succeeds(() => store.set('after', 'the switch')),
      60_000,
    );
    assert.equal(await store.get('session'), 'before the switch', 'what reached the replica survives');
    assert.equal(await store.increment('counter', 60_000), 1, 'the scripts run on the new master');
    await waitFor(
      'the editor to write to the new master',
      succeeds(() => editor.add({ kind: 'list', name: 'staff' }, { cidr: '198.51.100.0/24' })),
      60_000,
    );
    await waitFor('the change made after the switch to reach the watcher', () => admits(watcher, '198.51.100.1'));
    assert.equal(admits(watcher, '192.0.2.1'), true, 'and the entry from before it is still there');
    assert.doesNotMatch(log.text(), /staff are refused until they load/);
  } finally {
    await Promise.all([store.close(), editor.close(), watcher.close()]);
  }
});
