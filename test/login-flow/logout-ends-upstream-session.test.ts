// Logging out, with the app's own form (POST /logout) or the gateway's (POST /_gateway/logout),
// ends the gateway session: the old cookie gets nothing private afterwards. The app's own
// session ends too: with the app's logout the app destroys it; with the gateway's, the vault
// that held it is gone, so no request can carry it any more, and the gateway sends the app's
// logout route on its behalf, with the CSRF token the demo app wants there (issue 12).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  APP_SESSION_COOKIE,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

/** Logs bob in; returns the browser and the app session id the app saw on the dashboard. */
async function signedIn(): Promise<{ browser: Browser; appSid: string; dashboard: string }> {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 200);
  const cookie = String(harness.receivedAt('/dashboard').at(-1)?.headers.cookie);
  const appSid = new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(cookie)?.[1];
  assert.ok(appSid);
  return { browser, appSid, dashboard: dashboard.text };
}

async function assertNothingPrivate(oldCookie: string): Promise<void> {
  const stale = harness.browser();
  stale.cookies.set('gw_session', oldCookie);
  const before = harness.receivedAt('/dashboard').length;
  const page = await stale.get('/dashboard');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/login?next=%2Fdashboard');
  assert.equal((await stale.getJson('/api/me')).status, 401);
  assert.equal(harness.receivedAt('/dashboard').length, before, 'the app was not asked');
}

test("the app's logout ends the gateway session and the app's", async () => {
  const { browser, appSid, dashboard } = await signedIn();
  const oldCookie = browser.cookies.get('gw_session') as string;
  assert.equal(await harness.appSessionWorks(appSid), true);

  const csrf = formField(dashboard, 'csrf_token') as string;
  const out = await browser.post('/logout', { csrf_token: csrf });
  assert.equal(out.status, 302);
  assert.equal(out.location, '/login');
  assert.equal(browser.cookies.has('gw_session'), false, 'the gateway cookie is cleared');
  assert.ok(!out.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)));

  await assertNothingPrivate(oldCookie);
  assert.equal(await harness.appSessionWorks(appSid), false, 'the app destroyed its session');
});

test("the gateway's logout ends the gateway session and drops the vault holding the app's", async () => {
  const { browser, appSid } = await signedIn();
  const oldCookie = browser.cookies.get('gw_session') as string;
  const sessionKey = `session:${oldCookie.slice(1, oldCookie.indexOf('.'))}`;
  const store = harness.gateway.login?.store;
  assert.notEqual(await store?.get(sessionKey), undefined);

  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const out = await browser.post('/_gateway/logout', { csrf_token: csrf });
  assert.equal(out.status, 303);
  assert.equal(out.location, '/login');
  assert.equal(browser.cookies.has('gw_session'), false);

  await assertNothingPrivate(oldCookie);
  assert.equal(await store?.get(sessionKey), undefined, 'the session record and its vault are gone');
  // The gateway sends the app's logout route, with the vault's cookie, in the background.
  await waitFor('the upstream logout', () =>
    harness.received.some(
      (r) => r.method === 'POST' && r.url === '/logout' && String(r.headers.cookie).includes(appSid),
    ),
  );
  // The old cookie on public paths: the app sees an anonymous visitor, never the old session.
  const stale = harness.browser();
  stale.cookies.set('gw_session', oldCookie);
  const from = harness.received.length;
  const page = await stale.get('/login');
  assert.equal(page.status, 200, 'the app would redirect its signed-in session away from the form');
  await stale.getJson('/api/csrf');
  for (const request of harness.received.slice(from)) {
    assert.ok(!String(request.headers.cookie).includes(appSid), request.url);
  }
});

test("the gateway's logout also ends the app's session upstream, with the app's CSRF token", async () => {
  const { browser, appSid } = await signedIn();
  const from = harness.received.length;
  const csrf = await browser.gatewayCsrf('/_gateway/account');
  await browser.post('/_gateway/logout', { csrf_token: csrf });
  // The upstream logout is sent in the background (login.logout_routes: the token read from /api/csrf).
  await waitFor('the app session to end', async () => !(await harness.appSessionWorks(appSid)));
  const calls = harness.received.slice(from).filter((r) => r.headers['x-request-id'] !== undefined);
  const page = calls.findIndex((r) => r.method === 'GET' && r.url === '/api/csrf');
  const logout = calls.findIndex((r) => r.method === 'POST' && r.url === '/logout');
  assert.ok(page !== -1 && logout > page, 'the token page, then the logout, exactly as configured');
  assert.ok(String(calls[logout]?.headers.cookie).includes(appSid));
});
