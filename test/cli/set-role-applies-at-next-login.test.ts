// Issue 6: `gateway users set-role` adds a role in the store, which the next login applies
// (here: bob made an admin must enroll a second factor); `--clear` takes it away again; an
// admin listed in gateway.yaml cannot be demoted; a role the configuration does not name is
// refused. The command runs as its own process against the gateway's Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { type LoginHarness, STAFF } from '../helpers/login-harness.js';

let fixture: CliFixture;
let harness: LoginHarness;
let config: string;

before(async () => {
  fixture = await startCliFixture();
  ({ harness, config } = fixture);
});
after(() => fixture?.close());

const users = (...args: string[]) => runCli(['users', ...args, '--config', config]);

test('a role set with the CLI applies at the next login; --clear restores the YAML role', async () => {
  assert.equal((await harness.browser().login(STAFF.user, STAFF.password)).location, '/dashboard');

  const set = await users('set-role', 'Bob', 'admin');
  assert.equal(set.code, 0, set.stderr);
  // The session opened before keeps the role it was made with, and the line says so.
  assert.equal(
    set.stdout,
    'bob: role admin from the next login (set in the store with gateway users set-role; was staff); ' +
      '1 open session keeps the old role until ended (gateway sessions revoke bob)\n',
  );
  assert.deepEqual(
    set.audit.map(({ event, user, role, previous, by }) => ({ event, user, role, previous, by })),
    [{ event: 'users.role_set', user: 'bob', role: 'admin', previous: 'staff', by: 'cli' }],
  );
  // An admin owes a second step (the default policy) and has none yet: enrollment first.
  assert.equal((await harness.browser().login(STAFF.user, STAFF.password)).location, '/_gateway/enroll');

  const shown = await users('show', 'bob');
  assert.match(
    shown.stdout,
    /^bob: role admin \(set in the store with gateway users set-role\), second step required;/,
  );

  const cleared = await users('set-role', 'bob', '--clear');
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(
    cleared.stdout,
    /^bob: role staff from the next login \(listed in users.roles of gateway.yaml; was admin\)/,
  );
  assert.equal((await harness.browser().login(STAFF.user, STAFF.password)).location, '/dashboard');
});

test('an admin listed in gateway.yaml cannot be demoted by the store', async () => {
  const refused = await users('set-role', ' ALICE ', 'staff');
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /alice is listed in users\.admins of gateway\.yaml and stays an admin/);
  assert.deepEqual(refused.audit, []);
  const shown = await users('show', 'alice');
  assert.match(shown.stdout, /^alice: role admin \(listed in users\.admins of gateway\.yaml\), second step required;/);
  assert.doesNotMatch(shown.stdout, /stored role/, 'nothing was stored');
});

test('a role gateway.yaml does not name is refused (a typo would get the loosest policy)', async () => {
  const refused = await users('set-role', 'carol', 'admn');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /role "admn" is not named in gateway\.yaml \(known: admin, staff, user\)/);
  assert.match((await users('show', 'carol')).stdout, /^carol: role staff \(listed in users\.roles/);
});
