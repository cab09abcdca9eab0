// Issue 12: a logout route may name query parameters (SQL-Ledger logs out with
// GET /login.pl?action=logout). The gateway recognises that request as the logout, whatever the
// spelling of its path, and ends its session; the same path without the query, or with another
// value, is an ordinary request of the session and ends nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness({
    overrides: { login: { logout_routes: [{ method: 'GET', path: '/account.pl', query: { action: 'logout' } }] } },
    // The app's script: it answers every action with a page naming it.
    front: (req, res) => {
      if (!req.url?.toLowerCase().startsWith('/account.pl')) return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`account ${req.url}`);
      return true;
    },
  });
});
after(() => harness.close());

test('the path without the query, or with another value, is an ordinary request of the session', async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  for (const url of ['/account.pl', '/account.pl?action=view', '/account.pl?action=logout&action=logout']) {
    const page = await browser.get(url);
    assert.equal(page.status, 200, url);
    assert.equal(page.text, `account ${url}`);
    assert.equal(browser.cookies.has('gw_session'), true, `${url} keeps the session`);
  }
  assert.equal((await browser.get('/dashboard')).status, 200, 'the session still works');
});

test('the route with its query is the logout: the gateway session ends and the app gets the request', async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  const oldCookie = browser.cookies.get('gw_session') as string;
  const before = harness.receivedAt('/Account.pl').length;
  const out = await browser.get('/Account.pl/?x=1&action=logout');
  assert.equal(out.status, 200);
  assert.equal(harness.receivedAt('/Account.pl').length, before + 1, 'the app was sent its logout');
  assert.equal(browser.cookies.has('gw_session'), false, 'the gateway cookie is cleared');

  const stale = harness.browser();
  stale.cookies.set('gw_session', oldCookie);
  const page = await stale.get('/dashboard');
  assert.equal(page.status, 303, 'nothing of the old session works');
  const logouts = harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"session.logout"') && line.includes('"app logout"'));
  assert.equal(logouts.length, 1, 'one logout, by this request');
});
