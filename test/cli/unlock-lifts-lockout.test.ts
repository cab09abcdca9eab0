// S15: an operator sees and lifts every lock. `gateway users show NAME` lists the locks on a
// user with the time left; `gateway users unlock NAME` lifts them all (both layers, everywhere
// and at each address), says what it lifted and forgets the failures; `gateway unlock
// --address IP` lifts an address locked as a whole. Each lifting is an audit event.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { ADMIN, type LoginHarness } from '../helpers/login-harness.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture({
    limits: { second_step: { failures: 2 }, password: { failures: 5, address_users: 2 } },
  });
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

test('users show lists the locks with the time left; users unlock lifts them and says what', async () => {
  await harness.enrollAdmin();
  const browser = harness.browser();
  await browser.login(ADMIN.user, ADMIN.password);
  await browser.stepUp('000000');
  await browser.stepUp('000001');
  // Locked at this address now: even the right password is refused before it reaches the app.
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).status, 429);

  const show = await runCli(['users', 'show', 'alice', '--config', config]);
  assert.equal(show.code, 0, show.stderr);
  // The gateway runs on the test clock, the command on the real one: minutes, not exact ones.
  assert.match(show.stdout, /; second step lock at 127\.0\.0\.1 \(about \d+ minutes left\)\n$/);

  const result = await runCli(['users', 'unlock', 'Alice', '--config', config]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^alice: lifted the second step lock at 127\.0\.0\.1 \(about \d+ minutes left\); failures forgotten\n$/,
  );
  assert.deepEqual(
    result.audit.map(({ event, user, locks }) => ({ event, user, locks })),
    [{ event: 'lockout.lifted', user: 'alice', locks: ['second step:pair:alice@127.0.0.1'] }],
  );
  assert.deepEqual(await harness.gateway.login?.secondStepLimits.locked('alice', '127.0.0.1'), []);
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');

  const again = await runCli(['users', 'unlock', 'alice', '--config', config]);
  assert.equal(again.stdout, 'alice: was not locked out; failures forgotten\n');
  assert.match((await runCli(['users', 'show', 'alice', '--config', config])).stdout, /; not locked out\n$/);
});

test('unlock --address lifts an address that many users failed from', async () => {
  for (const name of ['mallory', 'trent']) await harness.browser().login(name, 'wrong');
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).status, 429, 'the address is locked');

  const result = await runCli(['unlock', '--address', '::ffff:127.0.0.1', '--config', config]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^127\.0\.0\.1: lifted the password lock for everyone \(about \d+ minutes left\); its failing users forgotten\n$/,
  );
  assert.deepEqual(
    result.audit.map(({ event, address }) => ({ event, address })),
    [{ event: 'lockout.lifted', address: '127.0.0.1' }],
  );
  assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');

  const wrong = await runCli(['unlock', '--address', 'not-an-ip', '--config', config]);
  assert.equal(wrong.code, 1);
  assert.equal((await runCli(['unlock', '--config', config])).code, 2);
});
