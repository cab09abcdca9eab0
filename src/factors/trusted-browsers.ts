// Owns trusted browsers ("trust this browser for N days", issue 15): a server-side record per
// browser (user, created, last used, a summary of its user agent) that a signed cookie names.
// The record, not the cookie, is the trust: it is read from the store at every use (no cache),
// so a revocation on one gateway holds on every other at the next login, and it ends when the
// person or an admin revokes it, when the user's second step changes, or when its days are up.
// Trust skips only the second step: the password and the allowlist are checked as ever. The
// records carry the user's hash tag (user-keys.ts), so that an operator's reset removes them in
// its one atomic write with the factors'.

import { randomBytes } from 'node:crypto';
import type { Store, StoreWrite } from '../store/store.js';
import { userKey } from './user-keys.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A trusted browser as the sessions page lists it. */
export interface TrustedBrowser {
  readonly id: string;
  readonly user: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** "Firefox on Linux": enough for a person to recognise it, nothing more of the header. */
  readonly agent: string;
}

export interface TrustedBrowsers {
  /** Records a browser trusted for `days` from now; its id goes into the signed cookie. */
  issue(user: string, agent: string, days: number): Promise<TrustedBrowser>;
  /**
   * The record when it stands for this user and is younger than `days` (the role's setting now:
   * shortening it applies to browsers trusted before); the use is recorded.
   */
  use(id: string, user: string, days: number): Promise<TrustedBrowser | undefined>;
  /** The user's trusted browsers, most recently used first. */
  list(user: string): Promise<TrustedBrowser[]>;
  /** Ends one of the user's trusted browsers; true when it was theirs and alive. */
  revoke(user: string, id: string): Promise<boolean>;
  /** Ends every trusted browser of the user (a second step changed or reset); how many there were. */
  revokeAll(user: string): Promise<number>;
  /** The store changes that remove every trusted-browser record of the user, for an operator reset's one atomic write. */
  removal(user: string): Promise<StoreWrite[]>;
}

// Named by the user too: the cookie names the id, and every use checks it for the user signing in.
const recordKey = (user: string, id: string) => `${userKey('trusted', user)}:${id}`;
const listKey = (user: string) => userKey('trusted:ids', user);

/** Whether a trust made at `createdAt` still holds at `now` for a role that trusts browsers `days` days (pure). */
export function trustHolds(createdAt: number, days: number, now: number): boolean {
  return days > 0 && now < createdAt + days * DAY_MS;
}

/** A short, recognisable summary of a User-Agent header: browser and system (pure). */
export function agentSummary(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'A browser';
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux|X11/.test(ua)
            ? 'Linux'
            : undefined;
  return system ? `${browser} on ${system}` : browser;
}

/** Creates the trusted-browser records over the shared store. */
export function createTrustedBrowsers({ store, now }: { store: Store; now: () => number }): TrustedBrowsers {
  async function read(user: string, id: string): Promise<TrustedBrowser | undefined> {
    const text = await store.get(recordKey(user, id));
    if (text === undefined) return undefined;
    const record: TrustedBrowser = { id, ...(JSON.parse(text) as Omit<TrustedBrowser, 'id'>) };
    return record.user === user ? record : undefined;
  }

  async function revoke(user: string, id: string): Promise<boolean> {
    if (!(await read(user, id))) return false;
    // The record first: its end is the end of the trust; the list only finds it.
    await store.delete(recordKey(user, id));
    await store.removeFromSet(listKey(user), id);
    return true;
  }

  async function list(user: string): Promise<TrustedBrowser[]> {
    const found: TrustedBrowser[] = [];
    for (const id of await store.members(listKey(user))) {
      const record = await read(user, id);
      if (record) found.push(record);
      else await store.removeFromSet(listKey(user), id);
    }
    return found.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /** The store changes that remove the list and the records of `ids` (the list as read). */
  const removalOf = (user: string, ids: readonly string[]): StoreWrite[] => [
    { op: 'delete', key: listKey(user) },
    ...ids.map((id): StoreWrite => ({ op: 'delete', key: recordKey(user, id) })),
  ];

  async function removal(user: string): Promise<StoreWrite[]> {
    return removalOf(user, await store.members(listKey(user)));
  }

  return {
    async issue(user, agent, days) {
      const time = now();
      const record: TrustedBrowser = {
        id: randomBytes(32).toString('base64url'),
        user,
        createdAt: time,
        lastUsedAt: time,
        agent,
      };
      const { id: _id, ...stored } = record;
      // Listed before it exists: a crash between the two never leaves a trust that a reset or a
      // "revoke all" cannot find (a listed id without its record is dropped from the list when read).
      await store.addToSet(listKey(user), record.id);
      await store.set(recordKey(user, record.id), JSON.stringify(stored), days * DAY_MS);
      return record;
    },

    async use(id, user, days) {
      const record = await read(user, id);
      if (!record || !trustHolds(record.createdAt, days, now())) return undefined;
      const used = { ...record, lastUsedAt: now() };
      const { id: _id, ...stored } = used;
      // The record's own end stays where it was: a use does not extend the trust.
      await store.set(
        recordKey(user, id),
        JSON.stringify(stored),
        Math.max(1, record.createdAt + days * DAY_MS - now()),
      );
      return used;
    },

    list,
    revoke,

    async revokeAll(user) {
      // The list read once: the live ones counted, and every listed one removed.
      const ids = await store.members(listKey(user));
      const live = (await Promise.all(ids.map((id) => read(user, id)))).filter(Boolean).length;
      await store.writeAll(removalOf(user, ids));
      return live;
    },

    removal,
  };
}
