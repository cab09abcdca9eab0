// S14, S15 (issue 12.3): a mistyped password can be typed again on the page the app answered
// with. The failed login leaves the visitor's app cookies as the app set them (its CSRF cookie
// stays in the sealed anonymous vault: only a successful login claims them), and each failure
// counts exactly once towards the password limits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, formField, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

const ADDRESS = '127.0.0.1';

/** The password limits' counts for a user at the test's address, read where the regulator keeps them. */
async function failureCounts(user: string): Promise<{ pair: number; user: number }> {
  const store = harness.gateway.login?.store;
  assert.ok(store, 'the login layer is configured');
  const count = async (key: string) => Number((await store.get(key)) ?? 0);
  return {
    pair: await count(`fails:password:pair:${ADDRESS} ${user}`),
    user: await count(`fails:password:user:${user}`),
  };
}

/** Posts the login form as the page in hand shows it: its CSRF token, the name and a password. */
function submitShownForm(browser: Browser, html: string, user: string, password: string) {
  const csrf = formField(html, 'csrf_token');
  assert.ok(csrf, 'the page shows the login form with its CSRF token');
  return browser.post('/login', { csrf_token: csrf, username: user, password });
}

test('a mistyped password, then the right one on the page the app answered with, signs in', async () => {
  const browser = harness.browser();
  const { answer: page } = await browser.loginPage();

  const typo = await submitShownForm(browser, page.text, STAFF.user, `${STAFF.password}x`);
  assert.equal(typo.status, 200, 'the app re-renders its form');
  assert.match(typo.text, /Invalid username or password/);
  assert.deepEqual(await failureCounts(STAFF.user), { pair: 1, user: 1 }, 'the typo counts once');

  const retry = await submitShownForm(browser, typo.text, STAFF.user, STAFF.password);
  assert.equal(retry.status, 302, `the retry is not refused by the app's CSRF check: ${retry.text.slice(0, 200)}`);
  assert.equal(retry.location, '/dashboard');
  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.text, new RegExp(STAFF.user));
  assert.deepEqual(await failureCounts(STAFF.user), { pair: 0, user: 0 }, 'a success forgets the failures');
});

test('each failed login counts exactly once, and the form keeps working between them', async () => {
  const browser = harness.browser();
  let { text } = (await browser.loginPage()).answer;
  for (let failures = 1; failures <= 3; failures++) {
    const answer = await submitShownForm(browser, text, 'carol', `wrong-${failures}`);
    assert.equal(answer.status, 200, `failure ${failures} is the app's own answer, not a CSRF refusal`);
    assert.match(answer.text, /Invalid username or password/);
    assert.deepEqual(await failureCounts('carol'), { pair: failures, user: failures });
    text = answer.text;
  }
});
