// Issue 5, S12: a first enrollment of security questions follows enrollment.first like TOTP's:
// with `code` it needs the operator's one-time code (a wrong one enrolls nothing, and an answer
// set that is refused does not spend the code); with `networks` it is refused elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueEnrollCode } from '../../src/factors/enroll-codes.js';
import { ADMIN, startLoginHarness } from '../helpers/login-harness.js';
import { ANSWERS, postAnswerSet } from '../helpers/questions.js';

test('enrollment.first: code — the code is asked, checked, and spent only by a saved set', async (t) => {
  const harness = await startLoginHarness({ overrides: { enrollment: { first: 'code' } } });
  t.after(() => harness.close());
  const services = harness.gateway.login!;
  const code = await issueEnrollCode(services.store, services.keys.digest, 'alice');
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  const page = await browser.get('/_gateway/enroll/questions');
  assert.match(page.text, /name="enroll_code"/);

  const wrong = await postAnswerSet(browser, '/_gateway/enroll/questions', ANSWERS, {
    enroll_code: 'AAAAAAAAAA-AAAAAAAAAA',
  });
  assert.equal(wrong.status, 401);
  assert.match(wrong.text, /That enrollment code did not work/);
  const tooFew = await postAnswerSet(browser, '/_gateway/enroll/questions', new Map([...ANSWERS].slice(0, 2)), {
    enroll_code: code,
  });
  assert.equal(tooFew.status, 400, 'a refused set is refused before the code is checked');
  assert.equal(await services.questions.isEnrolled('alice'), false);

  const right = await postAnswerSet(browser, '/_gateway/enroll/questions', ANSWERS, { enroll_code: code });
  assert.equal(right.location, '/dashboard');
  assert.equal(await services.questions.isEnrolled('alice'), true);
});

test('enrollment.first: networks — refused from an address outside them', async (t) => {
  const harness = await startLoginHarness({
    overrides: { enrollment: { first: 'networks', networks: ['10.0.0.0/8'] } },
  });
  t.after(() => harness.close());
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  assert.equal((await browser.get('/_gateway/enroll/questions')).status, 403);
  const fields = Object.fromEntries([...ANSWERS].map(([id, text]) => [`answer_${id}`, text]));
  const posted = await browser.post('/_gateway/enroll/questions', fields);
  assert.equal(posted.status, 403);
  assert.match(posted.text, /not allowed from here/, 'refused for the network, before the form is read');
  assert.equal(await harness.gateway.login!.questions.isEnrolled('alice'), false);
  assert.match(harness.logText(), /"event":"enrollment\.refused","user":"alice","reason":"network"/);
});
