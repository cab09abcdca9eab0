// Owns guessing limits (S5, S15): what is counted, when a lock starts, and the locks an
// operator sees and lifts. Failures are counted per (user, address) pair and per user; an
// address is locked as a whole only when many distinct users fail from it (credential
// stuffing), so one person's typos never lock out colleagues behind the same NAT. Every
// attempt is reserved with atomic store operations before its check, so a limit holds
// exactly however many gateways share the store. The rules are pure (limitsReached,
// triesLeft); the rest keeps the counters and locks in the store.

import type { Store } from '../store/store.js';

export interface LockoutSettings {
  /** Failures of one user from one address that lock that user at that address. */
  failures: number;
  /** Failures of one user from any address that lock the user everywhere. */
  user_failures: number;
  /** Distinct users failing from one address that lock the address for everyone. */
  address_users: number;
  window: number;
  duration: number;
}

/** What a lock covers: one user at one address, one user anywhere, or one address for everyone. */
export type LockScope = 'pair' | 'user' | 'address';

/** A lock that stands: what it covers and when it ends (ms since the epoch). */
export interface Lock {
  readonly scope: LockScope;
  readonly user?: string;
  readonly address?: string;
  readonly until: number;
}

/** The counts after an attempt was reserved: the pair's, the user's, and the distinct users failing from the address. */
export interface Tally {
  pair: number;
  user: number;
  addressUsers: number;
}

/** The scopes whose count has reached its threshold (a failure at that count starts their lock). */
export function limitsReached(tally: Tally, settings: LockoutSettings): LockScope[] {
  const reached: LockScope[] = [];
  if (tally.pair >= settings.failures) reached.push('pair');
  if (tally.user >= settings.user_failures) reached.push('user');
  if (tally.addressUsers >= settings.address_users) reached.push('address');
  return reached;
}

/** The scopes a reserved attempt would go past: that attempt is not checked at all. */
export function limitsExceeded(tally: Tally, settings: LockoutSettings): LockScope[] {
  return limitsReached({ pair: tally.pair - 1, user: tally.user - 1, addressUsers: tally.addressUsers - 1 }, settings);
}

/** Tries this user has left at this address before a lock (the address's count is about other users). */
export function triesLeft(tally: Tally, settings: LockoutSettings): number {
  return Math.max(0, Math.min(settings.failures - tally.pair, settings.user_failures - tally.user));
}

/** A lock as the audit log and the operator name it: "user:alice", "pair:alice@203.0.113.7", "address:203.0.113.7". */
export function lockName(lock: Lock): string {
  if (lock.scope === 'pair') return `pair:${lock.user}@${lock.address}`;
  return lock.scope === 'user' ? `user:${lock.user}` : `address:${lock.address}`;
}

/** Seconds until every one of these locks has ended (what a refused person must wait). */
export function secondsLeft(locks: readonly Lock[], now: number): number {
  return Math.max(1, Math.ceil((Math.max(now, ...locks.map((lock) => lock.until)) - now) / 1000));
}

/** A reserved attempt: its check is counted as a failure, or it passed and the user's failures are forgotten. */
export interface Attempt {
  /** Counts the reserved attempt as a failure; returns the locks it started and the tries left. */
  failed(): Promise<{ started: Lock[]; triesLeft: number }>;
  /** The check passed: the user's failures (pair, user, and their mark on the address) are forgotten. */
  passed(): Promise<void>;
}

export type Reservation = { ok: true; attempt: Attempt } | { ok: false; locks: Lock[] };

export interface Regulator {
  /** The locks that stand against this user at this address (empty when none does). */
  locked(user: string, address: string): Promise<Lock[]>;
  /** Reserves one attempt before its check; refused (nothing to check) when a lock stands or a limit is used up. */
  reserve(user: string, address: string): Promise<Reservation>;
  /** The locks on a user: everywhere, and at each address. */
  locksOf(user: string): Promise<Lock[]>;
  /** The lock on an address as a whole, if one stands. */
  addressLock(address: string): Promise<Lock | undefined>;
  /** Lifts every lock on a user and forgets their failures (an operator's decision); returns the locks lifted. */
  unlockUser(user: string): Promise<Lock[]>;
  /** Lifts an address's lock and forgets the users failing from it; returns the lock lifted, if one stood. */
  unlockAddress(address: string): Promise<Lock | undefined>;
}

/**
 * The limits of a login's password, before it is forwarded: a lock of the second step holds
 * the password form too (nobody tries that user's password meanwhile), else one attempt of the
 * password form is reserved. Nothing is reserved for a login refused anyway (`allowed` false).
 */
export async function reserveLogin(
  limits: { password: Regulator; secondStep: Regulator },
  user: string,
  address: string,
  allowed: boolean,
): Promise<{ locks: Lock[]; attempt?: Attempt }> {
  const locks = await limits.secondStep.locked(user, address);
  if (locks.length > 0 || !allowed) return { locks };
  const reserved = await limits.password.reserve(user, address);
  return reserved.ok ? { locks, attempt: reserved.attempt } : { locks: reserved.locks };
}

/** The regulators' namespaces: the second step and the app's password form are limited separately. */
export const LIMITED = { secondStep: 'second-step', password: 'password' } as const;

