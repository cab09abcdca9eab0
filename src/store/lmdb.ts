// Owns the LMDB store, the durable embedded default: one LMDB environment (a data file and its
// lock file) that several processes on one machine open at once, the gateway and the operator
// CLI among them. LMDB takes one writer at a time across processes (a robust mutex in the lock
// file, released by the kernel when its holder dies, kill -9 included) and readers never wait;
// every compound operation is one write transaction, so it is atomic across processes. A
// mutating call resolves once its transaction is committed and flushed to disk (overlappingSync
// off): an acknowledged write survives kill -9 and a power cut. Reads see other processes'
// commits from their next event turn (lmdb-js renews its read snapshot then).
//
// Three databases: `records` (a value, or the head of a set, with its expiry), `members` (one
// record per set member, two per ordered set member: by member and by score) and `expiry` (an index of the records that expire, by time; keys in
// lmdb-keys.ts), so that no operation, the sweep included, costs more as the store grows.
// Members are valid only under a live set head; a head created anew clears its range first.

import { chmod, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { Entry } from './keyspace.js';
import {
  expiryKeyOf,
  keyOf,
  memberKeyOf,
  orderedMemberKeyOf,
  orderedScoreKeyOf,
  orderedScorePrefixOf,
  recordKeyOfExpiry,
  setPrefixOf,
} from './lmdb-keys.js';
import { conditionList, type Store, StoreUnavailableError, type StoreWrite, type WriteCondition } from './store.js';
import { checkCap, checkNumber, checkRange, checkScore, checkTtl, checkWrites } from './ttl.js';

export interface LmdbStoreOptions {
  /** The data file; LMDB puts its lock file beside it (PATH-lock). Its folder is created (mode 0700) when missing. */
  path: string;
  /** The clock TTLs are measured against (tests inject one to expire keys without sleeping). */
  now?: () => number;
  /** How often expired records nobody reads again are swept away; lookups ignore them meanwhile. */
  sweepIntervalMs?: number;
}

/**
 * A record as stored (JSON): a value, a set's head, an ordered set's head (its member count) or
 * a capped list (its items inline, newest first), with its expiry time.
 */
export type StoredRecord =
  | { v: string; e?: number }
  | { set: 1; e?: number }
  | { ordered: number; e?: number }
  | { list: string[]; e?: number };
type Kind = 'value' | 'set' | 'ordered' | 'list';

/** The LMDB store, with what only it has. */
export interface LmdbStore extends Store {
  /** Deletes every expired record now (the periodic sweep); resolves to how many. */
  sweep(): Promise<number>;
  /** How many records (values and sets) are stored, expired ones not yet swept included. */
  count(): number;
  /**
   * Runs `body` in one write transaction (json-import.ts); inside it, `meta` is read and written
   * with getSync/putSync and `writeEntry` stores an entry with its absolute expiry.
   */
  transaction<T>(body: () => T): Promise<T>;
  readonly meta: Database<unknown, string>;
  writeEntry(key: string, entry: Entry): void;
  /** What an operator inspects (`gateway store stats`). */
  stats(): { path: string; records: number; members: number };
  /** The live keys starting with `prefix`, in byte order, with their kind and expiry (`gateway store keys`). */
  keys(prefix?: string): Generator<{ key: string; kind: Kind; expiresAt?: number }>;
  /** Writes a consistent, compacted copy of the database to the file `target`, while writers go on. */
  backup(target: string): Promise<void>;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** How many records one sweep step reads before it yields to requests. */
const SWEEP_CHUNK = 1_000;

/** Opens (or creates) the environment at `path`. Several processes may have it open at once. */
export async function createLmdbStore(options: LmdbStoreOptions): Promise<LmdbStore> {
  const path = resolve(options.path);
  const now = options.now ?? Date.now;
  // The file holds sessions and secrets (sealed, but still): only the gateway's user may read it.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let root: RootDatabase;
  try {
    // overlappingSync off: a commit is flushed before its promise resolves, so "acknowledged"
    // means "on disk" and not only "visible" (lmdb-js's default on Linux).
    root = open({ path, noSubdir: true, maxDbs: 8, overlappingSync: false });
  } catch (error) {
    throw new Error(`cannot open the LMDB store ${path}: ${(error as Error).message}`, { cause: error });
  }
  await Promise.all([chmod(path, 0o600), chmod(`${path}-lock`, 0o600)]);
  const records = root.openDB<StoredRecord, Buffer>({ name: 'records', encoding: 'json', keyEncoding: 'binary' });
  const members = root.openDB<string, Buffer>({ name: 'members', encoding: 'json', keyEncoding: 'binary' });
  const expiryIndex = root.openDB<true, Buffer>({ name: 'expiry', encoding: 'json', keyEncoding: 'binary' });
  const meta = root.openDB<unknown, string>({ name: 'meta', encoding: 'json' });

  const isLive = (record: StoredRecord | undefined, at = now()): record is StoredRecord =>
    record !== undefined && (record.e === undefined || record.e > at);
  const expiryOf = (ttlMs: number | undefined) => {
    const ttl = checkTtl(ttlMs);
    return ttl === undefined ? {} : { e: now() + ttl };
  };
  const kindOf = (record: StoredRecord): Kind =>
    'v' in record ? 'value' : 'set' in record ? 'set' : 'ordered' in record ? 'ordered' : 'list';
  // Using a set as a value (or any other mix of kinds) is a programming error; Redis answers WRONGTYPE.
  function recordAt(key: string, kind: Kind): StoredRecord | undefined {
    const record = records.get(keyOf(key));
    if (!isLive(record)) return undefined;
    if (kindOf(record) !== kind)
      throw new TypeError(`store key ${JSON.stringify(key)} holds a ${kindOf(record)}, not a ${kind}`);
    return record;
  }
  const valueAt = (key: string) => recordAt(key, 'value') as { v: string; e?: number } | undefined;
  const setAt = (key: string) => recordAt(key, 'set') as { set: 1; e?: number } | undefined;
  const listAt = (key: string) => recordAt(key, 'list') as { list: string[]; e?: number } | undefined;
  const orderedAt = (key: string) => recordAt(key, 'ordered') as { ordered: number; e?: number } | undefined;

  /** The member keys and members under `prefix` (a set's, or an ordered set's by score), at most `limit` of them. */
  function* rangeUnder(prefix: Buffer, limit?: number): Generator<{ key: Buffer; value: string }> {
    for (const entry of members.getRange({ start: prefix, ...(limit === undefined ? {} : { limit }) })) {
      if (!entry.key.subarray(0, prefix.length).equals(prefix)) return;
      yield entry;
    }
  }
  /** The member keys and members of the set (or every record of the ordered set) whose head is under recordKey. */
  const memberRange = (recordKey: Buffer) => rangeUnder(setPrefixOf(recordKey));
  function hasMembers(recordKey: Buffer): boolean {
    for (const _ of memberRange(recordKey)) return true;
    return false;
  }
  /** Inside a transaction: writes (or, undefined, removes) the record under recordKey, keeping the expiry index in step. */
  function writeHead(recordKey: Buffer, record: StoredRecord | undefined): void {
    const old = records.get(recordKey);
    if (old?.e !== undefined && old.e !== record?.e) expiryIndex.removeSync(expiryKeyOf(old.e, recordKey));
    if (record === undefined) {
      if (old) records.removeSync(recordKey);
      return;
    }
    records.putSync(recordKey, record);
    if (record.e !== undefined && old?.e !== record.e) expiryIndex.putSync(expiryKeyOf(record.e, recordKey), true);
  }
  /** Inside a transaction: removes the record under recordKey, and its members when it heads a set. */
  function removeRecord(recordKey: Buffer): void {
    const old = records.get(recordKey);
    if (old && ('set' in old || 'ordered' in old))
      for (const { key } of [...memberRange(recordKey)]) members.removeSync(key);
    writeHead(recordKey, undefined);
  }
  /** Inside a transaction: replaces whatever is under recordKey by a value. */
  function putValue(recordKey: Buffer, record: StoredRecord): void {
    removeRecord(recordKey);
    writeHead(recordKey, record);
  }
  /** Inside a transaction: replaces whatever is under recordKey by a set of `list`. */
  function putSet(recordKey: Buffer, list: Iterable<string>, expiry: { e?: number }): void {
    removeRecord(recordKey);
    let any = false;
    for (const member of list) {
      members.putSync(memberKeyOf(recordKey, member), member);
      any = true;
    }
    if (any) writeHead(recordKey, { set: 1, ...expiry });
  }
  /**
   * Inside a transaction: adds (or moves) one member of the ordered set under recordKey, whose
   * live head is `head` (undefined: the set is made anew); `e` is the set's expiry from now on.
   */
  function putOrderedMember(
    recordKey: Buffer,
    head: { ordered: number } | undefined,
    member: string,
    score: number,
    e: number | undefined,
  ): void {
    if (!head) removeRecord(recordKey);
    const byMember = orderedMemberKeyOf(recordKey, member);
    const old = head ? members.get(byMember) : undefined;
    if (old !== undefined) members.removeSync(orderedScoreKeyOf(recordKey, Number(old), member));
    members.putSync(byMember, String(score));
    members.putSync(orderedScoreKeyOf(recordKey, score, member), member);
    const count = (head?.ordered ?? 0) + (old === undefined ? 1 : 0);
    writeHead(recordKey, { ordered: count, ...(e === undefined ? {} : { e }) });
  }

  let closed = false;
  const checkOpen = () => {
    if (closed) throw new StoreUnavailableError('the store is closed');
  };

  /**
   * Runs `body` in one write transaction and resolves with its result once committed. The body
   * reads and checks first and throws (a TypeError) only before its first write, so that a
   * refused call writes nothing.
   */
  async function transact<T>(body: () => T): Promise<T> {
    checkOpen();
    let thrown: { error: unknown } | undefined;
    let result: T | undefined;
    try {
      await records.transaction(() => {
        try {
          result = body();
        } catch (error) {
          thrown = { error };
        }
      });
    } catch (error) {
      // A full disk, a read-only file: callers answer 503 rather than pretend (S11).
      throw new StoreUnavailableError(`could not write the LMDB store ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (thrown) throw thrown.error;
    return result as T;
  }

  async function read<T>(body: () => T): Promise<T> {
    checkOpen();
    return body();
  }

  /** Inside a transaction: whether a write's condition holds (a key of another kind is simply not equal). */
  function holds(condition: WriteCondition): boolean {
    if ('ifAbsent' in condition) return !isLive(records.get(keyOf(condition.ifAbsent)));
    if ('ifPresent' in condition) return isLive(records.get(keyOf(condition.ifPresent)));
    const record = records.get(keyOf(condition.ifEquals.key));
    return isLive(record) && 'v' in record && record.v === condition.ifEquals.value;
  }

  function apply(write: StoreWrite): void {
    const recordKey = keyOf(write.key);
    if (write.op === 'set') putValue(recordKey, { v: write.value, ...expiryOf(write.ttlMs) });
    else if (write.op === 'delete') removeRecord(recordKey);
    else putSet(recordKey, new Set(write.members), expiryOf(write.ttlMs));
  }

  /** Reads the expiry index up to now, a chunk at a time, and removes what it names. */
  async function sweep(): Promise<number> {
    let swept = 0;
    for (;;) {
      checkOpen();
      const at = now();
      const due = [
        ...expiryIndex.getKeys({ end: expiryKeyOf(at + 1, Buffer.alloc(0)), limit: SWEEP_CHUNK, snapshot: false }),
      ];
      if (due.length === 0) return swept;
      // Checked again inside the transaction: another process may have rewritten or swept a key since.
      swept += await transact(() => {
        let removed = 0;
        for (const indexKey of due) {
          const recordKey = recordKeyOfExpiry(indexKey);
          const record = records.get(recordKey);
          if (record && !isLive(record, at)) {
            removeRecord(recordKey);
            removed += 1;
          }
          expiryIndex.removeSync(indexKey);
        }
        return removed;
      });
      if (due.length < SWEEP_CHUNK) return swept;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const sweeping = setInterval(() => {
    // A failed sweep is tried again at the next interval; the records it missed stay invisible.
    sweep().catch(() => {});
    // unref: a forgotten store must not keep the process alive.
  }, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS).unref();

  return {
    sweep,
    count: () => records.getCount(),
    stats: () => ({ path, records: records.getCount(), members: members.getCount() }),
    *keys(prefix = '') {
      const start = Buffer.from(prefix, 'utf8');
      const at = now();
      for (const { key, value } of records.getRange({ start, snapshot: false })) {
        if (!key.subarray(0, start.length).equals(start)) return;
        if (!isLive(value, at)) continue;
        // A key too long for LMDB is stored by digest (lmdb-keys.ts): shown as such.
        const name = key[0] === 0xff ? `(digest ${key.subarray(1).toString('hex')})` : key.toString('utf8');
        yield {
          key: name,
          kind: kindOf(value),
          ...(value.e === undefined ? {} : { expiresAt: value.e }),
        };
      }
    },
    async backup(target) {
      checkOpen();
      await root.backup(target, true);
    },
    transaction: transact,
    meta,
    writeEntry(key, entry) {
      const expiry = entry.expiresAt === undefined ? {} : { e: entry.expiresAt };
      if (entry.kind === 'value') putValue(keyOf(key), { v: entry.value, ...expiry });
      else if (entry.kind === 'list') putValue(keyOf(key), { list: entry.items, ...expiry });
      else if (entry.kind === 'set') putSet(keyOf(key), entry.members, expiry);
      else {
        removeRecord(keyOf(key));
        let head: { ordered: number } | undefined;
        for (const [member, score] of entry.members) {
          putOrderedMember(keyOf(key), head, member, score, expiry.e);
          head = { ordered: (head?.ordered ?? 0) + 1 };
        }
      }
    },
    get: (key) => read(() => valueAt(key)?.v),
    async set(key, value, ttlMs) {
      const record = { v: value, ...expiryOf(ttlMs) };
      await transact(() => putValue(keyOf(key), record));
    },
    async setIfAbsent(key, value, ttlMs) {
      const record = { v: value, ...expiryOf(ttlMs) };
      return transact(() => {
        if (isLive(records.get(keyOf(key)))) return false;
        putValue(keyOf(key), record);
        return true;
      });
    },
    delete: (key) =>
      transact(() => {
        if (!isLive(records.get(keyOf(key)))) return false;
        removeRecord(keyOf(key));
        return true;
      }),
    async increment(key, ttlMs) {
      const fresh = expiryOf(ttlMs);
      return transact(() => {
        const record = valueAt(key);
        if (!record) {
          putValue(keyOf(key), { v: '1', ...fresh });
          return 1;
        }
        const count = Number(record.v);
        if (!Number.isSafeInteger(count))
          throw new TypeError(`store key ${JSON.stringify(key)} does not hold a counter`);
        // A fixed window: the expiry set by the first increment stays.
        writeHead(keyOf(key), { ...record, v: String(count + 1) });
        return count + 1;
      });
    },
    async setIfGreater(key, n, ttlMs) {
      checkNumber(n);
      const record = { v: String(n), ...expiryOf(ttlMs) };
      return transact(() => {
        const stored = valueAt(key);
        if (stored && Number(stored.v) >= n) return false;
        putValue(keyOf(key), record);
        return true;
      });
    },
    async addToSet(key, member, ttlMs) {
      const expiry = expiryOf(ttlMs);
      await transact(() => {
        const recordKey = keyOf(key);
        const head = setAt(key);
        if (!head) putSet(recordKey, [member], expiry);
        else {
          members.putSync(memberKeyOf(recordKey, member), member);
          // A TTL given (re)sets the whole set's; none keeps the one it had.
          if (expiry.e !== undefined) writeHead(recordKey, { set: 1, ...expiry });
        }
      });
    },
    removeFromSet: (key, member) =>
      transact(() => {
        const recordKey = keyOf(key);
        if (!setAt(key) || !members.removeSync(memberKeyOf(recordKey, member))) return false;
        // The last member gone, the set is gone (as in Redis).
        if (!hasMembers(recordKey)) writeHead(recordKey, undefined);
        return true;
      }),
    members: (key) => read(() => (setAt(key) ? [...memberRange(keyOf(key))].map(({ value }) => value) : [])),
    async addOrdered(key, member, score, ttlMs) {
      checkScore(score);
      const expiry = expiryOf(ttlMs);
      await transact(() => {
        const head = orderedAt(key);
        // A TTL given (re)sets the whole set's; none keeps the one it had.
        putOrderedMember(keyOf(key), head, member, score, expiry.e ?? head?.e);
      });
    },
    removeOrdered: (key, member) =>
      transact(() => {
        const recordKey = keyOf(key);
        const head = orderedAt(key);
        const byMember = orderedMemberKeyOf(recordKey, member);
        const score = head ? members.get(byMember) : undefined;
        if (!head || score === undefined) return false;
        members.removeSync(byMember);
        members.removeSync(orderedScoreKeyOf(recordKey, Number(score), member));
        // The last member gone, the set is gone (as in Redis).
        writeHead(recordKey, head.ordered > 1 ? { ...head, ordered: head.ordered - 1 } : undefined);
        return true;
      }),
    async lowestOrdered(key, range) {
      checkRange(range);
      return read(() => {
        const head = orderedAt(key);
        const count = 'limit' in range ? range.limit : (head?.ordered ?? 0) - range.keep;
        if (!head || count <= 0) return [];
        return [...rangeUnder(orderedScorePrefixOf(keyOf(key)), count)].map(({ value }) => value);
      });
    },
    orderedMembers: (key) =>
      read(() => (orderedAt(key) ? [...rangeUnder(orderedScorePrefixOf(keyOf(key)))].map(({ value }) => value) : [])),
    async pushCapped(key, item, max, ttlMs) {
      checkCap(max);
      const expiry = expiryOf(ttlMs);
      await transact(() => {
        const list = listAt(key);
        // A TTL given (re)sets the whole list's; none keeps the one it had.
        const e = expiry.e ?? list?.e;
        putValue(keyOf(key), { list: [item, ...(list?.list ?? [])].slice(0, max), ...(e === undefined ? {} : { e }) });
      });
    },
    listItems: (key) => read(() => [...(listAt(key)?.list ?? [])]),
    async writeAll(writes, conditions) {
      checkWrites(writes);
      const checks = conditionList(conditions);
      return transact(() => {
        if (!checks.every(holds)) return false;
        for (const write of writes) apply(write);
        return true;
      });
    },
    ping: () => read(() => undefined),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeping);
      // Waits for the transactions in flight to commit.
      await root.close();
    },
  };
}
