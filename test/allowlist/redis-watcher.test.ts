// A gateway's live copy of the Redis allowlists, against a real redis-server: while Redis is
// away the last good lists stay in force, and updates resume once it is back (restarted on the
// same port); started while Redis is down there are no lists (staff refused, S11) until it
// comes up. The provider serves YAML lists from the configuration. That a published change
// arrives without waiting for the periodic check, and a change whose message was missed at the
// next check, is in the shared suite (redis-allowlist-suite.ts, run on every Redis shape).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAllowlistProvider } from '../../src/allowlist/provider.js';
import { createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import { compileConfig } from '../../src/config/runtime.js';
import { createLogger } from '../../src/ops/logger.js';
import type { RedisStoreSettings } from '../../src/store/index.js';
import { testConfig } from '../helpers/gateway.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { DEFAULT_DEADLINE_MS, waitFor } from '../helpers/wait.js';
import { admits, watcherOn as watcherWith } from './redis-allowlist-suite.js';

const staff = { kind: 'list', name: 'staff' } as const;

/**
 * The watcher's reads fail fast while Redis is away (a failed read is logged and retried, so a
 * slow machine only delays it). The editor's calls must succeed whenever Redis is up: a deadline
 * no busy machine reaches (at load 25 on 2 cores a first edit missed 300 ms).
 */
function settingsOf(url: string, prefix: string, commandTimeoutMs = 300): RedisStoreSettings {
  return { type: 'redis', url, prefix, command_timeout: commandTimeoutMs } as RedisStoreSettings;
}

const watcherOn = (url: string, prefix: string, pollMs: number) => watcherWith(settingsOf(url, prefix), pollMs);

function editorOn(url: string, prefix: string) {
  return createRedisAllowlistEditor(settingsOf(url, prefix, 30_000));
}

test('while Redis is away the last good lists stay; once it is back, updates resume', async () => {
  const redis = await startRedisServer();
  const prefix = 'away:';
  const { watcher, log } = watcherOn(redis.url, prefix, 100);
  const editor = editorOn(redis.url, prefix);
  try {
    await editor.add(staff, { cidr: '192.0.2.0/24' });
    await waitFor('the first list', () => admits(watcher, '192.0.2.1'));
    await redis.stop();
    await waitFor('a failed read to be logged', () => log.text().includes('"event":"allowlist.read_failed"'));
    assert.match(log.text(), /the last good lists stay in force/);
    assert.equal(admits(watcher, '192.0.2.1'), true, 'the last good list is still in force');

    // It comes back empty (nothing persisted), and takes edits again.
    await redis.restart();
    // The editor reconnects on its own schedule: its first calls may still fail fast.
    await waitFor('the editor to write again', () =>
      editor.add(staff, { cidr: '198.51.100.0/24', note: 'after the outage' }).then(
        () => true,
        () => false,
      ),
    );
    await waitFor('the edit made after the outage', () => admits(watcher, '198.51.100.1'));
    assert.equal(admits(watcher, '192.0.2.1'), false, 'the restarted Redis holds only the new entry');
    assert.match(log.text(), /"event":"allowlist.read_recovered"/);
  } finally {
    await editor.close();
    await watcher.close();
    await redis.stop();
  }
});

test('started while Redis is down there are no lists (staff refused) until it comes up', async () => {
  const redis = await startRedisServer();
  await redis.stop();
  const { watcher, log } = watcherOn(redis.url, 'down:', 100);
  try {
    assert.equal(await watcher.loaded(500), false);
    assert.equal(watcher.current(), undefined);
    await waitFor('a failed read to be logged', () => log.text().includes('staff are refused until they load'));
    await redis.restart();
    assert.equal(await watcher.loaded(DEFAULT_DEADLINE_MS), true);
    assert.equal(watcher.current()?.lists.size, 0);
  } finally {
    await watcher.close();
    await redis.stop();
  }
});

test('the provider serves the YAML lists of the configuration in force, with no Redis', async () => {
  const first = compileConfig(
    await testConfig({ upstream: { url: 'http://127.0.0.1:9' }, allowlists: { lists: { staff: ['192.0.2.1'] } } }),
  );
  const second = compileConfig(
    await testConfig({ upstream: { url: 'http://127.0.0.1:9' }, allowlists: { lists: { staff: ['192.0.2.2'] } } }),
  );
  let runtime = first;
  const logger = createLogger({ level: 'silent' });
  const provider = await createAllowlistProvider({ config: () => runtime, logger });
  try {
    assert.equal(provider.current(runtime)?.lists.get('staff')?.contains('192.0.2.1'), true);
    runtime = second;
    assert.equal(provider.current(runtime)?.lists.get('staff')?.contains('192.0.2.1'), false);
    assert.equal(provider.current(runtime)?.lists.get('staff')?.contains('192.0.2.2'), true);
  } finally {
    await provider.close();
  }
});
