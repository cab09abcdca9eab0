// Owns the Store built over an in-process keyspace, which the memory and file stores share: the
// async contract, the periodic sweep of expired entries, closing, and the point where a mutation
// waits until its backend has made it durable.

import type { Keyspace } from './keyspace.js';
import { type Store, StoreUnavailableError } from './store.js';

/** How often expired entries nobody reads again are dropped; lookups drop the others. */
const SWEEP_INTERVAL_MS = 60_000;

export interface Durability {
  /**
   * Resolves once the mutation just applied is durable. `changed` is false when the call wrote
   * nothing; it still waits for the pending changes its answer rested on (a false from
   * setIfAbsent must not rest on a write that a crash could take back). Reads do not wait.
   */
  commit(changed: boolean): Promise<void>;
}

const NOTHING_TO_PERSIST: Durability = { commit: async () => {} };

/** Wraps a keyspace as a Store; mutations resolve once `durability` says so. */
export function createKeyspaceStore(keyspace: Keyspace, durability: Durability = NOTHING_TO_PERSIST): Store {
  // unref: a forgotten store must not keep the process alive.
  const sweep = setInterval(() => keyspace.purgeExpired(), SWEEP_INTERVAL_MS).unref();
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new StoreUnavailableError('the store is closed');
  };
  /** Applies a mutation, then waits until it is durable. */
  async function mutate<T>(apply: () => T, changed: (result: T) => boolean): Promise<T> {
    checkOpen();
    const result = apply();
    await durability.commit(changed(result));
    return result;
  }
  const always = () => true;
  const ifTrue = (wrote: boolean) => wrote;

  return {
    async get(key) {
      checkOpen();
      return keyspace.get(key);
    },
    set: (key, value, ttlMs) => mutate(() => keyspace.set(key, value, ttlMs), always),
    setIfAbsent: (key, value, ttlMs) => mutate(() => keyspace.setIfAbsent(key, value, ttlMs), ifTrue),
    delete: (key) => mutate(() => keyspace.delete(key), ifTrue),
    increment: (key, ttlMs) => mutate(() => keyspace.increment(key, ttlMs), always),
    setIfGreater: (key, n, ttlMs) => mutate(() => keyspace.setIfGreater(key, n, ttlMs), ifTrue),
    addToSet: (key, member, ttlMs) => mutate(() => keyspace.addToSet(key, member, ttlMs), always),
    removeFromSet: (key, member) => mutate(() => keyspace.removeFromSet(key, member), ifTrue),
    async members(key) {
      checkOpen();
      return keyspace.members(key);
    },
    async ping() {
      checkOpen();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      // Whatever is still being written is flushed before close resolves.
      await durability.commit(false);
    },
  };
}
