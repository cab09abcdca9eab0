// S5: a pending login dies after limits.pending_attempts (5) wrong codes: its cookie is
// cleared, the right code no longer helps it, and the person signs in again from the start.
// (The per-user lockout is set higher here, so that only the pending login's own count acts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness({ overrides: { limits: { second_step: { failures: 50 } } } });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

test('five wrong codes end the pending login; signing in again works', async () => {
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const pendingCookie = browser.cookies.get('gw_session') as string;
  const csrf = formField((await browser.get('/_gateway/step-up')).text, 'csrf_token') as string;
  const wrong = String((Number(harness.code(secret)) + 500_000) % 1_000_000).padStart(6, '0');

  for (let attempt = 1; attempt <= 4; attempt++) {
    const answer = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: wrong });
    assert.equal(answer.status, 401, `attempt ${attempt}`);
    assert.match(answer.text, /That code did not work/);
    assert.equal(browser.cookies.get('gw_session'), pendingCookie);
  }
  const fifth = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: wrong });
  assert.equal(fifth.status, 401);
  assert.match(fifth.text, /sign in again/i);
  assert.equal(browser.cookies.has('gw_session'), false, 'the pending cookie is cleared');

  // The dead login's cookie with the right code: nothing.
  const stale = harness.browser();
  stale.cookies.set('gw_session', pendingCookie);
  const late = await stale.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) });
  assert.equal(late.status, 401);
  assert.match(late.text, /sign in again/i);
  assert.equal((await stale.get('/dashboard')).location, '/login?next=%2Fdashboard');

  const again = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(again.location, '/_gateway/step-up');
  assert.equal((await browser.stepUp(harness.code(secret))).location, '/dashboard');
});
