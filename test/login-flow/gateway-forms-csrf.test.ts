// S10: every gateway form needs a CSRF token bound to its own pending login or session. A
// form posted without one, with a wrong one, or with another login's gets 403 and changes
// nothing: no step passed or spent, no enrollment, no logout, no factor removed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

async function refused(browser: Browser, path: string, fields: Record<string, string>, label: string) {
  const before = browser.cookies.get('gw_session');
  const answer = await browser.post(path, fields);
  assert.equal(answer.status, 403, label);
  assert.match(answer.text, /Form expired/, label);
  assert.equal(browser.cookies.get('gw_session'), before, `${label}: the cookie changed`);
}

const BAD_TOKENS: Array<[string, Record<string, string>]> = [
  ['no token', {}],
  ['an empty token', { csrf_token: '' }],
  ['a wrong token', { csrf_token: 'A'.repeat(43) }],
];

let secret: string;

test('enrollment: refused without its token, nothing enrolled', async () => {
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const page = await browser.get('/_gateway/enroll');
  const candidate = /id="totp-secret">([^<]+)</.exec(page.text)?.[1] as string;
  for (const [label, token] of BAD_TOKENS) {
    await refused(browser, '/_gateway/enroll', { ...token, code: harness.code(candidate) }, label);
  }
  assert.equal(await harness.gateway.login?.totp.isEnrolled('alice'), false);
  ({ secret } = await browser.enroll());
  assert.equal(secret, candidate);
  harness.clock.advance(30_000);
});

test("step-up: refused without its token or with another login's; the code is not spent", async () => {
  const [one, two] = [harness.browser(), harness.browser()];
  await one.login(ADMIN.user, ADMIN.password);
  await two.login(ADMIN.user, ADMIN.password);
  const tokenOfOne = await one.gatewayCsrf('/_gateway/step-up');
  const code = harness.code(secret);
  for (const [label, token] of [
    ...BAD_TOKENS,
    ['the other pending login’s token', { csrf_token: tokenOfOne }],
  ] as const) {
    await refused(two, '/_gateway/step-up', { ...token, code }, label);
  }
  assert.ok(two.cookies.get('gw_session')?.startsWith('p'), 'still pending');
  // The same code, with the right token: it was never spent by the refused posts.
  assert.equal((await two.stepUp(code)).location, '/dashboard');
});

test('logout and disabling the factor: refused without the session’s token', async () => {
  harness.clock.advance(30_000);
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const pendingToken = await browser.gatewayCsrf('/_gateway/step-up');
  await browser.stepUp(harness.code(secret));
  harness.clock.advance(30_000);

  const wrongKind = { csrf_token: pendingToken };
  for (const [label, token] of [...BAD_TOKENS, ['the pending login’s token', wrongKind]] as const) {
    await refused(browser, '/_gateway/logout', token, `logout, ${label}`);
    await refused(browser, '/_gateway/account/disable', { ...token, code: harness.code(secret) }, `disable, ${label}`);
  }
  assert.equal((await browser.get('/dashboard')).status, 200, 'still signed in');
  assert.equal(await harness.gateway.login?.totp.isEnrolled('alice'), true, 'still enrolled');
});
