// Owns the allowlists as Redis keeps them (allowlists.source: redis): the key layout, reading
// every list in one atomic snapshot, and the Redis editor (AllowlistEditor) that the CLI and
// the admin page change them through. Every change is one Lua script: it writes the entry,
// bumps the version counter and publishes the new version, so gateways that listen re-read at
// once and gateways that missed the message see the version move at their next check.
//
// Layout, under the store's prefix (every key carries the hash tag {allowlist}, so they share
// one Cluster slot and one script may touch them all):
//   {allowlist}:version        counter, incremented by every change
//   {allowlist}:lists          set of the names of non-empty named lists
//   {allowlist}:users          set of the (canonical) usernames with a non-empty own list
//   {allowlist}:list:NAME      hash: canonical cidr -> note ("" for none)
//   {allowlist}:user:NAME      hash: canonical cidr -> note
// Channel: PREFIX allowlist:changed, message: the new version.

import {
  type AllowlistData,
  type AllowlistEntry,
  type AllowlistTarget,
  parseEntry,
  parseListName,
} from '../config/allowlist-data.js';
import { type RedisStoreSettings, redisOptionsOf } from '../store/index.js';
import type { RedisStoreOptions } from '../store/redis.js';
import {
  createRedisClient,
  createRedisRunner,
  type RedisClient,
  type RedisConnectionOptions,
  type RedisRunner,
} from '../store/redis-client.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from './editor.js';

/** The keys and channel of one deployment's allowlists. */
export interface AllowlistKeys {
  readonly version: string;
  readonly lists: string;
  readonly users: string;
  /** Prefix of a named list's hash ("...list:"), and of a user's own list's hash. */
  readonly list: string;
  readonly user: string;
  readonly channel: string;
}

/** The layout under a store prefix. */
export function allowlistKeys(prefix: string): AllowlistKeys {
  const base = `${prefix}{allowlist}:`;
  return {
    version: `${base}version`,
    lists: `${base}lists`,
    users: `${base}users`,
    list: `${base}list:`,
    user: `${base}user:`,
    channel: `${prefix}allowlist:changed`,
  };
}

// KEYS: version, lists index, users index. ARGV: list hash prefix, user hash prefix.
// Returns { version, { name, { cidr, note, ... }, ... } for lists, the same for users }.
// The lists' hashes are not in KEYS: their names are only known inside the script, which is
// what makes the read one atomic snapshot. That is safe with Cluster too, because every key
// carries the hash tag {allowlist}: they all live in the slot of KEYS[1], on the node the
// script runs on. (Passing them in KEYS would take a first read of the names and a retry
// whenever a list appeared in between.)
const READ_ALL = `local function all(index, prefix)
  local out = {}
  for _, name in ipairs(redis.call('SMEMBERS', index)) do
    out[#out + 1] = name
    out[#out + 1] = redis.call('HGETALL', prefix .. name)
  end
  return out
end
return { redis.call('GET', KEYS[1]) or '0', all(KEYS[2], ARGV[1]), all(KEYS[3], ARGV[2]) }`;

// KEYS: the list's hash, its index set, version. ARGV: name, cidr, note, channel.
const ADD = `redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[4], version)
return version`;

// KEYS: the list's hash, its index set, version. ARGV: name, cidr, channel. Returns 0 when absent.
const REMOVE = `if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[3], version)
return version`;

const SCRIPTS = {
  allowlistReadAll: { numberOfKeys: 3, lua: READ_ALL },
  allowlistAdd: { numberOfKeys: 3, lua: ADD },
  allowlistRemove: { numberOfKeys: 3, lua: REMOVE },
};

type ReadAllReply = [string, string[] | Array<string | string[]>, Array<string | string[]>];

interface AllowlistScripts {
  allowlistReadAll(
    version: string,
    lists: string,
    users: string,
    listPrefix: string,
    userPrefix: string,
  ): Promise<ReadAllReply>;
  allowlistAdd(
    hash: string,
    index: string,
    version: string,
    name: string,
    cidr: string,
    note: string,
    channel: string,
  ): Promise<number>;
  allowlistRemove(
    hash: string,
    index: string,
    version: string,
    name: string,
    cidr: string,
    channel: string,
  ): Promise<number>;
}

/** A snapshot of every list and the version it was read at. */
export interface AllowlistSnapshot {
  readonly version: string;
  readonly data: AllowlistData;
  /** Entries in Redis that do not parse (written around the editor), left out: "list staff: 10.0.0.1/8". */
  readonly skipped: readonly string[];
}

/** A Redis connection that reads (and edits) the allowlists; one per process and purpose. */
export interface AllowlistConnection {
  readonly keys: AllowlistKeys;
  readonly client: RedisClient;
  readonly runner: RedisRunner;
  /** The version counter alone (one GET): the cheap periodic check. */
  version(): Promise<string>;
  /** Every list, with the version, in one atomic read. */
  readAll(): Promise<AllowlistSnapshot>;
}

const DEFAULT_TIMEOUT_MS = 1000;

