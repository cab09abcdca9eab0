// An operator recovers a locked-out admin: `gateway users unlock NAME` lifts the user's
// lockout at once (no waiting for it to expire), forgets the counted failures, and is an
// audit event; the address lockout is left in place.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { ADMIN, type LoginHarness } from '../helpers/login-harness.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture({ limits: { second_step: { failures: 2 } } });
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

test('unlock lifts the user lockout and forgets the failures', async () => {
  await harness.enrollAdmin();
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  await browser.stepUp('000000');
  await browser.stepUp('000001');
  // Locked now: even the right password is refused before it reaches the app.
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).status, 429);

  const result = await runCli(['users', 'unlock', 'Alice', '--config', config]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^alice: lifted the second step lockout; failures forgotten\n$/);
  assert.deepEqual(
    result.audit.map(({ event, user }) => ({ event, user })),
    [{ event: 'lockout.lifted', user: 'alice' }],
  );

  const services = harness.gateway.login!;
  assert.deepEqual(await services.secondStepLimits.locked(['user:alice']), []);
  // The address stays locked: it protects every user from that address.
  assert.equal((await services.secondStepLimits.locked(['ip:127.0.0.1'])).length, 1);

  const again = await runCli(['users', 'unlock', 'alice', '--config', config]);
  assert.match(again.stdout, /^alice: was not locked out; failures forgotten\n$/);
});
