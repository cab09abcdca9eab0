// S5: each recovery code works once in place of a TOTP code (case and dash forgiven).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let recoveryCodes: string[];

before(async () => {
  harness = await startLoginHarness();
  ({ recoveryCodes } = await harness.enrollAdmin());
});
after(() => harness.close());

async function stepUpWith(code: string) {
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  return browser.stepUp(code);
}

test('a recovery code passes the step once', async () => {
  const [first, second] = recoveryCodes as [string, string];
  assert.equal((await stepUpWith(first)).location, '/dashboard');
  const again = await stepUpWith(first);
  assert.equal(again.status, 401);
  assert.match(again.text, /That code did not work/);

  // Written the way a person might copy it: lower case, no dash.
  assert.equal((await stepUpWith(second.toLowerCase().replace('-', ''))).location, '/dashboard');
  assert.equal(await harness.gateway.login?.recovery.remaining('alice'), 8);
});
