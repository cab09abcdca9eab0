// A staff login needs no second step: the app's answer is released with a gateway session,
// the app's own session cookie stays in the vault (never in a response), and the gateway's
// cookie is never forwarded to the app.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { APP_SESSION_COOKIE, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

const SHARED = 'public, s-maxage=600, max-age=60';

let harness: LoginHarness;

before(async () => {
  // The app marks its login answer as one any cache may keep: the gateway's session cookie in it
  // must not be (a CDN would hand the session to the next visitor).
  harness = await startLoginHarness({
    front: (req, res) => {
      if (req.method !== 'POST' || req.url !== '/login') return false;
      // Set as its head goes out, over the app's own no-store.
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
        this.setHeader('cache-control', SHARED);
        return writeHead.apply(this, args);
      } as ServerResponse['writeHead'];
      return false;
    },
  });
});
after(() => harness.close());

test('staff login is released at once with a gateway session; the app session stays in the vault', async () => {
  const browser = harness.browser();
  const answer = await browser.login(STAFF.user, STAFF.password);
  assert.equal(answer.status, 302);
  assert.equal(answer.location, '/dashboard');
  const sessionLine = answer.setCookies.find((line) => line.startsWith('gw_session='));
  assert.ok(sessionLine, 'a gateway session cookie is issued');
  assert.match(sessionLine, /HttpOnly/);
  assert.match(sessionLine, /SameSite=Lax/);
  assert.match(sessionLine, /Path=\//);
  assert.equal(answer.headers['cache-control'], 'max-age=60, private', 'no shared cache keeps the session');

  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.text, /bob/);
  const me = await browser.getJson('/api/me');
  assert.equal(me.status, 200);

  // S2 and the vault: no answer ever carried the app's cookie; the browser holds only the gateway's.
  for (const seen of browser.answers) {
    assert.ok(!seen.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), `${seen.path}`);
  }
  assert.deepEqual([...browser.cookies.keys()], ['gw_session']);

  // The app got its own session from the vault, and never the gateway's cookie (S8).
  const [received] = harness.receivedAt('/dashboard');
  assert.match(String(received?.headers.cookie), new RegExp(`^${APP_SESSION_COOKIE}=[0-9a-f]{64}$`));
  for (const request of harness.received) assert.doesNotMatch(String(request.headers.cookie), /gw_session/);
});
