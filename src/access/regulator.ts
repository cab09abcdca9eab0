// Owns guessing limits (S5, S15): what is counted, when a lock starts, and the locks an
// operator sees and lifts. Failures are counted per (user, address) pair and per user; an
// address is locked as a whole only when many distinct users fail from it (credential
// stuffing), so one person's typos never lock out colleagues behind the same NAT, and
// colleagues signing in at the same moment never lock it at all. Every attempt is reserved
// with atomic store operations before its check, so a limit holds exactly however many
// gateways share the store; a user past the address's bound of users being checked at once is
// only asked to try again in a moment. The rules are pure (limitsReached, limitsExceeded,
// addressBusy, triesLeft); the rest keeps the counters and locks in the store.

import { randomBytes } from 'node:crypto';
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

/** The counts of a failed attempt: the pair's and the user's (as reserved), and the distinct users who failed from the address. */
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

/**
 * The scopes a reserved attempt would go past: that attempt is not checked at all. Only the
 * user's own counts: the address's lock starts on failures alone (addressBusy bounds the rest).
 */
export function limitsExceeded(counts: Pick<Tally, 'pair' | 'user'>, settings: LockoutSettings): LockScope[] {
  return limitsReached({ pair: counts.pair - 1, user: counts.user - 1, addressUsers: 0 }, settings);
}

/**
 * Whether an attempt goes past `address_users`, given the distinct users of the address's set of
 * attempts being checked or failed (read after this attempt joined it): then that attempt waits
 * a moment, nothing is counted and no lock starts. So at most `address_users` distinct users are
 * checked from one address at once, and colleagues signing in together never lock their office.
 */
export function addressBusy(usersChecked: number, settings: LockoutSettings): boolean {
  return usersChecked > settings.address_users;
}

/**
 * An attempt's entry in the address's set: "NONCE USER". Each attempt joins under an entry of its
 * own, so one put off as busy takes back only its own entry, never the one under which the same
 * user's other attempt (a second tab, another gateway) is being checked: a shared entry, taken
 * back, let a further user in past the bound.
 */
const attemptEntry = (user: string) => `${randomBytes(8).toString('hex')} ${user}`;
const entryUser = (entry: string) => entry.slice(entry.indexOf(' ') + 1);

/** How many distinct users the address's entries name (pure). */
export function usersIn(entries: readonly string[]): number {
  return new Set(entries.map(entryUser)).size;
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
  /**
   * Ends an attempt that got no verdict (its check threw, or the login was refused for another
   * reason): takes back its own entry in the address's set, which would otherwise hold one of the
   * address's places as long as busy joins renew the set. Its counts stay counted (a check made
   * to throw buys no free guess) and it never marks the user as failed at the address (only a
   * failure may start an address lock). Does nothing once failed() or passed() was called, so a
   * caller runs it in a finally.
   */
  abandoned(): Promise<void>;
}

export type Reservation =
  | { ok: true; attempt: Attempt }
  | { ok: false; locks: Lock[] }
  /** Too many other users are being checked from this address at once: try again in a moment. */
  | { ok: false; busy: true };

export interface Regulator {
  /** The locks that stand against this user at this address (empty when none does). */
  locked(user: string, address: string): Promise<Lock[]>;
  /** Reserves one attempt before its check; refused (nothing to check) when a lock stands, a limit is used up, or the address is busy. */
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
): Promise<{ locks: Lock[]; attempt?: Attempt; busy?: true }> {
  const locks = await limits.secondStep.locked(user, address);
  if (locks.length > 0 || !allowed) return { locks };
  const reserved = await limits.password.reserve(user, address);
  if (reserved.ok) return { locks, attempt: reserved.attempt };
  return 'busy' in reserved ? { locks, busy: true } : { locks: reserved.locks };
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
  // names costs keys that drain by themselves: two counters per name and two sets per address.
  const keys = {
    pairCount: (user: string, address: string) => `fails:${namespace}:pair:${address} ${user}`,
    userCount: (user: string) => `fails:${namespace}:user:${user}`,
    // The attempts being checked or failed from the address, an entry each (attemptEntry): their
    // distinct users bound those checked at once…
    addressUsers: (address: string) => `fails:${namespace}:address:${address}`,
    // …and those who failed from it: only these lock the address.
    addressFailed: (address: string) => `fails:${namespace}:address-failed:${address}`,
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

  /** Takes every entry of `user` out of the address's set: a passed check forgets their mark there. */
  async function forgetAddressEntries(address: string, user: string): Promise<void> {
    const usersKey = keys.addressUsers(address);
    const own = (await store.members(usersKey)).filter((entry) => entryUser(entry) === user);
    await Promise.all(own.map((entry) => store.removeFromSet(usersKey, entry)));
  }

  /** The attempt reserved under `entry`, with the pair's and the user's counts it was reserved at. */
  function reservedAttempt(
    user: string,
    address: string,
    entry: string,
    counts: Pick<Tally, 'pair' | 'user'>,
  ): Attempt {
    const { window } = settings();
    let settled = false;
    return {
      async failed() {
        settled = true;
        await store.addToSet(keys.addressFailed(address), user, window);
        const addressUsers = (await store.members(keys.addressFailed(address))).length;
        const tally: Tally = { ...counts, addressUsers };
        const started = await start(limitsReached(tally, settings()), user, address);
        return { started, triesLeft: triesLeft(tally, settings()) };
      },
      async passed() {
        settled = true;
        await Promise.all([
          store.delete(keys.pairCount(user, address)),
          store.delete(keys.userCount(user)),
          forgetAddressEntries(address, user),
          store.removeFromSet(keys.addressFailed(address), user),
        ]);
      },
      async abandoned() {
        if (settled) return;
        settled = true;
        await store.removeFromSet(keys.addressUsers(address), entry);
      },
    };
  }

  return {
    locked,

    async reserve(user, address) {
      const standing = await locked(user, address);
      if (standing.length > 0) return { ok: false, locks: standing };
      const { window } = settings();
      // The address's users are read after this attempt joined them: the count read is at
      // least this user's rank, so of any number of users joining at once (on any number of
      // gateways) at most the bound see a count within it. One who goes past it takes back its
      // own entry, before anything of theirs is counted.
      const usersKey = keys.addressUsers(address);
      const entry = attemptEntry(user);
      await store.addToSet(usersKey, entry, window);
      let checking = false;
      try {
        if (addressBusy(usersIn(await store.members(usersKey)), settings())) return { ok: false, busy: true };
        // Each count is one atomic operation whose answer includes this attempt, so of any number
        // of attempts reserved at once at most the threshold see a count within it.
        const [pair, userCount] = await Promise.all([
          store.increment(keys.pairCount(user, address), window),
          store.increment(keys.userCount(user), window),
        ]);
        const exceeded = limitsExceeded({ pair, user: userCount }, settings());
        if (exceeded.length > 0) {
          await start(exceeded, user, address);
          return { ok: false, locks: await locked(user, address) };
        }
        checking = true;
        return { ok: true, attempt: reservedAttempt(user, address, entry, { pair, user: userCount }) };
      } finally {
        // An attempt not let through to its check (busy, past a limit, or a count that threw)
        // takes back its own entry: it is neither being checked nor failed.
        if (!checking) await store.removeFromSet(usersKey, entry);
      }
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
      await Promise.all([
        store.delete(keys.addressLock(address)),
        store.delete(keys.addressUsers(address)),
        store.delete(keys.addressFailed(address)),
      ]);
      return lock;
    },
  };
}
