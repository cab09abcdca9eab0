// The memory store: the contract on a fake clock, plus what only a fake clock can pin down
// (the exact millisecond a key expires) and the sweep of entries nobody reads again.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKeyspace } from '../../src/store/keyspace.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { runStoreContract } from './contract.js';

/** A clock the test moves by hand. */
function fakeClock() {
  let now = Date.UTC(2030, 0, 1);
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

runStoreContract('memory', async () => {
  const clock = fakeClock();
  const store = createMemoryStore({ now: clock.now });
  return { store, advance: clock.advance, cleanup: () => store.close() };
});

describe('memory store on a fake clock', () => {
  test('a key expires exactly when its TTL has passed, not a millisecond before', async () => {
    const clock = fakeClock();
    const store = createMemoryStore({ now: clock.now });
    await store.set('k', 'v', 1000);
    await store.addToSet('s', 'm', 1000);
    assert.equal(await store.increment('c', 1000), 1);
    clock.advance(999);
    assert.equal(await store.get('k'), 'v');
    assert.deepEqual(await store.members('s'), ['m']);
    assert.equal(await store.increment('c', 1000), 2);
    clock.advance(1);
    assert.equal(await store.get('k'), undefined);
    assert.deepEqual(await store.members('s'), []);
    assert.equal(await store.increment('c', 1000), 1);
    await store.close();
  });

  test('the sweep drops expired entries that are never read again', () => {
    const clock = fakeClock();
    const keyspace = createKeyspace(clock.now);
    keyspace.set('gone', 'v', 1000);
    keyspace.addToSet('gone-set', 'm', 1000);
    keyspace.set('kept', 'v');
    assert.equal(keyspace.purgeExpired(), 0);
    clock.advance(1000);
    assert.equal(keyspace.purgeExpired(), 2);
    assert.equal(keyspace.purgeExpired(), 0, 'they are gone');
    assert.equal(keyspace.get('kept'), 'v');
  });

  test('a set used as a value (or the reverse) is refused, as Redis answers WRONGTYPE', async () => {
    const store = createMemoryStore();
    await store.addToSet('s', 'm');
    await store.set('v', '1');
    await assert.rejects(store.get('s'), TypeError);
    await assert.rejects(store.members('v'), TypeError);
    await assert.rejects(store.addToSet('v', 'm'), TypeError);
    await store.set('text', 'abc');
    await assert.rejects(store.increment('text', 1000), TypeError);
    await store.close();
  });
});
