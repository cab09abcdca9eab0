// Issue 5, S5, S10: an attacker who has the password cannot shop for security questions they
// know (neither reloading the page nor abandoning the login and starting again changes the
// questions), cannot answer a question that was not asked, cannot guess past the limits
// (pending login ended, user and address locked out), and cannot post without the CSRF token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, answerFields, answerStepUp, postAnswerSet, stepUpQuestions } from '../helpers/questions.js';

let harness: LoginHarness;
const PASSWORDS: Record<string, string> = { alice: ADMIN.password, bob: 'bob-password', carol: 'carol-password' };

/** A browser past the password of `user`, pending its second step. */
async function pending(user: string, headers?: Record<string, string>): Promise<Browser> {
  const browser = harness.browser();
  const answer = await browser.login(user, PASSWORDS[user] as string, { headers });
  assert.equal(answer.location, '/_gateway/step-up', `${user}: ${answer.status}`);
  return browser;
}

before(async () => {
  // 8 failures lock a user or an address; a pending login ends after 5 wrong answers.
  harness = await startLoginHarness({
    overrides: {
      trusted_proxies: ['127.0.0.1'],
      limits: { pending_attempts: 5, second_step: { failures: 8, user_failures: 8, window: '10m', duration: '15m' } },
    },
  });
  const alice = harness.browser();
  await alice.login(ADMIN.user, ADMIN.password);
  assert.equal((await postAnswerSet(alice, '/_gateway/enroll/questions')).status, 302);
  // Staff need no second step, but may turn questions on from the account page.
  for (const user of ['bob', 'carol']) {
    const browser = harness.browser();
    assert.equal((await browser.login(user, PASSWORDS[user] as string)).location, '/dashboard');
    assert.equal((await postAnswerSet(browser, '/_gateway/account/questions')).status, 200);
  }
});
after(() => harness.close());

test('reload-to-reshuffle: every reload of the step asks the same questions', async () => {
  const browser = await pending('alice');
  const { asked } = await stepUpQuestions(browser);
  for (let i = 0; i < 10; i++) assert.deepEqual((await stepUpQuestions(browser)).asked, asked);
});

test('abandon-and-restart-to-reshuffle: a new login asks the same questions until they are answered', async () => {
  const first = await pending('alice');
  const { asked } = await stepUpQuestions(first);
  assert.equal((await answerStepUp(first, ANSWERS, [asked[0] as string])).status, 401);
  for (let i = 0; i < 6; i++) {
    // Abandoned (or failed) logins, each with a new pending login and a new browser.
    assert.deepEqual((await stepUpQuestions(await pending('alice'))).asked, asked, `login ${i + 2}`);
  }
  const last = await pending('alice');
  assert.equal((await answerStepUp(last)).location, '/dashboard');
});

test('answering a question that was not asked fails, even with its right answer', async () => {
  const browser = await pending('bob');
  const { asked, csrf } = await stepUpQuestions(browser);
  const other = [...ANSWERS.keys()].find((id) => !asked.includes(id)) as string;
  const tries: Array<[string, Record<string, string>]> = [
    ['one asked and one other', answerFields([asked[0] as string, other], 'answer')],
    ['both asked and one more', answerFields([...asked, other], 'answer')],
    ['only one of the two', answerFields([asked[0] as string], 'answer')],
  ];
  for (const [label, fields] of tries) {
    const answer = await browser.post('/_gateway/step-up', { csrf_token: csrf, ...fields });
    assert.equal(answer.status, 401, label);
    assert.match(answer.text, /Those answers did not work/, label);
  }
  // A field given twice is no answer either (which of the two would count?).
  const right = answerFields(asked, 'answer');
  const doubled = `csrf_token=${csrf}&${new URLSearchParams(right)}&answer_${asked[0]}=x`;
  assert.equal((await browser.post('/_gateway/step-up', doubled)).status, 401);
  // Each was counted as a failed attempt of this pending login (4 of its 5), then the right answers pass.
  assert.match(harness.logText(), /"user":"bob","reason":"questions not_asked","attempts":4/);
  assert.equal((await browser.post('/_gateway/step-up', { csrf_token: csrf, ...right })).location, '/dashboard');
});

test('a missing or wrong CSRF token: 403, nothing counted or passed', async () => {
  const browser = await pending('bob');
  const { asked, csrf } = await stepUpQuestions(browser);
  const right = answerFields(asked, 'answer');
  for (const token of [{}, { csrf_token: '' }, { csrf_token: 'A'.repeat(43) }] as Array<Record<string, string>>) {
    const answer = await browser.post('/_gateway/step-up', { ...token, ...right });
    assert.equal(answer.status, 403);
    assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'still pending');
  }
  assert.deepEqual((await stepUpQuestions(browser)).asked, asked, 'still the same questions');
  assert.equal((await browser.post('/_gateway/step-up', { csrf_token: csrf, ...right })).location, '/dashboard');
});

test('guessing past the limit ends the pending login and locks the user out, not the address', async () => {
  const from = { 'x-forwarded-for': '203.0.113.50' };
  /** Posts `count` wrong guesses to a new pending login of carol; returns the last answer and the browser. */
  async function guesses(count: number) {
    const browser = await pending('carol', from);
    const { asked, csrf } = await stepUpQuestions(browser);
    let last: Awaited<ReturnType<Browser['request']>> | undefined;
    for (let n = 1; n <= count; n++) {
      last = await browser.request('POST', '/_gateway/step-up', {
        form: { csrf_token: csrf, ...Object.fromEntries(asked.map((id) => [`answer_${id}`, `guess ${n}`])) },
        headers: from,
      });
      if (n < count) assert.equal(last.status, 401, `guess ${n}`);
    }
    return { browser, last: last as NonNullable<typeof last> };
  }
  // Five wrong answers end one pending login (limits.pending_attempts)...
  const first = await guesses(5);
  assert.equal(first.last.status, 401);
  assert.match(first.last.text, /Too many wrong answers/);
  assert.equal(first.browser.cookies.has('gw_session'), false, 'the pending login is over');
  // ...and three more on the next reach 8 failures: the user is locked out (S15: one person's
  // failures do not lock the address for others).
  const second = await guesses(3);
  assert.match(second.last.text, /Too many wrong answers/);

  const posts = harness.receivedAt('/login').filter((r) => r.method === 'POST').length;
  const again = await harness.browser().login('carol', PASSWORDS.carol as string, { headers: from });
  assert.equal(again.status, 429, 'the user is locked out');
  const elsewhere = await harness.browser().login('carol', PASSWORDS.carol as string, {
    headers: { 'x-forwarded-for': '203.0.113.51' },
  });
  assert.equal(elsewhere.status, 429, 'from any address');
  assert.equal(harness.receivedAt('/login').filter((r) => r.method === 'POST').length, posts, 'no password forwarded');
  const sameAddress = await harness.browser().login('bob', PASSWORDS.bob as string, { headers: from });
  assert.equal(sameAddress.status, 303, 'not the address: another user signs in from it');
  const log = harness.logText();
  assert.match(log, /"event":"step_up\.abandoned","user":"carol"/);
  assert.match(log, /"event":"lockout\.started","user":"carol"/);
});
