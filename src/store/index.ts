// Owns the choice of store backend: builds the one that the `store` settings name, loading only
// its driver (lmdb or ioredis: megabytes of RSS each, issue 17).

import { importJsonStore, jsonStorePathOf } from './json-import.js';
import { createMemoryStore } from './memory.js';
import { observedStore, type StoreObserver } from './observed.js';
import type { RedisStoreOptions } from './redis.js';
import type { StoreSettings } from './settings.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  /** Supplies the variable that url_env names. */
  env?: NodeJS.ProcessEnv;
  /** The clock TTLs are measured against in memory and LMDB stores (Redis keeps its own time). */
  now?: () => number;
  /** Told the time and outcome of every call (the gateway's metrics). */
  observer?: StoreObserver;
}

/** Builds the store the settings describe. */
export async function createStore(settings: StoreSettings, options: CreateStoreOptions = {}): Promise<Store> {
  return observedStore(await createBackend(settings, options), options.observer);
}

async function createBackend(settings: StoreSettings, options: CreateStoreOptions): Promise<Store> {
  const env = options.env ?? process.env;
  switch (settings.type) {
    case 'memory':
      return createMemoryStore({ now: options.now });
    case 'lmdb': {
      const { createLmdbStore } = await import('./lmdb.js');
      const store = await createLmdbStore({ path: settings.path, now: options.now });
      try {
        await importJsonStore(store, jsonStorePathOf(settings.path), options.now);
      } catch (error) {
        await store.close();
        throw error;
      }
      return store;
    }
    case 'redis':
      return (await import('./redis.js')).createRedisStore(redisOptionsOf(settings, env));
  }
}

export type RedisStoreSettings = StoreSettings & { type: 'redis' };

/** How to reach the Redis that the settings name (the store and the allowlists share it). */
export function redisOptionsOf(settings: RedisStoreSettings, env: NodeJS.ProcessEnv = process.env): RedisStoreOptions {
  return {
    url: redisUrl(settings, env),
    prefix: settings.prefix,
    sentinels: settings.sentinels,
    sentinelName: settings.sentinel_name,
    cluster: settings.cluster,
    commandTimeoutMs: settings.command_timeout,
  };
}

function redisUrl(settings: RedisStoreSettings, env: NodeJS.ProcessEnv): string {
  if (settings.url !== undefined) return settings.url;
  const url = env[settings.url_env as string];
  if (!url) throw new Error(`store.url_env names the environment variable ${settings.url_env}, which is not set`);
  return url;
}
