// S5: a TOTP code is good once. The code typed at enrollment cannot log in; a code that passed
// a login cannot pass another; of two logins racing with the same code, one wins.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

async function pending(): Promise<Browser> {
  const browser = harness.browser();
  const login = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(login.location, '/_gateway/step-up');
  return browser;
}

test('the code used at enrollment cannot log in', async () => {
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  ({ secret } = await browser.enroll());
  // Same clock, same step: the code the enrollment just took.
  const replay = await (await pending()).stepUp(harness.code(secret));
  assert.equal(replay.status, 401);
  assert.match(replay.text, /That code was already used/);
});

test('a code that passed a login cannot pass another', async () => {
  harness.clock.advance(30_000);
  const code = harness.code(secret);
  assert.equal((await (await pending()).stepUp(code)).location, '/dashboard');
  const again = await (await pending()).stepUp(code);
  assert.equal(again.status, 401);
  // Nor can the step before it, though it is inside the +-1 window.
  const older = await (await pending()).stepUp(harness.code(secret, -1));
  assert.equal(older.status, 401);

  harness.clock.advance(30_000);
  assert.equal((await (await pending()).stepUp(harness.code(secret))).location, '/dashboard');
});

test('two logins racing with the same code: exactly one passes', async () => {
  harness.clock.advance(30_000);
  const [a, b] = await Promise.all([pending(), pending()]);
  const code = harness.code(secret);
  const [ca, cb] = await Promise.all([a.gatewayCsrf('/_gateway/step-up'), b.gatewayCsrf('/_gateway/step-up')]);
  const answers = await Promise.all([
    a.post('/_gateway/step-up', { csrf_token: ca, code }),
    b.post('/_gateway/step-up', { csrf_token: cb, code }),
  ]);
  assert.deepEqual(answers.map((answer) => answer.status).sort(), [302, 401]);
});
