// Owns a user's role: admins listed in gateway.yaml are always admins (the store cannot
// demote them); a role set in the store with the CLI comes next; then the YAML's roles;
// then the default role.

import type { RoleSettings } from '../config/runtime.js';
import type { Store } from '../store/store.js';

export const ADMIN_ROLE = 'admin';

/** The store key of a role set with `gateway users set-role`. */
export function roleKey(user: string): string {
  return `role:${user}`;
}

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

/** How long a stored role is believed before it is read again (a change applies within this). */
export const ROLE_CACHE_MS = 2_000;
const ROLE_CACHE_ENTRIES = 10_000;

/** The role a user has now, for every request of a session: a lookup, and a store read every couple of seconds. */
export interface RoleResolver {
  /**
   * Whether the user still has `role`. A cached answer that says no is read again from the
   * store before it counts: a login just after a role change carries the new role, which a
   * cache filled a moment before the change would otherwise take for a change of its own.
   */
  unchanged(user: string, role: string, settings: RoleSettings): Promise<boolean>;
  /**
   * unchanged()'s yes when it needs no store read: true when the YAML's admins, or a stored role
   * read under ROLE_CACHE_MS ago, give the user `role`; false when unchanged() must be asked.
   */
  unchangedNow(user: string, role: string, settings: RoleSettings): boolean;
}

/**
 * Resolves roles with the stored ones cached for ROLE_CACHE_MS, so that a demotion (set-role, an
 * edit of gateway.yaml) reaches sessions opened before it within seconds, at the cost of a map
 * lookup per request. The cache forgets everything when it fills up.
 */
export function createRoleResolver(store: Store, now: () => number): RoleResolver {
  const cache = new Map<string, { stored: string | undefined; at: number }>();
  const cached = (user: string) => {
    const entry = cache.get(user);
    return entry && now() - entry.at < ROLE_CACHE_MS ? entry : undefined;
  };
  const current = async (user: string, settings: RoleSettings, fresh: boolean): Promise<string> => {
    if (settings.admins.includes(user)) return ADMIN_ROLE;
    let entry = fresh ? undefined : cached(user);
    if (!entry) {
      entry = { stored: await store.get(roleKey(user)), at: now() };
      if (cache.size >= ROLE_CACHE_ENTRIES) cache.clear();
      cache.set(user, entry);
    }
    return resolveRole(user, settings, entry.stored);
  };
  return {
    async unchanged(user, role, settings) {
      return (await current(user, settings, false)) === role || (await current(user, settings, true)) === role;
    },
    unchangedNow(user, role, settings) {
      const entry = cached(user);
      // The YAML's admins need no read: resolveRole gives them their role whatever is stored.
      if (!entry && !settings.admins.includes(user)) return false;
      return resolveRole(user, settings, entry?.stored) === role;
    },
  };
}

/** Looks the role up (one store read). */
export async function roleOf(user: string, settings: RoleSettings, store: Store): Promise<string> {
  if (settings.admins.includes(user)) return ADMIN_ROLE;
  return resolveRole(user, settings, await store.get(roleKey(user)));
}
