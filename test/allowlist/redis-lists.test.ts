// The Redis editor and reader of the allowlists against a real redis-server: entries round-trip
// with their notes, every change bumps the version and publishes it, nothing that does not
// parse is written, the keys stay under the store's prefix (and work in a one-node Cluster),
// and a call while Redis is away fails fast with StoreUnavailableError.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { type AllowlistEditor, AllowlistEditRefusedError } from '../../src/allowlist/editor.js';
import { allowlistKeys, connectAllowlists, createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import type { RedisStoreSettings } from '../../src/store/index.js';
import { StoreUnavailableError } from '../../src/store/store.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let server: RedisServer;
const editors: AllowlistEditor[] = [];

before(async () => {
  server = await startRedisServer();
});
after(async () => {
  for (const editor of editors) await editor.close();
  await server?.stop();
});

function settings(overrides: Partial<RedisStoreSettings> = {}): RedisStoreSettings {
  return {
    type: 'redis',
    url: server.url,
    prefix: `lists:${randomUUID()}:`,
    command_timeout: 500,
    ...overrides,
  } as RedisStoreSettings;
}

function editorFor(s: RedisStoreSettings): AllowlistEditor {
  const editor = createRedisAllowlistEditor(s);
  editors.push(editor);
  return editor;
}

const staff = { kind: 'list', name: 'staff' } as const;
const bob = { kind: 'user', name: 'bob' } as const;

test('entries round-trip with their notes; a user list is kept apart from the named lists', async () => {
  const editor = editorFor(settings());
  assert.deepEqual(await editor.read(), { lists: {}, users: {} });
  await editor.add(staff, { cidr: '10.0.0.0/8', note: 'office' });
  await editor.add(staff, { cidr: '2001:db8::/32' });
  await editor.add(bob, { cidr: '192.0.2.7', note: 'home' });
  assert.deepEqual(await editor.read(), {
    lists: { staff: [{ cidr: '10.0.0.0/8', note: 'office' }, { cidr: '2001:db8::/32' }] },
    users: { bob: [{ cidr: '192.0.2.7', note: 'home' }] },
  });
  await editor.add(staff, { cidr: '10.0.0.0/8', note: 'head office' });
  assert.deepEqual((await editor.read()).lists.staff?.[0], { cidr: '10.0.0.0/8', note: 'head office' });
  assert.equal(editor.source, 'redis');
  assert.equal(await editor.readOnlyReason(), undefined);
});

test('remove says whether the entry was there; an emptied list disappears', async () => {
  const editor = editorFor(settings());
  await editor.add(bob, { cidr: '192.0.2.7' });
  assert.equal(await editor.remove(bob, '198.51.100.1'), false);
  assert.equal(await editor.remove(bob, '192.0.2.7'), true);
  assert.equal(await editor.remove(bob, '192.0.2.7'), false);
  assert.deepEqual(await editor.read(), { lists: {}, users: {} });
});

test('an entry that does not parse, or a bad list name, is refused and nothing is written', async () => {
  const s = settings();
  const editor = editorFor(s);
  await assert.rejects(editor.add(staff, { cidr: '10.0.0.1/8' }), AllowlistEditRefusedError);
  await assert.rejects(editor.add(staff, { cidr: '10.0.0.1/8' }), /bits set after the \/8 prefix/);
  await assert.rejects(editor.add(staff, { cidr: 'not-an-ip' }), /not an IP address/);
  await assert.rejects(editor.add(staff, { cidr: '10.0.0.1', note: 'two\nlines' }), /one line/);
  await assert.rejects(editor.add({ kind: 'list', name: 'bad name' }, { cidr: '10.0.0.1' }), /not a list name/);
  const raw = new Redis(server.url);
  try {
    assert.deepEqual(await raw.keys(`${s.prefix}*`), []);
  } finally {
    raw.disconnect();
  }
});

test('every change bumps the version and publishes it on the channel, under the prefix', async () => {
  const s = settings();
  const editor = editorFor(s);
  const keys = allowlistKeys(s.prefix);
  const subscriber = new Redis(server.url);
  const heard: string[] = [];
  try {
    await subscriber.subscribe(keys.channel);
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    await editor.add(staff, { cidr: '10.0.0.0/8' });
    await editor.remove(staff, '10.0.0.0/8');
    assert.equal(await editor.remove(staff, '10.0.0.0/8'), false, 'a remove that changes nothing');
    await waitFor('two notifications', () => heard.length >= 2);
    assert.deepEqual(heard, ['1', '2']);
    const reader = connectAllowlists({ url: server.url, prefix: s.prefix });
    try {
      assert.equal(await reader.version(), '2');
      assert.equal((await reader.readAll()).version, '2');
    } finally {
      await reader.runner.close();
    }
  } finally {
    subscriber.disconnect();
  }
});

test('an entry written around the editor that does not parse is left out of a read, and named', async () => {
  const s = settings();
  const keys = allowlistKeys(s.prefix);
  const raw = new Redis(server.url);
  try {
    await raw.hset(`${keys.list}staff`, '10.0.0.1/8', '', '192.0.2.1', 'ok');
    await raw.sadd(keys.lists, 'staff');
  } finally {
    raw.disconnect();
  }
  const reader = connectAllowlists({ url: server.url, prefix: s.prefix });
  try {
    const snapshot = await reader.readAll();
    assert.deepEqual(snapshot.data.lists, { staff: [{ cidr: '192.0.2.1', note: 'ok' }] });
    assert.deepEqual(snapshot.skipped, ['list staff: 10.0.0.1/8']);
  } finally {
    await reader.runner.close();
  }
});

test('the editor works in a one-node Redis Cluster (every key in one slot)', async () => {
  const cluster = await startRedisServer({ cluster: true });
  const editor = createRedisAllowlistEditor(settings({ url: cluster.url, cluster: { nodes: [cluster.url] } }));
  try {
    await editor.add(staff, { cidr: '10.0.0.0/8', note: 'office' });
    await editor.add(bob, { cidr: '::1' });
    assert.deepEqual(await editor.read(), {
      lists: { staff: [{ cidr: '10.0.0.0/8', note: 'office' }] },
      users: { bob: [{ cidr: '::1' }] },
    });
    assert.equal(await editor.remove(staff, '10.0.0.0/8'), true);
  } finally {
    await editor.close();
    await cluster.stop();
  }
});

test('while Redis is away, calls fail fast with StoreUnavailableError; they work once it is back', async () => {
  const redis = await startRedisServer();
  const editor = createRedisAllowlistEditor({
    type: 'redis',
    url: redis.url,
    prefix: 'away:',
    command_timeout: 300,
  } as RedisStoreSettings);
  try {
    await editor.add(staff, { cidr: '10.0.0.0/8' });
    redis.pause();
    await assert.rejects(editor.read(), StoreUnavailableError);
    await assert.rejects(editor.add(staff, { cidr: '10.0.0.1' }), StoreUnavailableError);
    redis.resume();
    await waitFor('Redis to answer again', async () => {
      try {
        await editor.read();
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    redis.resume();
    await editor.close();
    await redis.stop();
  }
});

test("a removal reaches a user's list kept under a name that canonicalises to the user", async () => {
  const s = settings();
  const keys = allowlistKeys(s.prefix);
  const raw = new Redis(server.url);
  try {
    // Written around the editor: "Bob" is bob to the gateway, which merges the two lists.
    await raw.hset(`${keys.user}Bob`, '192.0.2.7', 'by hand');
    await raw.sadd(keys.users, 'Bob');
  } finally {
    raw.disconnect();
  }
  const editor = createRedisAllowlistEditor(s, { canonicalUser: (name) => name.toLowerCase() });
  editors.push(editor);
  await editor.add(bob, { cidr: '192.0.2.7', note: 'home' });
  await editor.add(bob, { cidr: '192.0.2.8' });
  assert.equal(await editor.remove(bob, '192.0.2.7'), true);
  assert.deepEqual((await editor.read()).users, { bob: [{ cidr: '192.0.2.8' }] }, 'gone from both keys');
  assert.equal(await editor.remove(bob, '192.0.2.7'), false);
});
