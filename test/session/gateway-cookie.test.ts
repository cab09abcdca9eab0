// The session cookie names the vault generation inside its signature (issue 13), so that a
// gateway knows when its cached record is older than the browser's cookies. The generation only
// decides whether the store is read again; still, a cookie whose generation was altered is no
// session at all (S4), and nothing but a full session's positive safe integer is read as one.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSigner } from '../../src/crypto/signing.js';
import { readSessionRef, sessionCookieValue } from '../../src/session/gateway-cookie.js';

const signer = createSigner([randomBytes(32)]);
const id = randomBytes(32).toString('base64url');
const read = (value: string) => readSessionRef(signer, [['gw', value]], 'gw');

test('a session cookie carries its generation; the login cookie (0) is written as before', () => {
  assert.deepEqual(read(sessionCookieValue(signer, { kind: 'session', id, generation: 3 })), {
    kind: 'session',
    id,
    generation: 3,
  });
  const login = sessionCookieValue(signer, { kind: 'session', id, generation: 0 });
  assert.equal(login, sessionCookieValue(signer, { kind: 'session', id }));
  assert.deepEqual(read(login), { kind: 'session', id });
  // A pending login's vault never changes: no generation is written for it.
  assert.equal(
    sessionCookieValue(signer, { kind: 'pending', id, generation: 3 }),
    sessionCookieValue(signer, { kind: 'pending', id }),
  );
});

test('an altered generation is no session', () => {
  const value = sessionCookieValue(signer, { kind: 'session', id, generation: 3 });
  assert.match(value, /:3\./);
  assert.equal(read(value.replace(':3.', ':4.')), undefined);
  assert.equal(read(value.replace(':3.', '.')), undefined);
});

test('only a full session with a positive safe integer reads as a generation, even when signed', () => {
  for (const suffix of ['0', '01', '-1', '1e3', '1:2', '', '1234567890123456', 'x']) {
    assert.equal(read(signer.sign(`s${id}:${suffix}`)), undefined, `s<id>:${suffix}`);
  }
  assert.equal(read(signer.sign(`p${id}:3`)), undefined, 'a pending login with a generation');
  assert.deepEqual(read(signer.sign(`s${id}:123456789012345`)), { kind: 'session', id, generation: 123456789012345 });
});
