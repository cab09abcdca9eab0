// Owns the memory store: the keyspace alone, for tests and a single gateway process. Nothing
// survives a restart, so it suits neither enrollments nor more than one process.

import { createKeyspace } from './keyspace.js';
import { createKeyspaceStore, type KeyspaceStore } from './keyspace-store.js';

export interface MemoryStoreOptions {
  /** The clock TTLs are measured against (tests inject one to expire keys without sleeping). */
  now?: () => number;
}

/** Creates an empty in-process store. */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyspaceStore {
  return createKeyspaceStore(createKeyspace(options.now ?? Date.now));
}
