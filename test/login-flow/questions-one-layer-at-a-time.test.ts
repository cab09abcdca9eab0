// Issue 5, S12: a user has TOTP or security questions or neither. Setting up one while the
// other is on is refused with a page saying to turn the other off first (and nothing is
// enrolled), from both sides; turning either off needs passing it; the pending login names
// the factor the user has. Passkeys are of TOTP's kind (issue 15): refused beside questions
// too (the browser suite refuses questions beside a passkey).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OUTBOX_INDEX } from '../../src/ops/audit-outbox.js';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, answerFields, answerStepUp, askedIn, postAnswerSet } from '../helpers/questions.js';

let harness: LoginHarness;
let browser: Browser;
let secret: string;

before(async () => {
  // Passkeys on (an origin WebAuthn accepts), so that refusing them is the rule, not their absence.
  harness = await startLoginHarness({ overrides: { passkeys: { origin: 'http://localhost:8080' } } });
  ({ browser, secret } = await harness.enrollAdmin());
});
after(() => harness.close());

const services = () => harness.gateway.login!;

test('TOTP on: setting up questions is refused, on the page and by a direct post', async () => {
  const page = await browser.get('/_gateway/account/questions');
  assert.equal(page.status, 409);
  assert.match(page.text, /Turn off two-factor authentication first/);
  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const fields = Object.fromEntries([...ANSWERS].map(([id, text]) => [`answer_${id}`, text]));
  const posted = await browser.post('/_gateway/account/questions', { csrf_token: csrf, ...fields });
  assert.equal(posted.status, 409);
  assert.equal(await services().questions.isEnrolled('alice'), false);
  assert.match(
    harness.logText(),
    /"event":"enrollment\.refused","user":"alice","reason":"totp is active","wanted":"questions"/,
  );
  const account = await browser.get('/_gateway/account');
  assert.match(account.text, /Security questions are off: only one second step can be on at a time/);
});

test('turning TOTP off (with a code) allows questions; then TOTP is refused the same way', async () => {
  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const off = await browser.post('/_gateway/account/disable', { csrf_token: csrf, code: harness.code(secret) });
  assert.match(off.text, /Two-factor authentication is <strong>off<\/strong>/);
  assert.equal((await postAnswerSet(browser, '/_gateway/account/questions')).status, 200);
  assert.equal(await services().questions.isEnrolled('alice'), true);
  // Each change's audit event is in the trail by the time its page is answered (issue 13).
  const kept = await services().auditTrail.recent({ user: 'alice', event: 'enrollment' });
  assert.deepEqual(
    kept.map((line) => line.event).filter((event) => event !== 'enrollment.refused'),
    ['enrollment.questions_enrolled', 'enrollment.totp_disabled', 'enrollment.totp_enrolled'],
  );
  assert.deepEqual(await services().store.orderedMembers(OUTBOX_INDEX), [], 'nothing left to recover');

  const page = await browser.get('/_gateway/account/enroll');
  assert.equal(page.status, 409);
  assert.match(page.text, /Turn off security questions first/);
  const posted = await browser.post('/_gateway/account/enroll', {
    csrf_token: await browser.gatewayCsrf('/_gateway/account'),
    code: '123456',
  });
  assert.equal(posted.status, 409);
  assert.equal(await services().totp.isEnrolled('alice'), false);
});

test('questions on: registering a passkey is refused, on the page and by a direct post', async () => {
  const page = await browser.get('/_gateway/account/passkeys');
  assert.equal(page.status, 409);
  assert.match(page.text, /Turn off security questions first/);
  const posted = await browser.post('/_gateway/account/passkeys', {
    csrf_token: await browser.gatewayCsrf('/_gateway/account'),
    passkey_response: '{}',
  });
  assert.equal(posted.status, 409);
  assert.equal(await services().passkeys.isEnrolled('alice'), false);
  assert.match(
    harness.logText(),
    /"event":"enrollment\.refused","user":"alice","reason":"questions is active","wanted":"passkey"/,
  );
});

test('the next login asks the questions, not a code', async () => {
  const other = harness.browser();
  assert.equal((await other.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const page = await other.get('/_gateway/step-up');
  assert.equal(askedIn(page.text).length, 2);
  assert.doesNotMatch(page.text, /name="code"/);
  assert.equal((await answerStepUp(other)).location, '/dashboard');
});

test('turning questions off needs the asked answers; then TOTP can be set up again', async () => {
  const account = await browser.get('/_gateway/account');
  const asked = askedIn(account.text, 'current');
  assert.equal(asked.length, 2);
  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const wrong = await browser.post('/_gateway/account/questions/disable', {
    csrf_token: csrf,
    ...answerFields(asked, 'current', ANSWERS, [asked[1] as string]),
  });
  assert.equal(wrong.status, 401);
  assert.match(wrong.text, /Those answers did not work/);
  assert.equal(await services().questions.isEnrolled('alice'), true);

  const right = await browser.post('/_gateway/account/questions/disable', {
    csrf_token: csrf,
    ...answerFields(asked, 'current'),
  });
  assert.equal(right.status, 200);
  assert.equal(await services().questions.isEnrolled('alice'), false);
  assert.match(harness.logText(), /"event":"enrollment\.questions_disabled","user":"alice","by":"user"/);
  assert.equal((await browser.get('/_gateway/account/enroll')).status, 200);
});
