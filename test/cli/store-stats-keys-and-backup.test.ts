// Issue 14: `gateway store` lets an operator look into and back up the embedded LMDB store
// while the gateway runs: counts and file size, the live keys (never a value), and a copy that
// opens as a store holding what the gateway wrote. Other store types are refused with a hint.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
let config: string;

before(async () => {
  harness = await startLoginHarness({ store: 'lmdb' });
  config = await writeCliConfig(harness, { store: { type: 'lmdb', path: join(harness.dataDir, 'store.lmdb') } });
  assert.equal((await harness.browser().login(STAFF.user, STAFF.password)).location, '/dashboard');
});
after(() => harness?.close());

const store = (...args: string[]) => runCli(['store', ...args, '--config', config]);

test('store stats and store keys show what is stored, never a value', async () => {
  const stats = await store('stats');
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(
    stats.stdout,
    /store\.lmdb: \d+ records \(expired ones not yet swept included\), \d+ set members, file \d+\.\d MB\n$/,
  );

  const keys = await store('keys', 'sessions:');
  assert.equal(keys.code, 0, keys.stderr);
  const lines = keys.stdout.trimEnd().split('\n');
  assert.ok(lines.includes('sessions:user-index:bob\tordered\texpires never'), keys.stdout);
  assert.ok(
    lines.every((line) => line.startsWith('sessions:')),
    'only the prefix asked for',
  );

  const all = await store('keys');
  const session = all.stdout.split('\n').find((line) => line.startsWith('session:'));
  assert.match(session ?? '', /^session:\S+\tvalue\texpires \d{4}-\d\d-\d\dT/);
  const sealed = await harness.gateway.login?.store.get(session?.split('\t')[0] as string);
  assert.ok(sealed && !all.stdout.includes(sealed), 'no value is printed');
});

test('store backup writes a copy, while the gateway runs, that opens with what it wrote', async () => {
  const target = join(harness.dataDir, 'backup.lmdb');
  const done = await store('backup', target);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /backup\.lmdb: a consistent copy of .*store\.lmdb/);
  const copy = await createLmdbStore({ path: target });
  try {
    assert.equal((await copy.orderedMembers('sessions:user-index:bob')).length, 1);
  } finally {
    await copy.close();
  }
  const again = await store('backup', target);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /backup\.lmdb exists: name a new file/);
  assert.ok(existsSync(target));
});

test('another store type is refused with a hint', async () => {
  const redisConfig = await writeCliConfig(harness, { store: { type: 'redis', url: 'redis://127.0.0.1:1' } });
  const refused = await runCli(['store', 'stats', '--config', redisConfig]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /uses the redis store: gateway store works on the embedded LMDB store \(inspect Redis with redis-cli/,
  );
  const usage = await runCli(['store']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /store needs a command: stats, keys or backup/);
});
