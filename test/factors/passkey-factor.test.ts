// The passkey factor without a browser (a software authenticator): a challenge answers only the
// page it was made for, once; a passkey can be renamed, only by its owner; names are cleaned; a
// first passkey's recovery codes and a registration's audit event are in the passkey's write.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createPasskeyFactor, PASSKEY_NAME_LENGTH, passkeyName } from '../../src/factors/passkey/passkey-factor.js';
import { createRecoveryCodes } from '../../src/factors/recovery-codes.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { StoreWrite } from '../../src/store/store.js';
import { recordingStore } from '../helpers/recording-store.js';
import { createSoftAuthenticator } from '../helpers/soft-authenticator.js';

const ORIGIN = 'http://localhost:8443';

/** A factor over a fresh store, and alice holding one software passkey registered through it. */
async function withPasskey() {
  const store = createMemoryStore();
  const passkeys = createPasskeyFactor({
    store,
    recovery: createRecoveryCodes({ store, key: randomBytes(32) }),
    relyingParty: () => ({ id: 'localhost', origin: ORIGIN, name: 'Test' }),
    now: () => 1_000,
  });
  const authenticator = createSoftAuthenticator(ORIGIN);
  const options = await passkeys.registrationOptions('alice', 'session-1');
  assert.ok(options);
  const response = authenticator.register(options);
  const { id } = JSON.parse(response) as { id: string };
  assert.deepEqual(await passkeys.register('alice', { boundTo: 'session-1', response }, 'Laptop'), { ok: true, id });
  return { passkeys, key: { id, assert: authenticator.authenticate } };
}

describe('a sign-in challenge', () => {
  test('answers the page it was made for, once', async () => {
    const { passkeys, key } = await withPasskey();
    const options = await passkeys.authenticationOptions('alice', 'session-1:remove');
    assert.ok(options);
    const response = key.assert(options);
    assert.deepEqual(await passkeys.verify('alice', { boundTo: 'session-1:remove', response }), { ok: true });
    assert.deepEqual(await passkeys.verify('alice', { boundTo: 'session-1:remove', response }), {
      ok: false,
      reason: 'not_asked',
    });
  });

  test('made for one page does not answer another, even one with a challenge of its own', async () => {
    const { passkeys, key } = await withPasskey();
    const options = await passkeys.authenticationOptions('alice', 'session-1:remove:X');
    assert.ok(options);
    await passkeys.authenticationOptions('alice', 'session-1:remove:Y');
    const response = key.assert(options);
    assert.deepEqual(await passkeys.verify('alice', { boundTo: 'pending-login', response }), {
      ok: false,
      reason: 'not_asked',
    });
    assert.deepEqual(await passkeys.verify('alice', { boundTo: 'session-1:remove:Y', response }), {
      ok: false,
      reason: 'wrong',
    });
  });
});

describe('renaming', () => {
  test('gives the passkey its new name and keeps everything else', async () => {
    const { passkeys, key } = await withPasskey();
    assert.equal(await passkeys.rename('alice', key.id, 'Work phone'), true);
    assert.deepEqual(await passkeys.list('alice'), [
      { id: key.id, name: 'Work phone', createdAt: 1_000, lastUsedAt: undefined },
    ]);
    const options = await passkeys.authenticationOptions('alice', 's');
    assert.ok(options);
    assert.deepEqual(await passkeys.verify('alice', { boundTo: 's', response: key.assert(options) }), { ok: true });
  });

  test("renames nobody else's passkey, nor a removed one", async () => {
    const { passkeys, key } = await withPasskey();
    assert.equal(await passkeys.rename('bob', key.id, 'Mine now'), false);
    assert.equal(await passkeys.rename('alice', 'no-such-passkey', 'x'), false);
    await passkeys.removeOne('alice', key.id);
    assert.equal(await passkeys.rename('alice', key.id, 'Back'), false);
    assert.deepEqual(await passkeys.list('alice'), []);
  });
});

describe('a passkey name', () => {
  const rows: Array<[string | null, string]> = [
    [null, 'Fallback'],
    ['   ', 'Fallback'],
    ['  Work   laptop ', 'Work laptop'],
    ['Tab\there', 'Tab here'],
    ['evil\u202Eexe.txt', 'evil exe.txt'],
    ['zero\u200Bwidth\u0000nul', 'zero width nul'],
    ['<b>bold</b>', '<b>bold</b>'],
  ];
  // Escaped in the test's title, so that the report shows what the override would hide.
  const shown = (text: string | null) =>
    JSON.stringify(text)?.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  for (const [typed, expected] of rows) {
    test(`${shown(typed)} reads ${shown(expected)}`, () => {
      assert.equal(passkeyName(typed, 'Fallback'), expected);
    });
  }

  test('is cut at the limit by characters, never half an emoji', () => {
    const name = passkeyName(`${'a'.repeat(PASSKEY_NAME_LENGTH - 1)}🔑🔑`, 'Fallback');
    assert.equal(Array.from(name).length, PASSKEY_NAME_LENGTH);
    assert.ok(name.endsWith('🔑'));
    assert.ok(!/[\uD800-\uDFFF]/u.test(name), 'no lone surrogate');
  });
});

test("a first passkey's recovery codes and its audit event are in the one write that stores it", async () => {
  const { store, written } = recordingStore();
  const recovery = createRecoveryCodes({ store, key: randomBytes(32) });
  const passkeys = createPasskeyFactor({
    store,
    recovery,
    relyingParty: () => ({ id: 'localhost', origin: ORIGIN, name: 'Test' }),
    now: () => 1_000,
  });
  const options = await passkeys.registrationOptions('alice', 'pending-1');
  assert.ok(options);
  const response = createSoftAuthenticator(ORIGIN).register(options);
  const audited = async (facts = {}): Promise<StoreWrite[]> => [
    { op: 'set', key: 'audit-entry', value: JSON.stringify(facts) },
  ];
  const outcome = await passkeys.register('alice', { boundTo: 'pending-1', response }, 'Phone', {
    audited,
    codes: true,
  });
  assert.ok(outcome.ok && outcome.codes?.length === 10);
  const registration = written.filter((changes) => changes.some((change) => change.key.includes('passkey:credential')));
  assert.equal(registration.length, 1);
  const keys = registration[0]?.map((change) => change.key);
  assert.ok(keys?.includes('recovery:{u:alice}') && keys.includes('audit-entry'), String(keys));
  assert.equal(
    await store.get('audit-entry'),
    JSON.stringify({ passkey: outcome.id }),
    "the new passkey's id joins the facts",
  );
  assert.equal(await recovery.consume('alice', outcome.codes?.[0] ?? ''), true, 'the codes shown are the codes stored');
  assert.equal(await recovery.remaining('alice'), 9);
});
