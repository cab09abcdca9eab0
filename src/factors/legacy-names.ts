// Owns moving a user's factor records from the names they had before the Redis Cluster hash tag
// (issue 13: "totp:secret:alice" became "totp:secret:{u:alice}"). Without it an upgrade would
// read an enrolled user as never enrolled, and with `enrollment.first: open` whoever holds that
// password could enroll a phone of their own. The store has no key scan every backend offers, so
// each user's records move the first time this process touches any of that user's factor keys:
// before the touch, so a reset or a recovery code never acts on the old names alone.

import { conditionKey, conditionList, type Store, type StoreWrite, type WriteConditions } from '../store/store.js';
import { userKey } from './user-keys.js';

/** The durable factor records as they were named before the hash tag; the rest expire within minutes. */
const MOVED_VALUES = ['totp:secret', 'questions:answers'] as const;
const MOVED_SETS = ['recovery'] as const;

const TAGGED =
  /^(?:totp:secret|totp:pending|totp:step|recovery|questions:answers|questions:asked):\{u:(.*)\}(?::[^}]*)?$/s;

/** The user whose factor record `key` names, or undefined for any other key. */
export function factorKeyUser(key: string): string | undefined {
  return TAGGED.exec(key)?.[1];
}

/** Moves `user`'s records under their earlier names to the current ones; a record already there wins. */
export async function moveLegacyRecords(store: Store, user: string): Promise<void> {
  for (const kind of MOVED_VALUES) {
    const legacy = `${kind}:${user}`;
    const value = await store.get(legacy);
    if (value === undefined) continue;
    await store.setIfAbsent(userKey(kind, user), value);
    await store.delete(legacy);
  }
  for (const kind of MOVED_SETS) {
    const legacy = `${kind}:${user}`;
    const members = await store.members(legacy);
    if (members.length === 0) continue;
    const current = userKey(kind, user);
    // Only into an absent set: codes spent under the new name stay spent.
    await store.writeAll([{ op: 'replaceSet', key: current, members }], { ifAbsent: current });
    await store.delete(legacy);
  }
}

/** How many users this process remembers as moved; past it, a user is checked again (a few reads). */
const REMEMBERED = 10_000;

/** The store as the factors see it: each user's earlier records moved before the first touch. */
export function withLegacyFactorNames(store: Store): Store {
  const moved = new Set<string>();
  const ready = async (keys: readonly string[]): Promise<void> => {
    for (const key of keys) {
      const user = factorKeyUser(key);
      if (user === undefined || moved.has(user)) continue;
      await moveLegacyRecords(store, user);
      if (moved.size >= REMEMBERED) moved.clear();
      moved.add(user);
    }
  };
  const touching = <T>(keys: readonly string[], op: () => Promise<T>): Promise<T> => ready(keys).then(op);
  return {
    get: (key) => touching([key], () => store.get(key)),
    set: (key, value, ttlMs) => touching([key], () => store.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => touching([key], () => store.setIfAbsent(key, value, ttlMs)),
    delete: (key) => touching([key], () => store.delete(key)),
    increment: (key, ttlMs) => store.increment(key, ttlMs),
    setIfGreater: (key, n, ttlMs) => touching([key], () => store.setIfGreater(key, n, ttlMs)),
    addToSet: (key, member, ttlMs) => touching([key], () => store.addToSet(key, member, ttlMs)),
    removeFromSet: (key, member) => touching([key], () => store.removeFromSet(key, member)),
    members: (key) => touching([key], () => store.members(key)),
    // No factor record is an ordered set.
    addOrdered: (key, member, score, ttlMs) => store.addOrdered(key, member, score, ttlMs),
    removeOrdered: (key, member) => store.removeOrdered(key, member),
    lowestOrdered: (key, range) => store.lowestOrdered(key, range),
    orderedMembers: (key) => store.orderedMembers(key),
    pushCapped: (key, item, max, ttlMs) => store.pushCapped(key, item, max, ttlMs),
    listItems: (key) => store.listItems(key),
    writeAll: (writes: readonly StoreWrite[], conditions?: WriteConditions) =>
      touching([...writes.map((w) => w.key), ...conditionList(conditions).map(conditionKey)], () =>
        store.writeAll(writes, conditions),
      ),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
