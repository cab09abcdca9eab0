// The Redis allowlists' suite, run against every Redis shape (standalone, a 3-master Cluster,
// Sentinel): the editor's entries round-trip with their notes, every change bumps the version
// and publishes it, nothing that does not parse is written, entries written around the editor
// are read or named, and a gateway's watcher sees a published change without its periodic
// check and a change whose message was missed at its next check. In a Cluster every allowlist
// key carries the {allowlist} hash tag, so the scripts that touch several keys run there too.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { type AllowlistEditor, AllowlistEditRefusedError } from '../../src/allowlist/editor.js';
import { allowlistKeys, connectAllowlists, createRedisAllowlistEditor } from '../../src/allowlist/redis-lists.js';
import { type AllowlistWatcher, watchRedisAllowlists } from '../../src/allowlist/redis-watcher.js';
import { createLogger } from '../../src/ops/logger.js';
import { type RedisStoreSettings, redisOptionsOf } from '../../src/store/index.js';
import { memoryLog } from '../helpers/gateway.js';
import type { RedisDeployment } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const staff = { kind: 'list', name: 'staff' } as const;
const bob = { kind: 'user', name: 'bob' } as const;
/** Long enough that only a published message can explain a change seen in a test. */
const NO_POLL_MS = 600_000;

/** Store settings on `deployment` under a prefix no other test shares. */
export function allowlistSettings(
  deployment: RedisDeployment,
  overrides: Partial<RedisStoreSettings> = {},
): RedisStoreSettings {
  return {
    type: 'redis',
    ...deployment.settings,
    prefix: `lists:${randomUUID()}:`,
    // Room for a loaded machine: the deadline is not what the suite is about.
    command_timeout: 5_000,
    ...overrides,
  } as RedisStoreSettings;
}

/** A watcher on `settings` with a log the test reads. */
export function watcherOn(
  settings: RedisStoreSettings,
  pollMs: number,
): { watcher: AllowlistWatcher; log: ReturnType<typeof memoryLog> } {
  const log = memoryLog();
  const watcher = watchRedisAllowlists({
    redis: redisOptionsOf(settings),
    canonicalUser: (name) => name.toLowerCase(),
    logger: createLogger({ level: 'info', destination: log.stream }),
    pollMs,
  });
  return { watcher, log };
}

/** Whether the watcher's current lists admit `address` on `list`. */
export const admits = (watcher: AllowlistWatcher, address: string, list = 'staff') =>
  watcher.current()?.lists.get(list)?.contains(address) === true;

