// S5 under concurrency: wrong codes posted all at once for one pending login are checked no
// more often than the limits allow (each is counted before it is checked, and a user's checks
// run one at a time), so a burst buys an attacker no extra guesses.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
  await harness.enrollAdmin();
});
after(() => harness.close());

test('30 wrong codes posted at once are checked at most pending_attempts times', async () => {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  const before = harness.logText().split('"event":"step_up.failed"').length;
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      browser.post('/_gateway/step-up', { csrf_token: csrf, code: String(100000 + i) }),
    ),
  );
  const checked = harness.logText().split('"event":"step_up.failed"').length - before;
  const limit = harness.config.limits.pending_attempts;
  assert.ok(checked <= limit, `${checked} codes were checked, the limit is ${limit}`);
  assert.ok(
    answers.every((answer) => answer.status === 401 || answer.status === 429),
    `answers: ${answers.map((a) => a.status).join(',')}`,
  );
});
