// The Redis store against a real redis-server: the contract (standalone and a one-node
// Cluster), plus what only Redis has: the key prefix, several gateway processes sharing one
// Redis, Sentinel, and failing fast (never hanging) while Redis is away or frozen, then
// working again once it is back.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisStore, type RedisStoreOptions } from '../../src/store/redis.js';
import { type Store, StoreUnavailableError } from '../../src/store/store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { runStoreContract } from './contract.js';

/** The timeout of the outage tests: short, so that the suite stays fast. */
const COMMAND_TIMEOUT_MS = 300;
/**
 * How late a call may settle after its timeout and still not "hang". A stopped or frozen Redis
 * never answers, so any finite bound tells a timeout from a hang; this one is wide enough that a
 * machine at load 20 does not miss it.
 */
const SLACK_MS = 30_000;

let server: RedisServer;
// A new cluster takes 2 s to accept writes: it starts now and is awaited by its own suite only.
let cluster: Promise<RedisServer>;
before(async () => {
  cluster = startRedisServer({ cluster: true });
  // Its failure is reported by the suite that awaits it.
  cluster.catch(() => {});
  server = await startRedisServer();
});
after(async () => {
  await Promise.all([
    server?.stop(),
    cluster?.then(
      (started) => started.stop(),
      () => {},
    ),
  ]);
});

/** A store on `url` whose keys no other test shares. */
function storeOn(options: Partial<RedisStoreOptions> & { url: string }): Store {
  return createRedisStore({ prefix: `test:${randomUUID()}:`, ...options });
}

runStoreContract('redis', async () => {
  // The suite's 22 clients at once on a loaded machine: the deadline is tested below, not here.
  const store = storeOn({ url: server.url, commandTimeoutMs: 10_000 });
  return { store, cleanup: () => store.close() };
});

runStoreContract('redis cluster', async () => {
  const { url } = await cluster;
  // A Cluster client reads the slot map before its first call: the suite's 22 clients at once on
  // a loaded machine take longer than the default deadline (the deadline is tested below).
  const store = storeOn({ url, cluster: { nodes: [url] }, commandTimeoutMs: 10_000 });
  return { store, realTtlMs: 3_000, cleanup: () => store.close() };
});

