// S1 and S11: a login body the gateway cannot read unambiguously is refused before anything
// is forwarded, so the app can never read a different user than the gateway did: a
// duplicated username field (also spelled "user%6Eame", also in JSON), a username that is
// not a string, malformed JSON (400), an unexpected content type (415), a body over
// limits.login_body (413).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness({ overrides: { limits: { login_body: '1KB' } } });
});
after(() => harness.close());

const loginPosts = () =>
  harness.received.filter((r) => r.method === 'POST' && (r.url === '/login' || r.url === '/api/login')).length;

async function refused(browser: Browser, path: string, type: string | undefined, body: string, status: number) {
  const before = loginPosts();
  const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
  const answer = await browser.request('POST', path, { body, headers });
  assert.equal(answer.status, status, `${type} ${body.slice(0, 60)}`);
  assert.equal(loginPosts(), before, `${body.slice(0, 60)} was forwarded`);
  assert.equal(browser.cookies.has('gw_session'), false);
}

test('duplicated or non-string usernames: 400, not forwarded', async () => {
  const browser = harness.browser();
  const { csrf } = await browser.loginPage();
  const form = 'application/x-www-form-urlencoded';
  const json = 'application/json';
  const rows: Array<[string, string | undefined, string]> = [
    ['/login', form, `csrf_token=${csrf}&username=bob&username=alice&password=alice-password`],
    ['/login', form, `csrf_token=${csrf}&username=bob&user%6Eame=alice&password=alice-password`],
    ['/login', form, `csrf_token=${csrf}&password=alice-password`],
    ['/login', form, `csrf_token=${csrf}&username=ali%00ce&password=alice-password`],
    ['/api/login', json, '{"username":"bob","username":"alice","password":"alice-password"}'],
    ['/api/login', json, '{"username":"bob","user\\u006eame":"alice","password":"alice-password"}'],
    ['/api/login', json, '{"username":["alice"],"password":"alice-password"}'],
    ['/api/login', json, '{"username":{"$ne":null},"password":"alice-password"}'],
    ['/api/login', json, '[{"username":"alice","password":"alice-password"}]'],
    ['/api/login', json, '{"username":"alice",'],
  ];
  for (const [path, type, body] of rows) await refused(browser, path, type, body, 400);
});

test('an unexpected content type: 415, not forwarded', async () => {
  const browser = harness.browser();
  const body = 'username=alice&password=alice-password';
  for (const type of ['text/plain', 'application/xml', undefined]) {
    await refused(browser, '/login', type, body, 415);
  }
  // Multipart is read only when login.multipart says the app uses it (issue 11).
  await refused(browser, '/login', 'multipart/form-data; boundary=x', body, 400);
});

test('a body over limits.login_body: 413, not forwarded', async () => {
  const browser = harness.browser();
  const { csrf } = await browser.loginPage();
  const body = `csrf_token=${csrf}&username=alice&password=alice-password&pad=${'x'.repeat(2048)}`;
  await refused(browser, '/login', 'application/x-www-form-urlencoded', body, 413);
});
