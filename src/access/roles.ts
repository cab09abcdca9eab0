// Owns a user's role: admins listed in gateway.yaml are always admins (the store cannot
// demote them); a role set in the store with the CLI comes next; then the YAML's roles;
// then the default role. Also whether a session or pending login still stands for its user:
// the role its login was decided under, and the user's session epoch it was issued in (read
// and cached with the stored role, so that the request path checks both without an await).

import type { RoleSettings } from '../config/runtime.js';
import { userKey } from '../factors/user-keys.js';
import type { Store } from '../store/store.js';

export const ADMIN_ROLE = 'admin';

/** The store key of a role set with `gateway users set-role`. */
export function roleKey(user: string): string {
  return `role:${user}`;
}

/**
 * The key of the user's session epoch: absent until their sessions are first ended all at once
 * (session/records.ts revoke), then a new random value at every such end. A session carries the
 * epoch its login read before it checked anything, and stands only while the epoch is that one:
 * so a login that finishes while its user's sessions are being ended, which the end's read of
 * the user's index can miss, is ended too. In the user's slot (a reset can write it with the
 * factors); sessions themselves are not, so no one write can delete them with it.
 */
export const sessionEpochKey = (user: string): string => userKey('sessions:epoch', user);

/** What a session or pending login was issued under: its user, the role decided then, the user's session epoch then. */
export interface IssuedUnder {
  readonly user: string;
  readonly role: string;
  /** Absent: the user had no epoch (or the record was written before epochs existed). */
  readonly epoch?: string;
}

/** What changed since a session or pending login was issued, so that it no longer stands. */
export type ChangeSince = 'role' | 'sessions ended';

/** Where a role comes from, in the order of precedence. */
export type RoleSource = 'admins' | 'store' | 'roles' | 'default';

/** The role and where it comes from, by the precedence above (pure; `gateway users show` tells the source). */
export function resolveRoleSource(
  user: string,
  settings: RoleSettings,
  storedRole: string | undefined,
): { role: string; source: RoleSource } {
  if (settings.admins.includes(user)) return { role: ADMIN_ROLE, source: 'admins' };
  if (storedRole !== undefined) return { role: storedRole, source: 'store' };
  const fixed = settings.roles[user];
  if (fixed !== undefined) return { role: fixed, source: 'roles' };
  return { role: settings.default_role, source: 'default' };
}

/** The role from the settings and the store's answer, by the precedence above (pure). */
export function resolveRole(user: string, settings: RoleSettings, storedRole: string | undefined): string {
  return resolveRoleSource(user, settings, storedRole).role;
}

/** How long a stored role and a session epoch are believed before they are read again (a change applies within this). */
export const ROLE_CACHE_MS = 2_000;
const ROLE_CACHE_ENTRIES = 10_000;

/** Whether a session or pending login still stands, for every request of it: a lookup, and two store reads every couple of seconds. */
export interface RoleResolver {
  /**
   * What changed since `issued` (its user's role, or their sessions were ended), or undefined
   * while it stands. A cached answer that says it changed is read again from the store before
   * it counts: a login just after a role change or an end of sessions carries the new role and
   * epoch, which a cache filled a moment before would otherwise take for a change of its own.
   */
  changeSince(issued: IssuedUnder, settings: RoleSettings): Promise<ChangeSince | undefined>;
  /**
   * changeSince()'s "it stands" when it needs no store read: true when the role and epoch read
   * under ROLE_CACHE_MS ago give it; false when changeSince() must be asked.
   */
  unchangedNow(issued: IssuedUnder, settings: RoleSettings): boolean;
}

/**
 * Resolves roles and session epochs with the stored ones cached for ROLE_CACHE_MS, so that a
 * demotion (set-role, an edit of gateway.yaml) or an end of a user's sessions reaches sessions
 * opened before it within seconds, at the cost of a map lookup per request. The cache forgets
 * everything when it fills up. The YAML's admins are read too: their role needs no read, their
 * epoch does.
 */
export function createRoleResolver(store: Store, now: () => number): RoleResolver {
  const cache = new Map<string, { stored: string | undefined; epoch: string | undefined; at: number }>();
  const cached = (user: string) => {
    const entry = cache.get(user);
    return entry && now() - entry.at < ROLE_CACHE_MS ? entry : undefined;
  };
  const read = async (user: string) => {
    // Two keys in two slots, read at once: one round trip on a pipelining client.
    const [stored, epoch] = await Promise.all([store.get(roleKey(user)), store.get(sessionEpochKey(user))]);
    const entry = { stored, epoch, at: now() };
    if (cache.size >= ROLE_CACHE_ENTRIES) cache.clear();
    cache.set(user, entry);
    return entry;
  };
  /** What changed by `entry`'s reading (pure). */
  const change = (
    entry: { stored: string | undefined; epoch: string | undefined },
    issued: IssuedUnder,
    settings: RoleSettings,
  ): ChangeSince | undefined => {
    if (resolveRole(issued.user, settings, entry.stored) !== issued.role) return 'role';
    return entry.epoch === issued.epoch ? undefined : 'sessions ended';
  };
  return {
    async changeSince(issued, settings) {
      const entry = cached(issued.user);
      if (entry && change(entry, issued, settings) === undefined) return undefined;
      return change(await read(issued.user), issued, settings);
    },
    unchangedNow(issued, settings) {
      const entry = cached(issued.user);
      return entry !== undefined && change(entry, issued, settings) === undefined;
    },
  };
}

/** Looks the role up (one store read). */
export async function roleOf(user: string, settings: RoleSettings, store: Store): Promise<string> {
  if (settings.admins.includes(user)) return ADMIN_ROLE;
  return resolveRole(user, settings, await store.get(roleKey(user)));
}
