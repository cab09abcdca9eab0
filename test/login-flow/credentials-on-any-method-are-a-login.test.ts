// Issue 11, item 1 (S1): an app as lenient as PHP's $_REQUEST or Flask's request.values checks a
// password sent in the query of a GET, or in the body of any method. Such a request to a login
// path (in any spelling) is a login for the gateway: the allowlist and the lockouts are checked
// before anything is forwarded, the answer is classified and withheld behind the second step.
// A password alone, with no username to check, is refused (400). A GET of the login page
// without a credential field stays a page view.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

const ADMIN = { user: 'alice@corp.example', password: 'alice-password' };
const STAFF = { user: 'bob@corp.example', password: 'bob-password' };

before(async () => {
  harness = await startLoginHarness({
    lenientApp: true,
    overrides: {
      users: { admins: [ADMIN.user], roles: { [STAFF.user]: 'staff' } },
      // The test's client (127.0.0.1) is outside the staff list.
      allowlists: { lists: { staff: [{ cidr: '192.0.2.0/24', note: 'office' }] } },
    },
  });
});
after(() => harness.close());

/** Requests to the app's login path that got past the gateway, in any spelling, other than the page itself. */
const credentialsForwarded = () => harness.received.filter((r) => /^\/login\?.*(username|password)=/i.test(r.url));

async function withToken(browser: Browser, query: Record<string, string>): Promise<string> {
  const { csrf } = await browser.loginPage();
  return new URLSearchParams({ ...query, csrf_token: csrf }).toString();
}

test('a GET with credentials in the query is a login: the app answer is withheld behind the second step', async () => {
  const browser = harness.browser();
  const query = await withToken(browser, { username: ADMIN.user, password: ADMIN.password });
  const answer = await browser.get(`/login?${query}`);
  assert.equal(answer.status, 303);
  assert.equal(answer.location, '/_gateway/enroll');
  assert.equal(credentialsForwarded().length, 1, 'the app checked the password once');
  assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'a pending login, not the app session');
  assert.equal((await browser.get('/dashboard')).location, '/_gateway/step-up');
});

test('other spellings of the login path and other methods are logins too', async () => {
  for (const [method, path] of [
    ['GET', '/LOGIN'],
    ['GET', '/login/'],
    ['HEAD', '/login'],
    ['PUT', '/login'],
  ] as const) {
    const browser = harness.browser();
    const query = await withToken(browser, { username: STAFF.user, password: STAFF.password });
    const before = harness.received.length;
    const answer = await browser.request(method, `${path}?${query}`);
    assert.equal(answer.status, 403, `${method} ${path}: staff outside the list refused`);
    assert.equal(harness.received.length, before, `${method} ${path}: nothing forwarded`);
  }
});

test('credentials in the body of a GET are a login', async () => {
  const browser = harness.browser();
  const body = await withToken(browser, { username: STAFF.user, password: STAFF.password });
  const before = harness.received.length;
  const answer = await browser.request('GET', '/login', {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(answer.status, 403);
  assert.equal(harness.received.length, before);
});

test('a wrong password by GET counts as a failed login', async () => {
  const browser = harness.browser();
  const query = await withToken(browser, { username: ADMIN.user, password: 'wrong' });
  const answer = await browser.get(`/login?${query}`);
  assert.equal(answer.status, 200);
  assert.match(answer.text, /Invalid username or password/);
  assert.match(harness.logText(), /"event":"login.password_failed"[^\n]*"user":"alice@corp.example"/);
});

test('a password with no username to check is refused, not forwarded', async () => {
  const browser = harness.browser();
  const query = await withToken(browser, { password: ADMIN.password });
  const before = harness.received.length;
  const answer = await browser.get(`/login?${query}`);
  assert.equal(answer.status, 400);
  assert.equal(harness.received.length, before);
});

test('the login page without a credential field stays a page view', async () => {
  const browser = harness.browser();
  const answer = await browser.get('/login?next=%2Finvoices');
  assert.equal(answer.status, 200);
  assert.match(answer.text, /name="csrf_token"/);
  assert.equal(browser.cookies.has('gw_session'), false);
});
