// The app's own JSON login (fetch from its page, POST /api/login with X-CSRF-Token): a staff
// member gets the app's answer and a session; an admin gets a documented 401 JSON naming the
// second-step page instead of the app's answer (S2), never a silent failure; after the step
// the browser lands on the configured landing path.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, APP_SESSION_COOKIE, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

test('staff: the app answer is released with a session', async () => {
  const browser = harness.browser();
  const answer = await browser.jsonLogin(STAFF.user, STAFF.password);
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.text), { ok: true, user: { name: 'bob', role: 'staff' } });
  assert.ok(browser.cookies.get('gw_session')?.startsWith('s'));
  const me = await browser.getJson('/api/me');
  assert.equal(me.status, 200);
  assert.match(me.text, /bob/);
});

test('admin without a factor: 401 JSON naming the enrollment page', async () => {
  const browser = harness.browser();
  const answer = await browser.jsonLogin(ADMIN.user, ADMIN.password);
  assert.equal(answer.status, 401);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  assert.deepEqual(JSON.parse(answer.text), {
    error: 'second_step_required',
    step: 'enroll',
    step_up_url: '/_gateway/enroll',
  });
  assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'the pending login is the browser’s');
  assert.equal((await browser.getJson('/api/me')).status, 401);
});

test('enrolled admin: 401 JSON naming the step-up page; the step passes in the browser', async () => {
  const { secret } = await harness.enrollAdmin();
  const browser = harness.browser();
  const answer = await browser.jsonLogin(ADMIN.user, ADMIN.password);
  assert.equal(answer.status, 401);
  assert.deepEqual(JSON.parse(answer.text), {
    error: 'second_step_required',
    step: 'verify',
    step_up_url: '/_gateway/step-up',
  });
  const asked = harness.receivedAt('/api/me').length;
  const me = await browser.getJson('/api/me');
  assert.equal(me.status, 401, 'nothing private while the step is owed');
  assert.equal(harness.receivedAt('/api/me').length, asked, 'the app was not asked');

  // A person passes the step in the browser, which lands on the app's page, not on its API's JSON.
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.status, 303);
  assert.equal(passed.location, '/dashboard');
  assert.ok(browser.cookies.get('gw_session')?.startsWith('s'));
  assert.equal((await browser.getJson('/api/me')).status, 200);
  for (const seen of browser.answers) {
    assert.ok(!seen.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), seen.path);
  }
});
