// S0 and S2 for a login that passed the password but owes its second step: the pending
// cookie opens nothing private (page, API, logout, WebSocket), and the withheld app session
// is never sent to the app on its behalf, not even on public paths.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { ADMIN, APP_SESSION_COOKIE, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
  await harness.enrollAdmin();
});
after(() => harness.close());

/** The status the gateway answers a WebSocket upgrade with (101 when it is let through). */
function upgradeStatus(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers: { cookie } });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

test('a pending login opens nothing private and never carries the withheld session', async () => {
  const browser = harness.browser();
  const login = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(login.location, '/_gateway/step-up');
  const cookie = browser.cookies.get('gw_session') as string;
  const pending = await harness.gateway.login?.records.getPending(cookie.slice(1, cookie.indexOf('.')));
  const withheldSid = Object.values(pending?.jar ?? {}).find((c) => c.name === APP_SESSION_COOKIE)?.value;
  assert.ok(withheldSid, 'the app session is held in the pending login');

  const before = harness.received.length;
  for (const path of ['/dashboard', '/invoices/1/download', '/events', '/']) {
    const answer = await browser.get(path);
    assert.equal(answer.status, 303, path);
    assert.equal(answer.location, '/_gateway/step-up', path);
  }
  for (const path of ['/api/me', '/api/invoices']) assert.equal((await browser.getJson(path)).status, 401, path);
  assert.equal((await browser.post('/logout', { csrf_token: 'x' })).status, 303);
  assert.equal(await upgradeStatus(`${harness.gatewayUrl}/ws`, `gw_session=${cookie}`), 401);
  assert.equal(harness.received.length, before, 'no private request reached the app');

  // Public paths reach the app, without the withheld session: the app shows its login form.
  const page = await browser.get('/login');
  assert.equal(page.status, 200);
  assert.match(page.text, /name="password"/);
  for (const request of harness.received.slice(before)) {
    assert.ok(!String(request.headers.cookie).includes(withheldSid), request.url);
  }
});
