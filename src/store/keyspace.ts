// Owns the in-process keyspace of the memory store: values, counters, sets and capped lists
// with absolute expiry times read from an injected clock. Every operation is synchronous, so it
// is atomic within the process without locks; the semantics follow Redis, so that the backends
// stay interchangeable (a removed last member deletes its set, SET without a TTL clears one).

import { createOrderedMembers, type OrderedMembers } from './ordered-members.js';
import {
  conditionList,
  type OrderedRange,
  type StoreWrite,
  type WriteCondition,
  type WriteConditions,
} from './store.js';
import { checkCap, checkNumber, checkRange, checkScore, checkTtl, checkWrites } from './ttl.js';

export type Entry =
  | { kind: 'value'; value: string; expiresAt: number | undefined }
  | { kind: 'set'; members: Set<string>; expiresAt: number | undefined }
  | { kind: 'ordered'; members: OrderedMembers; expiresAt: number | undefined }
  /** Newest first. */
  | { kind: 'list'; items: string[]; expiresAt: number | undefined };

export interface Keyspace {
  get(key: string): string | undefined;
  set(key: string, value: string, ttlMs?: number): void;
  setIfAbsent(key: string, value: string, ttlMs?: number): boolean;
  delete(key: string): boolean;
  increment(key: string, ttlMs: number): number;
  setIfGreater(key: string, n: number, ttlMs?: number): boolean;
  addToSet(key: string, member: string, ttlMs?: number): void;
  removeFromSet(key: string, member: string): boolean;
  members(key: string): string[];
  addOrdered(key: string, member: string, score: number, ttlMs?: number): void;
  removeOrdered(key: string, member: string): boolean;
  lowestOrdered(key: string, range: OrderedRange): string[];
  orderedMembers(key: string): string[];
  pushCapped(key: string, item: string, max: number, ttlMs?: number): void;
  listItems(key: string): string[];
  /** Applies every change unless a condition fails; synchronous, so atomic within the process. */
  writeAll(writes: readonly StoreWrite[], conditions?: WriteConditions): boolean;
  /** Drops every expired entry; returns how many. Lookups drop expired entries too, this catches the unread ones. */
  purgeExpired(): number;
  /** The live keys starting with `prefix`, sorted, with their kind and expiry (what `LmdbStore.keys` lists). */
  keys(prefix?: string): Array<{ key: string; kind: Entry['kind']; expiresAt?: number }>;
}

