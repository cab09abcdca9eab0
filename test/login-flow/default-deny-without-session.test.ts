// S0: without a full gateway session only public_paths and the login routes reach the app.
// A browser asking for anything else is sent to the app's login page (with a same-origin
// `next`), a script (fetch/XHR) gets 401 JSON; the app never sees those requests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

const PRIVATE = [
  '/',
  '/dashboard',
  '/DASHBOARD',
  '/dashboard/',
  '//dashboard',
  '/api/me',
  '/api/invoices',
  '/invoices/1/download',
  '/invoices/export?size=10',
  '/events',
  '/loginx',
  '/login-other',
  '/staticfoo/app.css',
  '/api/csrf/extra',
];

test('a browser is sent to the login page; the app is not asked', async () => {
  const browser = harness.browser();
  for (const path of PRIVATE) {
    const before = harness.received.length;
    const answer = await browser.get(path);
    assert.equal(answer.status, 303, path);
    assert.match(answer.location ?? '', /^\/login(\?next=%2F[^/]*)?$/, path);
    assert.equal(harness.received.length, before, `${path} reached the app`);
  }
  const answer = await browser.get('/invoices/export?size=10');
  assert.equal(answer.location, `/login?next=${encodeURIComponent('/invoices/export?size=10')}`);
});

test('a script gets 401 JSON; the app is not asked', async () => {
  const browser = harness.browser();
  const scripts: Array<Record<string, string>> = [
    { accept: 'application/json' },
    { accept: '*/*', 'x-requested-with': 'XMLHttpRequest' },
  ];
  for (const headers of scripts) {
    for (const path of PRIVATE) {
      const before = harness.received.length;
      const answer = await browser.request('GET', path, { headers });
      assert.equal(answer.status, 401, path);
      assert.deepEqual(JSON.parse(answer.text), { error: 'login_required', login_url: '/login' });
      assert.equal(harness.received.length, before, `${path} reached the app`);
    }
  }
});

test('other methods on private paths are refused too', async () => {
  const browser = harness.browser();
  const before = harness.received.length;
  const upload = await browser.request('POST', '/invoices/upload', {
    body: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(upload.status, 303);
  const logout = await browser.post('/logout', { csrf_token: 'x' });
  assert.equal(logout.status, 303);
  assert.equal(harness.received.length, before);
});

test('public paths and the login page reach the app', async () => {
  const browser = harness.browser();
  const rows: Array<[string, number]> = [
    ['/login', 200],
    ['/api/csrf', 200],
    ['/static/app.css', 200],
    ['/password-reset', 200],
    ['/public/invoices/no-such-token', 404],
  ];
  for (const [path, status] of rows) {
    const before = harness.received.length;
    const answer = await browser.get(path);
    assert.equal(answer.status, status, path);
    assert.equal(harness.received.length, before + 1, `${path} did not reach the app`);
  }
});
