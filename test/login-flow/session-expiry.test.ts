// S4: sessions end by their idle (30 m) and absolute (12 h) lifetimes, a sliding refresh keeps
// an active session alive past 30 minutes, and a pending login ends after 5 minutes; an ended
// session or login is no session, never an error. The clock is moved, never waited for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';

const MINUTE = 60_000;
let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness();
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

async function staff(): Promise<Browser> {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  assert.equal((await browser.get('/dashboard')).status, 200);
  return browser;
}

async function assertEnded(browser: Browser): Promise<void> {
  const page = await browser.get('/dashboard');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/login?next=%2Fdashboard');
  assert.equal((await browser.getJson('/api/me')).status, 401);
}

test('idle for 30 minutes: the session has ended', async () => {
  const browser = await staff();
  harness.clock.advance(29 * MINUTE);
  assert.equal((await browser.get('/dashboard')).status, 200);
  harness.clock.advance(30 * MINUTE + 1_000);
  await assertEnded(browser);
});

test('activity slides the idle lifetime; 12 hours after login the session ends anyway', async () => {
  const browser = await staff();
  let elapsed = 0;
  while (elapsed + 20 * MINUTE < 12 * 60 * MINUTE) {
    harness.clock.advance(20 * MINUTE);
    elapsed += 20 * MINUTE;
    assert.equal((await browser.get('/dashboard')).status, 200, `after ${elapsed / MINUTE} minutes`);
  }
  assert.ok(elapsed > 11 * 60 * MINUTE);
  harness.clock.advance(12 * 60 * MINUTE - elapsed);
  await assertEnded(browser);
});

test('a pending login ends after 5 minutes: no step-up, no session', async () => {
  harness.clock.advance(30_000);
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const form = await browser.get('/_gateway/step-up');
  const csrf = formField(form.text, 'csrf_token') as string;
  harness.clock.advance(5 * MINUTE + 1_000);

  const late = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) });
  assert.equal(late.status, 401);
  assert.match(late.text, /sign in again/i);
  assert.equal(browser.cookies.has('gw_session'), false, 'the pending cookie is cleared');
  const page = await browser.get('/dashboard');
  assert.equal(page.location, '/login?next=%2Fdashboard');

  // The code was not spent by the dead login: signing in again, it passes.
  const again = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(again.location, '/_gateway/step-up');
  assert.equal((await browser.stepUp(harness.code(secret))).location, '/dashboard');
});

test('no answer on the way was a server error', () => {
  const errors = harness
    .logText()
    .split('\n')
    .filter((line) => /"status":5\d\d/.test(line));
  assert.deepEqual(errors, []);
});
