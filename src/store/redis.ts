// Owns the Redis store, for several gateway processes sharing state. Every key carries the
// prefix; compound operations are Lua scripts, atomic across processes (Redis runs a script
// with nothing in between). Every call settles
// within commandTimeoutMs: while Redis is unreachable each one rejects with
// StoreUnavailableError (callers answer 503, S11), and calls work again once ioredis has
// reconnected. An acknowledged write is as durable as Redis's persistence settings make it
// (appendonly and appendfsync), not more.

import { createRedisClient, createRedisRunner } from './redis-client.js';
import { conditionKey, conditionList, type Store, type StoreWrite, type WriteCondition } from './store.js';
import { checkCap, checkNumber, checkRange, checkScore, checkTtl, checkWrites } from './ttl.js';

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

// Every key a script touches is one of its KEYS, so Redis Cluster routes it (and refuses keys of
// different hash slots).
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
  // An ordered set is a sorted set (ZADD: O(log n)); ARGV: score, member, TTL or ''.
  storeAddOrdered: {
    numberOfKeys: 1,
    lua: `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`,
  },
  // The lowest members beyond the ARGV[1] highest: the count and the range in one step, so that
  // a member removed by another gateway in between cannot make it answer one too many.
  storeLowestBeyond: {
    numberOfKeys: 1,
    lua: `local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if over <= 0 then return {} end
return redis.call('ZRANGE', KEYS[1], 0, over - 1)`,
  },
  // One step, so that two gateways pushing at once both land and the cap holds.
  storePushCapped: {
    numberOfKeys: 1,
    lua: `redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`,
  },
  // KEYS: one per change, then one per condition. ARGV[1]: how many conditions (c); ARGV[2j] and
  // ARGV[2j + 1]: condition j's kind ('absent', 'present' or 'equals') and the value it
  // expects ('' for the first two); then change i as JSON { op, value, ttl, members } in ARGV[2c + 1 + i] (ttl a
  // string, so Lua keeps it whole). A condition's key of another type is not equal (TYPE first:
  // GET on a set is an error). Every command here overwrites whatever type the key held, so none
  // fails halfway. SADD takes the members 1,000 at a time: unpack() has a limit of a few
  // thousand values.
  storeWriteAll: {
    lua: `local c = tonumber(ARGV[1])
local n = #KEYS - c
for j = 1, c do
  local guard = KEYS[n + j]
  if ARGV[2 * j] == 'absent' then
    if redis.call('EXISTS', guard) == 1 then return 0 end
  elseif ARGV[2 * j] == 'present' then
    if redis.call('EXISTS', guard) == 0 then return 0 end
  elseif redis.call('TYPE', guard).ok ~= 'string' or redis.call('GET', guard) ~= ARGV[2 * j + 1] then
    return 0
  end
end
for i = 1, n do
  local change = cjson.decode(ARGV[2 * c + 1 + i])
  if change.op == 'set' then
    if change.ttl then redis.call('SET', KEYS[i], change.value, 'PX', change.ttl)
    else redis.call('SET', KEYS[i], change.value) end
  else
    redis.call('DEL', KEYS[i])
    if change.op == 'replaceSet' and #change.members > 0 then
      for first = 1, #change.members, 1000 do
        redis.call('SADD', KEYS[i], unpack(change.members, first, math.min(first + 999, #change.members)))
      end
      if change.ttl then redis.call('PEXPIRE', KEYS[i], change.ttl) end
    end
  end
end
return 1`,
  },
};

/** The scripts as ioredis defines them on the client. */
interface ScriptCommands {
  storeIncrement(key: string, ttlMs: number): Promise<number>;
  storeSetIfGreater(key: string, n: string, ttlMs: number | ''): Promise<number>;
  storeAddToSet(key: string, member: string, ttlMs: number | ''): Promise<number>;
  storePushCapped(key: string, item: string, max: number, ttlMs: number | ''): Promise<number>;
  storeAddOrdered(key: string, score: string, member: string, ttlMs: number | ''): Promise<number>;
  storeLowestBeyond(key: string, keep: number): Promise<string[]>;
  storeWriteAll(keyCount: number, ...keysThenArgs: string[]): Promise<number>;
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
    async addOrdered(key, member, score, ttlMs) {
      const scoreText = String(checkScore(score));
      const ttl = checkTtl(ttlMs) ?? '';
      await run(() => scripts.storeAddOrdered(k(key), scoreText, member, ttl));
    },
    removeOrdered: async (key, member) => (await run(() => client.zrem(k(key), member))) === 1,
    async lowestOrdered(key, range) {
      checkRange(range);
      if ('limit' in range) return run(() => client.zrange(k(key), 0, String(range.limit - 1)));
      return run(() => scripts.storeLowestBeyond(k(key), range.keep));
    },
    orderedMembers: (key) => run(() => client.zrange(k(key), 0, '-1')),
    async pushCapped(key, item, max, ttlMs) {
      const cap = checkCap(max);
      const ttl = checkTtl(ttlMs) ?? '';
      await run(() => scripts.storePushCapped(k(key), item, cap, ttl));
    },
    listItems: (key) => run(() => client.lrange(k(key), 0, -1)),
    async writeAll(writes, conditions) {
      checkWrites(writes);
      const checks = conditionList(conditions);
      if (writes.length === 0 && checks.length === 0) return true;
      const keys = [...writes.map((write) => k(write.key)), ...checks.map((check) => k(conditionKey(check)))];
      const args = [String(checks.length), ...checks.flatMap(conditionArgs), ...writes.map(changeOf)];
      return (await run(() => scripts.storeWriteAll(keys.length, ...keys, ...args))) === 1;
    },
    async ping() {
      await run(() => client.ping());
    },
    close,
  };
}

/** A condition as the storeWriteAll script reads it: its kind, and the value it expects. */
function conditionArgs(condition: WriteCondition): [string, string] {
  if ('ifAbsent' in condition) return ['absent', ''];
  return 'ifPresent' in condition ? ['present', ''] : ['equals', condition.ifEquals.value];
}

/** One change as the storeWriteAll script reads it. */
function changeOf(write: StoreWrite): string {
  const ttl = write.op === 'delete' || write.ttlMs === undefined ? {} : { ttl: String(write.ttlMs) };
  if (write.op === 'set') return JSON.stringify({ op: 'set', value: write.value, ...ttl });
  if (write.op === 'delete') return JSON.stringify({ op: 'delete' });
  return JSON.stringify({ op: 'replaceSet', members: [...new Set(write.members)], ...ttl });
}
