// Issue 11, item 5: the TOTP key on the enrollment page belongs to the pending login it is shown
// to. Someone who has the admin's password can open the enrollment page and abandon the login,
// but the key they read is never the one the admin enrolls in another browser: they hold no
// working generator afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

/** The key shown on a browser's enrollment page. */
function keyOn(text: string): string | undefined {
  return /id="totp-secret">([^<]+)</.exec(text)?.[1];
}

test('two logins see two keys, and the abandoned one never becomes the enrolled key', async () => {
  const thief = harness.browser();
  assert.equal((await thief.login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
  const page = await thief.get('/_gateway/enroll');
  const thiefKey = keyOn(page.text);
  assert.ok(thiefKey, 'the thief sees a key');
  // A reload of the same login shows the same key (a scanned QR code stays valid).
  assert.equal(keyOn((await thief.get('/_gateway/enroll')).text), thiefKey);

  const admin = harness.browser();
  assert.equal((await admin.login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
  const adminPage = await admin.get('/_gateway/enroll');
  assert.notEqual(keyOn(adminPage.text), thiefKey, 'another login is shown another key');

  // A code from the thief's key does not enroll the admin's login.
  const csrf = formField(adminPage.text, 'csrf_token') as string;
  const refused = await admin.post('/_gateway/enroll', { csrf_token: csrf, code: harness.code(thiefKey) });
  assert.equal(refused.status, 401);
  assert.equal(await harness.gateway.login?.totp.isEnrolled(ADMIN.user), false);

  const { secret } = await admin.enroll();
  assert.notEqual(secret, thiefKey);
  assert.equal(await harness.gateway.login?.totp.isEnrolled(ADMIN.user), true);
  harness.clock.advance(30_000);
  assert.deepEqual(await harness.gateway.login?.totp.verify(ADMIN.user, harness.code(thiefKey)), {
    ok: false,
    reason: 'wrong',
  });
});
