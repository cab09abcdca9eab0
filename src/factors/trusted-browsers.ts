// Owns trusted browsers ("trust this browser for N days", issue 15): a server-side record per
// browser (user, created, last used, a summary of its user agent) that a signed cookie names.
// The record, not the cookie, is the trust: it is read from the store at every use (no cache),
// so a revocation on one gateway holds on every other at the next login, and it ends when the
// person or an admin revokes it, when the user's second step changes, or when its days are up.
// Trust skips only the second step: the password and the allowlist are checked as ever.

import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';

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
}

const recordKey = (id: string) => `trusted:${id}`;
const userKey = (user: string) => `trusted:user:${user}`;

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
  async function read(id: string): Promise<TrustedBrowser | undefined> {
    const text = await store.get(recordKey(id));
    return text === undefined ? undefined : { id, ...(JSON.parse(text) as Omit<TrustedBrowser, 'id'>) };
  }

  async function revoke(user: string, id: string): Promise<boolean> {
    const record = await read(id);
    if (!record || record.user !== user) return false;
    await store.delete(recordKey(id));
    await store.removeFromSet(userKey(user), id);
    return true;
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
      await store.set(recordKey(record.id), JSON.stringify(stored), days * DAY_MS);
      await store.addToSet(userKey(user), record.id);
      return record;
    },

    async use(id, user, days) {
      const record = await read(id);
      if (!record || record.user !== user || !trustHolds(record.createdAt, days, now())) return undefined;
      const used = { ...record, lastUsedAt: now() };
      const { id: _id, ...stored } = used;
      // The record's own end stays where it was: a use does not extend the trust.
      await store.set(recordKey(id), JSON.stringify(stored), Math.max(1, record.createdAt + days * DAY_MS - now()));
      return used;
    },

    async list(user) {
      const found: TrustedBrowser[] = [];
      for (const id of await store.members(userKey(user))) {
        const record = await read(id);
        if (record) found.push(record);
        else await store.removeFromSet(userKey(user), id);
      }
      return found.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
    },

    revoke,

    async revokeAll(user) {
      let ended = 0;
      for (const id of await store.members(userKey(user))) if (await revoke(user, id)) ended += 1;
      await store.delete(userKey(user));
      return ended;
    },
  };
}