describe('redis store', () => {
  test('every key carries the prefix', async () => {
    const prefix = `prefixed:${randomUUID()}:`;
    const store = createRedisStore({ url: server.url, prefix });
    const raw = new Redis(server.url);
    try {
      await store.set('value', 'v');
      await store.setIfAbsent('once', 'v');
      await store.increment('counter', 60_000);
      await store.setIfGreater('step', 7, 60_000);
      await store.addToSet('set', 'm', 60_000);
      assert.deepEqual((await raw.keys(`${prefix}*`)).sort(), [
        `${prefix}counter`,
        `${prefix}once`,
        `${prefix}set`,
        `${prefix}step`,
        `${prefix}value`,
      ]);
      assert.equal(await raw.exists('value', 'once', 'counter', 'step', 'set'), 0, 'nothing outside the prefix');
      assert.equal(await raw.get(`${prefix}value`), 'v');
      assert.deepEqual(await raw.smembers(`${prefix}set`), ['m']);
      const ttl = await raw.pttl(`${prefix}counter`);
      assert.ok(ttl > 0 && ttl <= 60_000, `the counter's window is set (pttl ${ttl})`);
    } finally {
      await store.close();
      raw.disconnect();
    }
  });

  test('two stores on one Redis (two gateway processes) see each other and race fairly', async () => {
    const prefix = `shared:${randomUUID()}:`;
    const a = createRedisStore({ url: server.url, prefix });
    const b = createRedisStore({ url: server.url, prefix });
    try {
      await a.set('session', 'from a');
      assert.equal(await b.get('session'), 'from a');
      await b.addToSet('codes', 'c1');
      assert.equal(await a.removeFromSet('codes', 'c1'), true);
      assert.equal(await b.removeFromSet('codes', 'c1'), false);
      const both = <T>(call: (store: Store) => Promise<T>) =>
        Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 ? a : b)));
      assert.equal((await both((store) => store.setIfAbsent('lock', 'x'))).filter(Boolean).length, 1);
      assert.equal((await both((store) => store.setIfGreater('totp-step', 1000))).filter(Boolean).length, 1);
      const counts = await both((store) => store.increment('failures', 60_000));
      assert.deepEqual(
        counts.sort((x, y) => x - y),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('through Sentinel the store finds and uses the master', async () => {
    const sentinel = await startRedisServer({ sentinelOf: { name: 'gateway-master', port: server.port } });
    const prefix = `sentinel:${randomUUID()}:`;
    const store = createRedisStore({
      url: 'redis://ignored-with-sentinels',
      prefix,
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      sentinelName: 'gateway-master',
    });
    const raw = new Redis(server.url);
    try {
      await store.set('k', 'through sentinel');
      assert.equal(await raw.get(`${prefix}k`), 'through sentinel');
      assert.equal(await store.increment('c', 60_000), 1);
    } finally {
      await store.close();
      raw.disconnect();
      await sentinel.stop();
    }
  });
});

describe('redis store while Redis is away', () => {
  let outage: RedisServer;
  before(async () => {
    outage = await startRedisServer();
  });
  after(() => outage?.stop());

  /** Every call of the contract, each timed: all must reject with StoreUnavailableError, none may hang. */
  async function assertEveryCallFailsFast(store: Store): Promise<void> {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get('k')],
      ['set', () => store.set('k', 'v', 60_000)],
      ['setIfAbsent', () => store.setIfAbsent('k', 'v')],
      ['delete', () => store.delete('k')],
      ['increment', () => store.increment('c', 60_000)],
      ['setIfGreater', () => store.setIfGreater('n', 1)],
      ['addToSet', () => store.addToSet('s', 'm')],
      ['removeFromSet', () => store.removeFromSet('s', 'm')],
      ['members', () => store.members('s')],
      ['addOrdered', () => store.addOrdered('o', 'm', 1)],
      ['lowestOrdered', () => store.lowestOrdered('o', { keep: 1 })],
      ['ping', () => store.ping()],
    ];
    await Promise.all(
      calls.map(async ([name, call]) => {
        const started = Date.now();
        await assert.rejects(call(), StoreUnavailableError, `${name} rejects with StoreUnavailableError`);
        const took = Date.now() - started;
        assert.ok(took < COMMAND_TIMEOUT_MS + SLACK_MS, `${name} settled in ${took} ms`);
      }),
    );
  }

  const answers = (store: Store) => () =>
    store.ping().then(
      () => true,
      () => false,
    );

  test('stopped: every call rejects quickly; restarted: calls work again', async () => {
    const store = storeOn({ url: outage.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      await store.set('before', 'v');
      await outage.stop();
      await assertEveryCallFailsFast(store);
      // A store created while Redis is down fails the same way, and recovers the same way.
      const late = storeOn({ url: outage.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
      await assertEveryCallFailsFast(late);
      await outage.restart();
      await waitFor('the store to reconnect', answers(store));
      await waitFor('the late store to connect', answers(late));
      for (const each of [store, late]) {
        assert.equal(await each.get('k'), undefined, 'a call that failed is not replayed after the reconnect');
        assert.deepEqual(await each.members('s'), []);
        await each.set('after', 'v');
        assert.equal(await each.get('after'), 'v');
        assert.equal(await each.increment('c', 60_000), 1, 'the scripts run on the new server');
      }
      await late.close();
    } finally {
      await store.close();
    }
  });

  test('frozen (connected but silent): every call rejects within its timeout; resumed: calls work again', async () => {
    const store = storeOn({ url: outage.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      await waitFor('the store to connect', answers(store));
      outage.pause();
      await assertEveryCallFailsFast(store);
      outage.resume();
      await waitFor('the store to answer again', answers(store));
      await store.set('after', 'v');
      assert.equal(await store.get('after'), 'v');
    } finally {
      outage.resume();
      await store.close();
    }
  });
});
