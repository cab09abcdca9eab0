// Issue 15: an admin who holds security questions after the operator allowed admins only
// `factors: [totp, passkey]` needs no operator reset. The login asks their questions as ever
// (never weaker than what they hold); once passed, they must enroll TOTP before any session
// exists (the app stays out of reach whatever they open), and the enrollment replaces the
// questions in one write: they end with a full session and TOTP only. Wrong answers never reach
// the enrollment.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LoginServices } from '../../src/session/services.js';
import { PASSKEYS_ON } from '../helpers/factor-records.js';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, answerStepUp, askedIn } from '../helpers/questions.js';

let harness: LoginHarness;
let services: LoginServices;

before(async () => {
  harness = await startLoginHarness({
    overrides: { ...PASSKEYS_ON, policy: { admin: { second_step: 'required', factors: ['totp', 'passkey'] } } },
  });
  services = harness.gateway.login as LoginServices;
  // Enrolled while the policy still allowed them.
  assert.equal(await services.questions.save(ADMIN.user, ANSWERS), undefined);
});
after(() => harness?.close());

/** The audit events of the log so far, in order, for the admin. */
function auditEvents(): string[] {
  return harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"audit":true') && line.includes(`"user":"${ADMIN.user}"`))
    .map((line) => (JSON.parse(line) as { event: string }).event);
}

/** Asserts the browser's pending login reaches neither the app nor a session: it goes back to `step`. */
async function appOutOfReach(browser: Browser, step: string): Promise<void> {
  const before = harness.receivedAt('/dashboard').length;
  const page = await browser.get('/dashboard');
  assert.equal(page.status, 303);
  assert.equal(page.location, '/_gateway/step-up');
  assert.equal((await browser.getJson('/api/invoices')).status, 401);
  assert.equal(harness.receivedAt('/dashboard').length, before, 'the app is not reached');
  const stepUp = await browser.get('/_gateway/step-up');
  if (step === '/_gateway/step-up') assert.equal(stepUp.status, 200);
  else assert.equal(stepUp.location, step);
  assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'still a pending login');
}

test('wrong answers do not reach the enrollment', async () => {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const page = await browser.get('/_gateway/step-up');
  assert.equal(askedIn(page.text).length, 2, 'the questions are asked as usual');
  assert.match(page.text, /no longer allows security questions/);
  assert.doesNotMatch(page.text, /trust_browser/, 'a replacement trusts no browser');

  const wrong = await answerStepUp(browser, ANSWERS, askedIn(page.text).slice(0, 1));
  assert.equal(wrong.status, 401);
  await appOutOfReach(browser, '/_gateway/step-up');
  const enroll = await browser.get('/_gateway/enroll');
  assert.equal(enroll.status, 401, 'no enrollment form for a login that has not passed');
  assert.doesNotMatch(enroll.text, /totp-secret/);
  assert.equal(await services.totp.isEnrolled(ADMIN.user), false);
  assert.equal(await services.questions.isEnrolled(ADMIN.user), true);
  assert.ok(!auditEvents().includes('enrollment.replacement_started'));
});

test('passed questions lead to a TOTP enrollment that replaces them, then a full session', async () => {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const pendingBefore = browser.cookies.get('gw_session');
  const passed = await answerStepUp(browser);
  assert.equal(passed.status, 303);
  assert.equal(passed.location, '/_gateway/enroll');
  assert.notEqual(browser.cookies.get('gw_session'), pendingBefore, 'a new pending login (S4)');

  // Navigating away skips nothing: every path leads back to the enrollment.
  await appOutOfReach(browser, '/_gateway/enroll');
  const form = await browser.get('/_gateway/enroll');
  assert.equal(form.status, 200);
  assert.doesNotMatch(form.text, /security questions instead|passkey instead/, 'only what may replace them');
  assert.equal(await services.questions.isEnrolled(ADMIN.user), true, 'kept until the enrollment is written');

  const { secret, recoveryCodes, answer } = await browser.enroll();
  assert.equal(answer.status, 200);
  assert.equal(recoveryCodes.length, 10);
  assert.ok(browser.cookies.get('gw_session')?.startsWith('s'), 'a full session');
  assert.equal((await browser.get('/dashboard')).status, 200);

  assert.equal(await services.totp.isEnrolled(ADMIN.user), true);
  assert.equal(await services.questions.isEnrolled(ADMIN.user), false);
  assert.equal(await services.store.get('questions:asked:{u:alice}'), undefined, 'the asked pair went too');
  assert.equal(await services.recovery.remaining(ADMIN.user), 10);
  const events = auditEvents();
  const order = ['enrollment.replacement_started', 'enrollment.totp_enrolled', 'enrollment.replaced', 'step_up.passed'];
  assert.deepEqual(
    events.filter((event) => order.includes(event)),
    order,
  );

  // The next login asks for the code, no more for the questions.
  harness.clock.advance(30_000);
  const next = harness.browser();
  assert.equal((await next.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  assert.equal((await next.stepUp(harness.code(secret))).location, '/dashboard');
});
