// Owns the Redis store, for several gateway processes sharing state. Every key carries the
// prefix; compound operations are Lua scripts, atomic across processes. Every call settles
// within commandTimeoutMs: while Redis is unreachable each one rejects with
// StoreUnavailableError (callers answer 503, S11), and calls work again once ioredis has
// reconnected. An acknowledged write is as durable as Redis's persistence settings make it
// (appendonly and appendfsync), not more.

import type { ChainableCommander } from 'ioredis';
import { createRedisClient, createRedisRunner } from './redis-client.js';
import type { Store, StoreWrite } from './store.js';
import { checkCap, checkNumber, checkTtl, checkWrites } from './ttl.js';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; with sentinels or a cluster only its credentials, database and TLS are used. */
  url: string;
  /** Put before every key, so that one Redis can serve several deployments. */
  prefix: string;
  sentinels?: Array<{ host: string; port: number }>;
  /** The master group name the sentinels know. */
  sentinelName?: string;
  /** Startup nodes of a Redis Cluster (URLs or host:port). */
  cluster?: { nodes: string[] };
  /** How long a call may take, waiting for a connection included, before it rejects. */
  commandTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

// KEYS[1] is the only key of each script, so they run in Cluster too.
const SCRIPTS = {
  // The expiry is set by the first increment only: a fixed window, not one that slides with every failure.
  storeIncrement: {
    numberOfKeys: 1,
    lua: `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`,
  },
  storeSetIfGreater: {
    numberOfKeys: 1,
    lua: `local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`,
  },
  storeAddToSet: {
    numberOfKeys: 1,
    lua: `redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`,
  },
  // One step, so that two gateways pushing at once both land and the cap holds.
  storePushCapped: {
    numberOfKeys: 1,
    lua: `redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`,
  },
};

/** The scripts as ioredis defines them on the client. */
interface ScriptCommands {
  storeIncrement(key: string, ttlMs: number): Promise<number>;
  storeSetIfGreater(key: string, n: string, ttlMs: number | ''): Promise<number>;
  storeAddToSet(key: string, member: string, ttlMs: number | ''): Promise<number>;
  storePushCapped(key: string, item: string, max: number, ttlMs: number | ''): Promise<number>;
}

/** Creates the store; it connects in the background (ping() tells when Redis answers). */
export function createRedisStore(options: RedisStoreOptions): Store {
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const client = createRedisClient({
    url: options.url,
    sentinels: options.sentinels,
    sentinelName: options.sentinelName,
    cluster: options.cluster,
    commandTimeoutMs: timeoutMs,
    scripts: SCRIPTS,
  });
  const scripts = client as typeof client & ScriptCommands;
  const { run, close } = createRedisRunner(client, timeoutMs, 'Redis store');
  const k = (key: string) => options.prefix + key;

  return {
    get: (key) => run(async () => (await client.get(k(key))) ?? undefined),
    async set(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      await run(() => (ttl === undefined ? client.set(k(key), value) : client.set(k(key), value, 'PX', ttl)));
    },
    async setIfAbsent(key, value, ttlMs) {
      const ttl = checkTtl(ttlMs);
      const reply = await run(() =>
        ttl === undefined ? client.set(k(key), value, 'NX') : client.set(k(key), value, 'PX', ttl, 'NX'),
      );
      return reply === 'OK';
    },
    delete: async (key) => (await run(() => client.del(k(key)))) > 0,
    async increment(key, ttlMs) {
      const ttl = checkTtl(ttlMs);
      return run(() => scripts.storeIncrement(k(key), ttl));
    },
    async setIfGreater(key, n, ttlMs) {
      const number = String(checkNumber(n));
      const ttl = checkTtl(ttlMs) ?? '';
      return (await run(() => scripts.storeSetIfGreater(k(key), number, ttl))) === 1;
    },
    async addToSet(key, member, ttlMs) {
      const ttl = checkTtl(ttlMs) ?? '';
      await run(() => scripts.storeAddToSet(k(key), member, ttl));
    },
    removeFromSet: async (key, member) => (await run(() => client.srem(k(key), member))) === 1,
    members: (key) => run(() => client.smembers(k(key))),
    async pushCapped(key, item, max, ttlMs) {
      const cap = checkCap(max);
      const ttl = checkTtl(ttlMs) ?? '';
      await run(() => scripts.storePushCapped(k(key), item, cap, ttl));
    },
    listItems: (key) => run(() => client.lrange(k(key), 0, -1)),
    async writeAll(writes) {
      checkWrites(writes);
      if (writes.length === 0) return;
      const replies = await run(() => transactionOf(client.multi(), writes, k).exec());
      // exec answers null when the transaction was discarded, and an error per refused command.
      const failed = replies?.find(([error]) => error);
      if (!replies || failed) throw new Error(`Redis refused the atomic write: ${failed?.[0]?.message ?? 'discarded'}`);
    },
    async ping() {
      await run(() => client.ping());
    },
    close,
  };
}

/**
 * Queues `writes` in a MULTI: Redis runs the queued commands one after the other with nothing
 * in between, and each one here overwrites whatever type the key held, so none fails halfway.
 */
function transactionOf(
  multi: ChainableCommander,
  writes: readonly StoreWrite[],
  k: (key: string) => string,
): ChainableCommander {
  for (const write of writes) {
    const key = k(write.key);
    if (write.op === 'set') {
      if (write.ttlMs === undefined) multi.set(key, write.value);
      else multi.set(key, write.value, 'PX', write.ttlMs);
      continue;
    }
    multi.del(key);
    if (write.op === 'replaceSet' && write.members.length > 0) {
      multi.sadd(key, ...write.members);
      if (write.ttlMs !== undefined) multi.pexpire(key, write.ttlMs);
    }
  }
  return multi;
}
