// Issue 5: an admin who owes a second step picks security questions instead of an app, answers
// 5 of the 8 (a refused set keeps what was typed), and gets the withheld session; every later
// login asks 2 of the answered questions, both must be right, a wrong answer gets one generic
// message, and nothing typed reaches the log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, answerStepUp, askedIn, postAnswerSet, stepUpQuestions } from '../helpers/questions.js';

let harness: LoginHarness;
const GENERIC_FAILURE = 'Those answers did not work. Please try again.';

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

test('first login: the enrollment offers questions; 5 answers turn them on and release the session', async () => {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
  const choice = await browser.get('/_gateway/enroll');
  assert.match(choice.text, /href="\/_gateway\/enroll\/questions"/, 'the TOTP page offers questions instead');

  const page = await browser.get('/_gateway/enroll/questions');
  assert.equal(page.status, 200);
  assert.equal(askedIn(page.text).length, 8, 'all 8 questions are listed');

  // Four answers are not enough: the same page says so, with what was typed still in the fields.
  const four = new Map([...ANSWERS].slice(0, 4));
  const refused = await postAnswerSet(browser, '/_gateway/enroll/questions', four);
  assert.equal(refused.status, 400);
  assert.match(refused.text, /Please answer at least 5 questions/);
  for (const text of four.values()) assert.ok(refused.text.includes(`value="${text}"`), `"${text}" kept`);
  const duplicate = await postAnswerSet(
    browser,
    '/_gateway/enroll/questions',
    new Map([...ANSWERS, ['first-car', 'REX!']]),
  );
  assert.equal(duplicate.status, 400);
  assert.match(duplicate.text, /Each answer must be different/);
  assert.equal(await harness.gateway.login?.questions.isEnrolled('alice'), false);

  const enrolled = await postAnswerSet(browser, '/_gateway/enroll/questions');
  assert.equal(enrolled.status, 302, "the app's withheld answer is replayed");
  assert.equal(enrolled.location, '/dashboard');
  assert.ok(browser.cookies.get('gw_session')?.startsWith('s'), 'a full session');
  assert.equal((await browser.get('/dashboard')).status, 200);
  assert.equal(await harness.gateway.login?.questions.isEnrolled('alice'), true);
  assert.equal(await harness.gateway.login?.totp.isEnrolled('alice'), false);
});

test('a later login asks 2 answered questions; the right answers pass (case and spacing forgiven)', async () => {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const { asked } = await stepUpQuestions(browser);
  assert.equal(asked.length, 2);
  assert.notEqual(asked[0], asked[1]);
  for (const id of asked) assert.ok(ANSWERS.has(id), `${id} was answered`);
  const typed = new Map([...ANSWERS].map(([id, text]) => [id, `  ${text.toUpperCase()}.`]));
  const passed = await answerStepUp(browser, typed);
  assert.equal(passed.location, '/dashboard');
  assert.equal((await browser.get('/dashboard')).status, 200);
});

test('one wrong answer of the two: the generic message, no session, whichever was wrong', async () => {
  const pages = new Set<string>();
  for (const index of [0, 1]) {
    const browser = harness.browser();
    await browser.login(ADMIN.user, ADMIN.password);
    const { asked } = await stepUpQuestions(browser);
    const failed = await answerStepUp(browser, ANSWERS, [asked[index] as string]);
    assert.equal(failed.status, 401);
    assert.ok(failed.text.includes(GENERIC_FAILURE));
    assert.deepEqual(askedIn(failed.text), asked, 'the same questions are asked again');
    // The count of tries left goes down by one each time; the rest of the page is the same.
    pages.add(failed.text.replace(/value="[^"]*"/g, '').replace(/\d+ (try|tries) left/, 'N tries left'));
    assert.ok(browser.cookies.get('gw_session')?.startsWith('p'), 'still pending');
    assert.equal((await browser.getJson('/api/invoices')).status, 401);
  }
  assert.equal(pages.size, 1, 'the page does not say which answer was wrong');
});

test('audit events name the outcome and method; no answer is ever logged', () => {
  const log = harness.logText();
  assert.match(log, /"event":"enrollment\.questions_enrolled"/);
  assert.match(log, /"event":"step_up\.passed","user":"alice","method":"questions"/);
  assert.match(log, /"event":"step_up\.failed","user":"alice","reason":"questions wrong"/);
  for (const text of ANSWERS.values()) {
    assert.ok(!log.toLowerCase().includes(text.toLowerCase()), `"${text}" is in the log`);
  }
});
