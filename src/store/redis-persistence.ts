// Owns reading whether a Redis keeps what it is told: AOF (appendonly) or RDB snapshots (save).
// A Redis with neither loses every enrollment at its restart; with `enrollment.first: open`
// anyone holding an admin's password could then enroll a phone of their own (issue 13). The
// gateway reads this once at start and warns; it cannot fix it.

import type { RedisStoreOptions } from './redis.js';
import { createRedisClient } from './redis-client.js';

export type RedisPersistence =
  | { known: true; aof: boolean; rdb: boolean }
  /** CONFIG is disabled or renamed (managed Redis services often do that), or Redis did not answer. */
  | { known: false; reason: string };

/** Reads `CONFIG GET appendonly save` answers (name, value pairs) into what is persisted (pure). */
export function persistenceOf(pairs: readonly string[]): RedisPersistence {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) values.set(pairs[i] as string, pairs[i + 1] as string);
  const appendonly = values.get('appendonly');
  const save = values.get('save');
  if (appendonly === undefined || save === undefined) return { known: false, reason: 'CONFIG GET answered nothing' };
  return { known: true, aof: appendonly === 'yes', rdb: save.trim() !== '' };
}

/** Asks the Redis of the store, on a connection of its own that is closed again. */
export async function readRedisPersistence(options: RedisStoreOptions): Promise<RedisPersistence> {
  const client = createRedisClient({
    url: options.url,
    sentinels: options.sentinels,
    sentinelName: options.sentinelName,
    cluster: options.cluster,
    commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
    scripts: {},
  });
  client.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      if (client.status === 'ready') return resolve();
      client.once('ready', () => resolve());
      setTimeout(() => reject(new Error('Redis did not answer')), (options.commandTimeoutMs ?? 1_000) * 3).unref();
    });
    const pairs = (await client.call('CONFIG', 'GET', 'appendonly')) as string[];
    const save = (await client.call('CONFIG', 'GET', 'save')) as string[];
    return persistenceOf([...pairs, ...save]);
  } catch (error) {
    return { known: false, reason: (error as Error).message };
  } finally {
    client.disconnect();
  }
}
