// Owns trusted browsers ("trust this browser for N days", issue 15): a server-side record per
// browser (user, created, last used, a summary of its user agent) that a signed cookie names.
// The record, not the cookie, is the trust: it is read from the store at every use (no cache),
// so a revocation on one gateway holds on every other at the next login, and it ends when the
// person or an admin revokes it, when the user's second step changes, or when its days are up.
// Trust skips only the second step: the password and the allowlist are checked as ever. The
// records carry the user's hash tag (user-keys.ts), so that an operator's reset removes them in
// its one atomic write with the factors'.
//
// Ending them all is by the user's trust epoch, not by the list alone: a browser being trusted
// while "revoke all" (or a reset) runs adds its id to the list after that list was read, and
// its record would outlive the revocation, unlisted, exactly when trust must end (a new TOTP
// secret, a compromise). Every record carries the epoch it was issued in; ending them all
// changes the epoch in the same atomic write as the deletions, and a record of another epoch is
// no trust, whenever it was written.

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
/** The user's current trust epoch: absent until their trusted browsers are first ended all at once. */
const epochKey = (user: string) => userKey('trusted:epoch', user);

/**
 * A record as stored: the epoch it was issued in (none for a record issued while the user had
 * no epoch yet, and for those written before epochs existed: they stand until the first change).
 */
type StoredTrust = Omit<TrustedBrowser, 'id'> & { readonly epoch?: string };

/** The trusted browser a stored record stands for: this user's, and of their current epoch (pure). */
function standingTrust(
  id: string,
  text: string | undefined,
  user: string,
  epoch: string | undefined,
): TrustedBrowser | undefined {
  if (text === undefined) return undefined;
  const { epoch: issuedIn, ...record } = JSON.parse(text) as StoredTrust;
  return record.user === user && issuedIn === epoch ? { id, ...record } : undefined;
}

/** The record of a trust as stored, in `epoch` (pure). */
const storedText = ({ id: _id, ...record }: TrustedBrowser, epoch: string | undefined): string =>
  JSON.stringify({ ...record, epoch } satisfies StoredTrust);

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
  const currentEpoch = (user: string) => store.get(epochKey(user));

  /** The record of `id` when it stands for this user in `epoch` (their current one, read by the caller). */
  const read = async (user: string, id: string, epoch: string | undefined) =>
    standingTrust(id, await store.get(recordKey(user, id)), user, epoch);

  async function revoke(user: string, id: string): Promise<boolean> {
    if (!(await read(user, id, await currentEpoch(user)))) return false;
    // The record first: its end is the end of the trust; the list only finds it.
    await store.delete(recordKey(user, id));
    await store.removeFromSet(listKey(user), id);
    return true;
  }

  async function list(user: string): Promise<TrustedBrowser[]> {
    const found: TrustedBrowser[] = [];
    const epoch = await currentEpoch(user);
    for (const id of await store.members(listKey(user))) {
      const record = await read(user, id, epoch);
      if (record) found.push(record);
      else await store.removeFromSet(listKey(user), id);
    }
    return found.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /**
   * The store changes that end every trust of the user: a new epoch (which ends those the list
   * read missed, being issued meanwhile), and the list and the records of `ids` (the list as read).
   */
  const removalOf = (user: string, ids: readonly string[]): StoreWrite[] => [
    { op: 'set', key: epochKey(user), value: randomBytes(16).toString('base64url') },
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
      // The epoch read first: a "revoke all" that ends after this read ends this trust too.
      const epoch = await currentEpoch(user);
      // Listed before it exists: a crash between the two never leaves a trust that a reset or a
      // "revoke all" cannot find (a listed id without its record is dropped from the list when read).
      await store.addToSet(listKey(user), record.id);
      await store.set(recordKey(user, record.id), storedText(record, epoch), days * DAY_MS);
      return record;
    },

    async use(id, user, days) {
      const key = recordKey(user, id);
      const [text, epoch] = await Promise.all([store.get(key), currentEpoch(user)]);
      const record = standingTrust(id, text, user, epoch);
      if (!record || !trustHolds(record.createdAt, days, now())) return undefined;
      const used = { ...record, lastUsedAt: now() };
      // The record's own end stays where it was: a use does not extend the trust. Written, and
      // the trust granted, only while the record exists and the epoch is the one read: the two
      // reads are not one instant, and a revocation between them or since is neither undone by
      // this write nor passed (a record written after an ending, with the epoch read before it).
      const ttlMs = Math.max(1, record.createdAt + days * DAY_MS - now());
      const sameEpoch =
        epoch === undefined ? { ifAbsent: epochKey(user) } : { ifEquals: { key: epochKey(user), value: epoch } };
      const written = await store.writeAll(
        [{ op: 'set', key, value: storedText(used, epoch), ttlMs }],
        [{ ifPresent: key }, sameEpoch],
      );
      return written ? used : undefined;
    },

    list,
    revoke,

    async revokeAll(user) {
      // The list read once: the live ones counted, and every listed one removed.
      const [ids, epoch] = await Promise.all([store.members(listKey(user)), currentEpoch(user)]);
      const live = (await Promise.all(ids.map((id) => read(user, id, epoch)))).filter(Boolean).length;
      await store.writeAll(removalOf(user, ids));
      return live;
    },

    removal,
  };
}
