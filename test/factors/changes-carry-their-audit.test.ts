// Issue 13: every change to a user's factors carries its audit event in its own atomic write
// (the outbox entry its caller opened, ops/audit-outbox.ts): TOTP enrolled and turned off, a set
// of answers saved and turned off, a passkey removed and renamed (a passkey added:
// passkey-factor.test.ts). A factor that wrote the event in a write of its own fails here.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { generateSync } from 'otplib';
import { DEFAULT_QUESTIONS } from '../../src/config/sections/questions.js';
import { createPasswordHasher } from '../../src/crypto/password-hash.js';
import { createSealer } from '../../src/crypto/sealing.js';
import { createPasskeyFactor } from '../../src/factors/passkey/passkey-factor.js';
import { createQuestionsFactor } from '../../src/factors/questions/questions-factor.js';
import { createRecoveryCodes } from '../../src/factors/recovery-codes.js';
import { createTotpFactor } from '../../src/factors/totp/totp-factor.js';
import { auditOutboxKey, totpSecretKey, userKey } from '../../src/factors/user-keys.js';
import type { AuditWrites } from '../../src/ops/audit-outbox.js';
import type { StoreWrite } from '../../src/store/store.js';
import { TEST_HASHER } from '../helpers/hashing.js';
import { recordingStore } from '../helpers/recording-store.js';
import { createSoftAuthenticator } from '../helpers/soft-authenticator.js';

const hasher = createPasswordHasher(TEST_HASHER);
after(() => hasher.close());

/** The outbox entry of one change, named for the change. */
const entryKey = (change: string) => `${auditOutboxKey('alice')}:${change}`;
const audited =
  (change: string): AuditWrites =>
  async (facts = {}) => [{ op: 'set', key: entryKey(change), value: JSON.stringify(facts) }];

/** The change's entry was written once, in the same write as `record` (a key or a key's start). */
function assertInOneWrite(written: readonly StoreWrite[][], change: string, record: string): void {
  const holding = written.filter((writes) => writes.some((write) => write.key === entryKey(change)));
  assert.equal(holding.length, 1, `${change}: its entry in one write`);
  assert.ok(
    holding[0]?.some((write) => write.key.startsWith(record)),
    `${change}: the entry is in the write that changes ${record}`,
  );
}

test('TOTP: the enrollment and the disable carry their events in their writes', async () => {
  const { store, written } = recordingStore();
  let ms = Date.UTC(2030, 0, 1);
  const now = () => ms;
  const recovery = createRecoveryCodes({ store, key: randomBytes(32) });
  const totp = createTotpFactor({ store, sealer: createSealer([randomBytes(32)]), recovery, issuer: 'Test', now });
  const { secret } = await totp.beginEnrollment('alice', 'e1');
  const code = () => generateSync({ secret, epoch: Math.floor(ms / 1000) });
  assert.ok((await totp.confirmEnrollment('alice', 'e1', code(), [], audited('enrolled'))).ok);
  assertInOneWrite(written, 'enrolled', totpSecretKey('alice'));
  ms += 30_000;
  assert.ok((await totp.disable('alice', code(), audited('disabled'))).ok);
  assertInOneWrite(written, 'disabled', totpSecretKey('alice'));
});

test('security questions: a saved set and the disable carry their events in their writes', async () => {
  const { store, written } = recordingStore();
  const rules = { catalogue: DEFAULT_QUESTIONS, required: 5, asked: 2, min_answer_length: 3 };
  const questions = createQuestionsFactor({ store, hasher, rules: () => rules });
  const answers = new Map<string, string>(DEFAULT_QUESTIONS.slice(0, 5).map(({ id }) => [id, `answer to ${id}`]));
  assert.equal(await questions.save('alice', answers, audited('saved')), undefined);
  assertInOneWrite(written, 'saved', userKey('questions:answers', 'alice'));
  const asked = (await questions.asked('alice')) ?? [];
  const right = new Map(asked.map((id) => [id, answers.get(id) ?? '']));
  assert.ok((await questions.disable('alice', right, audited('off'))).ok);
  assertInOneWrite(written, 'off', userKey('questions:answers', 'alice'));
});

test('passkeys: a rename and the removal of the last one carry their events in their writes', async () => {
  const { store, written } = recordingStore();
  const origin = 'http://localhost:8443';
  const passkeys = createPasskeyFactor({
    store,
    recovery: createRecoveryCodes({ store, key: randomBytes(32) }),
    relyingParty: () => ({ id: 'localhost', origin, name: 'Test' }),
    now: () => 1_000,
  });
  const options = await passkeys.registrationOptions('alice', 'session-1');
  assert.ok(options);
  const response = createSoftAuthenticator(origin).register(options);
  const registered = await passkeys.register('alice', { boundTo: 'session-1', response }, 'Laptop');
  assert.ok(registered.ok && registered.id);
  assert.equal(await passkeys.rename('alice', registered.id, 'Work laptop', audited('renamed')), true);
  assertInOneWrite(written, 'renamed', userKey('passkey:credential', 'alice'));
  assert.equal(await passkeys.removeOne('alice', registered.id, audited('removed')), true);
  assertInOneWrite(written, 'removed', userKey('passkey:credential', 'alice'));
});
