// A set of answers the page accepted can still be refused by the save, which checks it under the
// rules of that moment: an operator's reload may have raised the shortest answer since. The page
// then says what is wrong with the answers (400, the set kept on the form), not "turn off TOTP
// first", which sent a user without TOTP looking for a factor they do not have.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LoginServices } from '../../src/session/services.js';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, postAnswerSet } from '../helpers/questions.js';

let harness: LoginHarness;
let services: LoginServices;

before(async () => {
  harness = await startLoginHarness({ liveConfig: true });
  services = harness.gateway.login as LoginServices;
  // The reload lands after the page checked the answers, just before they are saved.
  const save = services.questions.save;
  services.questions.save = async (...args) => {
    await harness.editConfig({ questions: { min_answer_length: 8 } });
    return save(...args);
  };
});
after(() => harness?.close());

test('answers too short under the rules reloaded meanwhile: the page says so, and nothing is saved', async () => {
  const browser = harness.browser();
  await browser.login('bob', 'bob-password');
  // "Rex" and "Astérix" pass the 3 characters the page checked, not the 8 of the save.
  const refused = await postAnswerSet(browser, '/_gateway/account/questions', ANSWERS);
  assert.equal(refused.status, 400);
  assert.match(refused.text, /Each answer needs at least 8 characters/);
  assert.doesNotMatch(refused.text, /Turn off/);
  assert.ok(refused.text.includes('value="Elm Street"'), 'the answers are kept on the page');
  assert.equal(await services.questions.isEnrolled('bob'), false);
  assert.doesNotMatch(harness.logText(), /"event":"enrollment\.questions_enrolled"/);
});
