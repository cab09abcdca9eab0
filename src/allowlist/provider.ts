// Owns which allowlists are in force for a request, without I/O on the request's path: with
// source yaml, the lists compiled with the configuration (a reload of gateway.yaml brings new
// ones); with source redis, the live copy a Redis watcher keeps. Undefined means the lists
// never loaded, and whoever is bound to a list is refused (S11).

import type { CompiledAllowlists } from '../config/allowlist-data.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { Logger } from '../ops/logger.js';
import { type RedisStoreSettings, redisOptionsOf } from '../store/index.js';
import { type AllowlistWatcher, watchRedisAllowlists } from './redis-watcher.js';

export interface AllowlistProvider {
  /** The lists in force under this configuration; undefined when they never loaded. */
  current(runtime: RuntimeConfig): CompiledAllowlists | undefined;
  /** Stops watching Redis (closes its connections). */
  close(): Promise<void>;
}

export interface AllowlistProviderOptions {
  /** The configuration in force (its username rules canonicalise Redis's user lists). */
  config: () => RuntimeConfig;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long start-up waits for a first read from Redis before going on without lists. */
  firstLoadMs?: number;
  /** How often the Redis version counter is checked. */
  pollMs?: number;
}

/** How long start-up waits for Redis's lists by default: a gateway started while Redis is down starts anyway, refusing staff. */
const DEFAULT_FIRST_LOAD_MS = 2_000;

/**
 * Builds the provider. With source redis at start-up the first read is awaited (bounded), so a
 * gateway that starts with Redis up admits staff from its first request. A reload that turns
 * source redis on starts the watcher at the first request that needs it (failing closed until
 * it has read).
 */
export async function createAllowlistProvider(options: AllowlistProviderOptions): Promise<AllowlistProvider> {
  let watcher: AllowlistWatcher | undefined;
  const watch = (runtime: RuntimeConfig): AllowlistWatcher => {
    watcher ??= watchRedisAllowlists({
      redis: redisOptionsOf(runtime.config.store as RedisStoreSettings, options.env),
      canonicalUser: (name) => options.config().canonicalUser(name),
      logger: options.logger,
      pollMs: options.pollMs,
    });
    return watcher;
  };
  const initial = options.config();
  if (initial.config.allowlists.source === 'redis') {
    await watch(initial).loaded(options.firstLoadMs ?? DEFAULT_FIRST_LOAD_MS);
  }
  return {
    current: (runtime) => (runtime.config.allowlists.source === 'yaml' ? runtime.allowlists : watch(runtime).current()),
    close: async () => watcher?.close(),
  };
}
