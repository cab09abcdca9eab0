// Issue 14: with the embedded LMDB store (the default), operator commands work while the
// gateway runs, on the same data file, and their changes apply at the gateway's next read: a
// role set takes effect at the next login, a revocation ends the open session (within the
// gateway's 2-second record cache), and the gateway's own writes after it are not lost.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness;
let config: string;

before(async () => {
  harness = await startLoginHarness({ store: 'lmdb' });
  config = await writeCliConfig(harness, { store: { type: 'lmdb', path: join(harness.dataDir, 'store.lmdb') } });
});
after(() => harness?.close());

const cli = (...args: string[]) => runCli([...args, '--config', config]);

test('the CLI works while the gateway runs; its changes apply at the next read', async () => {
  const open = harness.browser();
  assert.equal((await open.login(STAFF.user, STAFF.password)).location, '/dashboard');

  const shown = await cli('users', 'show', 'bob');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^bob: role staff/);

  const set = await cli('users', 'set-role', 'bob', 'admin');
  assert.equal(set.code, 0, set.stderr);
  // An admin owes a second step (the default policy) and has none yet: enrollment first.
  assert.equal((await harness.browser().login(STAFF.user, STAFF.password)).location, '/_gateway/enroll');

  const revoked = await cli('sessions', 'revoke', 'bob');
  assert.equal(revoked.code, 0, revoked.stderr);
  await waitFor('the revoked session to be refused', async () => (await open.get('/dashboard')).status !== 200);

  // The gateway keeps writing to the same file: a new session after the commands is stored.
  const cleared = await cli('users', 'set-role', 'bob', '--clear');
  assert.equal(cleared.code, 0, cleared.stderr);
  const again = harness.browser();
  assert.equal((await again.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const listed = await cli('sessions', 'list', 'bob');
  assert.match(listed.stdout, /^bob: 1 open session/);
});
