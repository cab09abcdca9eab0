// S15: a check that throws (the store fails, the app's login exchange fails) gave no verdict,
// and gives back its place among the users being checked from its address. Kept, that place was
// held until the address's set expired, and every busy join renewed it: under traffic, one failed
// store call could take one of an office's places for good. The other users being checked stand
// for logins on other gateways, reserved through the regulators the gateway shares.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Regulator } from '../../src/access/regulator.js';
import { StoreUnavailableError } from '../../src/store/store.js';
import { ADMIN, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

const ADDRESS = '192.0.2.81';
const OFFICE = { 'x-forwarded-for': ADDRESS };
let harness: LoginHarness;
let secret: string;
/** Armed by the test: the next login the app receives has its connection cut (the exchange fails). */
let cutNextLogin = false;

before(async () => {
  harness = await startLoginHarness({
    overrides: {
      trusted_proxies: ['127.0.0.1'],
      limits: { password: { address_users: 2 }, second_step: { address_users: 2 } },
    },
    front: (req) => {
      if (req.method !== 'POST' || req.url !== '/login' || !cutNextLogin) return false;
      cutNextLogin = false;
      req.socket.destroy();
      return true;
    },
  });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

/** Whether a further user from the office is checked while one other user is: not put off as busy. */
async function placeForAnother(limits: Regulator): Promise<boolean> {
  const other = await limits.reserve('carol', ADDRESS);
  assert.ok(other.ok, `carol: ${JSON.stringify(other)}`);
  const next = await limits.reserve('dave', ADDRESS);
  await other.attempt.passed();
  if (next.ok) await next.attempt.passed();
  return next.ok;
}

test('a second-step check whose store call fails keeps no place at the address', async () => {
  const services = harness.gateway.login!;
  const browser = harness.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password, { headers: OFFICE })).location, '/_gateway/step-up');
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  const verify = services.totp.verify;
  services.totp.verify = () => Promise.reject(new StoreUnavailableError('the store went away mid-check'));
  try {
    const thrown = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: '000000' }, OFFICE);
    assert.equal(thrown.status, 503);
  } finally {
    services.totp.verify = verify;
  }
  assert.doesNotMatch(harness.logText(), /"event":"step_up\.failed"/, 'no verdict: not a failure');
  assert.ok(await placeForAnother(services.secondStepLimits), "alice's attempt still holds a place");
  const passed = await browser.post('/_gateway/step-up', { csrf_token: csrf, code: harness.code(secret) }, OFFICE);
  assert.equal(passed.location, '/dashboard');
});

test('a password login whose exchange with the app fails keeps no place at the address', async () => {
  cutNextLogin = true;
  const cut = await harness.browser().login(STAFF.user, STAFF.password, { headers: OFFICE });
  assert.equal(cut.status, 502);
  assert.doesNotMatch(harness.logText(), /"event":"login\.password_failed"/, 'no verdict: not a failure');
  assert.ok(await placeForAnother(harness.gateway.login!.passwordLimits), "bob's login still holds a place");
});
