// Owns the Store built over an in-process keyspace (the memory store): the async contract, the
// periodic sweep of expired entries, and closing.

import type { Keyspace } from './keyspace.js';
import { type Store, StoreUnavailableError } from './store.js';

/** How often expired entries nobody reads again are dropped; lookups drop the others. */
const SWEEP_INTERVAL_MS = 60_000;

/** The memory store, with what only it (and the LMDB store) has. */
export interface KeyspaceStore extends Store {
  /** The live keys starting with `prefix`, sorted, with their kind and expiry (tests look into the store with it). */
  keys: Keyspace['keys'];
}

/** Wraps a keyspace as a Store. */
export function createKeyspaceStore(keyspace: Keyspace): KeyspaceStore {
  // unref: a forgotten store must not keep the process alive.
  const sweep = setInterval(() => keyspace.purgeExpired(), SWEEP_INTERVAL_MS).unref();
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new StoreUnavailableError('the store is closed');
  };
  async function mutate<T>(apply: () => T): Promise<T> {
    checkOpen();
    return apply();
  }

  return {
    async get(key) {
      checkOpen();
      return keyspace.get(key);
    },
    set: (key, value, ttlMs) => mutate(() => keyspace.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => mutate(() => keyspace.setIfAbsent(key, value, ttlMs)),
    delete: (key) => mutate(() => keyspace.delete(key)),
    increment: (key, ttlMs) => mutate(() => keyspace.increment(key, ttlMs)),
    setIfGreater: (key, n, ttlMs) => mutate(() => keyspace.setIfGreater(key, n, ttlMs)),
    addToSet: (key, member, ttlMs) => mutate(() => keyspace.addToSet(key, member, ttlMs)),
    removeFromSet: (key, member) => mutate(() => keyspace.removeFromSet(key, member)),
    async members(key) {
      checkOpen();
      return keyspace.members(key);
    },
    addOrdered: (key, member, score, ttlMs) => mutate(() => keyspace.addOrdered(key, member, score, ttlMs)),
    removeOrdered: (key, member) => mutate(() => keyspace.removeOrdered(key, member)),
    async lowestOrdered(key, range) {
      checkOpen();
      return keyspace.lowestOrdered(key, range);
    },
    async orderedMembers(key) {
      checkOpen();
      return keyspace.orderedMembers(key);
    },
    pushCapped: (key, item, max, ttlMs) => mutate(() => keyspace.pushCapped(key, item, max, ttlMs)),
    async listItems(key) {
      checkOpen();
      return keyspace.listItems(key);
    },
    writeAll: (writes, conditions) => mutate(() => keyspace.writeAll(writes, conditions)),
    keys: (prefix) => keyspace.keys(prefix),
    async ping() {
      checkOpen();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
    },
  };
}
