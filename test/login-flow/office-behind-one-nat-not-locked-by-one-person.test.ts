// S15: an office behind one NAT shares one address. One person's wrong passwords or wrong codes
// lock that person at that address (and nobody else): colleagues behind the same address keep
// signing in, and the person can still sign in from home. The refusal says how long to wait.
// Client addresses come through a trusted proxy's X-Forwarded-For.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;
const OFFICE = { 'x-forwarded-for': '203.0.113.80' };
const HOME = { 'x-forwarded-for': '198.51.100.81' };
const CAROL = { user: 'carol', password: 'carol-password' };

before(async () => {
  harness = await startLoginHarness({
    overrides: {
      trusted_proxies: ['127.0.0.1'],
      limits: {
        second_step: { failures: 3, user_failures: 6 },
        password: { failures: 3, user_failures: 6 },
      },
    },
  });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

const loginPosts = () => harness.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

test("one person's wrong passwords lock that person at the office, not colleagues", async () => {
  for (let i = 0; i < 3; i++) {
    const typo = await harness.browser().login(STAFF.user, 'bob-pasword', { headers: OFFICE });
    assert.match(typo.text, /Invalid username or password/, `typo ${i + 1}`);
  }
  const posts = loginPosts();
  const locked = await harness.browser().login(STAFF.user, STAFF.password, { headers: OFFICE });
  assert.equal(locked.status, 429);
  assert.equal(loginPosts(), posts, 'the password was not forwarded');
  assert.match(locked.text, /Try again in about 15 minutes\./);
  assert.equal(locked.headers['retry-after'], '900');

  const colleague = await harness.browser().login(CAROL.user, CAROL.password, { headers: OFFICE });
  assert.equal(colleague.location, '/dashboard', 'a colleague behind the same address signs in');
  const home = await harness.browser().login(STAFF.user, STAFF.password, { headers: HOME });
  assert.equal(home.location, '/dashboard', 'and the same person from home');
});

test("one person's wrong codes lock that person at the office, not colleagues", async () => {
  async function wrongCode(): Promise<Browser> {
    const browser = harness.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password, { headers: OFFICE })).location, '/_gateway/step-up');
    const csrf = await browser.gatewayCsrf('/_gateway/step-up');
    const wrong = String((Number(harness.code(secret)) + 1) % 1_000_000).padStart(6, '0');
    await browser.request('POST', '/_gateway/step-up', { form: { csrf_token: csrf, code: wrong }, headers: OFFICE });
    return browser;
  }
  for (let i = 0; i < 3; i++) await wrongCode();
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password, { headers: OFFICE })).status, 429);

  const colleague = await harness.browser().login(CAROL.user, CAROL.password, { headers: OFFICE });
  assert.equal(colleague.location, '/dashboard');
  const home = harness.browser();
  assert.equal((await home.login(ADMIN.user, ADMIN.password, { headers: HOME })).location, '/_gateway/step-up');
  const csrf = await home.gatewayCsrf('/_gateway/step-up');
  const passed = await home.request('POST', '/_gateway/step-up', {
    form: { csrf_token: csrf, code: harness.code(secret) },
    headers: HOME,
  });
  assert.equal(passed.location, '/dashboard');
});
