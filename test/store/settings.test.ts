// The `store` section of gateway.yaml: defaults, the mistakes it refuses (with the key they
// concern), and createStore building the backend it names.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { storeSchema } from '../../src/store/settings.js';
import { StoreUnavailableError } from '../../src/store/store.js';

describe('store settings', () => {
  const accepted: Array<[input: unknown, output: unknown]> = [
    [undefined, { type: 'lmdb', path: 'data/store.lmdb' }],
    [{ type: 'memory' }, { type: 'memory' }],
    [
      { type: 'lmdb', path: '/var/lib/gateway/state.mdb' },
      { type: 'lmdb', path: '/var/lib/gateway/state.mdb' },
    ],
    // The JSON file store of earlier versions: LMDB beside the file, which it imports.
    [
      { type: 'file', path: '/var/lib/gateway/store.json' },
      { type: 'lmdb', path: '/var/lib/gateway/store.lmdb' },
    ],
    [{ type: 'file' }, { type: 'lmdb', path: 'data/store.lmdb' }],
    [
      { type: 'redis', url: 'redis://127.0.0.1:6379/2' },
      { type: 'redis', url: 'redis://127.0.0.1:6379/2', prefix: 'gateway:', command_timeout: 1000 },
    ],
    [
      {
        type: 'redis',
        url_env: 'GATEWAY_REDIS_URL',
        prefix: 'prod:',
        sentinels: [{ host: 'sentinel-1', port: 26379 }],
        sentinel_name: 'mymaster',
        command_timeout: '250ms',
      },
      {
        type: 'redis',
        url_env: 'GATEWAY_REDIS_URL',
        prefix: 'prod:',
        sentinels: [{ host: 'sentinel-1', port: 26379 }],
        sentinel_name: 'mymaster',
        command_timeout: 250,
      },
    ],
    [
      {
        type: 'redis',
        url: 'rediss://redis.internal:6380',
        cluster: { nodes: ['redis://10.0.0.1:6379', '10.0.0.2:6379'] },
      },
      {
        type: 'redis',
        url: 'rediss://redis.internal:6380',
        cluster: { nodes: ['redis://10.0.0.1:6379', '10.0.0.2:6379'] },
        prefix: 'gateway:',
        command_timeout: 1000,
      },
    ],
  ];
  for (const [input, output] of accepted) {
    test(`accepts ${JSON.stringify(input)}`, () => {
      assert.deepEqual(storeSchema.parse(input), output);
    });
  }

  const refused: Array<[input: unknown, path: string, message: RegExp]> = [
    [{ type: 'sqlite' }, 'type', /memory.*lmdb.*redis/],
    [{ type: 'lmdb', path: '' }, 'path', /./],
    [{ type: 'file', path: '' }, 'path', /./],
    [{ type: 'memory', path: 'x' }, '', /path/],
    [{ type: 'redis' }, 'url', /exactly one of url and url_env/],
    [{ type: 'redis', url: 'redis://a', url_env: 'B' }, 'url', /exactly one of url and url_env/],
    [{ type: 'redis', url: 'redis://:secret@redis:6379' }, 'url', /must not contain a password.*url_env/],
    [{ type: 'redis', url: 'http://redis:6379' }, 'url', /redis:\/\/ or rediss:\/\//],
    [{ type: 'redis', url_env: 'not a name' }, 'url_env', /environment variable/],
    [{ type: 'redis', url: 'redis://a', command_timeout: '5' }, 'command_timeout', /duration with a unit/],
    [{ type: 'redis', url: 'redis://a', command_timeout: '0s' }, 'command_timeout', /longer than 0/],
    [{ type: 'redis', url: 'redis://a', sentinels: [{ host: 's', port: 26379 }] }, 'sentinel_name', /go together/],
    [
      {
        type: 'redis',
        url: 'redis://a',
        sentinels: [{ host: 's', port: 26379 }],
        sentinel_name: 'm',
        cluster: { nodes: ['redis://b'] },
      },
      'cluster',
      /either sentinels or cluster/,
    ],
    [{ type: 'redis', url: 'redis://a', cluster: { nodes: ['redis://:pw@b:6379'] } }, 'cluster.nodes.0', /password/],
  ];
  for (const [input, path, message] of refused) {
    test(`refuses ${JSON.stringify(input)} at "${path}"`, () => {
      const result = storeSchema.safeParse(input);
      assert.equal(result.success, false);
      const issues = result.error?.issues ?? [];
      assert.ok(
        issues.some((issue) => issue.path.join('.') === path && message.test(issue.message)),
        JSON.stringify(issues),
      );
    });
  }

  test('every key is described', () => {
    const undescribed: string[] = [];
    // Walks the JSON Schema: every property of every object (inside unions and lists too) needs a description.
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const { properties, ...rest } = node as { properties?: Record<string, { description?: string }> };
      for (const [key, property] of Object.entries(properties ?? {})) {
        if (!property.description) undescribed.push(`${path}${key}`);
        walk(property, `${path}${key}.`);
      }
      for (const child of Object.values(rest)) walk(child, path);
    };
    walk(storeSchema.toJSONSchema({ io: 'input', unrepresentable: 'any' }), '');
    assert.deepEqual(undescribed, []);
  });
});

describe('createStore', () => {
  test('builds the memory store', async () => {
    const store = await createStore(storeSchema.parse({ type: 'memory' }));
    await store.set('k', 'v');
    assert.equal(await store.get('k'), 'v');
    await store.close();
  });

  test('builds the LMDB store at its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-settings-'));
    try {
      const path = join(dir, 'state', 'store.lmdb');
      const store = await createStore(storeSchema.parse({ type: 'lmdb', path }));
      await store.set('k', 'v');
      await store.close();
      assert.ok((await stat(path)).isFile());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('builds the Redis store from the URL that url_env names', async () => {
    const settings = storeSchema.parse({ type: 'redis', url_env: 'TEST_REDIS_URL', command_timeout: '100ms' });
    // Nothing listens on port 1: the store is built and fails fast, which shows it used this URL.
    const store = await createStore(settings, { env: { TEST_REDIS_URL: 'redis://127.0.0.1:1' } });
    await assert.rejects(store.ping(), StoreUnavailableError);
    await store.close();
  });

  test('refuses a url_env naming a variable that is not set', async () => {
    const settings = storeSchema.parse({ type: 'redis', url_env: 'TEST_REDIS_URL' });
    await assert.rejects(createStore(settings, { env: {} }), /TEST_REDIS_URL, which is not set/);
  });
});