/** Creates an empty keyspace on the clock `now`. */
export function createKeyspace(now: () => number): Keyspace {
  const entries = new Map<string, Entry>();
  const expiryOf = (ttlMs: number | undefined) => {
    const ttl = checkTtl(ttlMs);
    return ttl === undefined ? undefined : now() + ttl;
  };
  const isExpired = (entry: Entry, at: number) => entry.expiresAt !== undefined && entry.expiresAt <= at;

  /** The entry under key, or undefined when absent or expired (then dropped: lazy expiry). */
  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && isExpired(entry, now())) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }
  // Using a set as a value (or any other mix of kinds) is a programming error; Redis answers WRONGTYPE.
  function entryOf<K extends Entry['kind']>(key: string, kind: K): (Entry & { kind: K }) | undefined {
    const entry = live(key);
    if (entry && entry.kind !== kind)
      throw new TypeError(`store key ${JSON.stringify(key)} holds a ${entry.kind}, not a ${kind}`);
    return entry as (Entry & { kind: K }) | undefined;
  }
  const valueAt = (key: string) => entryOf(key, 'value');
  const setAt = (key: string) => entryOf(key, 'set');
  const orderedAt = (key: string) => entryOf(key, 'ordered');
  /** Whether a write's condition holds now (a key of another kind is simply not equal). */
  function holds(condition: WriteCondition): boolean {
    if ('ifAbsent' in condition) return live(condition.ifAbsent) === undefined;
    if ('ifPresent' in condition) return live(condition.ifPresent) !== undefined;
    const entry = live(condition.ifEquals.key);
    return entry?.kind === 'value' && entry.value === condition.ifEquals.value;
  }

  return {
    get: (key) => valueAt(key)?.value,
    set(key, value, ttlMs) {
      entries.set(key, { kind: 'value', value, expiresAt: expiryOf(ttlMs) });
    },
    setIfAbsent(key, value, ttlMs) {
      const expiresAt = expiryOf(ttlMs);
      if (live(key)) return false;
      entries.set(key, { kind: 'value', value, expiresAt });
      return true;
    },
    delete: (key) => live(key) !== undefined && entries.delete(key),
    increment(key, ttlMs) {
      const expiresAt = expiryOf(ttlMs);
      const entry = valueAt(key);
      if (!entry) {
        entries.set(key, { kind: 'value', value: '1', expiresAt });
        return 1;
      }
      const count = Number(entry.value);
      if (!Number.isSafeInteger(count)) throw new TypeError(`store key ${JSON.stringify(key)} does not hold a counter`);
      // A fixed window: the expiry set by the first increment stays.
      entry.value = String(count + 1);
      return count + 1;
    },
    setIfGreater(key, n, ttlMs) {
      checkNumber(n);
      const expiresAt = expiryOf(ttlMs);
      const entry = valueAt(key);
      if (entry && Number(entry.value) >= n) return false;
      entries.set(key, { kind: 'value', value: String(n), expiresAt });
      return true;
    },
    addToSet(key, member, ttlMs) {
      const expiresAt = expiryOf(ttlMs);
      const entry = setAt(key);
      if (entry) {
        entry.members.add(member);
        if (expiresAt !== undefined) entry.expiresAt = expiresAt;
      } else {
        entries.set(key, { kind: 'set', members: new Set([member]), expiresAt });
      }
    },
    removeFromSet(key, member) {
      const entry = setAt(key);
      if (!entry?.members.delete(member)) return false;
      if (entry.members.size === 0) entries.delete(key);
      return true;
    },
    members: (key) => [...(setAt(key)?.members ?? [])],
    addOrdered(key, member, score, ttlMs) {
      checkScore(score);
      const expiresAt = expiryOf(ttlMs);
      const entry = orderedAt(key);
      if (entry) {
        entry.members.add(member, score);
        if (expiresAt !== undefined) entry.expiresAt = expiresAt;
      } else {
        entries.set(key, { kind: 'ordered', members: createOrderedMembers([[member, score]]), expiresAt });
      }
    },
    removeOrdered(key, member) {
      const entry = orderedAt(key);
      if (!entry?.members.remove(member)) return false;
      if (entry.members.size === 0) entries.delete(key);
      return true;
    },
    lowestOrdered(key, range) {
      checkRange(range);
      const members = orderedAt(key)?.members;
      if (!members) return [];
      return members.lowest('limit' in range ? range.limit : members.size - range.keep);
    },
    orderedMembers(key) {
      const members = orderedAt(key)?.members;
      return members ? members.lowest(members.size) : [];
    },
    pushCapped(key, item, max, ttlMs) {
      checkCap(max);
      const expiresAt = expiryOf(ttlMs);
      const entry = entryOf(key, 'list');
      const items = [item, ...(entry?.items ?? [])].slice(0, max);
      entries.set(key, { kind: 'list', items, expiresAt: expiresAt ?? entry?.expiresAt });
    },
    listItems: (key) => [...(entryOf(key, 'list')?.items ?? [])],
    writeAll(writes, conditions) {
      checkWrites(writes);
      if (!conditionList(conditions).every(holds)) return false;
      for (const write of writes) {
        if (write.op === 'set')
          entries.set(write.key, { kind: 'value', value: write.value, expiresAt: expiryOf(write.ttlMs) });
        else if (write.op === 'delete' || write.members.length === 0) entries.delete(write.key);
        else entries.set(write.key, { kind: 'set', members: new Set(write.members), expiresAt: expiryOf(write.ttlMs) });
      }
      return true;
    },
    keys(prefix = '') {
      const at = now();
      return [...entries]
        .filter(([key, entry]) => key.startsWith(prefix) && !isExpired(entry, at))
        .map(([key, { kind, expiresAt }]) => ({ key, kind, ...(expiresAt === undefined ? {} : { expiresAt }) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    purgeExpired() {
      const at = now();
      let purged = 0;
      for (const [key, entry] of entries) {
        if (isExpired(entry, at) && entries.delete(key)) purged += 1;
      }
      return purged;
    },
  };
}
