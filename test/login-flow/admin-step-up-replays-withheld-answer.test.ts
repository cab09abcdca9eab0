// An enrolled admin's later login: the app's answer (its redirect and its session) is
// withheld (S2) until the TOTP step is passed, then replayed as the app sent it, with a new
// gateway session cookie; the app's own session cookie never reaches the browser.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, APP_SESSION_COOKIE, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness();
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

test('login -> step-up -> the withheld redirect replayed with a new session cookie', async () => {
  const browser = harness.browser();
  const posts = harness.receivedAt('/login').filter((r) => r.method === 'POST').length;

  const login = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(login.status, 303);
  assert.equal(login.location, '/_gateway/step-up');
  const pendingCookie = browser.cookies.get('gw_session');
  assert.ok(pendingCookie?.startsWith('p'));
  // The app did see the password: its answer is what is being withheld.
  assert.equal(harness.receivedAt('/login').filter((r) => r.method === 'POST').length, posts + 1);

  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.status, 302, "the app's own 302");
  assert.equal(passed.location, '/dashboard');
  const sessionCookie = browser.cookies.get('gw_session');
  assert.ok(sessionCookie?.startsWith('s'), 'a full session cookie');
  assert.notEqual(sessionCookie, pendingCookie);

  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.text, /alice/);

  for (const seen of browser.answers) {
    assert.ok(!seen.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), seen.path);
    assert.ok(!seen.text.includes(APP_SESSION_COOKIE), seen.path);
  }
});

test("the replayed answer is the app's: its redirect to the login's `next`", async () => {
  harness.clock.advance(30_000);
  const browser = harness.browser();
  const login = await browser.login(ADMIN.user, ADMIN.password, { next: '/invoices/export?size=10' });
  assert.equal(login.location, '/_gateway/step-up');
  const passed = await browser.stepUp(harness.code(secret));
  assert.equal(passed.status, 302);
  assert.equal(passed.location, '/invoices/export?size=10');
  const exported = await browser.get(passed.location);
  assert.equal(exported.status, 200);
  assert.equal(exported.text.length, 10);
});
