// The anonymous vault's claims (S1 against session fixation, S14): values a login carried are
// dropped from anonymous requests until that login gives them back (a clear failure), and a
// failed login gives back only its own claim, never that of a login beside it carrying the same
// planted cookie that the app signed in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { claimValues, withoutClaimed } from '../../src/session/anonymous-vault.js';
import type { Jar } from '../../src/session/cookie-jar.js';
import { createMemoryStore } from '../../src/store/memory.js';

const HOUR = 3_600_000;
const digestKey = randomBytes(32);
const planted: Jar = {
  '/\u0000sid': { name: 'sid', value: 'fixed-by-the-attacker', path: '/' },
  '/\u0000csrf': { name: 'csrf', value: 'token', path: '/' },
};

test('a claimed value is dropped from anonymous jars until its login gives it back', async () => {
  const store = createMemoryStore();
  const claim = await claimValues(store, digestKey, planted, HOUR);
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), {});
  await claim.release();
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), planted, 'a refused login leaves the cookies be');
});

test('a failed login beside a successful one with the same cookies gives back only its own claim', async () => {
  const store = createMemoryStore();
  await claimValues(store, digestKey, planted, HOUR); // the login the app signed in
  const failed = await claimValues(store, digestKey, planted, HOUR);
  await failed.release();
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), {}, 'the signed-in values stay claimed');
  // Releasing twice changes nothing either.
  await failed.release();
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), {});
});

test('a claim lasts as long as a sealed cookie could live', async () => {
  let time = Date.UTC(2026, 0, 1);
  const store = createMemoryStore({ now: () => time });
  await claimValues(store, digestKey, planted, HOUR);
  time += HOUR - 1;
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), {});
  time += 2;
  assert.deepEqual(await withoutClaimed(store, digestKey, planted), planted);
});
