// Owns a user's role: admins listed in gateway.yaml are always admins (the store cannot
// demote them); a role set in the store with the CLI comes next; then the YAML's roles;
// then the default role.

import type { Store } from '../store/store.js';

export interface RoleSettings {
  default_role: string;
  /** Canonical usernames. */
  admins: readonly string[];
  roles: Readonly<Record<string, string>>;
}

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

/** Looks the role up (one store read). */
export async function roleOf(user: string, settings: RoleSettings, store: Store): Promise<string> {
  if (settings.admins.includes(user)) return ADMIN_ROLE;
  return resolveRole(user, settings, await store.get(roleKey(user)));
}