/** Registers the suite; `deployment` is called once the file's before() has started it. */
export function runRedisAllowlistSuite(name: string, deployment: () => RedisDeployment): void {
  describe(`redis allowlists: ${name}`, () => {
    const closing: Array<{ close(): Promise<void> }> = [];
    after(async () => {
      for (const each of closing) await each.close();
    });
    const settings = (overrides: Partial<RedisStoreSettings> = {}) => allowlistSettings(deployment(), overrides);
    function editorFor(s: RedisStoreSettings, canonicalUser?: (name: string) => string): AllowlistEditor {
      const editor = createRedisAllowlistEditor(s, { canonicalUser });
      closing.push(editor);
      return editor;
    }
    /** A plain client for writing around the editor; closed after `body`. */
    async function withRaw<T>(body: (raw: ReturnType<RedisDeployment['client']>) => Promise<T>): Promise<T> {
      const raw = deployment().client();
      try {
        return await body(raw);
      } finally {
        raw.disconnect();
      }
    }

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
      assert.deepEqual(await deployment().keys(`${s.prefix}*`), []);
    });

    test('every change bumps the version and publishes it on the channel, under the prefix', async () => {
      const s = settings();
      const editor = editorFor(s);
      const keys = allowlistKeys(s.prefix);
      const heard: string[] = [];
      await withRaw(async (subscriber) => {
        await subscriber.subscribe(keys.channel);
        subscriber.on('message', (_channel: string, message: string) => heard.push(message));
        await editor.add(staff, { cidr: '10.0.0.0/8' });
        await editor.remove(staff, '10.0.0.0/8');
        assert.equal(await editor.remove(staff, '10.0.0.0/8'), false, 'a remove that changes nothing');
        await waitFor('two notifications', () => heard.length >= 2);
      });
      assert.deepEqual(heard, ['1', '2']);
      const reader = connectAllowlists(redisOptionsOf(s));
      try {
        assert.equal(await reader.version(), '2');
        assert.equal((await reader.readAll()).version, '2');
      } finally {
        await reader.runner.close();
      }
      const stored = await deployment().keys(`${s.prefix}*`);
      assert.deepEqual(stored, [keys.version], 'only the version is left, under the prefix');
    });

    test('an entry written around the editor that does not parse is left out of a read, and named', async () => {
      const s = settings();
      const keys = allowlistKeys(s.prefix);
      await withRaw(async (raw) => {
        await raw.hset(`${keys.list}staff`, '10.0.0.1/8', '', '192.0.2.1', 'ok');
        await raw.sadd(keys.lists, 'staff');
      });
      const reader = connectAllowlists(redisOptionsOf(s));
      try {
        const snapshot = await reader.readAll();
        assert.deepEqual(snapshot.data.lists, { staff: [{ cidr: '192.0.2.1', note: 'ok' }] });
        assert.deepEqual(snapshot.skipped, ['list staff: 10.0.0.1/8']);
      } finally {
        await reader.runner.close();
      }
    });

    test("a removal reaches a user's list kept under a name that canonicalises to the user", async () => {
      const s = settings();
      const keys = allowlistKeys(s.prefix);
      // Written around the editor: "Bob" is bob to the gateway, which merges the two lists.
      await withRaw(async (raw) => {
        await raw.hset(`${keys.user}Bob`, '192.0.2.7', 'by hand');
        await raw.sadd(keys.users, 'Bob');
      });
      const editor = editorFor(s, (user) => user.toLowerCase());
      await editor.add(bob, { cidr: '192.0.2.7', note: 'home' });
      await editor.add(bob, { cidr: '192.0.2.8' });
      assert.equal(await editor.remove(bob, '192.0.2.7'), true);
      assert.deepEqual((await editor.read()).users, { bob: [{ cidr: '192.0.2.8' }] }, 'gone from both keys');
      assert.equal(await editor.remove(bob, '192.0.2.7'), false);
    });

    test('a published change reaches the watcher without the periodic check', async () => {
      const s = settings();
      const { watcher } = watcherOn(s, NO_POLL_MS);
      closing.push(watcher);
      const editor = editorFor(s);
      assert.equal(await watcher.loaded(15_000), true);
      assert.equal(watcher.current()?.lists.size, 0, 'an empty Redis is empty lists, not "never loaded"');
      const channel = allowlistKeys(s.prefix).channel;
      await waitFor('the watcher to subscribe', async () => (await deployment().subscribers(channel)) === 1);
      await editor.add(staff, { cidr: '192.0.2.0/24', note: 'office' });
      await editor.add({ kind: 'user', name: 'Bob' }, { cidr: '203.0.113.9' });
      await waitFor(
        'the added entries',
        () => admits(watcher, '192.0.2.1') && watcher.current()?.users.has('bob') === true,
      );
      await editor.remove(staff, '192.0.2.0/24');
      await waitFor('the removal', () => !admits(watcher, '192.0.2.1'));
    });

    test('a change whose message was missed arrives at the next version check', async () => {
      const s = settings();
      const { watcher } = watcherOn(s, 100);
      closing.push(watcher);
      const keys = allowlistKeys(s.prefix);
      assert.equal(await watcher.loaded(15_000), true);
      // What an edit does, minus its PUBLISH: as if the message were lost.
      await withRaw(async (raw) => {
        await raw.hset(`${keys.list}staff`, '198.51.100.7', 'lost message');
        await raw.sadd(keys.lists, 'staff');
        await raw.incr(keys.version);
      });
      await waitFor('the unpublished change', () => admits(watcher, '198.51.100.7'));
    });
  });
}
