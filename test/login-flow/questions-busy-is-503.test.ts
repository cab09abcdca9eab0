// Issue 5: when the argon2 runner is saturated (a login storm), a security-question check is
// refused with a 503 page, not a crash, a pass or a counted wrong answer; the gateway keeps
// serving and the same login passes once the runner has room again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PasswordHashBusyError } from '../../src/crypto/password-hash.js';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { answerFields, postAnswerSet, stepUpQuestions } from '../helpers/questions.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  assert.equal((await postAnswerSet(browser, '/_gateway/enroll/questions')).status, 302);
});
after(() => harness.close());

test('a saturated argon2 runner: 503 "too busy", no session, no failure counted; then it passes', async () => {
  const questions = harness.gateway.login!.questions;
  const verify = questions.verify;
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const { asked, csrf } = await stepUpQuestions(browser);
  questions.verify = () => Promise.reject(new PasswordHashBusyError('no argon2 turn within 5000 ms'));
  try {
    const busy = await browser.post('/_gateway/step-up', { csrf_token: csrf, ...answerFields(asked, 'answer') });
    assert.equal(busy.status, 503);
    assert.match(busy.text, /Too many sign-ins are being checked right now/);
    assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'still pending, no session');
  } finally {
    questions.verify = verify;
  }
  assert.doesNotMatch(harness.logText(), /"event":"step_up\.failed"/);
  assert.match(harness.logText(), /"error_code":"VERIFICATION_BUSY"/);
  const passed = await browser.post('/_gateway/step-up', { csrf_token: csrf, ...answerFields(asked, 'answer') });
  assert.equal(passed.location, '/dashboard');
});
