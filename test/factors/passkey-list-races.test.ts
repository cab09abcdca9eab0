// Two gateways change one user's passkeys at once over a real Redis (two clients). Gateway A's
// read of the user's passkey list is held until gateway B has changed it, then A writes: both
// changes stand. Before, A wrote the list it had read back whole: a passkey B removed came back
// into the list, or one B registered was dropped from it (and with it, as the "last" passkey,
// the recovery codes).

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPasskeyFactor, type PasskeyFactor } from '../../src/factors/passkey/passkey-factor.js';
import { createRecoveryCodes } from '../../src/factors/recovery-codes.js';
import { passkeyListKey, userKey } from '../../src/factors/user-keys.js';
import { MAX_ATTEMPTS, StoreContendedError } from '../../src/store/contention.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createRedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { type HeldRead, holdingStore, withReadHeld } from '../helpers/held-store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { createSoftAuthenticator } from '../helpers/soft-authenticator.js';

const ORIGIN = 'http://localhost:8443';
const credentialKey = (id: string) => `${userKey('passkey:credential', 'alice')}:${id}`;
const RECOVERY_KEY = randomBytes(32);

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.stop());

/** Gateway A (whose list reads can be held) and gateway B, on two clients of one Redis. */
async function twoGateways(run: (gateways: Gateways) => Promise<void>): Promise<void> {
  const prefix = `passkey-races:${randomUUID()}:`;
  const stores = [0, 1].map(() => createRedisStore({ url: redis.url, prefix, commandTimeoutMs: 10_000 }));
  const [first, second] = stores as [Store, Store];
  const held = holdingStore(first);
  const factor = (store: Store) =>
    createPasskeyFactor({
      store,
      recovery: createRecoveryCodes({ store, key: RECOVERY_KEY }),
      relyingParty: () => ({ id: 'localhost', origin: ORIGIN, name: 'Test' }),
      now: Date.now,
    });
  try {
    await run({
      a: factor(held.store),
      b: factor(second),
      store: second,
      holdListRead: () => held.holdNextRead('members', passkeyListKey('alice')),
      holdCredentialRead: (id) => held.holdNextRead('get', credentialKey(id)),
    });
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

interface Gateways {
  a: PasskeyFactor;
  b: PasskeyFactor;
  store: Store;
  /** Holds A's next read of alice's passkey list. */
  holdListRead: () => HeldRead;
  /** Holds A's next read of one of alice's passkey records. */
  holdCredentialRead: (id: string) => HeldRead;
}

/** Registers one more software passkey of alice's through `gateway`; resolves with its outcome and id. */
async function register(gateway: PasskeyFactor, boundTo: string, name: string) {
  const options = await gateway.registrationOptions('alice', boundTo);
  assert.ok(options);
  const response = createSoftAuthenticator(ORIGIN).register(options);
  const { id } = JSON.parse(response) as { id: string };
  return { id, answer: () => gateway.register('alice', { boundTo, response }, name) };
}

const listedNames = async (gateway: PasskeyFactor) => (await gateway.list('alice')).map(({ name }) => name).sort();

test('a passkey registered on one gateway while another removes a passkey: the removal stays, the new one lands', async () => {
  await twoGateways(async ({ a, b, store, holdListRead }) => {
    const first = await register(b, 'session-b', 'Laptop');
    assert.equal((await first.answer()).ok, true);
    const second = await register(a, 'session-a', 'Phone');
    const outcome = await withReadHeld(holdListRead, second.answer, () => b.removeOne('alice', first.id));
    assert.deepEqual(outcome, { ok: true, id: second.id });
    assert.deepEqual(await listedNames(b), ['Phone']);
    assert.deepEqual(
      await store.members(passkeyListKey('alice')),
      [second.id],
      'the removed passkey is not listed again',
    );
  });
});

test('a passkey removed on one gateway while another registers one: the registration stays', async () => {
  await twoGateways(async ({ a, b, holdListRead }) => {
    const first = await register(b, 'session-b', 'Laptop');
    assert.equal((await first.answer()).ok, true);
    const second = await register(b, 'session-b2', 'Phone');
    const removed = await withReadHeld(
      holdListRead,
      () => a.removeOne('alice', first.id),
      async () => assert.equal((await second.answer()).ok, true),
    );
    assert.equal(removed, true);
    assert.deepEqual(await listedNames(b), ['Phone'], 'the passkey registered meanwhile is kept');
    assert.equal(await b.isEnrolled('alice'), true);
  });
});

test('two passkeys registered at once on two gateways both land', async () => {
  await twoGateways(async ({ a, b, holdListRead }) => {
    const ours = await register(a, 'session-a', 'Laptop');
    const theirs = await register(b, 'session-b', 'Phone');
    const outcome = await withReadHeld(holdListRead, ours.answer, async () =>
      assert.equal((await theirs.answer()).ok, true),
    );
    assert.deepEqual(outcome, { ok: true, id: ours.id });
    assert.deepEqual(await listedNames(b), ['Laptop', 'Phone']);
  });
});

test('a rename that read the passkey before its removal does not bring it back', async () => {
  await twoGateways(async ({ a, b, store, holdCredentialRead }) => {
    const first = await register(b, 'session-b', 'Laptop');
    assert.equal((await first.answer()).ok, true);
    const renamed = await withReadHeld(
      () => holdCredentialRead(first.id),
      () => a.rename('alice', first.id, 'Mine'),
      () => b.removeOne('alice', first.id),
    );
    assert.equal(renamed, false);
    assert.deepEqual(await listedNames(b), []);
    assert.equal(
      await store.get(credentialKey(first.id)),
      undefined,
      'no credential record is left that no list names (and no reset finds)',
    );
  });
});

test("a passkey registered while an operator resets the user's factors does not bring back the reset ones", async () => {
  await twoGateways(async ({ a, b, store, holdListRead }) => {
    const first = await register(b, 'session-b', 'Laptop');
    assert.equal((await first.answer()).ok, true);
    const second = await register(a, 'session-a', 'Phone');
    const outcome = await withReadHeld(holdListRead, second.answer, async () =>
      assert.equal(await store.writeAll(await b.removal('alice')), true),
    );
    assert.deepEqual(outcome, { ok: true, id: second.id });
    assert.deepEqual(await store.members(passkeyListKey('alice')), [second.id], 'only the passkey added after it');
  });
});

test('a list whose version others keep deleting makes a change give up as contended, never loop', async () => {
  const store = createMemoryStore();
  await store.addToSet(passkeyListKey('alice'), 'pk-1');
  // Every version this gateway sets is gone before its next read (a reset, again and again).
  let versionWrites = 0;
  const racing: Store = Object.assign(Object.create(store) as Store, {
    setIfAbsent: async (key: string) => {
      if (++versionWrites > 50) throw new Error('unbounded re-reads of the list');
      return key === userKey('passkey:ids-version', 'alice');
    },
  });
  const factor = createPasskeyFactor({
    store: racing,
    recovery: createRecoveryCodes({ store: racing, key: RECOVERY_KEY }),
    relyingParty: () => ({ id: 'localhost', origin: ORIGIN, name: 'Test' }),
    now: Date.now,
  });
  await assert.rejects(factor.rename('alice', 'pk-1', 'Phone'), StoreContendedError);
  assert.equal(versionWrites, MAX_ATTEMPTS);
  await store.close();
});
