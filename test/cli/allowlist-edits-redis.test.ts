// `gateway allowlist` against Redis (allowlists.source: redis): the command, a process of its
// own, changes the lists a running gateway enforces, which picks the change up within its
// propagation deadline; list shows what Redis holds with the notes; a refused entry writes
// nothing; Redis unreachable is a clear exit 1.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { compileConfig } from '../../src/config/runtime.js';
import { type CliFixture, runCli, startCliFixture } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

let fixture: CliFixture;

before(async () => {
  fixture = await startCliFixture({ allowlists: { source: 'redis' } });
});
after(() => fixture?.close());

const allowlist = (...args: string[]) => runCli(['allowlist', ...args, '--config', fixture.config]);

/** Whether the running gateway's lists in force let this address in through the staff list. */
function gatewayAdmits(address: string): boolean {
  const { harness } = fixture;
  const lists = harness.gateway.login?.allowlists.current(compileConfig(harness.config));
  return lists?.lists.get('staff')?.contains(address) ?? false;
}

test('add and remove reach the running gateway through Redis; list shows the notes', async () => {
  const added = await allowlist('add', '203.0.113.0/24', '--note', 'branch office');
  assert.equal(added.code, 0, added.stderr);
  assert.equal(
    added.stdout,
    'list staff: added 203.0.113.0/24 (branch office); 1 entry; every gateway applies it within a second\n',
  );
  assert.equal(added.audit[0]?.event, 'allowlist.entry_added');
  assert.equal(added.audit[0]?.source, 'redis');
  await waitFor('the gateway to admit the added range', () => gatewayAdmits('203.0.113.77'));

  const own = await allowlist('add', '--user', 'Bob', '192.0.2.7', '--note', 'home');
  assert.equal(own.code, 0, own.stderr);
  const listed = await allowlist('list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(
    listed.stdout,
    'list staff (for staff): 1 entry\n  203.0.113.0/24       branch office\nuser bob: 1 entry\n  192.0.2.7            home\n',
  );

  const removed = await allowlist('remove', '203.0.113.0/24');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.audit[0]?.event, 'allowlist.entry_removed');
  await waitFor('the gateway to refuse the removed range', () => !gatewayAdmits('203.0.113.77'));
});

test('a bad entry is refused with the model message and nothing reaches Redis', async () => {
  const refused = await allowlist('add', '--list', 'lab', '2001:db8::1/32');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^gateway: "2001:db8::1\/32" has bits set after the \/32 prefix/);
  const listed = await allowlist('list', '--list', 'lab');
  assert.equal(listed.stdout, 'list lab (bound to no role): 0 entries\n');
});

test('Redis unreachable: exit 1 with the reason, no audit line', async () => {
  const file = join(fixture.harness.dataDir, 'unreachable.yaml');
  const config = parseYaml(await readFile(fixture.config, 'utf8')) as Record<string, Record<string, unknown>>;
  // Port 9 (discard) has no Redis: the command gives up after the store's command timeout.
  const store = { ...config.store, url: 'redis://127.0.0.1:9', command_timeout: '300ms' };
  await writeFile(file, stringify({ ...config, store }));
  const down = await runCli(['allowlist', 'add', '192.0.2.9', '--config', file]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^gateway: Redis is unavailable: /);
  assert.deepEqual(down.audit, []);
});
