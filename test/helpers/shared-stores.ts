// Two handles on one store, on every backend, as gateways that share a store hold them: memory
// (one store both use), LMDB (two handles on one file) and a real Redis (two clients). The tests
// of races between gateways run on each; every pair starts empty.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createLmdbStore } from '../../src/store/lmdb.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createRedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

/** Two gateways' handles on one fresh store. */
export interface StorePair {
  readonly stores: [Store, Store];
  close(): Promise<void>;
}

export interface SharedBackend {
  readonly name: string;
  open(): Promise<StorePair>;
}

const both = (first: Store, second: Store): StorePair => ({
  stores: [first, second],
  close: async () => void (await Promise.all([first.close(), second.close()])),
});

/**
 * The backends, for the calling test file: starts a redis-server and a folder for LMDB files
 * before its tests and removes both after them. `name` tells the file's keys and folder apart.
 */
export function sharedBackends(name: string): readonly SharedBackend[] {
  let redis: RedisServer;
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), `gateway-${name}-`));
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
    await rm(folder, { recursive: true, force: true });
  });
  return [
    {
      name: 'memory',
      async open() {
        const store = createMemoryStore();
        return { stores: [store, store], close: () => store.close() };
      },
    },
    {
      name: 'LMDB, two handles on one file',
      async open() {
        const path = join(folder, `${randomUUID()}.lmdb`);
        return both(await createLmdbStore({ path }), await createLmdbStore({ path }));
      },
    },
    {
      name: 'Redis, two clients',
      async open() {
        const prefix = `${name}:${randomUUID()}:`;
        const client = () => createRedisStore({ url: redis.url, prefix, commandTimeoutMs: 10_000 });
        return both(client(), client());
      },
    },
  ];
}