/** A connection of the allowlists' (the reader's, or a watcher's subscription) with the store's settings. */
export function allowlistConnectionOptions(
  options: RedisStoreOptions,
  scripts: RedisConnectionOptions['scripts'] = {},
): RedisConnectionOptions {
  return {
    url: options.url,
    sentinels: options.sentinels,
    sentinelName: options.sentinelName,
    cluster: options.cluster,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    scripts,
  };
}

/** Opens a connection for the allowlists with the store's settings (it connects in the background). */
export function connectAllowlists(options: RedisStoreOptions): AllowlistConnection {
  const settings = allowlistConnectionOptions(options, SCRIPTS);
  const timeoutMs = settings.commandTimeoutMs;
  const client = createRedisClient(settings);
  const scripts = client as RedisClient & AllowlistScripts;
  const runner = createRedisRunner(client, timeoutMs, 'allowlist');
  const keys = allowlistKeys(options.prefix);
  return {
    keys,
    client,
    runner,
    version: () => runner.run(async () => (await client.get(keys.version)) ?? '0'),
    async readAll() {
      const [version, lists, users] = await runner.run(() =>
        scripts.allowlistReadAll(keys.version, keys.lists, keys.users, keys.list, keys.user),
      );
      const skipped: string[] = [];
      const data = { lists: entriesOf(lists, `list`, skipped), users: entriesOf(users, 'user', skipped) };
      return { version: String(version), data, skipped };
    },
  };
}

/**
 * Turns the script's { name, [cidr, note, ...], ... } into lists of entries. What Redis holds
 * was validated at the edit; an entry that does not parse anyway (written by hand) is left out
 * here rather than failing the whole read, and named in `skipped` for the caller to report.
 */
function entriesOf(flat: Array<string | string[]>, kind: string, skipped: string[]) {
  const out: Record<string, AllowlistEntry[]> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = String(flat[i]);
    const pairs = flat[i + 1] as string[];
    const entries: AllowlistEntry[] = [];
    for (let j = 0; j + 1 < pairs.length; j += 2) {
      const parsed = parseEntry(pairs[j] as string, pairs[j + 1] || undefined);
      if (parsed.ok) entries.push(parsed.value);
      else skipped.push(`${kind} ${name}: ${pairs[j]}`);
    }
    entries.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
    if (entries.length > 0) out[name] = entries;
  }
  return out;
}

function checkTarget(target: AllowlistTarget): void {
  if (target.kind === 'list') {
    const parsed = parseListName(target.name);
    if (!parsed.ok) throw new AllowlistEditRefusedError(parsed.message);
  } else if (target.name.trim() === '' || target.name !== target.name.trim()) {
    throw new AllowlistEditRefusedError('a user list is named by the canonical username');
  }
}

export interface RedisAllowlistEditorOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The login's canonical form of a username: a user's list kept under "Bob" (written around the editor) is bob's. */
  readonly canonicalUser?: (name: string) => string;
}

/**
 * The Redis implementation of AllowlistEditor, with the store's connection settings (url or
 * url_env, prefix, sentinels, cluster). User targets are named by canonical username (the
 * caller canonicalises, as the login does), and a removal also reaches the user's lists kept
 * under other names that canonicalise to it, as the gateway merges them. Entries are checked
 * again here, so nothing that does not parse is ever written (AllowlistEditRefusedError).
 * While Redis is unreachable calls reject with StoreUnavailableError.
 */
export function createRedisAllowlistEditor(
  settings: RedisStoreSettings,
  options: RedisAllowlistEditorOptions = {},
): AllowlistEditor {
  const connection = connectAllowlists(redisOptionsOf(settings, options.env));
  const { keys, runner } = connection;
  const scripts = connection.client as RedisClient & AllowlistScripts;
  const canonical = options.canonicalUser ?? ((name: string) => name);
  const where = (target: AllowlistTarget) =>
    target.kind === 'list'
      ? { hash: keys.list + target.name, index: keys.lists }
      : { hash: keys.user + target.name, index: keys.users };
  /** The names a target's entries may be kept under: a list's own, or every user key that canonicalises to the user. */
  async function namesOf(target: AllowlistTarget): Promise<string[]> {
    if (target.kind === 'list') return [target.name];
    const users = await runner.run(() => connection.client.smembers(keys.users));
    return [...new Set([target.name, ...users.filter((name) => canonical(name) === target.name)])];
  }
  return {
    source: 'redis',
    read: async () => (await connection.readAll()).data,
    async add(target, entry) {
      checkTarget(target);
      const parsed = parseEntry(entry.cidr, entry.note);
      if (!parsed.ok) throw new AllowlistEditRefusedError(parsed.message);
      const { hash, index } = where(target);
      const { cidr, note = '' } = parsed.value;
      await runner.run(() => scripts.allowlistAdd(hash, index, keys.version, target.name, cidr, note, keys.channel));
    },
    async remove(target, cidr) {
      checkTarget(target);
      const parsed = parseEntry(cidr);
      if (!parsed.ok) return false;
      let removed = false;
      for (const name of await namesOf(target)) {
        const { hash, index } = where({ kind: target.kind, name });
        const version = await runner.run(() =>
          scripts.allowlistRemove(hash, index, keys.version, name, parsed.value.cidr, keys.channel),
        );
        removed ||= version !== 0;
      }
      return removed;
    },
    readOnlyReason: async () => undefined,
    close: () => runner.close(),
  };
}
