// An admin's first login: the app accepts the password, the gateway withholds the app's
// session and sends the admin to enroll TOTP; a correct code from the new secret turns it on,
// shows ten recovery codes once, and only then issues a full session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, APP_SESSION_COOKIE, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

test('first admin login -> enrollment -> recovery codes -> full session', async () => {
  const browser = harness.browser();
  const login = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(login.status, 303);
  assert.equal(login.location, '/_gateway/enroll');
  const pendingCookie = browser.cookies.get('gw_session');
  assert.ok(pendingCookie?.startsWith('p'), 'a pending-login cookie');
  assert.equal(browser.cookies.has('gw_session_anon'), false, 'the anonymous vault cookie is cleared');

  // Pending: the app is not reached, the browser is sent back to its second step.
  const early = await browser.get('/dashboard');
  assert.equal(early.status, 303);
  assert.equal(early.location, '/_gateway/step-up');
  assert.equal(harness.receivedAt('/dashboard').length, 0);
  assert.equal((await browser.get('/_gateway/step-up')).location, '/_gateway/enroll');
  assert.equal(await harness.gateway.login?.totp.isEnrolled('alice'), false);

  const { secret, recoveryCodes, answer } = await browser.enroll();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(answer.status, 200);
  assert.equal(recoveryCodes.length, 10);
  for (const code of recoveryCodes) assert.match(code, /^[A-Z2-7]{5}-[A-Z2-7]{5}$/);
  assert.equal(new Set(recoveryCodes).size, 10);
  assert.match(answer.text, /href="\/dashboard"/, 'continues to the landing path');
  const sessionCookie = browser.cookies.get('gw_session');
  assert.ok(sessionCookie?.startsWith('s'), 'a full session cookie');
  assert.equal(await harness.gateway.login?.totp.isEnrolled('alice'), true);

  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.text, /alice/);
  for (const seen of browser.answers) {
    assert.ok(!seen.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), seen.path);
  }
});
