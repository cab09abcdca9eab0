// S15: credential stuffing, many usernames tried from one address, locks that address for
// everyone once address_users distinct users have failed from it: even a right password from
// there is refused before it reaches the app. The users themselves are not locked elsewhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
const STUFFER = { 'x-forwarded-for': '192.0.2.66' };

before(async () => {
  harness = await startLoginHarness({
    overrides: { trusted_proxies: ['127.0.0.1'], limits: { password: { failures: 3, address_users: 5 } } },
  });
});
after(() => harness.close());

const loginPosts = () => harness.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

test('many names failing from one address lock the address for everyone', async () => {
  for (const name of ['admin', 'root', 'test', 'bob']) {
    const answer = await harness.browser().login(name, 'Winter2026!', { headers: STUFFER });
    assert.match(answer.text, /Invalid username or password/, name);
  }
  // Four distinct users: not yet. A fifth locks the address.
  assert.equal((await harness.browser().login('carol', 'Winter2026!', { headers: STUFFER })).status, 200);
  const posts = loginPosts();
  const refused = await harness.browser().login(STAFF.user, STAFF.password, { headers: STUFFER });
  assert.equal(refused.status, 429);
  assert.equal(loginPosts(), posts, 'not forwarded');
  assert.match(harness.logText(), /"event":"lockout\.started".*"subjects":\["address:192\.0\.2\.66"\]/);

  const elsewhere = await harness.browser().login(STAFF.user, STAFF.password, {
    headers: { 'x-forwarded-for': '192.0.2.67' },
  });
  assert.equal(elsewhere.location, '/dashboard', 'the users are not locked elsewhere');
});
