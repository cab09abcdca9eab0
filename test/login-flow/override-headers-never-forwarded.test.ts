// S8: method and URL override headers would let the gateway route a request as one thing
// and the app serve it as another; they never reach the app, in any spelling, on the login
// route, on public paths or with a full session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

const OVERRIDES: Record<string, string> = {
  'X-HTTP-Method-Override': 'DELETE',
  'x-http-method': 'PUT',
  'X-Method-Override': 'PATCH',
  'X-Original-URL': '/dashboard',
  X_Original_URL: '/dashboard',
  'X-Rewrite-URL': '/dashboard',
  'x-original-method': 'DELETE',
  X_HTTP_METHOD_OVERRIDE: 'DELETE',
};
const NAMES = /^x[-_](http[-_]method([-_]override)?|method[-_]override|original[-_](url|method)|rewrite[-_]url)$/i;

function assertNoneReceived(from: number): void {
  const received = harness.received.slice(from);
  assert.ok(received.length > 0);
  for (const request of received) {
    const leaked = Object.keys(request.headers).filter((name) => NAMES.test(name));
    assert.deepEqual(leaked, [], `${request.method} ${request.url}`);
  }
}

test('on the login route and public paths', async () => {
  const from = harness.received.length;
  const browser = harness.browser();
  await browser.get('/login', OVERRIDES);
  await browser.getJson('/api/csrf');
  const answer = await browser.login(STAFF.user, STAFF.password, { headers: OVERRIDES });
  assert.equal(answer.status, 302);
  assertNoneReceived(from);
});

test('with a full session', async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  const from = harness.received.length;
  const page = await browser.get('/dashboard', OVERRIDES);
  assert.equal(page.status, 200);
  const upload = await browser.request('POST', '/invoices/upload?csrf_token=x', {
    body: 'data',
    headers: { ...OVERRIDES, 'content-type': 'application/octet-stream' },
  });
  assert.equal(upload.status, 403, "the app's CSRF refusal: the request arrived as a POST");
  assertNoneReceived(from);
});
