// An upgraded store: factor records written under the names they had before the Redis Cluster
// hash tag are moved on first touch, so an enrolled user stays enrolled (never "not enrolled",
// which `enrollment.first: open` would let a password holder fill), and nothing spent comes back.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateSync } from 'otplib';
import { createSealer } from '../../src/crypto/sealing.js';
import { factorKeyUser, withLegacyFactorNames } from '../../src/factors/legacy-names.js';
import { createRecoveryCodes } from '../../src/factors/recovery-codes.js';
import { createTotpFactor } from '../../src/factors/totp/totp-factor.js';
import { userKey } from '../../src/factors/user-keys.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';

const now = () => 1_800_000_010_000;
const sealer = createSealer([randomBytes(32)]);
const digestKey = randomBytes(32);

/** The TOTP factor and recovery codes as a gateway builds them over `store`. */
function factorsOver(store: Store) {
  const recovery = createRecoveryCodes({ store, key: digestKey });
  return { recovery, totp: createTotpFactor({ store, sealer, recovery, issuer: 'Invoices', now }) };
}

/** Renames `user`'s current records to their earlier names, as a store written before the hash tag holds them. */
async function toLegacyNames(store: Store, user: string): Promise<void> {
  const secret = await store.get(userKey('totp:secret', user));
  assert.ok(secret !== undefined);
  await store.set(`totp:secret:${user}`, secret);
  for (const member of await store.members(userKey('recovery', user))) await store.addToSet(`recovery:${user}`, member);
  await store.delete(userKey('totp:secret', user));
  await store.delete(userKey('recovery', user));
}

test('a user enrolled under the earlier names is still enrolled, with their codes, and the old names are gone', async () => {
  const store = createMemoryStore({ now });
  const { totp } = factorsOver(store);
  const { secret } = await totp.beginEnrollment('alice', 'login-1');
  const confirmed = await totp.confirmEnrollment('alice', 'login-1', generateSync({ secret, epoch: now() / 1000 }));
  assert.ok(confirmed.ok);
  await toLegacyNames(store, 'alice');

  const upgraded = factorsOver(withLegacyFactorNames(store));
  assert.equal(await upgraded.totp.isEnrolled('alice'), true);
  assert.equal(await upgraded.recovery.remaining('alice'), 10);
  assert.equal(await upgraded.recovery.consume('alice', confirmed.codes[0] ?? ''), true);
  assert.equal(await store.get('totp:secret:alice'), undefined);
  assert.deepEqual(await store.members('recovery:alice'), []);
});

test('a recovery code is the first touch: the codes move before it is spent, and it is spent once', async () => {
  const store = createMemoryStore({ now });
  const { totp } = factorsOver(store);
  const { secret } = await totp.beginEnrollment('bob', 'login-1');
  const confirmed = await totp.confirmEnrollment('bob', 'login-1', generateSync({ secret, epoch: now() / 1000 }));
  assert.ok(confirmed.ok);
  await toLegacyNames(store, 'bob');

  const upgraded = factorsOver(withLegacyFactorNames(store));
  const code = confirmed.codes[1] ?? '';
  assert.equal(await upgraded.recovery.consume('bob', code), true);
  assert.equal(await upgraded.recovery.consume('bob', code), false);
  assert.equal(await upgraded.recovery.remaining('bob'), 9);
});

test('records already under the current names win: a code spent there is not brought back', async () => {
  const store = createMemoryStore({ now });
  await store.addToSet(userKey('recovery', 'carol'), 'kept');
  await store.addToSet('recovery:carol', 'kept');
  await store.addToSet('recovery:carol', 'spent-since');
  await store.set(userKey('totp:secret', 'carol'), 'current');
  await store.set('totp:secret:carol', 'earlier');

  const upgraded = withLegacyFactorNames(store);
  assert.deepEqual(await upgraded.members(userKey('recovery', 'carol')), ['kept']);
  assert.equal(await upgraded.get(userKey('totp:secret', 'carol')), 'current');
  assert.equal(await store.get('totp:secret:carol'), undefined);
});

test('only factor keys name a user; the name is taken whole, braces and colons included', () => {
  assert.equal(factorKeyUser(userKey('totp:secret', 'alice')), 'alice');
  assert.equal(factorKeyUser(`${userKey('totp:pending', 'a:b}c')}:login-1`), 'a:b}c');
  assert.equal(factorKeyUser(userKey('questions:answers', 'dora@example.com')), 'dora@example.com');
  assert.equal(factorKeyUser('session:abc'), undefined);
  assert.equal(factorKeyUser('totp:secret:alice'), undefined);
});
