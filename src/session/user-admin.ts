// Owns the changes an administrator makes to a user, shared by the operator CLI (`gateway users`,
// `gateway sessions`) and, later, the admin console (issue 16): a stored role, a one-time code
// for a first enrollment (S12), a reset of every second factor, the end of sessions. Each
// checks what it must refuse (a refusal is an AdminRefusedError with the sentence to show),
// makes the change, writes its audit event through the caller's `audit` (which says who acted),
// and returns what happened; the caller words it.

import { ADMIN_ROLE, type RoleSource, resolveRoleSource, roleKey } from '../access/roles.js';
import type { RoleSettings } from '../config/runtime.js';
import type { GatewayConfig } from '../config/schema.js';
import { ENROLL_CODE_TTL_MS, issueEnrollCode } from '../factors/enroll-codes.js';
import type { FactorKind, SecondFactor } from '../factors/factor.js';
import type { AuditEvent } from '../ops/audit.js';
import type { LoginServices } from './services.js';

/** A second factor as an administrator handles it: is it there, remove it. */
export type AdminFactor = Pick<SecondFactor<never>, 'kind' | 'isEnrolled' | 'remove'>;

export const FACTOR_NAMES: Readonly<Record<FactorKind, string>> = { totp: 'TOTP', questions: 'security questions' };

/** What the changes work on, and how their audit lines say who made them. */
export interface UserAdmin {
  readonly config: Readonly<GatewayConfig>;
  readonly roles: RoleSettings;
  readonly state: Pick<LoginServices, 'store' | 'records' | 'keys' | 'recovery'>;
  /** Every second factor a user may hold; a reset removes them all. */
  readonly factors: readonly AdminFactor[];
  audit(event: AuditEvent, facts: Record<string, unknown>): void;
}

/** A change refused, with the sentence that says why (the CLI prints it, the console shows it). */
export class AdminRefusedError extends Error {
  override name = 'AdminRefusedError';
}

/** "1 session", "2 sessions". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export interface CurrentRole {
  role: string;
  source: RoleSource;
  /** The role stored with set-role, which a YAML admin overrides. */
  stored: string | undefined;
}

/** The role a user has now, where it comes from, and the stored one. */
export async function currentRole(admin: UserAdmin, user: string): Promise<CurrentRole> {
  const stored = await admin.state.store.get(roleKey(user));
  return { ...resolveRoleSource(user, admin.roles, stored), stored };
}

/** The names of the factors the user has enrolled. */
export async function enrolledFactorNames(admin: UserAdmin, user: string): Promise<string[]> {
  const enrolled = await Promise.all(admin.factors.map((factor) => factor.isEnrolled(user)));
  return admin.factors.filter((_, i) => enrolled[i]).map((factor) => FACTOR_NAMES[factor.kind]);
}

/** The roles the configuration names. A stored role outside them is most likely a typo, whose policy would be the loosest. */
function knownRoles(config: Readonly<GatewayConfig>): Set<string> {
  return new Set([
    ADMIN_ROLE,
    config.users.default_role,
    ...Object.keys(config.policy),
    ...Object.values(config.users.roles),
  ]);
}

/** Stores a role for the user (or clears the stored one); returns the role before and after, and the open sessions that keep the old one. */
export async function setRole(
  admin: UserAdmin,
  user: string,
  role: string | undefined,
): Promise<{ before: CurrentRole; after: { role: string; source: RoleSource }; staleSessions: number }> {
  const before = await currentRole(admin, user);
  if (role !== undefined) {
    // Admins listed in gateway.yaml are always admins (issue 6): a stored role cannot demote them.
    if (before.source === 'admins' && role !== ADMIN_ROLE) {
      throw new AdminRefusedError(
        `${user} is listed in users.admins of gateway.yaml and stays an admin whatever the store says: ` +
          `remove ${user} from users.admins to change the role`,
      );
    }
    const known = knownRoles(admin.config);
    if (!known.has(role)) {
      throw new AdminRefusedError(
        `role "${role}" is not named in gateway.yaml (known: ${[...known].sort().join(', ')}): ` +
          'add it to policy first, so that what it must pass is a decision, not a default',
      );
    }
    await admin.state.store.set(roleKey(user), role);
  } else {
    await admin.state.store.delete(roleKey(user));
  }
  const after = resolveRoleSource(user, admin.roles, role);
  admin.audit('users.role_set', { user, role: after.role, stored: role ?? null, previous: before.role });
  // A session carries the role it was created with; the new one applies from the next login.
  const stale = (await admin.state.records.listSessions(user)).filter((session) => session.role !== after.role);
  return { before, after, staleSessions: stale.length };
}

/** Issues a one-time code for a first enrollment; refused when the user already has a factor. */
export async function issueFirstEnrollCode(admin: UserAdmin, user: string): Promise<{ code: string; hours: number }> {
  const enrolled = await enrolledFactorNames(admin, user);
  if (enrolled.length > 0) {
    throw new AdminRefusedError(
      `${user} already has ${enrolled.join(' and ')}: a first-enrollment code is for a user with no factor ` +
        `(gateway users reset-factor ${user} removes it)`,
    );
  }
  const code = await issueEnrollCode(admin.state.store, admin.state.keys.digest, user);
  const hours = ENROLL_CODE_TTL_MS / 3_600_000;
  admin.audit('enrollment.code_issued', { user, valid_hours: hours });
  return { code, hours };
}

/** Removes every second factor of the user and the recovery codes, and ends the user's sessions. */
export async function resetFactors(admin: UserAdmin, user: string): Promise<{ removed: string[]; ended: string[] }> {
  const { state } = admin;
  const removed: string[] = [];
  for (const factor of admin.factors) {
    if (await factor.remove(user)) removed.push(FACTOR_NAMES[factor.kind]);
  }
  const codes = await state.recovery.remaining(user);
  if (await state.recovery.remove(user)) removed.push(count(codes, 'recovery code'));
  // Sessions opened with the lost factor end too: whoever holds the phone may hold one of them.
  const ended = await state.records.revoke(user);
  admin.audit('enrollment.factor_reset', { user, removed, sessions_ended: ended.length });
  if (ended.length > 0) admin.audit('session.revoked', { user, sessions: ended.length, reason: 'factor reset' });
  return { removed, ended };
}

/** Ends every session of a user, or of everyone; returns the ids it ended. */
export async function endSessions(admin: UserAdmin, user: string | undefined): Promise<string[]> {
  const ended = await admin.state.records.revoke(user ?? { all: true });
  admin.audit('session.revoked', user ? { user, sessions: ended.length } : { all: true, sessions: ended.length });
  return ended;
}
