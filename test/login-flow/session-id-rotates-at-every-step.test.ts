// S4: the session id changes at every step (anonymous -> pending -> full, and at a new login
// over an old session), and what the browser held before a step is useless after it: the
// pending cookie after its promotion, the previous session after a new login.
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

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness();
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

const idOf = (cookie: string | undefined) => cookie?.slice(1, cookie.indexOf('.'));

function holding(cookie: string): Browser {
  const browser = harness.browser();
  browser.cookies.set('gw_session', cookie);
  return browser;
}

test('anonymous -> pending -> full: three different cookies, the earlier ones dead', async () => {
  const browser = harness.browser();
  await browser.get('/login');
  const anonymous = browser.cookies.get('gw_session_anon');
  assert.ok(anonymous);

  await browser.login(ADMIN.user, ADMIN.password);
  const pending = browser.cookies.get('gw_session') as string;
  assert.equal(browser.cookies.has('gw_session_anon'), false);
  assert.ok(pending.startsWith('p'));

  assert.equal((await browser.stepUp(harness.code(secret))).location, '/dashboard');
  const full = browser.cookies.get('gw_session') as string;
  assert.ok(full.startsWith('s'));
  assert.notEqual(idOf(full), idOf(pending));
  assert.equal(await harness.gateway.login?.records.getPending(idOf(pending) as string), undefined);

  // The pending cookie after its promotion: no second step to take, no page, no second session.
  const form = browser.answers.find((answer) => answer.path === '/_gateway/step-up' && answer.method === 'GET');
  const csrf = formField(form?.text ?? '', 'csrf_token') as string;
  harness.clock.advance(30_000);
  const stale = holding(pending);
  const step = await stale.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) });
  assert.equal(step.status, 401);
  assert.match(step.text, /sign in again/i);
  assert.equal(stale.cookies.has('gw_session'), false);
  assert.equal((await holding(pending).get('/dashboard')).location, '/login?next=%2Fdashboard');
  assert.equal((await holding(pending).getJson('/api/me')).status, 401);
});

test('a login from a browser that holds a live session gets a new id and ends the old one', async () => {
  const first = harness.browser();
  await first.login(STAFF.user, STAFF.password);
  const old = first.cookies.get('gw_session') as string;

  // A browser on the login form that still holds that session cookie (the app would redirect
  // a signed-in visitor away from its form, so the form comes first).
  const browser = harness.browser();
  const { csrf } = await browser.loginPage();
  browser.cookies.set('gw_session', old);
  const login = await browser.post('/login', { csrf_token: csrf, username: STAFF.user, password: STAFF.password });
  assert.equal(login.status, 302);
  const fresh = browser.cookies.get('gw_session') as string;
  assert.notEqual(idOf(fresh), idOf(old));
  assert.equal((await holding(fresh).get('/dashboard')).status, 200);
  assert.equal((await holding(old).get('/dashboard')).location, '/login?next=%2Fdashboard');
});
