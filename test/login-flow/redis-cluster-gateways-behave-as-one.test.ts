// Issue 14: two gateways sharing a real 3-master Redis Cluster behave as one, as on a single
// Redis. A TOTP enrollment (one atomic write of the secret and its ten recovery codes, guarded by
// the secret's absence) lands whole in the Cluster because the user's keys share a hash slot;
// a step-up works on the other gateway, a used code or recovery code is spent on both, and
// `gateway users reset-factor` (a third process, one atomic removal) sends the admin back to
// enrollment on both. The records are spread over every master.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { ADMIN, type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { askRedis } from '../helpers/redis-server.js';

let cluster: RedisCluster;
let a: LoginHarness;
let b: LoginHarness;
let store: Record<string, unknown>;
const prefix = `cluster-flow:${randomUUID()}:`;

before(async () => {
  cluster = await startRedisCluster(3);
  // A Cluster client's first call waits for the slot map: room for a loaded machine.
  store = { type: 'redis', ...cluster.settings, prefix, command_timeout: '5s' };
  a = await startLoginHarness({ overrides: { store } });
  b = await startLoginHarness({ overrides: { store }, app: a, clock: a.clock, dataDir: a.dataDir });
});
after(async () => {
  await b?.close();
  await a?.close();
  await cluster?.stop();
});

/** The same person's browser, now talking to the other gateway (its cookies copied over). */
function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

test('an enrollment on A lands whole; codes, recovery codes and a reset hold on both gateways', async () => {
  const { secret, recoveryCodes } = await a.enrollAdmin();
  assert.equal(recoveryCodes.length, 10);

  const onB = b.browser();
  assert.equal((await onB.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const code = b.code(secret);
  assert.equal((await onB.stepUp(code)).location, '/dashboard');
  assert.equal((await on(a, onB).get('/dashboard')).status, 200, 'the session made on B works on A');

  const replay = a.browser();
  assert.equal((await replay.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  assert.equal((await replay.stepUp(code)).status, 401, 'the code used on B is spent on A');
  assert.equal((await replay.stepUp(recoveryCodes[0] as string)).location, '/dashboard', 'a recovery code on A');
  const again = b.browser();
  await again.login(ADMIN.user, ADMIN.password);
  assert.equal((await again.stepUp(recoveryCodes[0] as string)).status, 401, 'and it is spent on B');

  const staff = b.browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const perNode = await Promise.all(
    cluster.nodes.map(async (node) => ((await askRedis(node.port, 'KEYS', `${prefix}*`)) as string[]).length),
  );
  assert.ok(
    perNode.every((count) => count > 0),
    `the records are spread over every master (${perNode.join(', ')})`,
  );

  const config = await writeCliConfig(a, { store });
  const reset = await runCli(['users', 'reset-factor', 'alice', '--config', config]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^alice: removed TOTP, 9 recovery codes; ended \d+ sessions;/);
  a.clock.advance(2_001);
  for (const gateway of [a, b]) {
    const browser = gateway.browser();
    assert.equal(
      (await browser.login(ADMIN.user, ADMIN.password)).location,
      '/_gateway/enroll',
      `${gateway.gatewayUrl}: after the reset the admin enrolls again, never past the second step`,
    );
  }
});
