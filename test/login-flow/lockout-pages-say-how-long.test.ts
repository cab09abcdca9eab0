// S15: the pages say where a person stands. A wrong code says how many tries are left; a code
// already used says to wait for the next one; a lockout (page or JSON) says how long to wait,
// with Retry-After.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness({
    overrides: { limits: { pending_attempts: 5, second_step: { failures: 3, duration: '20m' } } },
  });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

test('a wrong code says how many tries are left; a used code says to wait for the next', async () => {
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const wrong = String((Number(harness.code(secret)) + 7) % 1_000_000).padStart(6, '0');
  const first = await browser.stepUp(wrong);
  assert.equal(first.status, 401);
  assert.match(first.text, /That code did not work\. Please try again\. 2 tries left\./);

  const code = harness.code(secret);
  assert.equal((await browser.stepUp(code)).location, '/dashboard');
  const again = harness.browser();
  await again.login(ADMIN.user, ADMIN.password);
  const replay = await again.stepUp(code);
  assert.equal(replay.status, 401);
  assert.match(replay.text, /That code was already used\. Please wait for the next code in your app, then enter it\./);
  assert.match(replay.text, /2 tries left\./, 'a passed check forgot the earlier failure');
});

test('a lockout says how long to wait, on the page and in JSON', async () => {
  harness.clock.advance(30_000);
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const wrong = String((Number(harness.code(secret)) + 7) % 1_000_000).padStart(6, '0');
  await browser.stepUp(wrong);
  const last = await browser.stepUp(wrong);
  assert.match(last.text, /sign in again/i, 'the lock ends the pending login');

  const page = await harness.browser().login(ADMIN.user, ADMIN.password);
  assert.equal(page.status, 429);
  assert.match(page.text, /Please wait a while before trying again\. Try again in about 20 minutes\./);
  assert.equal(page.headers['retry-after'], '1200');

  const json = harness.browser();
  const { csrf } = await json.loginPage();
  const answer = await json.request('POST', '/login', {
    form: { csrf_token: csrf, username: ADMIN.user, password: ADMIN.password },
    headers: { accept: 'application/json' },
  });
  assert.equal(answer.status, 429);
  const body = JSON.parse(answer.text) as { error: string; retry_after: number; message: string };
  assert.equal(body.error, 'locked_out');
  assert.equal(body.retry_after, 1200);
  assert.match(body.message, /Try again in about 20 minutes\./);
});
