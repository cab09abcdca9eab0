// The editor a running gateway keeps for its admin page (editors.ts): one for as long as the
// lists stay where they are, a new one (the old closed) when a reload moves them.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSharedAllowlistEditor } from '../../src/allowlist/editors.js';
import { testConfig } from '../helpers/gateway.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let dir: string;
let redis: RedisServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'allowlist-editors-'));
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('one editor while the lists stay where they are; another, the old closed, when they move', async () => {
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, 'upstream:\n  url: http://127.0.0.1:3001\n');
  const shared = createSharedAllowlistEditor({ file });
  const upstream = { url: 'http://127.0.0.1:3001' };
  const first = shared.current(await testConfig({ upstream }));
  assert.equal(first.source, 'yaml');
  const other = await testConfig({ upstream, trusted_proxies: ['10.0.0.1'] });
  assert.equal(shared.current(other), first, 'other settings: the same editor');

  const store = { type: 'redis', url: redis.url, prefix: 'editors:', command_timeout: '500ms' };
  const inRedis = await testConfig({ upstream, store, allowlists: { source: 'redis' } });
  const second = shared.current(inRedis);
  assert.equal(second.source, 'redis');
  assert.equal(shared.current(inRedis), second);
  assert.deepEqual(await second.read(), { lists: {}, users: {} });
  await shared.close();
  await assert.rejects(second.read(), /connection is closed/, 'closed at shutdown');
});
