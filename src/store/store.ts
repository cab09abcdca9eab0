// Owns the contract every state backend (memory, LMDB, Redis) fulfils: string records with
// optional time-to-live, atomic counters, set-if-absent, a monotonic "set if greater", small
// sets, ordered sets (members by score, read from the lowest: an index whose add, remove and
// "oldest beyond a cap" cost the same with 10 or 10,000 members), capped lists (a bounded
// trail, newest first) and an all-or-nothing write of several keys, optionally conditional
// (the key absent, or still holding the value a caller read: a compare-and-set, so that a
// read-modify-write loses no other process's change). Everything the gateway shares between
// processes goes through it.

/** A backend could not be reached or failed; callers answer 503 and never skip a layer (S11). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly code = 'GW_STORE_UNAVAILABLE';
}

/** One change of an atomic multi-key write (Store.writeAll). */
export type StoreWrite =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs?: number }
  | { readonly op: 'delete'; readonly key: string }
  /** Replaces the whole set under key by `members` (none: the key is deleted). */
  | { readonly op: 'replaceSet'; readonly key: string; readonly members: readonly string[]; readonly ttlMs?: number };

/** Which of an ordered set's lowest members Store.lowestOrdered answers. */
export type OrderedRange = { readonly limit: number } | { readonly keep: number };

/** The condition of a conditional Store.writeAll, on one key. */
export type WriteCondition =
  /** A key that must be absent (or expired) for the changes to be applied. */
  | { readonly ifAbsent: string }
  /**
   * A key that must hold something (a value, a set or a list; not expired): the dual of
   * `ifAbsent`, for a change that is right only while another record still exists.
   */
  | { readonly ifPresent: string }
  /**
   * A key that must still hold exactly `value`, as a caller read it (compare-and-set): absent,
   * expired, another value, or a set or a list fail it. Its time-to-live is not compared.
   */
  | { readonly ifEquals: { readonly key: string; readonly value: string } };

/** The conditions of a Store.writeAll: one, or several that must all hold. */
export type WriteConditions = WriteCondition | readonly WriteCondition[];

/** The conditions as a list (pure). */
export function conditionList(conditions: WriteConditions | undefined): readonly WriteCondition[] {
  if (conditions === undefined) return [];
  return Array.isArray(conditions) ? conditions : [conditions as WriteCondition];
}

/** The key a condition is about (pure). */
export function conditionKey(condition: WriteCondition): string {
  if ('ifAbsent' in condition) return condition.ifAbsent;
  return 'ifPresent' in condition ? condition.ifPresent : condition.ifEquals.key;
}

export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Writes a value; ttlMs undefined keeps it until deleted. Resolves once durable for the backend. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Writes only when the key is absent (or expired); true when this call wrote it. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Deletes a key (value, set or list); true when something was deleted. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds 1 to a counter and returns the new count. The first increment of an absent counter
   * starts its window of ttlMs; later increments do not extend it (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Stores n only when it is greater than the stored number (or none is stored); true when it
   * was stored. Atomic across processes: two gateways accepting the same TOTP step cannot both win.
   */
  setIfGreater(key: string, n: number, ttlMs?: number): Promise<boolean>;
  /** Adds a member to a set; ttlMs, when given, (re)sets the whole set's time-to-live. */
  addToSet(key: string, member: string, ttlMs?: number): Promise<void>;
  /** Removes a member; true when it was there (so "use once" is one atomic call). */
  removeFromSet(key: string, member: string): Promise<boolean>;
  /** The members of a set (empty when absent). */
  members(key: string): Promise<string[]>;
  /**
   * Adds a member to an ordered set with its score (a finite number), or moves a member already
   * there to its new score; ttlMs, when given, (re)sets the whole set's time-to-live. Its cost
   * does not grow with the set's size.
   */
  addOrdered(key: string, member: string, score: number, ttlMs?: number): Promise<void>;
  /** Removes a member of an ordered set; true when it was there (the last one gone, the set is gone). */
  removeOrdered(key: string, member: string): Promise<boolean>;
  /**
   * The lowest-scored members of an ordered set, lowest first: at most `limit` of them, or those
   * beyond its `keep` highest (none while it holds `keep` or fewer). Reads only what it answers,
   * in one atomic step. Members of equal score come in an order of the backend's choosing.
   */
  lowestOrdered(key: string, range: OrderedRange): Promise<string[]>;
  /** Every member of an ordered set, lowest score first (empty when absent): reads them all. */
  orderedMembers(key: string): Promise<string[]>;
  /**
   * Puts `item` at the head of the list under key and keeps only its `max` newest items, in one
   * atomic step (so gateways sharing the store keep one trail, never longer than max); ttlMs,
   * when given, (re)sets the whole list's time-to-live.
   */
  pushCapped(key: string, item: string, max: number, ttlMs?: number): Promise<void>;
  /** The items of a list, newest first (empty when absent). */
  listItems(key: string): Promise<string[]>;
  /**
   * Applies every change in order, all or nothing, atomic across processes: a crash or kill -9
   * leaves either none or all of them, and no reader sees some without the others. Each change
   * overwrites whatever the key held (a value, a set or a list), so none can fail halfway. With
   * a condition (or several, which must all hold), nothing is written when one fails: `ifAbsent` when that key holds something,
   * `ifPresent` when it holds nothing, `ifEquals` when that key no longer holds exactly the value given (another process changed
   * or deleted it since it was read). The condition is checked in the same atomic step as the
   * changes, so of several writes conditioned on one state one wins; resolves true when the
   * changes were applied. In a Redis Cluster the keys (the condition's included) must share a
   * hash slot (a common {hash tag}); otherwise it rejects.
   */
  writeAll(writes: readonly StoreWrite[], conditions?: WriteConditions): Promise<boolean>;
  /** Resolves when the backend answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