/** A pair lock as a member of the user's set of pair locks: "UNTIL ADDRESS" (an address has no space). */
const pairMember = (until: number, address: string) => `${until} ${address}`;
function parsePairMember(member: string): { until: number; address: string } | undefined {
  const space = member.indexOf(' ');
  const until = Number(member.slice(0, space));
  return space > 0 && Number.isFinite(until) ? { until, address: member.slice(space + 1) } : undefined;
}

export function createRegulator(
  store: Store,
  namespace: string,
  settings: () => LockoutSettings,
  now: () => number = Date.now,
): Regulator {
  // Every key has a time-to-live (the window or the lock's duration), so a flood of made-up
  // names costs keys that drain by themselves: at most three counters per name and address.
  const keys = {
    pairCount: (user: string, address: string) => `fails:${namespace}:pair:${address} ${user}`,
    userCount: (user: string) => `fails:${namespace}:user:${user}`,
    addressUsers: (address: string) => `fails:${namespace}:address:${address}`,
    userLock: (user: string) => `lock:${namespace}:user:${user}`,
    addressLock: (address: string) => `lock:${namespace}:address:${address}`,
    // The user's pair locks in one set, so that an operator finds them all without a key scan.
    pairLocks: (user: string) => `lock:${namespace}:pairs:${user}`,
  };

  const lockUntil = async (key: string): Promise<number | undefined> => {
    const value = await store.get(key);
    const until = Number(value);
    return value !== undefined && until > now() ? until : undefined;
  };

  async function pairLocks(user: string): Promise<Lock[]> {
    const time = now();
    const locks: Lock[] = [];
    for (const member of await store.members(keys.pairLocks(user))) {
      const pair = parsePairMember(member);
      if (pair && pair.until > time) locks.push({ scope: 'pair', user, address: pair.address, until: pair.until });
    }
    return locks;
  }

  async function addressLock(address: string): Promise<Lock | undefined> {
    const until = await lockUntil(keys.addressLock(address));
    return until === undefined ? undefined : { scope: 'address', address, until };
  }

  async function locked(user: string, address: string): Promise<Lock[]> {
    const [userUntil, atAddress, pairs] = await Promise.all([
      lockUntil(keys.userLock(user)),
      addressLock(address),
      pairLocks(user),
    ]);
    const locks = pairs.filter((lock) => lock.address === address);
    if (userUntil !== undefined) locks.push({ scope: 'user', user, until: userUntil });
    if (atAddress) locks.push(atAddress);
    return locks;
  }

  /** Starts the locks of these scopes; returns those this call started (not those already standing). */
  async function start(scopes: readonly LockScope[], user: string, address: string): Promise<Lock[]> {
    const { duration } = settings();
    const until = now() + duration;
    const started: Lock[] = [];
    for (const scope of scopes) {
      if (scope === 'pair') {
        if ((await pairLocks(user)).some((lock) => lock.address === address)) continue;
        await store.addToSet(keys.pairLocks(user), pairMember(until, address), duration);
        started.push({ scope, user, address, until });
      } else if (scope === 'user') {
        if (await store.setIfAbsent(keys.userLock(user), String(until), duration)) started.push({ scope, user, until });
      } else if (await store.setIfAbsent(keys.addressLock(address), String(until), duration)) {
        started.push({ scope, address, until });
      }
    }
    return started;
  }

  return {
    locked,

    async reserve(user, address) {
      const standing = await locked(user, address);
      if (standing.length > 0) return { ok: false, locks: standing };
      const { window } = settings();
      // Each count is one atomic operation whose answer includes this attempt, so of any number
      // of attempts reserved at once (on any number of gateways) at most the threshold see a
      // count within it. The address's distinct users are read after this user joined them:
      // the size read is at least this user's rank, with the same effect.
      const [pair, userCount] = await Promise.all([
        store.increment(keys.pairCount(user, address), window),
        store.increment(keys.userCount(user), window),
        store.addToSet(keys.addressUsers(address), user, window),
      ]);
      const tally: Tally = {
        pair,
        user: userCount,
        addressUsers: (await store.members(keys.addressUsers(address))).length,
      };
      const exceeded = limitsExceeded(tally, settings());
      if (exceeded.length > 0) {
        await start(exceeded, user, address);
        return { ok: false, locks: await locked(user, address) };
      }
      return {
        ok: true,
        attempt: {
          async failed() {
            const started = await start(limitsReached(tally, settings()), user, address);
            return { started, triesLeft: triesLeft(tally, settings()) };
          },
          async passed() {
            await Promise.all([
              store.delete(keys.pairCount(user, address)),
              store.delete(keys.userCount(user)),
              store.removeFromSet(keys.addressUsers(address), user),
            ]);
          },
        },
      };
    },

    async locksOf(user) {
      const until = await lockUntil(keys.userLock(user));
      const locks = await pairLocks(user);
      return until === undefined ? locks : [{ scope: 'user', user, until }, ...locks];
    },

    addressLock,

    async unlockUser(user) {
      const locks = await this.locksOf(user);
      await Promise.all([
        store.delete(keys.userLock(user)),
        store.delete(keys.userCount(user)),
        store.delete(keys.pairLocks(user)),
        ...locks.flatMap((lock) => (lock.address ? [store.delete(keys.pairCount(user, lock.address))] : [])),
      ]);
      return locks;
    },

    async unlockAddress(address) {
      const lock = await addressLock(address);
      await Promise.all([store.delete(keys.addressLock(address)), store.delete(keys.addressUsers(address))]);
      return lock;
    },
  };
}
