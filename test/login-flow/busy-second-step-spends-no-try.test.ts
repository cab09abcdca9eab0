// S5, S15: a second-step attempt put off as busy (too many users being checked from its address
// at once: 503, "try again in a moment") spends none of the pending login's tries. It did: the
// pending login's attempt was counted before the address's places were asked, so a person told
// to try again lost a try each time, and after pending_attempts such answers their right code
// found the login over. The other users being checked stand for logins on other gateways,
// reserved through the regulator the gateway shares.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

const ADDRESS = '192.0.2.82';
const OFFICE = { 'x-forwarded-for': ADDRESS };
let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness({
    overrides: { trusted_proxies: ['127.0.0.1'], limits: { second_step: { address_users: 2 } } },
  });
});
after(() => harness.close());

test('busy answers at the second step spend no try of the pending login', async () => {
  const { secret } = await harness.enrollAdmin();
  const limits = harness.gateway.login!.secondStepLimits;
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password, { headers: OFFICE })).location, '/_gateway/step-up');
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  const others = [];
  for (const user of ['carol', 'dave']) {
    const reserved = await limits.reserve(user, ADDRESS);
    assert.ok(reserved.ok, `${user}: ${JSON.stringify(reserved)}`);
    others.push(reserved.attempt);
  }
  for (let i = 0; i < harness.config.limits.pending_attempts; i++) {
    const busy = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) }, OFFICE);
    assert.equal(busy.status, 503);
    assert.match(busy.text, /try again in a moment/);
  }
  for (const attempt of others) await attempt.passed();
  const passed = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) }, OFFICE);
  assert.equal(passed.location, '/dashboard', `${passed.status}: ${passed.text.slice(0, 200)}`);
});
