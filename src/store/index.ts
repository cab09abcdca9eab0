// Owns the choice of store backend: builds the one that the `store` settings name.

import { createFileStore } from './file.js';
import { createMemoryStore } from './memory.js';
import { createRedisStore } from './redis.js';
import type { StoreSettings } from './settings.js';
import type { Store } from './store.js';

/** Builds the store the settings describe; `env` supplies the variable that url_env names. */
export async function createStore(settings: StoreSettings, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  switch (settings.type) {
    case 'memory':
      return createMemoryStore();
    case 'file':
      return createFileStore({ path: settings.path });
    case 'redis':
      return createRedisStore({
        url: redisUrl(settings, env),
        prefix: settings.prefix,
        sentinels: settings.sentinels,
        sentinelName: settings.sentinel_name,
        cluster: settings.cluster,
        commandTimeoutMs: settings.command_timeout,
      });
  }
}

function redisUrl(settings: StoreSettings & { type: 'redis' }, env: NodeJS.ProcessEnv): string {
  if (settings.url !== undefined) return settings.url;
  const url = env[settings.url_env as string];
  if (!url) throw new Error(`store.url_env names the environment variable ${settings.url_env}, which is not set`);
  return url;
}
