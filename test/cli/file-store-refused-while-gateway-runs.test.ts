// The file store belongs to one process: an operator command run while the gateway holds the
// file would have its writes overwritten by the gateway's (and a revocation the gateway never
// sees), so it is refused with a message that says what to do; once the gateway has stopped
// the command works on the same file, and the gateway started again sees its change.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let restarted: LoginHarness | undefined;
let config: string;

before(async () => {
  harness = await startLoginHarness({ store: 'file' });
  config = await writeCliConfig(harness, { store: { type: 'file', path: join(harness.dataDir, 'store.json') } });
});
after(async () => {
  await restarted?.close();
  await harness?.close();
});

test('refused while a gateway holds the store file; works once it stopped', async () => {
  const refused = await runCli(['users', 'set-role', 'bob', 'admin', '--config', config]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(
    refused.stderr,
    new RegExp(
      `^gateway: cannot open the gateway's state: the store file ${join(harness.dataDir, 'store.json')} is in use by ` +
        `another process \\(pid ${process.pid}\\), most likely a running gateway: .*Stop the gateway .*use the Redis store`,
    ),
  );
  assert.deepEqual(refused.audit, []);

  await harness.gateway.shutdown();
  const set = await runCli(['users', 'set-role', 'bob', 'admin', '--config', config]);
  assert.equal(set.code, 0, set.stderr);

  // The same data folder and file: the restarted gateway reads the role the command stored.
  restarted = await startLoginHarness({ store: 'file', dataDir: harness.dataDir, app: harness });
  assert.equal((await restarted.browser().login(STAFF.user, STAFF.password)).location, '/_gateway/enroll');
});
