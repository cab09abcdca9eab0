// Issue 5 point 5, S12: changing the answers needs the right answers to the questions asked at
// that moment; until a complete new set is saved the previous one stays in force, and once it
// is, only the new answers work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, answerFields, answerStepUp, askedIn, NEW_ANSWERS, postAnswerSet } from '../helpers/questions.js';

let harness: LoginHarness;
let browser: Browser;
const BOB = { user: 'bob', password: 'bob-password' };

before(async () => {
  harness = await startLoginHarness();
  browser = harness.browser();
  await browser.login(BOB.user, BOB.password);
  assert.equal((await postAnswerSet(browser, '/_gateway/account/questions')).status, 200);
});
after(() => harness.close());

/** Posts the change form: the new set, and the answers to the 2 current questions (the one at `wrongIndex` wrong). */
async function change(newSet: ReadonlyMap<string, string>, wrongIndex?: number) {
  const page = await browser.get('/_gateway/account/questions');
  assert.equal(page.status, 200);
  const current = askedIn(page.text, 'current');
  assert.equal(current.length, 2, 'the change form asks 2 current questions');
  assert.equal(askedIn(page.text, 'answer').length, 8, 'and offers all 8 for the new set');
  const fields = Object.fromEntries([...newSet].map(([id, text]) => [`answer_${id}`, text]));
  return browser.post('/_gateway/account/questions', {
    csrf_token: formField(page.text, 'csrf_token') as string,
    ...fields,
    ...answerFields(
      current,
      'current',
      ANSWERS,
      current.filter((_, i) => i === wrongIndex),
    ),
  });
}

/** A new login of bob, answered with `answers`; true when it passed. */
async function logsInWith(answers: ReadonlyMap<string, string>): Promise<boolean> {
  const other = harness.browser();
  assert.equal((await other.login(BOB.user, BOB.password)).location, '/_gateway/step-up');
  return (await answerStepUp(other, answers)).location === '/dashboard';
}

test('a wrong current answer: refused, the new answers kept on the page, the old set still in force', async () => {
  const refused = await change(NEW_ANSWERS, 1);
  assert.equal(refused.status, 401);
  assert.match(refused.text, /Those answers did not work/);
  assert.ok(refused.text.includes('value="Jules Ferry"'), 'the new answers are kept on the page');
  assert.doesNotMatch(refused.text, /name="current_[^"]+" [^>]*value=/, 'the current answers are not');
  assert.match(harness.logText(), /"event":"step_up\.failed","user":"bob","reason":"questions change wrong"/);
  assert.equal(await logsInWith(ANSWERS), true);
});

test('an incomplete new set is refused before the current answers are checked', async () => {
  const before = (harness.logText().match(/"event":"step_up\.failed"/g) ?? []).length;
  const refused = await change(new Map([...NEW_ANSWERS].slice(0, 3)));
  assert.equal(refused.status, 400);
  assert.match(refused.text, /Please answer at least 5 questions/);
  assert.equal((harness.logText().match(/"event":"step_up\.failed"/g) ?? []).length, before, 'no check spent');
  assert.equal(await logsInWith(ANSWERS), true);
});

test('the right current answers save the new set whole: the old answers stop working', async () => {
  const saved = await change(NEW_ANSWERS);
  assert.equal(saved.status, 200);
  assert.match(saved.text, /Security questions are <strong>on<\/strong>/);
  assert.match(harness.logText(), /"event":"enrollment\.questions_changed","user":"bob"/);
  assert.deepEqual((await harness.gateway.login!.questions.answered('bob')).sort(), [...NEW_ANSWERS.keys()].sort());
  assert.equal(await logsInWith(ANSWERS), false, 'the old answers');
  assert.equal(await logsInWith(NEW_ANSWERS), true, 'the new answers');
});
