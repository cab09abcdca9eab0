// A store whose next read of one key can be held between the read and its answer: a test lets
// another gateway change that key meanwhile, then lets the read go, and sees what the first
// gateway's read-modify-write does with a value that is no longer current. A write's answer
// (applied or refused) can be held likewise, to let another gateway act between two tries of a
// change, and so can a set's add, to let it act between that add and the write that follows it,
// a value's set likewise, and an ordered set's read. A key ending in `*` holds the next such call
// on any key it begins (a session record, whose id the test cannot know beforehand). No sleeps
// or timing.

import type { Store } from '../../src/store/store.js';

/** A held read: it has read the store, and answers once released. */
export interface HeldRead {
  /** Resolves once the read has taken its value from the store. */
  readonly reached: Promise<void>;
  release(): void;
}

/**
 * What can be held: a `get`, `members` or `orderedMembers` of a key, an `addToSet` or a `set` to
 * it, or a `writeAll` whose first change is to it.
 */
type Read = 'get' | 'members' | 'orderedMembers' | 'addToSet' | 'set' | 'writeAll';

/** Whether `pattern` (a key, or a prefix and `*`) names `key` (pure). */
const names = (pattern: string, key: string) =>
  pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key;

/** The store, with a way to hold its next call of one of the kinds above on one key. */
export function holdingStore(store: Store): { store: Store; holdNextRead(read: Read, key: string): HeldRead } {
  let held: { read: Read; key: string; reached(): void; released: Promise<void> } | undefined;
  async function pass(read: Read, key: string): Promise<void> {
    if (held?.read === read && names(held.key, key)) {
      const { reached, released } = held;
      held = undefined;
      reached();
      await released;
    }
  }
  const holding =
    <T>(read: Read, call: (key: string) => Promise<T>) =>
    async (key: string): Promise<T> => {
      const value = await call(key);
      await pass(read, key);
      return value;
    };
  return {
    store: {
      ...store,
      get: holding('get', (key) => store.get(key)),
      members: holding('members', (key) => store.members(key)),
      orderedMembers: holding('orderedMembers', (key) => store.orderedMembers(key)),
      async set(key, value, ttlMs) {
        await store.set(key, value, ttlMs);
        await pass('set', key);
      },
      async addToSet(key, member, ttlMs) {
        await store.addToSet(key, member, ttlMs);
        await pass('addToSet', key);
      },
      async writeAll(writes, conditions) {
        const written = await store.writeAll(writes, conditions);
        await pass('writeAll', writes[0]?.key ?? '');
        return written;
      },
    },
    holdNextRead(read, key) {
      let reach = () => {};
      let release = () => {};
      const reached = new Promise<void>((resolve) => {
        reach = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      held = { read, key, reached: reach, released };
      return { reached, release };
    },
  };
}

/** Runs `change` with the next read of `key` held until `meanwhile` has run; resolves with what `change` resolved. */
export async function withReadHeld<T>(
  hold: () => HeldRead,
  change: () => Promise<T>,
  meanwhile: () => Promise<unknown>,
): Promise<T> {
  const held = hold();
  const changing = change();
  await held.reached;
  await meanwhile();
  held.release();
  return changing;
}
